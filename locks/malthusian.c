/* malthusian.c — Malthusian MCS: an MCS lock that restricts concurrency by culling surplus
 * waiters to a passive set, and re-admits them in turn for long-term fairness.
 *
 * Algorithm: Dice, "Malthusian Locks" (EuroSys 2017), MCSCR with spin-then-park waiting. The
 * queue, the wait and the handoff are mcs_park.c's (MCS, Mellor-Crummey & Scott, TOCS 1991;
 * waiters spin MALTHUSIAN_SPIN pauses, then sleep on a futex in their node; the handoff is one
 * exchange that says whether to wake). What differs is unlock, run by the holder:
 *  - Cull: when the successor s has a successor of its own (the chain holds surplus waiters),
 *    unlock excises s from the chain, hands the lock to s's successor, and appends s to the
 *    passive list. s does not notice: it keeps waiting on its node (it soon sleeps).
 *  - Re-admit, for long-term fairness: every MALTHUSIAN_READMIT-th unlock (R = 256) that finds
 *    the passive list non-empty hands the lock to its oldest member instead, grafted in front of
 *    the chain. The paper draws a Bernoulli trial (about 1/1000); a counter gives a hard bound.
 *  - Work conservation: an unlock that finds no successor but a passive waiter hands the lock
 *    to the oldest passive waiter, never leaving the lock free while a thread waits for it.
 * So the active set is the holder and one or two waiters on the chain; the others sleep, and the
 * lock circulates among threads that are running (Dice's point: fewer threads contending make a
 * FIFO lock fast again, and the cache is shared by fewer). Departure: the paper culls from the
 * middle of longer chains in one pass; we cull at most one waiter per unlock, which keeps the
 * chain at owner + 2 after a few unlocks.
 * State: tail and the chain as mcs_park.c; node.state GRANTED 0 / WAITING 1 / PARKED 2, as
 * there. The passive list (passive_head, passive_tail, linked through node.passive_next) and the
 * unlock counter are plain fields, read and written only by the lock's holder inside unlock,
 * before it hands over: the lock itself protects them.
 * Memory order: mcs_park.c's for the queue and the handoff (its header argues each pair), plus:
 *  - A grafted passive node gets its next (the holder's successor, or NULL) by a relaxed store
 *    before the release exchange that grants it the lock: its acquire of the grant makes the
 *    store visible before its own unlock reads next.
 *  - Making a passive node the tail (no successor on the chain) is a release CAS of tail from
 *    the holder's node to it: an arrival whose swap (acquire) returns the passive node reads
 *    from that CAS, so the NULL we stored in its next happens-before the arrival's link store.
 *    If the CAS fails a successor is linking behind the holder; the holder waits for the link
 *    (acquire, paired with the link's release) and grafts the passive node in front of it.
 *  - The passive list and the counter need no atomics: every holder's unlock happens-before
 *    the next holder's acquire (the grant or the tail CAS, release/acquire), so their accesses
 *    are ordered.
 * Timed acquisition: NOT fair, as mcs.c: a waiter cannot leave the chain or the passive list, so
 * timedlock polls trylock with deadline.h's bounded back-off until the deadline. trylock
 * succeeds only when tail is NULL, which implies an empty passive list (an unlock never frees
 * the lock while someone is passive). Orders: trylock's.
 * Fairness: long-term fair, not FIFO. A culled waiter is overtaken by the waiters behind it; it
 * waits in the passive list, FIFO, and is re-admitted at the latest when every older passive
 * waiter has been: at most (P + 1) x R acquisitions after its cull, P < threads being the passive
 * waiters older than it, plus the chain ahead of it at its arrival. The bound grows with the
 * number of threads, so the lock claims neither LB_FIFO nor LB_BYPASS_BOUNDED (whose bound is a
 * constant). A waiter never culled is served in FIFO order.
 * Oversubscription: the point of the lock. Surplus waiters sleep instead of waiting their turn
 * in a FIFO chain that would hand the lock to a descheduled thread; the handoff between the
 * few active threads is mcs_park.c's, and a re-admission costs a FUTEX_WAKE and a context switch
 * once per R acquisitions. An active waiter that shares a CPU with the holder still spins its
 * bound before it sleeps. Measured here it does not pay off: at 4 threads on 2 CPUs (cs 50 ns,
 * ncs 100 ns) ~9,000 acquisitions/s, like mcs-park and far under pthread-mutex. lockbench pins
 * two threads to each CPU, and the successor that culling keeps active often shares the
 * holder's CPU, so it cannot run while the holder does, sleeps after its spin, and every handoff
 * pays a wake-up, as in mcs-park: concurrency restriction needs the active threads on different
 * CPUs, and this lock does not choose them (the paper's machines had a CPU per thread).
 * Context: the queue node, one cache line, held by one thread; a context may serve any number of
 * locks, one held at a time (a culled node stays in that lock's passive list until re-admitted,
 * and its thread is inside lock() all that time).
 * Misuse: unlock through a context that holds nothing returns -EPERM (a private flag).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "futex_word.h"
#include <lockbench/lock.h>

enum malthusian_state { MALTHUSIAN_GRANTED = 0, MALTHUSIAN_WAITING = 1, MALTHUSIAN_PARKED = 2 };
enum {
	MALTHUSIAN_SPIN = 100,    /* pauses before sleeping (futex_spin.c's bound) */
	MALTHUSIAN_READMIT = 256, /* R: one unlock in R re-admits the oldest passive waiter */
};

struct malthusian_node {
	_Atomic(struct malthusian_node *) next;
	atomic_uint state;                    /* also the futex word its owner sleeps on */
	struct malthusian_node *passive_next; /* guarded by the lock */
	int held;                             /* private to the owning thread */
} LB_CACHE_ALIGNED;

struct malthusian_lock {
	_Atomic(struct malthusian_node *) tail;
	/* Guarded by the lock: only the holder touches them, inside unlock. */
	struct malthusian_node *passive_head, *passive_tail;
	unsigned unlocks;
} LB_CACHE_ALIGNED;

static int malthusian_init(void *lock, unsigned permits)
{
	struct malthusian_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->tail, NULL);
	l->passive_head = l->passive_tail = NULL;
	l->unlocks = 0;
	return 0;
}

static void malthusian_destroy(void *lock)
{
	(void)lock;
}

static int malthusian_ctx_init(void *ctx)
{
	struct malthusian_node *n = ctx;
	atomic_init(&n->next, NULL);
	atomic_init(&n->state, MALTHUSIAN_GRANTED);
	n->passive_next = NULL;
	n->held = 0;
	return 0;
}

static void malthusian_ctx_destroy(void *ctx)
{
	(void)ctx;
}

/* Relaxed: published by the release half of the enqueueing swap or CAS and by the release link
 * store, as in mcs.c. */
static void node_reset(struct malthusian_node *n)
{
	atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
	atomic_store_explicit(&n->state, MALTHUSIAN_WAITING, memory_order_relaxed);
}

/* Until granted: spin, then sleep in the node (mcs_park.c's wait). */
static void malthusian_wait(struct malthusian_node *n)
{
	/* Acquire: pairs with the release exchange of grant(). */
	for (int i = 0; i < MALTHUSIAN_SPIN; i++) {
		if (atomic_load_explicit(&n->state, memory_order_acquire) == MALTHUSIAN_GRANTED)
			return;
		lb_cpu_relax();
	}
	unsigned expected = MALTHUSIAN_WAITING;
	/* Failure acquire: it read the grant. Success publishes nothing; acquire only because
	 * C11 forbids a failure order stronger than the success order. */
	if (!atomic_compare_exchange_strong_explicit(&n->state, &expected, MALTHUSIAN_PARKED,
						     memory_order_acquire, memory_order_acquire))
		return;
	while (atomic_load_explicit(&n->state, memory_order_acquire) != MALTHUSIAN_GRANTED)
		(void)futex_word_wait(&n->state, MALTHUSIAN_PARKED);
}

/* The handoff: release, and wake the new holder only if it sleeps. */
static void grant(struct malthusian_node *to)
{
	if (atomic_exchange_explicit(&to->state, MALTHUSIAN_GRANTED, memory_order_release) ==
	    MALTHUSIAN_PARKED)
		futex_word_wake(&to->state, 1);
}

static int malthusian_lock(void *lock, void *ctx)
{
	struct malthusian_lock *l = lock;
	struct malthusian_node *n = ctx;
	node_reset(n);
	/* Acquire: pairs with the release CAS of tail in unlock; release: publishes our NULL
	 * next before a successor's link (mcs.c). */
	struct malthusian_node *pred = atomic_exchange_explicit(&l->tail, n, memory_order_acq_rel);
	if (pred) {
		/* Release: pairs with the acquire loads of next in pred's unlock. */
		atomic_store_explicit(&pred->next, n, memory_order_release);
		malthusian_wait(n);
	}
	n->held = 1;
	return 0;
}

static int malthusian_trylock(void *lock, void *ctx)
{
	struct malthusian_lock *l = lock;
	struct malthusian_node *n = ctx;
	struct malthusian_node *expected = NULL;
	/* Relaxed: a hint that spares the line when the lock is busy; the CAS decides. */
	if (atomic_load_explicit(&l->tail, memory_order_relaxed))
		return -EBUSY;
	node_reset(n);
	if (!atomic_compare_exchange_strong_explicit(&l->tail, &expected, n, memory_order_acq_rel,
						     memory_order_relaxed))
		return -EBUSY;
	n->held = 1;
	return 0;
}

/* Not fair: see the header. */
static int malthusian_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(malthusian_trylock, lock, ctx, deadline_ns);
}

/* Holder only. */
static struct malthusian_node *passive_pop(struct malthusian_lock *l)
{
	struct malthusian_node *p = l->passive_head;
	l->passive_head = p->passive_next;
	if (!l->passive_head)
		l->passive_tail = NULL;
	p->passive_next = NULL;
	return p;
}

static void passive_push(struct malthusian_lock *l, struct malthusian_node *s)
{
	s->passive_next = NULL;
	if (l->passive_tail)
		l->passive_tail->passive_next = s;
	else
		l->passive_head = s;
	l->passive_tail = s;
}

/* Wait for a successor that has swapped in behind n but not linked yet. */
static struct malthusian_node *wait_link(struct malthusian_node *n)
{
	struct malthusian_node *next;
	/* Acquire: pairs with the successor's release link store. */
	while (!(next = atomic_load_explicit(&n->next, memory_order_acquire)))
		lb_cpu_relax();
	return next;
}

static int malthusian_unlock(void *lock, void *ctx)
{
	struct malthusian_lock *l = lock;
	struct malthusian_node *n = ctx;
	if (!n->held)
		return -EPERM;
	n->held = 0;
	int readmit = l->passive_head && ++l->unlocks % MALTHUSIAN_READMIT == 0;
	/* Acquire: pairs with the successor's release link store. */
	struct malthusian_node *next = atomic_load_explicit(&n->next, memory_order_acquire);
	if (!next) {
		struct malthusian_node *expected = n;
		if (l->passive_head) {
			/* Work conservation: the oldest passive waiter becomes the tail (or goes in
			 * front of a successor that is linking). Relaxed NULL: published by the
			 * release CAS (see the header). */
			struct malthusian_node *p = passive_pop(l);
			atomic_store_explicit(&p->next, NULL, memory_order_relaxed);
			if (!atomic_compare_exchange_strong_explicit(&l->tail, &expected, p,
								     memory_order_release,
								     memory_order_relaxed))
				atomic_store_explicit(&p->next, wait_link(n), memory_order_relaxed);
			grant(p);
			return 0;
		}
		/* Release: our critical section happens-before the next acquire of tail. */
		if (atomic_compare_exchange_strong_explicit(&l->tail, &expected, NULL,
							    memory_order_release,
							    memory_order_relaxed))
			return 0;
		next = wait_link(n);
	}
	if (readmit) {
		/* Long-term fairness: the oldest passive waiter goes in front of the chain.
		 * Relaxed: published by grant's release (see the header). */
		struct malthusian_node *p = passive_pop(l);
		atomic_store_explicit(&p->next, next, memory_order_relaxed);
		grant(p);
		return 0;
	}
	/* Acquire: pairs with the link store of next's successor. */
	struct malthusian_node *after = atomic_load_explicit(&next->next, memory_order_acquire);
	if (after) {
		/* Cull: next is surplus. Its successor has linked, so nobody writes next->next
		 * again until next is granted and re-enqueues. */
		passive_push(l, next);
		grant(after);
		return 0;
	}
	grant(next);
	return 0;
}

const struct lb_lock_ops lb_malthusian_ops = {
	.name = "malthusian",
	.description = "MCS that culls surplus waiters to a sleeping passive list and re-admits them (long-term fair)",
	.props = LB_SLEEPS | LB_NEEDS_CTX,
	.lock_size = sizeof(struct malthusian_lock),
	.lock_align = _Alignof(struct malthusian_lock),
	.ctx_size = sizeof(struct malthusian_node),
	.ctx_align = _Alignof(struct malthusian_node),
	.init = malthusian_init,
	.destroy = malthusian_destroy,
	.ctx_init = malthusian_ctx_init,
	.ctx_destroy = malthusian_ctx_destroy,
	.lock = malthusian_lock,
	.unlock = malthusian_unlock,
	.trylock = malthusian_trylock,
	.timedlock = malthusian_timedlock,
};
