/* reciprocating.c — Reciprocating lock: arrivals push onto a stack, served a segment at a time.
 *
 * Algorithm: Dice & Kogan, "Reciprocating Locks" (PPoPP 2025). The lock is one word, `arrivals`:
 * the top of a stack of waiting contexts (the arrival segment). A thread pushes its context with
 * one exchange (the doorway) and remembers what it displaced, its successor in service order.
 * The owner serves an entry segment, a detached stack, top first: each holder passes the lock
 * to the context below it by writing its gate. When the entry segment is exhausted, the owner
 * detaches the whole arrival segment with one exchange, leaving the lock held but empty, and it
 * becomes the new entry segment. Service within a segment is LIFO, between segments FIFO
 * (hence "reciprocating": the direction alternates), so no one waits longer than two segments.
 * How a waiter knows it is the last of its segment: the gate carries the end-of-segment
 * address, `eos`, which is passed down the segment unchanged; the bottom context of a segment is
 * the one that displaced exactly that address, and it clears its successor. Our code follows the
 * paper's description; departures: a trylock (CAS of `arrivals` NULL -> us, not in the paper),
 * and succ/eos kept in the context rather than in thread-locals (lock.h's contexts).
 * State: arrivals = NULL (free), LOCKED_EMPTY (held, no one waiting: the value a detach
 * leaves), or the top of the arrival segment (held). A context: gate = NULL while it waits,
 * then the eos its predecessor passed; succ and eos (private) for its unlock. eos is either the
 * address of the context that took the lock uncontended (the end marker of the segment pushed
 * on top of it; compared, never dereferenced) or LOCKED_EMPTY.
 * lock:   gate = NULL; succ = NULL; eos = us; tail = exchange(arrivals, us);
 *         if tail != NULL: succ = (tail == LOCKED_EMPTY ? NULL : tail);
 *                          spin until (eos = gate) != NULL;
 *                          if succ == eos: succ = NULL, eos = LOCKED_EMPTY (we end the segment).
 * unlock: if succ: succ.gate = eos (the next in the entry segment);
 *         else if CAS(arrivals, eos -> NULL): free;
 *         else w = exchange(arrivals, LOCKED_EMPTY); w.gate = eos (detach: new entry segment).
 * Memory order:
 *  - The exchange in lock is acq_rel. Its acquire half pairs with the release CAS to NULL in
 *    the unlock that freed the lock. Its release half publishes our gate = NULL to whoever later
 *    learns our address from `arrivals` (the thread that pushes on top of us, or the detaching
 *    owner): each reads `arrivals` with an acquire RMW in the release sequence headed by ours,
 *    so our reset happens-before its store into our gate.
 *  - The gate store in unlock (to succ, or to the top of a detached segment) is a release paired
 *    with the waiter's acquire spin on its gate: the handoff.
 *  - The detaching exchange is acquire (it reads a context address published by the pusher's
 *    release half; it publishes nothing of its own). The failed CAS before it is relaxed: the
 *    exchange that follows re-reads the word with acquire.
 *  - trylock's CAS NULL -> us is acq_rel, as the exchange.
 * Timed acquisition: not in the bound. A context pushed on the stack cannot leave (the context
 * above it holds its address as its successor), so timedlock never pushes: it polls trylock with
 * deadline.h's back-off until the deadline (lb_poll_trylock_until). It takes the lock only at an
 * instant when it is free and can be passed over until it times out.
 * Fairness: bounded bypass, bypass_bound = 1, counted per overtaking thread: a thread that has
 * passed the doorway (its exchange) is overtaken by each other thread at most once before it
 * acquires, so with T threads at most T - 1 times in all. Why: the entry segment being served
 * when we push holds only earlier arrivals; our own segment is served after it, top first, so
 * the threads that overtake us are those that pushed above us before the detach, once each;
 * anyone arriving after the detach joins the next arrival segment, served after ours. Not FIFO
 * (LIFO inside a segment), and trylock and timedlock (which never push) are outside the bound.
 * Note that lock.h's wording of bypass_bound ("the most times a waiter … can be overtaken")
 * reads as a total: no constant bounds the total here, only the count per other thread.
 * Oversubscription: collapses as the FIFO spinlocks do: the lock is handed to the next context
 * in the segment even when its thread is preempted, and everyone behind waits a time slice.
 * Context: one cache line (LB_CACHE_ALIGNED): the gate, written once per acquisition by the
 * predecessor, and private fields. A context may be used with any number of reciprocating
 * locks, one held at a time: succ/eos are per acquisition. It is free again once its unlock
 * returns: a segment may still compare other contexts against its address (as its eos), but no
 * one writes it.
 * Misuse: unlock through a context that holds nothing returns -EPERM (a private flag); without
 * it, it would pass a stale eos and hand the lock to a thread that never asked.
 * Test hooks (LB_TEST_HOOKS only): the turn is the doorway order, counted from 1: in test
 * builds the exchange (and trylock's successful CAS) runs inside a tiny test-and-set section
 * `door` that also counts arrivals, so that the count is the order of the exchanges on
 * `arrivals`. The protocol is unchanged (unlock's CAS and exchange do not take `door`); only the
 * arrivals are serialised a few instructions longer. `door` is exchange-acquire / store-release
 * (pairs with itself), which orders the plain counter.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct recip_ctx {
	_Atomic(struct recip_ctx *) gate; /* NULL while waiting, then the eos handed down */
	struct recip_ctx *succ, *eos;     /* private: what unlock needs */
	int held;                         /* private: for the misuse check */
#ifdef LB_TEST_HOOKS
	uint64_t last_turn;
#endif
} LB_CACHE_ALIGNED;

/* A held lock with an empty arrival stack: never a context's address (contexts are aligned). */
#define LOCKED_EMPTY ((struct recip_ctx *)(uintptr_t)1)

struct recip_lock {
	_Atomic(struct recip_ctx *) arrivals;
#ifdef LB_TEST_HOOKS
	atomic_uint door;
	uint64_t doors; /* guarded by door */
#endif
} LB_CACHE_ALIGNED;

static int recip_init(void *lock, unsigned permits)
{
	struct recip_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->arrivals, NULL);
#ifdef LB_TEST_HOOKS
	atomic_init(&l->door, 0);
	l->doors = 0;
#endif
	return 0;
}

static void recip_destroy(void *lock)
{
	(void)lock;
}

static int recip_ctx_init(void *ctx)
{
	struct recip_ctx *c = ctx;
	atomic_init(&c->gate, NULL);
	c->succ = NULL;
	c->eos = NULL;
	c->held = 0;
#ifdef LB_TEST_HOOKS
	c->last_turn = 0;
#endif
	return 0;
}

static void recip_ctx_destroy(void *ctx)
{
	(void)ctx;
}

#ifdef LB_TEST_HOOKS
static void door_enter(struct recip_lock *l)
{
	/* Acquire pairs with door_leave's release: the counter is passed along with `door`. */
	while (atomic_exchange_explicit(&l->door, 1, memory_order_acquire))
		lb_cpu_relax();
}

static void door_leave(struct recip_lock *l, struct recip_ctx *c, int arrived)
{
	if (arrived)
		c->last_turn = ++l->doors;
	atomic_store_explicit(&l->door, 0, memory_order_release);
}
#endif

static int recip_lock(void *lock, void *ctx)
{
	struct recip_lock *l = lock;
	struct recip_ctx *c = ctx;
	struct recip_ctx *succ = NULL, *eos = c;
	/* Relaxed: published by the exchange's release half (see the header). */
	atomic_store_explicit(&c->gate, NULL, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	door_enter(l);
#endif
	struct recip_ctx *tail = atomic_exchange_explicit(&l->arrivals, c, memory_order_acq_rel);
#ifdef LB_TEST_HOOKS
	door_leave(l, c, 1);
#endif
	if (tail) {
		succ = tail == LOCKED_EMPTY ? NULL : tail;
		/* Acquire pairs with the release gate store in the predecessor's unlock. */
		while (!(eos = atomic_load_explicit(&c->gate, memory_order_acquire)))
			lb_cpu_relax();
		if (succ == eos) { /* we are the last of our segment */
			succ = NULL;
			eos = LOCKED_EMPTY;
		}
	}
	c->succ = succ;
	c->eos = eos;
	c->held = 1;
	return 0;
}

static int recip_trylock(void *lock, void *ctx)
{
	struct recip_lock *l = lock;
	struct recip_ctx *c = ctx;
	struct recip_ctx *expected = NULL;
	/* Relaxed: a hint that spares the line when the lock is busy; the CAS decides. */
	if (atomic_load_explicit(&l->arrivals, memory_order_relaxed))
		return -EBUSY;
	atomic_store_explicit(&c->gate, NULL, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	door_enter(l);
#endif
	int ok = atomic_compare_exchange_strong_explicit(&l->arrivals, &expected, c,
							 memory_order_acq_rel, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	door_leave(l, c, ok);
#endif
	if (!ok)
		return -EBUSY;
	c->succ = NULL;
	c->eos = c;
	c->held = 1;
	return 0;
}

/* Outside the bypass bound: see the header. */
static int recip_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(recip_trylock, lock, ctx, deadline_ns);
}

static int recip_unlock(void *lock, void *ctx)
{
	struct recip_lock *l = lock;
	struct recip_ctx *c = ctx;
	if (!c->held)
		return -EPERM;
	c->held = 0;
	if (c->succ) {
		/* Release: the handoff within the entry segment. */
		atomic_store_explicit(&c->succ->gate, c->eos, memory_order_release);
		return 0;
	}
	struct recip_ctx *expected = c->eos;
	/* Release pairs with the acquire exchange or CAS of the next thread to find it free. */
	if (atomic_compare_exchange_strong_explicit(&l->arrivals, &expected, NULL,
						    memory_order_release, memory_order_relaxed))
		return 0;
	/* New arrivals: detach them; they become the entry segment, top first. */
	struct recip_ctx *w = atomic_exchange_explicit(&l->arrivals, LOCKED_EMPTY,
						       memory_order_acquire);
	atomic_store_explicit(&w->gate, c->eos, memory_order_release);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t recip_turn(void *lock, void *ctx)
{
	struct recip_ctx *c = ctx;
	(void)lock;
	return c->last_turn;
}
#endif

const struct lb_lock_ops lb_reciprocating_ops = {
	.name = "reciprocating",
	.description = "reciprocating lock: push onto an arrival stack, serve it a segment at a time "
		       "(bypass <= 1 per thread)",
	.props = LB_SPINS | LB_BYPASS_BOUNDED | LB_NEEDS_CTX,
	.lock_size = sizeof(struct recip_lock),
	.lock_align = _Alignof(struct recip_lock),
	.ctx_size = sizeof(struct recip_ctx),
	.ctx_align = _Alignof(struct recip_ctx),
	.bypass_bound = 1,
	.init = recip_init,
	.destroy = recip_destroy,
	.ctx_init = recip_ctx_init,
	.ctx_destroy = recip_ctx_destroy,
	.lock = recip_lock,
	.unlock = recip_unlock,
	.trylock = recip_trylock,
	.timedlock = recip_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = recip_turn,
#endif
};
