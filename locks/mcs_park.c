/* mcs_park.c — MCS queue lock whose waiters spin a bounded while, then sleep in their node.
 *
 * Algorithm: mcs.c's queue lock (Mellor-Crummey & Scott, ACM TOCS 1991) with two-phase waiting
 * (Karlin, Li, Manasse & Owicki, SOSP 1991: spin about as long as blocking costs, then block),
 * the blocking done on a futex word in the waiter's own node (the usual spin-then-park MCS;
 * Dice's "Malthusian Locks", EuroSys 2017, uses one as its baseline). Enqueue,
 * link and the search for the successor are mcs.c's, unchanged; only the wait and the handoff
 * differ. A waiter spins MCS_PARK_SPIN pauses on its node's `state`, then CASes it from WAITING
 * to PARKED and sleeps in FUTEX_WAIT while it reads PARKED. The unlocker hands over with one
 * exchange of the successor's state to GRANTED and calls FUTEX_WAKE only when the exchange
 * returned PARKED: a successor still spinning costs no system call.
 * State: tail = NULL (free) or the last node; node.next = the successor once linked;
 * node.q.wait = WAITING (1) from enqueue, PARKED (2) once its owner has decided to sleep,
 * GRANTED (0) once the predecessor has handed over. Only the owner moves WAITING -> PARKED (a
 * CAS), only the predecessor moves either to GRANTED (an exchange), so the CAS fails exactly
 * when the handoff came first.
 * Memory order: mcs_queue.h's for the queue (the swap, the link, the tail CAS) and for the
 *    park wait and handoff (mcsq_park_wait, mcsq_park_grant: the release exchange, the acquire
 *    loads that read GRANTED, why the CAS to PARKED loses no wake-up); see there. This lock's
 *    node word is mcs_queue.h's enum mcsq_park_state. In addition:
 *  - The FUTEX_WAKE may reach the node after its owner has already seen GRANTED, taken and even
 *    released the lock and reused the node for another lock() (or freed it): a private futex
 *    wake only hashes the address and never touches the memory, and a waiter woken early
 *    re-reads its state and sleeps again, so a late wake costs at most one spurious wake-up.
 *    glibc's mutexes live with the same late wake.
 * Timed acquisition: NOT FIFO, as mcs.c: a waiter cannot leave the queue, so timedlock polls
 * trylock with deadline.h's bounded back-off until the deadline, and a steady queue can pass it
 * over until it times out. Orders: trylock's.
 * Fairness: FIFO in swap order, for lock; timedlock is not.
 * Oversubscription: survives, slowly: waiters stop spinning after MCS_PARK_SPIN pauses
 * (futex_spin.c's bound of 100 and its reason) and sleep, so they do not steal the CPU from the
 * holder the way mcs.c's waiters do. But every handoff goes to the next thread in line even when
 * it sleeps: a FUTEX_WAKE and a context switch (microseconds) per acquisition while the queue is
 * long, where a barging lock (futex.c, bounded-park) hands the lock to a thread that is running.
 * Measured ~10,000-18,000 acquisitions per second at 4 threads on 2 CPUs (cs 50 ns, ncs 100 ns)
 * on a loaded machine, against ~30-140 for mcs.c in the same session. A thread preempted between its swap and its link still stalls its
 * predecessor's unlock (which spins for the link) until it runs again.
 * Context: the queue node, one cache line (LB_CACHE_ALIGNED), held by one thread; as mcs.c, a
 * context may serve any number of locks, one held at a time.
 * Misuse: unlock through a context that holds nothing returns -EPERM (a private flag in the
 * node), as mcs.c.
 * Test hooks (LB_TEST_HOOKS only): the queue position in swap order, taken with mcs_queue.h's
 * turn steps exactly as mcs.c does (see mcs_queue.h for why it cannot deadlock and why relaxed is
 * enough).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "mcs_queue.h"
#include <lockbench/lock.h>

enum { MCS_PARK_SPIN = 100 }; /* pauses before sleeping */

struct mcs_park_node {
	struct mcsq_node q; /* first: see MCSQ_NODE_OF; q.wait: enum mcsq_park_state, the futex word */
	int held;           /* private to the owning thread: for the misuse check in unlock */
#ifdef LB_TEST_HOOKS
	struct mcsq_turn t;
#endif
} LB_CACHE_ALIGNED;
_Static_assert(offsetof(struct mcs_park_node, q) == 0, "MCSQ_NODE_OF needs q first");

struct mcs_park_lock {
	_Atomic(struct mcsq_node *) tail;
#ifdef LB_TEST_HOOKS
	uint64_t last_turn; /* written only by the holder */
#endif
} LB_CACHE_ALIGNED;

static int mcs_park_init(void *lock, unsigned permits)
{
	struct mcs_park_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->tail, NULL);
#ifdef LB_TEST_HOOKS
	l->last_turn = 0;
#endif
	return 0;
}

static void mcs_park_destroy(void *lock)
{
	(void)lock;
}

static int mcs_park_ctx_init(void *ctx)
{
	struct mcs_park_node *n = ctx;
	mcsq_node_init(&n->q, MCSQ_GRANTED);
	n->held = 0;
#ifdef LB_TEST_HOOKS
	mcsq_turn_init(&n->t);
#endif
	return 0;
}

static void mcs_park_ctx_destroy(void *ctx)
{
	(void)ctx;
}

/* mcs_queue.h's reset, state = WAITING. */
static void node_reset(struct mcs_park_node *n)
{
	mcsq_reset(&n->q, MCSQ_WAITING);
#ifdef LB_TEST_HOOKS
	mcsq_turn_reset(&n->t);
#endif
}

#ifdef LB_TEST_HOOKS
/* Called between the enqueue and the link (mcs_queue.h). */
static void turn_take(struct mcs_park_lock *l, struct mcs_park_node *n, struct mcsq_node *pred)
{
	mcsq_turn_take(l->last_turn, &n->t,
		       pred ? &MCSQ_NODE_OF(struct mcs_park_node, pred)->t : NULL);
}
#endif

static int mcs_park_lock(void *lock, void *ctx)
{
	struct mcs_park_lock *l = lock;
	struct mcs_park_node *n = ctx;
	node_reset(n);
	struct mcsq_node *pred = mcsq_swap(&l->tail, &n->q);
#ifdef LB_TEST_HOOKS
	turn_take(l, n, pred);
#endif
	if (pred) {
		mcsq_link(pred, &n->q);
		mcsq_park_wait(&n->q, MCS_PARK_SPIN);
	}
	n->held = 1;
#ifdef LB_TEST_HOOKS
	l->last_turn = n->t.last_turn; /* inside the critical section */
#endif
	return 0;
}

static int mcs_park_trylock(void *lock, void *ctx)
{
	struct mcs_park_lock *l = lock;
	struct mcs_park_node *n = ctx;
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
static int mcs_park_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(mcs_park_trylock, lock, ctx, deadline_ns);
}

static int mcs_park_unlock(void *lock, void *ctx)
{
	struct mcs_park_lock *l = lock;
	struct mcs_park_node *n = ctx;
	if (!n->held)
		return -EPERM;
	n->held = 0;
	struct mcsq_node *next = mcsq_successor(&l->tail, &n->q);
	if (next)
		mcsq_park_grant(next); /* the old state says whether it sleeps */
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t mcs_park_turn(void *lock, void *ctx)
{
	struct mcs_park_node *n = ctx;
	(void)lock;
	return n->t.last_turn;
}
#endif
const struct lb_lock_ops lb_mcs_park_ops = {
	.name = "mcs-park",
	.description = "MCS queue lock whose waiters spin briefly, then sleep on a futex in their node (FIFO)",
	.props = LB_SLEEPS | LB_FIFO | LB_NEEDS_CTX,
	.lock_size = sizeof(struct mcs_park_lock),
	.lock_align = _Alignof(struct mcs_park_lock),
	.ctx_size = sizeof(struct mcs_park_node),
	.ctx_align = _Alignof(struct mcs_park_node),
	.init = mcs_park_init,
	.destroy = mcs_park_destroy,
	.ctx_init = mcs_park_ctx_init,
	.ctx_destroy = mcs_park_ctx_destroy,
	.lock = mcs_park_lock,
	.unlock = mcs_park_unlock,
	.trylock = mcs_park_trylock,
	.timedlock = mcs_park_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = mcs_park_turn,
#endif
};
