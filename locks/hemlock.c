/* hemlock.c — Hemlock: a queue lock with one Grant word per thread.
 *
 * Algorithm: Dice & Kogan, "Hemlock: Compact and Scalable Mutual Exclusion" (SPAA 2021). The lock
 * is one word, `tail`; each thread has one word, `grant`, in its per-thread context, used for
 * every Hemlock lock it holds. A waiter swaps its context into `tail` and, when it got back a
 * predecessor, spins on the predecessor's grant until it holds this lock's address; it then
 * clears that grant (the handshake, an acknowledgement) and owns the lock. Unlock CASes `tail`
 * from its own context back to NULL; when that fails a successor is queued (or about to spin),
 * so it writes the lock's address into its own grant and waits until the successor has cleared
 * it. Unlike MCS there is no `next` pointer: the queue is implicit, each waiter knows only its
 * predecessor, and the handoff travels through the predecessor's grant, which names the lock.
 * Departures from the paper: none in the protocol. We use the plain version, not the CTR
 * ("coherence traffic reduction") variant, in which the waiter spins with an atomic
 * compare-exchange (or a fetch-add of 0) on the grant so that the line arrives in M state and the
 * acknowledgement costs no upgrade; the plain load keeps the spin read-only, which is kinder to
 * the holder's line on a 2-CPU machine and simpler to argue. trylock (not in the paper's listing)
 * CASes `tail` from NULL to its context, as MCS's does.
 * State: tail = NULL (free) or the last context in the queue; ctx.grant = NULL, or the address of
 * the lock this thread is handing over and whose successor has not yet acknowledged.
 * Invariant: a context's grant is NULL whenever its thread is not inside unlock(): unlock
 * returns only after the successor cleared it. So lock() needs no reset of its own grant, and
 * several locks held through one context hand over one after the other through the same word:
 * each successor waits for its own lock's address, and the next unlock cannot overwrite the
 * grant before the previous successor has taken it (models/hemlock.pml checks this with two
 * locks; without the wait for the acknowledgement a successor can miss its handoff for ever).
 * Memory order:
 *  - The swap on tail is acq_rel. Its acquire half pairs with the release CAS of tail to NULL in
 *    the unlock that freed the lock: that holder's critical section happens-before ours. Its
 *    release half publishes our context (the turn reset of the test hooks) to the successor whose
 *    swap returns it.
 *  - unlock's release store of the lock's address into grant pairs with the successor's acquire
 *    load that sees it: the handoff, our critical section happens-before the successor's.
 *  - The successor's acknowledgement, grant = NULL, is a release store paired with the acquire
 *    load in unlock that waits for it: the successor's last reads of our context (its grant, and
 *    the turn in test builds) happen-before we return and reuse the context.
 *  - trylock's CAS NULL -> us is acq_rel as the swap; a failed CAS (here and in unlock) is
 *    relaxed: it tells us only that someone else is in the queue.
 * Timed acquisition: NOT FIFO. A waiter that has swapped itself into tail cannot leave: its
 * successor, if any, waits on its grant. So timedlock never joins the queue: it polls trylock
 * with deadline.h's bounded back-off until the deadline (lb_poll_trylock_until). It takes the
 * lock only at an instant when the queue is empty, and a steady queue of lock() callers can pass
 * it over until it times out.
 * Fairness: FIFO in swap order (the swap is the doorway), for lock; timedlock is not.
 * Oversubscription: collapses, as every FIFO spinlock, and a little worse than MCS: the lock
 * goes to the next waiter even when its thread is preempted, and unlock itself waits for the
 * successor's acknowledgement, so a preempted successor holds up its predecessor's return too
 * (MCS's unlock waits only for a successor that has swapped but not linked).
 * Context: one cache line (LB_CACHE_ALIGNED): the grant word, and private fields. One context
 * serves any number of Hemlock locks held at once (the algorithm's point: one word per thread,
 * not per lock and thread); lock.h's contract needs only one at a time.
 * Misuse: unlock through a context that holds nothing returns -EPERM (a private count in the
 * context); without it, unlock would CAS a tail that is not its own, then wait for ever for an
 * acknowledgement. A context holding another Hemlock lock passes that check: unlocking a lock
 * one does not hold through a context that holds another is not detected.
 * Test hooks (LB_TEST_HOOKS only): mcs_queue.h's turn steps, as mcs.c (see there for the
 * argument): each context records its queue position, counted from 1 in swap order, taking
 * pred.turn + 1 before acknowledging. Hemlock's departure: pred's context stays valid while we
 * read it because its unlock waits for our acknowledgement (there is no link). The hook assumes
 * the context holds one lock at a time (pred.turn is pred's latest lock()'s).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "mcs_queue.h"
#include <lockbench/lock.h>

struct hemlock_ctx {
	_Atomic(const void *) grant; /* the lock being handed over, or NULL */
	unsigned held;               /* private: locks held through this context */
#ifdef LB_TEST_HOOKS
	struct mcsq_turn t;
#endif
} LB_CACHE_ALIGNED;

struct hemlock_lock {
	_Atomic(struct hemlock_ctx *) tail;
#ifdef LB_TEST_HOOKS
	uint64_t last_turn; /* written only by the holder */
#endif
} LB_CACHE_ALIGNED;

static int hemlock_init(void *lock, unsigned permits)
{
	struct hemlock_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->tail, NULL);
#ifdef LB_TEST_HOOKS
	l->last_turn = 0;
#endif
	return 0;
}

static void hemlock_destroy(void *lock)
{
	(void)lock;
}

static int hemlock_ctx_init(void *ctx)
{
	struct hemlock_ctx *c = ctx;
	atomic_init(&c->grant, NULL);
	c->held = 0;
#ifdef LB_TEST_HOOKS
	mcsq_turn_init(&c->t);
#endif
	return 0;
}

static void hemlock_ctx_destroy(void *ctx)
{
	(void)ctx;
}

#ifdef LB_TEST_HOOKS
/* Between the swap and the acknowledgement (mcs_queue.h's turn steps; see the header). */
static void turn_take(struct hemlock_lock *l, struct hemlock_ctx *c, struct hemlock_ctx *pred)
{
	mcsq_turn_take(l->last_turn, &c->t, pred ? &pred->t : NULL);
}
#endif

static int hemlock_lock(void *lock, void *ctx)
{
	struct hemlock_lock *l = lock;
	struct hemlock_ctx *c = ctx;
#ifdef LB_TEST_HOOKS
	mcsq_turn_reset(&c->t);
#endif
	struct hemlock_ctx *pred = atomic_exchange_explicit(&l->tail, c, memory_order_acq_rel);
#ifdef LB_TEST_HOOKS
	turn_take(l, c, pred);
#endif
	if (pred) {
		/* Acquire pairs with the release store of l into pred's grant: the handoff. */
		while (atomic_load_explicit(&pred->grant, memory_order_acquire) != l)
			lb_cpu_relax();
		/* Release pairs with pred's acquire wait in unlock: our reads of pred's context
		 * are done before pred may reuse it. */
		atomic_store_explicit(&pred->grant, NULL, memory_order_release);
	}
	c->held++;
#ifdef LB_TEST_HOOKS
	l->last_turn = c->t.last_turn;
#endif
	return 0;
}

static int hemlock_trylock(void *lock, void *ctx)
{
	struct hemlock_lock *l = lock;
	struct hemlock_ctx *c = ctx;
	struct hemlock_ctx *expected = NULL;
	/* Relaxed: a hint that spares the line when the lock is busy; the CAS decides. */
	if (atomic_load_explicit(&l->tail, memory_order_relaxed))
		return -EBUSY;
#ifdef LB_TEST_HOOKS
	mcsq_turn_reset(&c->t);
#endif
	if (!atomic_compare_exchange_strong_explicit(&l->tail, &expected, c, memory_order_acq_rel,
						     memory_order_relaxed))
		return -EBUSY;
	c->held++;
#ifdef LB_TEST_HOOKS
	turn_take(l, c, NULL);
	l->last_turn = c->t.last_turn;
#endif
	return 0;
}

/* Not FIFO: see the header. */
static int hemlock_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(hemlock_trylock, lock, ctx, deadline_ns);
}

static int hemlock_unlock(void *lock, void *ctx)
{
	struct hemlock_lock *l = lock;
	struct hemlock_ctx *c = ctx;
	if (!c->held)
		return -EPERM;
	c->held--;
	struct hemlock_ctx *expected = c;
	/* Release pairs with the acquire swap (or trylock CAS) of the next thread to find the
	 * lock free. */
	if (atomic_compare_exchange_strong_explicit(&l->tail, &expected, NULL, memory_order_release,
						    memory_order_relaxed))
		return 0;
	/* A successor has swapped in: hand over through our grant (release: the handoff), then
	 * wait for its acknowledgement (acquire, paired with its release store of NULL) so that
	 * the grant is free again before we return. */
	atomic_store_explicit(&c->grant, (const void *)l, memory_order_release);
	while (atomic_load_explicit(&c->grant, memory_order_acquire) != NULL)
		lb_cpu_relax();
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t hemlock_turn(void *lock, void *ctx)
{
	struct hemlock_ctx *c = ctx;
	(void)lock;
	return c->t.last_turn;
}
#endif

const struct lb_lock_ops lb_hemlock_ops = {
	.name = "hemlock",
	.description = "Hemlock: swap into the tail, spin on the predecessor's per-thread grant (FIFO)",
	.props = LB_SPINS | LB_FIFO | LB_NEEDS_CTX,
	.lock_size = sizeof(struct hemlock_lock),
	.lock_align = _Alignof(struct hemlock_lock),
	.ctx_size = sizeof(struct hemlock_ctx),
	.ctx_align = _Alignof(struct hemlock_ctx),
	.init = hemlock_init,
	.destroy = hemlock_destroy,
	.ctx_init = hemlock_ctx_init,
	.ctx_destroy = hemlock_ctx_destroy,
	.lock = hemlock_lock,
	.unlock = hemlock_unlock,
	.trylock = hemlock_trylock,
	.timedlock = hemlock_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = hemlock_turn,
#endif
};
