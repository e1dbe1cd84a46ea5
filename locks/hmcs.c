/* hmcs.c — HMCS, the hierarchical MCS lock, two levels.
 *
 * Algorithm: Chabbi, Fagan & Mellor-Crummey, "High performance locks for multi-level NUMA
 * systems" (PPoPP 2015), with two levels: one MCS queue per cluster (the threads' nodes, their
 * contexts) and one global MCS queue whose nodes are the clusters (one per cluster, in the
 * lock). A thread swaps its node into its cluster's queue. Handed the lock by a local
 * predecessor, it holds the whole lock: the cluster's node still owns the global level. First in
 * its cluster's queue, or told by its predecessor to "acquire the parent", it enqueues its
 * cluster's node at the global level (plain MCS) and holds the lock once that is granted. At
 * unlock, while the passing count is below the threshold HMCS_THRESHOLD and a local successor
 * has linked, the lock passes to it with the count + 1, the global level untouched. Otherwise
 * the holder releases the global level (MCS unlock of the cluster's node) and then the local one,
 * telling a local successor to acquire the parent. So a cluster holds the global level for at
 * most HMCS_THRESHOLD consecutive holders; the global queue is FIFO among clusters.
 * State: per cluster (lock.cl[c]): `tail` of the local queue, on its own line; the cluster's
 * global node (g: g.next, g.wait = granted) on another. lock.gtail: the global queue's tail.
 * Thread node: q.next, q.wait = the status, WAIT (0) while waiting, 1..HMCS_THRESHOLD = the
 * passing count once holding, or ACQUIRE_PARENT when told to take the global level.
 * Memory order: each level runs through mcs_queue.h's steps, whose header argues each pair
 * once (the relaxed reset published by the acq_rel swap and the release link, the link paired
 * with the acquire loads of next, the release tail CAS paired with the next swap's acquire, a
 * failed CAS relaxed, the release handoff paired with the acquire spin). What HMCS adds:
 *  - A local pass is a release store of the new status paired with the waiter's acquire spin:
 *    the critical section and the global ownership (the cluster node in the global queue)
 *    travel with it. ACQUIRE_PARENT is stored the same way, after the global release, so the
 *    successor's reuse of the cluster node (its relaxed reset) happens after our MCS unlock of it
 *    has finished touching it.
 *  - The global handoff is mcs_queue.h's, its value granted = 1.
 * Timed acquisition: NOT FIFO (neither is lock()). A waiter cannot leave either queue, so
 * timedlock polls trylock (deadline.h). trylock takes the local level with a CAS from NULL, then
 * the global one with a CAS from NULL; when the global CAS fails it releases the local level
 * (telling a successor that slipped in behind to acquire the parent) and returns -EBUSY.
 * Fairness: FIFO within a cluster and among clusters at the global level, not overall.
 * cluster_bound = HMCS_THRESHOLD - 1: a cluster's tenure has at most HMCS_THRESHOLD holders,
 * and a cluster enqueued at the global level is granted before any cluster that enqueues after
 * it, so while it waits another cluster passes within itself at most THRESHOLD - 1 times. A
 * thread waiting in its cluster's local queue is covered by that bound only once its cluster is
 * enqueued globally (by the first thread of its cluster's queue), which the test hook follows.
 * No starvation: both levels are FIFO queues and tenures are bounded.
 * Oversubscription: collapses as MCS does, at both levels.
 * Context: the thread's node, one cache line, with its cluster. Clusters: at most
 * HMCS_MAX_CLUSTERS (64) per lock, each 2 cache lines in the lock (8 KiB); a larger cluster
 * number is folded (cluster % 64): clusters that share a slot behave as one, which keeps
 * exclusion and the bound but loses locality between them.
 * Misuse: unlock through a context that holds nothing returns -EPERM (a private flag).
 * Test hooks (LB_TEST_HOOKS only): `turn` is a number taken from a lock-wide counter right
 * after the thread's last doorway in this lock(): its local swap when it was handed the lock
 * locally, its cluster node's global swap when it acquired the global level. So a larger turn
 * means a later arrival, and a thread that acquires the global level has its cluster enqueued
 * globally from its turn on, which tests/topo/topo_numa.c uses (with one thread in the waiting
 * cluster, where this is exact). Not a FIFO order; the lock does not claim LB_FIFO.
 */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "mcs_queue.h"
#include <lockbench/lock.h>

/* Holders per global tenure. The paper tunes thresholds per level (tens to hundreds); 64 keeps a
 * remote cluster's wait near 64 handoffs and matches cna.c's bound. */
#define HMCS_THRESHOLD 64u
#define HMCS_MAX_CLUSTERS 64u
#define HMCS_WAIT 0u
#define HMCS_ACQUIRE_PARENT UINT_MAX

struct hmcs_node {
	struct mcsq_node q; /* first: see MCSQ_NODE_OF; q.wait is the status */
	unsigned cluster; /* already folded */
	int held;         /* private to the owning thread: the misuse check */
#ifdef LB_TEST_HOOKS
	uint64_t turn;
#endif
} LB_CACHE_ALIGNED;
_Static_assert(offsetof(struct hmcs_node, q) == 0, "MCSQ_NODE_OF needs q first");

struct hmcs_cluster {
	_Atomic(struct mcsq_node *) tail LB_CACHE_ALIGNED; /* the local queue */
	/* The cluster's node in the global queue: touched by the cluster's holder and by the
	 * global predecessor that links and grants it. */
	struct mcsq_node g LB_CACHE_ALIGNED; /* g.next: the global successor; g.wait: granted */
};

struct hmcs_lock {
	_Atomic(struct mcsq_node *) gtail LB_CACHE_ALIGNED;
#ifdef LB_TEST_HOOKS
	atomic_uint_fast64_t turns;
#endif
	struct hmcs_cluster cl[HMCS_MAX_CLUSTERS];
};

static int hmcs_init(void *lock, unsigned permits)
{
	struct hmcs_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->gtail, NULL);
#ifdef LB_TEST_HOOKS
	atomic_init(&l->turns, 0);
#endif
	for (unsigned c = 0; c < HMCS_MAX_CLUSTERS; c++) {
		atomic_init(&l->cl[c].tail, NULL);
		mcsq_node_init(&l->cl[c].g, 0);
	}
	return 0;
}

static void hmcs_destroy(void *lock)
{
	(void)lock;
}

static int hmcs_ctx_init(void *ctx)
{
	struct hmcs_node *n = ctx;
	mcsq_node_init(&n->q, HMCS_WAIT);
	n->cluster = 0;
	n->held = 0;
#ifdef LB_TEST_HOOKS
	n->turn = 0;
#endif
	return 0;
}

static void hmcs_ctx_destroy(void *ctx)
{
	(void)ctx;
}

static int hmcs_ctx_set_cluster(void *ctx, unsigned cluster)
{
	struct hmcs_node *n = ctx;
	n->cluster = cluster % HMCS_MAX_CLUSTERS; /* folded: see the header */
	return 0;
}

/* mcs_queue.h's relaxed reset (granted = 0). Only the cluster's local holder resets its node,
 * after the previous global release of it finished (the ACQUIRE_PARENT or local-CAS chain orders
 * it); published by the swap. */
static void cluster_reset(struct hmcs_cluster *c)
{
	mcsq_reset(&c->g, 0);
}

#ifdef LB_TEST_HOOKS
/* Relaxed: a number, no data; taken after a swap, so it follows that doorway in time. */
static void turn_take(struct hmcs_lock *l, struct hmcs_node *n)
{
	n->turn = atomic_fetch_add_explicit(&l->turns, 1, memory_order_relaxed) + 1;
}
#endif

static void global_acquire(struct hmcs_lock *l, struct hmcs_cluster *c, struct hmcs_node *n)
{
	cluster_reset(c);
	struct mcsq_node *pred = mcsq_swap(&l->gtail, &c->g);
#ifdef LB_TEST_HOOKS
	turn_take(l, n);
#else
	(void)n;
#endif
	if (!pred)
		return;
	mcsq_link(pred, &c->g);
	(void)mcsq_spin_while(&c->g, 0);
}

static void global_release(struct hmcs_lock *l, struct hmcs_cluster *c)
{
	struct mcsq_node *next = mcsq_successor(&l->gtail, &c->g);
	if (next)
		mcsq_handoff(next, 1);
}

/* Release the local level, telling a successor (if any) to acquire the parent. */
static void local_release(struct hmcs_cluster *c, struct hmcs_node *n)
{
	struct mcsq_node *next = mcsq_successor(&c->tail, &n->q);
	if (next)
		mcsq_handoff(next, HMCS_ACQUIRE_PARENT);
}

static int hmcs_lock(void *lock, void *ctx)
{
	struct hmcs_lock *l = lock;
	struct hmcs_node *n = ctx;
	struct hmcs_cluster *c = &l->cl[n->cluster];
	mcsq_reset(&n->q, HMCS_WAIT);
	struct mcsq_node *pred = mcsq_swap(&c->tail, &n->q);
	if (pred) {
#ifdef LB_TEST_HOOKS
		turn_take(l, n);
#endif
		mcsq_link(pred, &n->q);
		unsigned s = mcsq_spin_while(&n->q, HMCS_WAIT);
		if (s != HMCS_ACQUIRE_PARENT) {
			n->held = 1; /* a local pass: the cluster holds the global level */
			return 0;
		}
	}
	/* Relaxed: our own count, read only by us; a successor gets its own by a release. */
	atomic_store_explicit(&n->q.wait, 1, memory_order_relaxed);
	global_acquire(l, c, n);
	n->held = 1;
	return 0;
}

static int hmcs_trylock(void *lock, void *ctx)
{
	struct hmcs_lock *l = lock;
	struct hmcs_node *n = ctx;
	struct hmcs_cluster *c = &l->cl[n->cluster];
	/* Relaxed: hints that spare the lines when the lock is busy; the CASes decide. */
	if (atomic_load_explicit(&c->tail, memory_order_relaxed) ||
	    atomic_load_explicit(&l->gtail, memory_order_relaxed))
		return -EBUSY;
	mcsq_reset(&n->q, HMCS_WAIT);
	if (!mcsq_try_enqueue(&c->tail, &n->q))
		return -EBUSY;
	cluster_reset(c);
	if (!mcsq_try_enqueue(&l->gtail, &c->g)) {
		local_release(c, n); /* a successor that slipped in acquires the parent itself */
		return -EBUSY;
	}
#ifdef LB_TEST_HOOKS
	turn_take(l, n);
#endif
	atomic_store_explicit(&n->q.wait, 1, memory_order_relaxed);
	n->held = 1;
	return 0;
}

/* Not FIFO: see the header. */
static int hmcs_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(hmcs_trylock, lock, ctx, deadline_ns);
}

static int hmcs_unlock(void *lock, void *ctx)
{
	struct hmcs_lock *l = lock;
	struct hmcs_node *n = ctx;
	struct hmcs_cluster *c = &l->cl[n->cluster];
	if (!n->held)
		return -EPERM;
	n->held = 0;
	unsigned count = atomic_load_explicit(&n->q.wait, memory_order_relaxed); /* our own */
	if (count < HMCS_THRESHOLD) {
		/* Acquire: pairs with the successor's link (mcsq_link). */
		struct mcsq_node *next = atomic_load_explicit(&n->q.next, memory_order_acquire);
		if (next) {
			mcsq_handoff(next, count + 1); /* a local pass */
			return 0;
		}
	}
	global_release(l, c);
	local_release(c, n);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t hmcs_turn(void *lock, void *ctx)
{
	struct hmcs_node *n = ctx;
	(void)lock;
	return n->turn;
}
#endif

const struct lb_lock_ops lb_hmcs_ops = {
	.name = "hmcs",
	.description = "hierarchical MCS, two levels: a cluster keeps the global queue's turn for 64",
	.props = LB_SPINS | LB_NEEDS_CTX | LB_NUMA_AWARE,
	.lock_size = sizeof(struct hmcs_lock),
	.lock_align = _Alignof(struct hmcs_lock),
	.ctx_size = sizeof(struct hmcs_node),
	.ctx_align = _Alignof(struct hmcs_node),
	.init = hmcs_init,
	.destroy = hmcs_destroy,
	.ctx_init = hmcs_ctx_init,
	.ctx_destroy = hmcs_ctx_destroy,
	.ctx_set_cluster = hmcs_ctx_set_cluster,
	.cluster_bound = HMCS_THRESHOLD - 1,
	.lock = hmcs_lock,
	.unlock = hmcs_unlock,
	.trylock = hmcs_trylock,
	.timedlock = hmcs_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = hmcs_turn,
#endif
};
