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
 * node.state = WAITING (1) from enqueue, PARKED (2) once its owner has decided to sleep,
 * GRANTED (0) once the predecessor has handed over. Only the owner moves WAITING -> PARKED (a
 * CAS), only the predecessor moves either to GRANTED (an exchange), so the CAS fails exactly
 * when the handoff came first.
 * Memory order: as mcs.c for the queue (the swap, the link, the tail CAS; see there), and:
 *  - The handoff exchange is release; the waiter's acquire loads of state (spinning, after a
 *    failed CAS, after each FUTEX_WAIT) that read GRANTED pair with it: the previous holder's
 *    critical section happens-before ours. The exchange returns the state it replaced, so the
 *    unlocker learns "PARKED" and hands over in one indivisible step: either the waiter's CAS to
 *    PARKED comes first, the exchange returns PARKED and the unlocker wakes it, or the exchange
 *    comes first and the CAS fails (it reads GRANTED, acquire) and the waiter never sleeps.
 *    FUTEX_WAIT sleeps only while the word still reads PARKED, so a wake sent before the sleep
 *    is not needed and one sent after finds the sleeper: no lost wake-up (models/mcs_park.pml).
 *    The CAS to PARKED is acquire on failure (it read GRANTED); on success it publishes
 *    nothing, and is acquire only because C11 forbids a failure order stronger than success.
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
 * Test hooks (LB_TEST_HOOKS only): the queue position in swap order, taken exactly as mcs.c
 * does (see there for why it cannot deadlock and why relaxed is enough).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "futex_word.h"
#include <lockbench/lock.h>

enum mcs_park_state { MCS_PARK_GRANTED = 0, MCS_PARK_WAITING = 1, MCS_PARK_PARKED = 2 };
enum { MCS_PARK_SPIN = 100 }; /* pauses before sleeping */

struct mcs_park_node {
	_Atomic(struct mcs_park_node *) next;
	atomic_uint state; /* enum mcs_park_state; also the futex word its owner sleeps on */
	int held; /* private to the owning thread: for the misuse check in unlock */
#ifdef LB_TEST_HOOKS
	atomic_uint_fast64_t turn; /* 0 until known */
	uint64_t last_turn;        /* for the turn hook: the owner's own copy */
#endif
} LB_CACHE_ALIGNED;

struct mcs_park_lock {
	_Atomic(struct mcs_park_node *) tail;
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
	atomic_init(&n->next, NULL);
	atomic_init(&n->state, MCS_PARK_GRANTED);
	n->held = 0;
#ifdef LB_TEST_HOOKS
	atomic_init(&n->turn, 0);
	n->last_turn = 0;
#endif
	return 0;
}

static void mcs_park_ctx_destroy(void *ctx)
{
	(void)ctx;
}

/* Relaxed: next = NULL is published by the release half of the swap or CAS that enqueues the
 * node; state = WAITING by the release link store (mcs.c's argument). */
static void node_reset(struct mcs_park_node *n)
{
	atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
	atomic_store_explicit(&n->state, MCS_PARK_WAITING, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	atomic_store_explicit(&n->turn, 0, memory_order_relaxed);
#endif
}

#ifdef LB_TEST_HOOKS
/* Called between the enqueue and the link (see the header). */
static void turn_take(struct mcs_park_lock *l, struct mcs_park_node *n, struct mcs_park_node *pred)
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
static void turn_held(struct mcs_park_lock *l, struct mcs_park_node *n)
{
	l->last_turn = n->last_turn;
}
#endif

/* Until the predecessor's handoff: spin, then sleep in the node (see the header). */
static void mcs_park_wait(struct mcs_park_node *n)
{
	/* Acquire: pairs with the release exchange of the handoff. */
	for (int i = 0; i < MCS_PARK_SPIN; i++) {
		if (atomic_load_explicit(&n->state, memory_order_acquire) == MCS_PARK_GRANTED)
			return;
		lb_cpu_relax();
	}
	unsigned expected = MCS_PARK_WAITING;
	/* Failure acquire: it read the handoff's GRANTED. Success publishes nothing, but C11
	 * lets a failure order be no stronger than the success order, so both are acquire. */
	if (!atomic_compare_exchange_strong_explicit(&n->state, &expected, MCS_PARK_PARKED,
						     memory_order_acquire, memory_order_acquire))
		return;
	while (atomic_load_explicit(&n->state, memory_order_acquire) != MCS_PARK_GRANTED)
		(void)futex_word_wait(&n->state, MCS_PARK_PARKED);
}

static int mcs_park_lock(void *lock, void *ctx)
{
	struct mcs_park_lock *l = lock;
	struct mcs_park_node *n = ctx;
	node_reset(n);
	struct mcs_park_node *pred = atomic_exchange_explicit(&l->tail, n, memory_order_acq_rel);
#ifdef LB_TEST_HOOKS
	turn_take(l, n, pred);
#endif
	if (pred) {
		atomic_store_explicit(&pred->next, n, memory_order_release);
		mcs_park_wait(n);
	}
	n->held = 1;
#ifdef LB_TEST_HOOKS
	turn_held(l, n);
#endif
	return 0;
}

static int mcs_park_trylock(void *lock, void *ctx)
{
	struct mcs_park_lock *l = lock;
	struct mcs_park_node *n = ctx;
	struct mcs_park_node *expected = NULL;
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
	struct mcs_park_node *next = atomic_load_explicit(&n->next, memory_order_acquire);
	if (!next) {
		struct mcs_park_node *expected = n;
		if (atomic_compare_exchange_strong_explicit(&l->tail, &expected, NULL,
							    memory_order_release,
							    memory_order_relaxed))
			return 0;
		/* A successor has swapped in but not linked yet. */
		while (!(next = atomic_load_explicit(&n->next, memory_order_acquire)))
			lb_cpu_relax();
	}
	/* Release: the handoff (see the header); the old state says whether it sleeps. */
	if (atomic_exchange_explicit(&next->state, MCS_PARK_GRANTED, memory_order_release) ==
	    MCS_PARK_PARKED)
		futex_word_wake(&next->state, 1);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t mcs_park_turn(void *lock, void *ctx)
{
	struct mcs_park_node *n = ctx;
	(void)lock;
	return n->last_turn;
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
