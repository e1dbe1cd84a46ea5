/* cbo_mcs.c — C-BO-MCS, a cohort lock: a global back-off test-and-set lock over one MCS lock per
 * cluster.
 *
 * Algorithm: Dice, Marathe & Shavit, "Lock cohorting: a general technique for designing NUMA
 * locks" (PPoPP 2012; ACM TOPC 2015), the C-BO-MCS instance. A thread first takes its cluster's
 * MCS lock (its context is the MCS node). If its local predecessor passed it the lock "with the
 * global lock" it holds the whole lock at once; otherwise (it found the local queue empty, or its
 * predecessor gave the global lock up) it takes the global lock, a test-and-test-and-set word
 * with bounded exponential back-off. At unlock, if a local successor has linked (the MCS lock's
 * cohort detection) and fewer than COHORT_BOUND consecutive local passes led here, it passes
 * the local lock with the global one still held; otherwise it releases the global lock, then the
 * local lock, telling a local successor to take the global lock itself. The global lock is
 * thread-oblivious (a TAS word any thread may release), as cohorting requires.
 * State: lock.global = 0 free / 1 held; per cluster (lock.cl[c], one line each) the local MCS
 * tail; node.q.next, node.q.wait = the status: WAIT (0), 1..COHORT_BOUND = consecutive local
 * passes so far (held with the global lock), or TAKE_GLOBAL.
 * Memory order:
 *  - The local level runs through mcs_queue.h's steps, whose header argues each pair once
 *    (swap acq_rel, release link / acquire next, release handoff / acquire spin, release CAS of
 *    tail to NULL paired with the next swap's acquire).
 *  - A local pass with the global lock is a release store of the count, paired with the
 *    waiter's acquire spin: the critical section travels with it.
 *  - The global lock: the exchange that takes it is acquire, paired with the release store of 0
 *    that frees it (by whichever thread of whichever cluster held it last): the previous
 *    tenure's critical sections happen-before ours. The test-and-test load before it is relaxed:
 *    a hint, the exchange decides.
 *  - TAKE_GLOBAL is stored (release) after the global lock was freed; the successor then
 *    takes the global lock with its own acquire, which orders it after every earlier holder.
 * Timed acquisition: NOT FIFO (neither is lock()). A local waiter cannot leave its MCS queue, so
 * timedlock polls trylock (deadline.h): a CAS of the local tail from NULL, then one try of the
 * global word; when that fails it gives the local level up (telling a successor that slipped in
 * to take the global lock) and returns -EBUSY.
 * Fairness: FIFO within a cluster; none among clusters: the global TAS goes to whichever cluster
 * wins the exchange, so the same cluster can take it again as soon as it lets it go. A cohort
 * passes within the cluster at most COHORT_BOUND (64) consecutive times and then releases the
 * global lock, but nothing stops its next thread from winning it back: cluster_bound is 0 (no
 * bound stated), and no waiter is promised the lock. In practice the back-off of a thread that
 * has just released makes a waiting cluster win soon; the tests show that it does, not that it
 * must.
 * Oversubscription: collapses as MCS does within a cluster; the global TAS does not (a
 * preempted TAS waiter holds no place).
 * Context: the thread's MCS node, one cache line, with its cluster. Clusters: at most
 * COHORT_MAX_CLUSTERS (64) per lock, one cache line each (4 KiB); a larger cluster number is
 * folded (cluster % 64): clusters sharing a slot behave as one (exclusion kept, locality lost).
 * Misuse: unlock through a context that holds nothing returns -EPERM (a private flag).
 */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "mcs_queue.h"
#include <lockbench/lock.h>

/* Consecutive local passes per global tenure (the papers' "may-pass-local" bound; they use
 * 64 to a few hundred). */
#define COHORT_BOUND 64u
#define COHORT_MAX_CLUSTERS 64u
#define COHORT_WAIT 0u
#define COHORT_TAKE_GLOBAL UINT_MAX
/* Back-off of the global TAS, in pauses: doubled from 1 to this after each failed exchange,
 * ttas.c's bound (about the cost of a futex sleep and wake). */
#define COHORT_BACKOFF_MAX 128u

struct cohort_node {
	struct mcsq_node q; /* first: see MCSQ_NODE_OF; q.wait is the status */
	unsigned cluster; /* already folded */
	int held;         /* private to the owning thread: the misuse check */
} LB_CACHE_ALIGNED;
_Static_assert(offsetof(struct cohort_node, q) == 0, "MCSQ_NODE_OF needs q first");

struct cohort_cluster {
	_Atomic(struct mcsq_node *) tail;
} LB_CACHE_ALIGNED;

struct cohort_lock {
	atomic_uint global LB_CACHE_ALIGNED;
	struct cohort_cluster cl[COHORT_MAX_CLUSTERS];
};

static int cohort_init(void *lock, unsigned permits)
{
	struct cohort_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->global, 0);
	for (unsigned c = 0; c < COHORT_MAX_CLUSTERS; c++)
		atomic_init(&l->cl[c].tail, NULL);
	return 0;
}

static void cohort_destroy(void *lock)
{
	(void)lock;
}

static int cohort_ctx_init(void *ctx)
{
	struct cohort_node *n = ctx;
	mcsq_node_init(&n->q, COHORT_WAIT);
	n->cluster = 0;
	n->held = 0;
	return 0;
}

static void cohort_ctx_destroy(void *ctx)
{
	(void)ctx;
}

static int cohort_ctx_set_cluster(void *ctx, unsigned cluster)
{
	struct cohort_node *n = ctx;
	n->cluster = cluster % COHORT_MAX_CLUSTERS; /* folded: see the header */
	return 0;
}

static int global_try(struct cohort_lock *l)
{
	/* Relaxed test, acquire exchange: see the header. */
	return atomic_load_explicit(&l->global, memory_order_relaxed) == 0 &&
	       atomic_exchange_explicit(&l->global, 1, memory_order_acquire) == 0;
}

static void global_acquire(struct cohort_lock *l)
{
	unsigned backoff = 1;
	while (!global_try(l)) {
		for (unsigned i = 0; i < backoff; i++)
			lb_cpu_relax();
		if (backoff < COHORT_BACKOFF_MAX)
			backoff *= 2;
	}
}

/* Release the local level, telling a successor (if any) to take the global lock. */
static void local_release(struct cohort_cluster *c, struct cohort_node *n)
{
	struct mcsq_node *next = mcsq_successor(&c->tail, &n->q);
	if (next)
		mcsq_handoff(next, COHORT_TAKE_GLOBAL);
}

static int cohort_lock(void *lock, void *ctx)
{
	struct cohort_lock *l = lock;
	struct cohort_node *n = ctx;
	struct cohort_cluster *c = &l->cl[n->cluster];
	mcsq_reset(&n->q, COHORT_WAIT);
	struct mcsq_node *pred = mcsq_swap(&c->tail, &n->q);
	if (pred) {
		mcsq_link(pred, &n->q);
		unsigned s = mcsq_spin_while(&n->q, COHORT_WAIT);
		if (s != COHORT_TAKE_GLOBAL) {
			n->held = 1; /* passed with the global lock */
			return 0;
		}
	}
	/* Relaxed: our own count, read only by us; a successor gets its own by a release. */
	atomic_store_explicit(&n->q.wait, 1, memory_order_relaxed);
	global_acquire(l);
	n->held = 1;
	return 0;
}

static int cohort_trylock(void *lock, void *ctx)
{
	struct cohort_lock *l = lock;
	struct cohort_node *n = ctx;
	struct cohort_cluster *c = &l->cl[n->cluster];
	/* Relaxed: hints that spare the lines when the lock is busy; the CAS and exchange
	 * decide. */
	if (atomic_load_explicit(&c->tail, memory_order_relaxed) ||
	    atomic_load_explicit(&l->global, memory_order_relaxed))
		return -EBUSY;
	mcsq_reset(&n->q, COHORT_WAIT);
	if (!mcsq_try_enqueue(&c->tail, &n->q))
		return -EBUSY;
	if (!global_try(l)) {
		local_release(c, n); /* a successor that slipped in takes the global lock itself */
		return -EBUSY;
	}
	atomic_store_explicit(&n->q.wait, 1, memory_order_relaxed);
	n->held = 1;
	return 0;
}

/* Not FIFO: see the header. */
static int cohort_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(cohort_trylock, lock, ctx, deadline_ns);
}

static int cohort_unlock(void *lock, void *ctx)
{
	struct cohort_lock *l = lock;
	struct cohort_node *n = ctx;
	struct cohort_cluster *c = &l->cl[n->cluster];
	if (!n->held)
		return -EPERM;
	n->held = 0;
	unsigned count = atomic_load_explicit(&n->q.wait, memory_order_relaxed); /* our own */
	if (count < COHORT_BOUND) {
		/* Acquire: pairs with the successor's link (mcsq_link). */
		struct mcsq_node *next = atomic_load_explicit(&n->q.next, memory_order_acquire);
		if (next) {
			mcsq_handoff(next, count + 1); /* a local pass */
			return 0;
		}
	}
	/* Release: pairs with the next holder's acquire exchange. */
	atomic_store_explicit(&l->global, 0, memory_order_release);
	local_release(c, n);
	return 0;
}

const struct lb_lock_ops lb_cbo_mcs_ops = {
	.name = "cbo-mcs",
	.description = "cohort lock: global back-off TAS over per-cluster MCS, 64 local passes",
	.props = LB_SPINS | LB_NEEDS_CTX | LB_NUMA_AWARE,
	.lock_size = sizeof(struct cohort_lock),
	.lock_align = _Alignof(struct cohort_lock),
	.ctx_size = sizeof(struct cohort_node),
	.ctx_align = _Alignof(struct cohort_node),
	.init = cohort_init,
	.destroy = cohort_destroy,
	.ctx_init = cohort_ctx_init,
	.ctx_destroy = cohort_ctx_destroy,
	.ctx_set_cluster = cohort_ctx_set_cluster,
	.cluster_bound = 0, /* none: the global TAS is not fair (see the header) */
	.lock = cohort_lock,
	.unlock = cohort_unlock,
	.trylock = cohort_trylock,
	.timedlock = cohort_timedlock,
};
