/* mcs.c — MCS queue lock.
 *
 * Algorithm: Mellor-Crummey & Scott, "Algorithms for scalable synchronization on shared-memory
 * multiprocessors" (ACM TOCS 1991), the list-based queue lock. Each waiter brings a node (its
 * per-thread context), swaps it into `tail`, links it behind the node it got back, and spins on
 * a flag in its own node; unlock hands the lock to the linked successor by clearing that flag,
 * or, with no successor, CASes `tail` from its node back to NULL. A successor that has swapped
 * but not linked yet makes unlock wait for the link. trylock CASes `tail` from NULL to its node.
 * State: tail = NULL (free) or the last node in the queue; node.next = the successor once it has
 * linked; node.waiting = 1 from enqueue until its predecessor hands over.
 * Memory order: mcs_queue.h's, which argues each pair once (the relaxed reset published by the
 *    swap and the link, the swap's acquire paired with the release tail CAS, the link paired
 *    with the acquire load of next, the handoff's release store of waiting = 0 paired with the
 *    acquire spin). This lock adds nothing to it: waiting is 1 while queued, 0 once handed over.
 * Timed acquisition: NOT FIFO. A waiter in the queue cannot leave it (its node is linked into the
 * predecessor's and will be handed the lock), so timedlock never joins it: it polls trylock with a
 * bounded doubling back-off until the deadline (deadline.h's lb_poll_trylock_until). It takes the
 * lock only at an instant when the queue is empty, and a steady queue of lock() callers can pass it
 * over until it times out. A past deadline on a held lock returns after one try. Orders: trylock's.
 * Fairness: FIFO in swap order (the swap is the doorway), for lock; timedlock is not.
 * Oversubscription: collapses, as every FIFO spinlock: the lock goes to the next node even when
 * its thread is preempted, and the queue behind it waits for a scheduler tick. A thread
 * preempted between its swap and its link also stalls the unlocker, which must wait to see it.
 * Each waiter spins on its own line, so with threads <= CPUs the lock scales where ticket does
 * not.
 * Context: the queue node, one cache line (LB_CACHE_ALIGNED), held by one thread. A context
 * may be used with any number of MCS locks, one held at a time: the node is free again once its
 * unlock returns (the successor has linked and will not touch it again).
 * Misuse: unlock through a context that holds nothing returns -EPERM (a private flag in the
 * node); without the check it would wait for ever for a successor that is not coming.
 * Test hooks (LB_TEST_HOOKS only): each node also records its queue position, counted from 1 in
 * swap order, with mcs_queue.h's turn steps (see there for why it cannot deadlock and why relaxed
 * is enough).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "mcs_queue.h"
#include <lockbench/lock.h>

struct mcs_node {
	struct mcsq_node q; /* first: see MCSQ_NODE_OF; q.wait is "waiting", 1 until handed over */
	int held;           /* private to the owning thread: for the misuse check in unlock */
#ifdef LB_TEST_HOOKS
	struct mcsq_turn t;
#endif
} LB_CACHE_ALIGNED;
_Static_assert(offsetof(struct mcs_node, q) == 0, "MCSQ_NODE_OF needs q first");

struct mcs_lock {
	_Atomic(struct mcsq_node *) tail;
#ifdef LB_TEST_HOOKS
	uint64_t last_turn; /* written only by the holder */
#endif
} LB_CACHE_ALIGNED;

static int mcs_init(void *lock, unsigned permits)
{
	struct mcs_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->tail, NULL);
#ifdef LB_TEST_HOOKS
	l->last_turn = 0;
#endif
	return 0;
}

static void mcs_destroy(void *lock)
{
	(void)lock;
}

static int mcs_ctx_init(void *ctx)
{
	struct mcs_node *n = ctx;
	mcsq_node_init(&n->q, 0);
	n->held = 0;
#ifdef LB_TEST_HOOKS
	mcsq_turn_init(&n->t);
#endif
	return 0;
}

static void mcs_ctx_destroy(void *ctx)
{
	(void)ctx;
}

/* mcs_queue.h's reset, waiting = 1. */
static void node_reset(struct mcs_node *n)
{
	mcsq_reset(&n->q, 1);
#ifdef LB_TEST_HOOKS
	mcsq_turn_reset(&n->t);
#endif
}

#ifdef LB_TEST_HOOKS
/* Called between the enqueue and the link (mcs_queue.h). */
static void turn_take(struct mcs_lock *l, struct mcs_node *n, struct mcsq_node *pred)
{
	mcsq_turn_take(l->last_turn, &n->t, pred ? &MCSQ_NODE_OF(struct mcs_node, pred)->t : NULL);
}
#endif

static int mcs_lock(void *lock, void *ctx)
{
	struct mcs_lock *l = lock;
	struct mcs_node *n = ctx;
	node_reset(n);
	struct mcsq_node *pred = mcsq_swap(&l->tail, &n->q);
#ifdef LB_TEST_HOOKS
	turn_take(l, n, pred);
#endif
	if (pred) {
		mcsq_link(pred, &n->q);
		(void)mcsq_spin_while(&n->q, 1); /* waiting is 1 or 0: "while 1" is "until 0" */
	}
	n->held = 1;
#ifdef LB_TEST_HOOKS
	l->last_turn = n->t.last_turn; /* inside the critical section */
#endif
	return 0;
}

static int mcs_trylock(void *lock, void *ctx)
{
	struct mcs_lock *l = lock;
	struct mcs_node *n = ctx;
	/* Relaxed: a hint that spares the line when the lock is busy; the CAS decides. */
	if (atomic_load_explicit(&l->tail, memory_order_relaxed))
		return -EBUSY;
	node_reset(n);
	if (!mcsq_try_enqueue(&l->tail, &n->q))
		return -EBUSY;
	n->held = 1;
#ifdef LB_TEST_HOOKS
	turn_take(l, n, NULL);
	l->last_turn = n->t.last_turn;
#endif
	return 0;
}

/* Not FIFO: see the header. */
static int mcs_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(mcs_trylock, lock, ctx, deadline_ns);
}

static int mcs_unlock(void *lock, void *ctx)
{
	struct mcs_lock *l = lock;
	struct mcs_node *n = ctx;
	if (!n->held)
		return -EPERM;
	n->held = 0;
	struct mcsq_node *next = mcsq_successor(&l->tail, &n->q);
	if (next)
		mcsq_handoff(next, 0);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t mcs_turn(void *lock, void *ctx)
{
	struct mcs_node *n = ctx;
	(void)lock;
	return n->t.last_turn;
}
#endif
const struct lb_lock_ops lb_mcs_ops = {
	.name = "mcs",
	.description = "MCS queue lock: swap a node into the tail, spin on its own flag (FIFO)",
	.props = LB_SPINS | LB_FIFO | LB_NEEDS_CTX,
	.lock_size = sizeof(struct mcs_lock),
	.lock_align = _Alignof(struct mcs_lock),
	.ctx_size = sizeof(struct mcs_node),
	.ctx_align = _Alignof(struct mcs_node),
	.init = mcs_init,
	.destroy = mcs_destroy,
	.ctx_init = mcs_ctx_init,
	.ctx_destroy = mcs_ctx_destroy,
	.lock = mcs_lock,
	.unlock = mcs_unlock,
	.trylock = mcs_trylock,
	.timedlock = mcs_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = mcs_turn,
#endif
};
