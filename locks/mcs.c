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
 * Memory order:
 *  - Before the swap a waiter stores next = NULL and waiting = 1 (relaxed). next = NULL is
 *    published by the swap's release half: the successor's swap that returns our node (acquire)
 *    reads from ours, so our NULL happens-before its link store. Without it, our NULL could land
 *    after the link, and our unlock would wait for ever for a successor it cannot see.
 *    waiting = 1 is published by the release link store below: it is sequenced before the
 *    link, which our predecessor reads (acquire) before it stores the handoff's 0.
 *  - The swap's acquire half (and the trylock CAS's) pairs with the release CAS of tail to NULL
 *    in the unlock that freed the queue: that holder's critical section happens-before ours.
 *  - The link, pred.next = us, is a release store paired with the acquire load of next in
 *    pred's unlock, which then clears our waiting.
 *  - Clearing waiting is a release store paired with our acquire spin on it: the handoff.
 *  - A failed CAS in unlock is relaxed: it only tells us a successor is on its way; the acquire
 *    load of next that follows synchronizes with its link.
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
 * swap order. Before the swap, node.turn = 0 ("not known yet"). After it: with no predecessor,
 * turn = lock.last_turn + 1; otherwise spin until pred.turn != 0 and take pred.turn + 1, before
 * linking. last_turn is written by each holder inside its critical section, so it needs no
 * atomics. pred's node stays valid while we read it because pred's unlock cannot return before
 * our link (it sees tail != pred and waits for next), and we link after reading. Every node
 * publishes its turn before it links or holds, so the chain of waits ends at a node that got the
 * lock from a free queue: no deadlock. The turn is relaxed: the reset to 0 reaches our
 * successor through the swap's release/acquire, so it cannot read a stale non-zero turn, and
 * the number carries no other data.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct mcs_node {
	_Atomic(struct mcs_node *) next;
	atomic_uint waiting;
	int held; /* private to the owning thread: for the misuse check in unlock */
#ifdef LB_TEST_HOOKS
	atomic_uint_fast64_t turn; /* 0 until known */
	uint64_t last_turn;        /* for the turn hook: the owner's own copy */
#endif
} LB_CACHE_ALIGNED;

struct mcs_lock {
	_Atomic(struct mcs_node *) tail;
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
	atomic_init(&n->next, NULL);
	atomic_init(&n->waiting, 0);
	n->held = 0;
#ifdef LB_TEST_HOOKS
	atomic_init(&n->turn, 0);
	n->last_turn = 0;
#endif
	return 0;
}

static void mcs_ctx_destroy(void *ctx)
{
	(void)ctx;
}

/* Relaxed: next = NULL is published by the release half of the swap or CAS that enqueues the
 * node; waiting = 1 by the release link store (see the header). */
static void node_reset(struct mcs_node *n)
{
	atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
	atomic_store_explicit(&n->waiting, 1, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	atomic_store_explicit(&n->turn, 0, memory_order_relaxed);
#endif
}

#ifdef LB_TEST_HOOKS
/* Called between the enqueue and the link (see the header). */
static void turn_take(struct mcs_lock *l, struct mcs_node *n, struct mcs_node *pred)
{
	uint64_t t;
	if (!pred) {
		t = l->last_turn + 1; /* we hold the lock already */
	} else {
		/* Relaxed: see the header. */
		while ((t = atomic_load_explicit(&pred->turn, memory_order_relaxed)) == 0)
			lb_cpu_relax();
		t++;
	}
	atomic_store_explicit(&n->turn, t, memory_order_relaxed);
	n->last_turn = t;
}

/* Inside the critical section. */
static void turn_held(struct mcs_lock *l, struct mcs_node *n)
{
	l->last_turn = n->last_turn;
}
#endif

static int mcs_lock(void *lock, void *ctx)
{
	struct mcs_lock *l = lock;
	struct mcs_node *n = ctx;
	node_reset(n);
	struct mcs_node *pred = atomic_exchange_explicit(&l->tail, n, memory_order_acq_rel);
#ifdef LB_TEST_HOOKS
	turn_take(l, n, pred);
#endif
	if (pred) {
		atomic_store_explicit(&pred->next, n, memory_order_release);
		while (atomic_load_explicit(&n->waiting, memory_order_acquire))
			lb_cpu_relax();
	}
	n->held = 1;
#ifdef LB_TEST_HOOKS
	turn_held(l, n);
#endif
	return 0;
}

static int mcs_trylock(void *lock, void *ctx)
{
	struct mcs_lock *l = lock;
	struct mcs_node *n = ctx;
	struct mcs_node *expected = NULL;
	/* Relaxed: a hint that spares the line when the lock is busy; the CAS decides. */
	if (atomic_load_explicit(&l->tail, memory_order_relaxed))
		return -EBUSY;
	node_reset(n);
	if (!atomic_compare_exchange_strong_explicit(&l->tail, &expected, n, memory_order_acq_rel,
						     memory_order_relaxed))
		return -EBUSY;
	n->held = 1;
#ifdef LB_TEST_HOOKS
	turn_take(l, n, NULL);
	turn_held(l, n);
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
	struct mcs_node *next = atomic_load_explicit(&n->next, memory_order_acquire);
	if (!next) {
		struct mcs_node *expected = n;
		if (atomic_compare_exchange_strong_explicit(&l->tail, &expected, NULL,
							    memory_order_release,
							    memory_order_relaxed))
			return 0;
		/* A successor has swapped in but not linked yet. */
		while (!(next = atomic_load_explicit(&n->next, memory_order_acquire)))
			lb_cpu_relax();
	}
	atomic_store_explicit(&next->waiting, 0, memory_order_release);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t mcs_turn(void *lock, void *ctx)
{
	struct mcs_node *n = ctx;
	(void)lock;
	return n->last_turn;
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
