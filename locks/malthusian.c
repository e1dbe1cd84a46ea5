/* malthusian.c — Malthusian MCS: an MCS lock that restricts concurrency by culling surplus
 * waiters to a passive set, and re-admits them in turn for long-term fairness.
 *
 * Algorithm: Dice, "Malthusian Locks" (EuroSys 2017), MCSCR with spin-then-park waiting. The
 * queue, the wait and the handoff are mcs_park.c's, from mcs_queue.h (MCS, Mellor-Crummey &
 * Scott, TOCS 1991; waiters spin MALTHUSIAN_SPIN pauses, then sleep on a futex in their node;
 * the handoff is one exchange that says whether to wake). What differs is unlock, run by the
 * holder:
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
 * State: tail and the chain as mcs_park.c; node.q.wait GRANTED 0 / WAITING 1 / PARKED 2, as
 * there (mcs_queue.h's enum mcsq_park_state). The passive list (passive_head, passive_tail,
 * linked through node.passive_next) and the unlock counter are plain fields, read and written
 * only by the lock's holder inside unlock, before it hands over: the lock itself protects them.
 * Memory order: mcs_queue.h's for the queue and for the park wait and handoff (it argues each
 * pair once; mcs_park.c uses the same steps), plus:
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
#include "mcs_queue.h"
#include <lockbench/lock.h>

enum {
	MALTHUSIAN_SPIN = 100,    /* pauses before sleeping (futex_spin.c's bound) */
	MALTHUSIAN_READMIT = 256, /* R: one unlock in R re-admits the oldest passive waiter */
};

struct malthusian_node {
	struct mcsq_node q; /* first: see MCSQ_NODE_OF; q.wait: enum mcsq_park_state, futex word */
	struct malthusian_node *passive_next; /* guarded by the lock */
	int held;                             /* private to the owning thread */
} LB_CACHE_ALIGNED;
_Static_assert(offsetof(struct malthusian_node, q) == 0, "MCSQ_NODE_OF needs q first");

struct malthusian_lock {
	_Atomic(struct mcsq_node *) tail;
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
	mcsq_node_init(&n->q, MCSQ_GRANTED);
	n->passive_next = NULL;
	n->held = 0;
	return 0;
}

static void malthusian_ctx_destroy(void *ctx)
{
	(void)ctx;
}

static int malthusian_lock(void *lock, void *ctx)
{
	struct malthusian_lock *l = lock;
	struct malthusian_node *n = ctx;
	mcsq_reset(&n->q, MCSQ_WAITING);
	struct mcsq_node *pred = mcsq_swap(&l->tail, &n->q);
	if (pred) {
		mcsq_link(pred, &n->q);
		mcsq_park_wait(&n->q, MALTHUSIAN_SPIN);
	}
	n->held = 1;
	return 0;
}

static int malthusian_trylock(void *lock, void *ctx)
{
	struct malthusian_lock *l = lock;
	struct malthusian_node *n = ctx;
	/* Relaxed: a hint that spares the line when the lock is busy; the CAS decides. */
	if (atomic_load_explicit(&l->tail, memory_order_relaxed))
		return -EBUSY;
	mcsq_reset(&n->q, MCSQ_WAITING);
	if (!mcsq_try_enqueue(&l->tail, &n->q))
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

static int malthusian_unlock(void *lock, void *ctx)
{
	struct malthusian_lock *l = lock;
	struct malthusian_node *n = ctx;
	if (!n->held)
		return -EPERM;
	n->held = 0;
	int readmit = l->passive_head && ++l->unlocks % MALTHUSIAN_READMIT == 0;
	/* Acquire: pairs with the successor's release link store. */
	struct mcsq_node *next = atomic_load_explicit(&n->q.next, memory_order_acquire);
	if (!next) {
		if (l->passive_head) {
			/* Work conservation: the oldest passive waiter becomes the tail (or goes in
			 * front of a successor that is linking). Relaxed NULL: published by the
			 * release CAS (see the header). */
			struct malthusian_node *p = passive_pop(l);
			atomic_store_explicit(&p->q.next, NULL, memory_order_relaxed);
			if (!mcsq_cas_tail(&l->tail, &n->q, &p->q))
				atomic_store_explicit(&p->q.next, mcsq_wait_link(&n->q),
						      memory_order_relaxed);
			mcsq_park_grant(&p->q);
			return 0;
		}
		if (mcsq_cas_tail(&l->tail, &n->q, NULL))
			return 0;
		next = mcsq_wait_link(&n->q);
	}
	if (readmit) {
		/* Long-term fairness: the oldest passive waiter goes in front of the chain.
		 * Relaxed: published by the grant's release (see the header). */
		struct malthusian_node *p = passive_pop(l);
		atomic_store_explicit(&p->q.next, next, memory_order_relaxed);
		mcsq_park_grant(&p->q);
		return 0;
	}
	/* Acquire: pairs with the link store of next's successor. */
	struct mcsq_node *after = atomic_load_explicit(&next->next, memory_order_acquire);
	if (after) {
		/* Cull: next is surplus. Its successor has linked, so nobody writes next->next
		 * again until next is granted and re-enqueues. */
		passive_push(l, MCSQ_NODE_OF(struct malthusian_node, next));
		mcsq_park_grant(after);
		return 0;
	}
	mcsq_park_grant(next);
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
