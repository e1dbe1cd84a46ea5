/* ck_hclh.c — Concurrency Kit's hierarchical CLH lock (ck_spinlock_hclh), as a reference.
 *
 * Algorithm: Luchangco, Nussbaum & Shavit, "A Hierarchical CLH Queue Lock" (Euro-Par 2006), as
 * ck_spinlock_hclh implements it: one CLH queue per cluster (local) and one global CLH queue.
 * lock: set our node's wait flag, swap it into our cluster's local tail. If the local
 * predecessor is a node of a batch not yet spliced (same cluster, splice flag clear, and not the
 * local queue's initial node, whose `previous` is NULL), spin on it; when it releases we hold
 * the lock (an in-batch handoff). Otherwise (the predecessor is the initial node, or was the
 * tail of a batch already spliced) we are a batch's first node, the "master": swap the local
 * queue's current tail into the global tail (this splices every local node from ours to that
 * tail into the global queue, in local order), set that tail's splice flag (so later local
 * arrivals start a batch of their own), and spin on the global predecessor's wait flag. unlock
 * is CLH's: clear our wait flag and adopt the LOCAL predecessor's node. Departure from the
 * paper: ck has no combining delay (the paper's master waits a while for local arrivals before
 * splicing), so a batch holds only the local nodes that swapped in between the master's local
 * swap and its read of the local tail; on this 2-CPU machine most batches are one node.
 * Clusters: COHORT's scheme (ck_cohort.c): the lock holds HCLH_MAX_CLUSTERS local tails, one
 * cache line each; ctx_set_cluster FOLDS a larger cluster number into 0..63 (cluster % 64;
 * two folded clusters then share a local queue, which is still correct, only less local). A
 * context never told is in cluster 0.
 * trylock: ck has none for HCLH. Ours, from ck's primitives, takes the lock only when our local
 * tail's and the global tail's wait flags are both clear (nobody holds or waits in our cluster
 * or in the global queue): set our flags, CAS the local tail from that node to ours, then, as
 * ck's lock does after its swap, look at the local predecessor. Normally it is released and a
 * batch tail (or the initial node), so we are the master: CAS the global tail from the released
 * node we read to the local tail, set that tail's splice flag, and hold the lock. If that CAS
 * fails we CAS the local tail back from our node to the predecessor (possible with no ABA: our
 * node is ours until we unlock) and return -EBUSY. Limits, all reached only through a race of a
 * few instructions, all correct, only not non-blocking:
 *  - if a local arrival swapped in behind our node before we could take it back out, we cannot
 *    leave (it spins on our node): trylock splices with ck's swap and waits like lock;
 *  - ABA, as in ck_clh.c: a node read released may be adopted and re-enqueued before our CAS
 *    succeeds behind it; we then wait for it like lock would (locally: ck's spin; globally: a
 *    spin on its flag).
 *  - The tail nodes we read may migrate to threads that destroy their contexts and free them:
 *    a read of freed memory (never a write), undefined but harmless with glibc; ck's own lock
 *    has the same read ((*local_queue)->cluster_id). Destroy contexts only when no thread may be
 *    in ck-hclh's lock or trylock.
 * State: ck's: the lock holds the global tail pointer (its own line), the global queue's
 * initial node, and one local tail pointer per cluster (one line each), NULL until a thread of
 * that cluster first comes: its initial node is then allocated and installed with a CAS (the
 * loser frees its own). A node is { wait, splice, cluster_id, previous }, one cache line.
 * Memory order: ck's: ck_pr_fence_store_atomic() publishes our node's flags before the local
 * swap; ck_pr_fence_load() orders the swap before reading the predecessor; ck_pr_fence_lock()
 * after acquiring pairs with ck_pr_fence_unlock() before the unlocking store that clears wait.
 * The splice flag is a plain ck_pr store read by ck_pr loads (ck relies on x86's TSO here: by
 * the time a batch tail's wait reads clear, its splice flag, stored before the master could
 * acquire, reads set). Ours: a lazily installed initial node's fields are published by
 * ck_pr_fence_store() before the installing CAS, paired with ck_pr_fence_load() after the load
 * of the local tail pointer; our trylock uses ck's fences in ck's places, and
 * ck_pr_fence_lock() after it acquires. Inline assembly, invisible to ThreadSanitizer:
 * LB_TSAN_OPAQUE.
 * Timed acquisition: NOT FIFO. A waiter in either queue cannot leave (its successor spins on
 * its node), so timedlock never joins: it polls trylock with deadline.h's bounded doubling
 * back-off (lb_poll_trylock_until). It takes the lock only at an instant when nobody holds or
 * waits in its cluster or globally, so a steady stream of lock() callers can pass it over until
 * it times out; after one of trylock's races above a poll can outlast its deadline by the
 * critical sections ahead of it. A past deadline on a held lock returns after one try.
 * Fairness: not FIFO (no LB_FIFO): local batches are spliced whole, so a node that swapped into
 * its local queue after a remote waiter's local swap can still be granted first. Once a node is
 * in the global queue it is FIFO, and every waiter reaches the global queue without waiting for
 * any holder (a master splices at once: no combining delay), so nobody starves. cluster_bound
 * 0, no bound stated: hclh.h states none, and none holds as a constant. The derivable bound on
 * consecutive handoffs inside one cluster while a remote node is in the global queue is the
 * number of that cluster's nodes ahead of it (one per thread: a batch is at most the cluster's
 * threads), which depends on the thread count; and while a remote waiter is between its local
 * swap and its master's global swap (preempted there, on a loaded machine), the other cluster
 * may hand the lock over any number of times.
 * Oversubscription: collapses, as every spinning queue lock: a preempted waiter or master
 * stalls every node behind it, and a batch's waiters spin on one another in queue order.
 * Context: the thread's current node, its cluster (folded, see above) and a held flag. Node
 * lifetime is ck_clh.c's, hierarchically: init allocates the global queue's initial node,
 * the first lock in a cluster that cluster's initial node, ctx_init one node per context; each
 * lock/unlock gives our node to the queues and adopts our local predecessor. The global initial
 * node is never anyone's local predecessor, so nobody adopts it: after the first splice it is
 * referenced only by the lock's `unowned` pointer. When quiescent, the global tail is that node
 * (never locked) or the same node as some cluster's local tail (the last batch spliced), so
 * destroy frees `unowned` and every installed local tail and not the global tail; ctx_destroy
 * frees the context's node: each node exactly once. One context serves any number of ck-hclh
 * locks, one held at a time. Unlock without lock is refused (-EPERM): it would adopt a stale
 * predecessor and let two contexts share a node.
 * Two locks sharing each thread's context, with lock, trylock and timedlock mixed, are checked
 * by tests/locks/locks_multi.c (every lock, as a regression test of node migration between locks).
 */
#include <ck_spinlock.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "deadline.h"
#include <lockbench/lock.h>

#define HCLH_MAX_CLUSTERS 64u

/* One node per cache line; ck's struct is its first member, so ck's pointers are ours. */
struct ck_hclh_node {
	ck_spinlock_hclh_t ck;
} LB_CACHE_ALIGNED;

struct ck_hclh_local {
	ck_spinlock_hclh_t *tail; /* NULL until the cluster's first lock */
} LB_CACHE_ALIGNED;

struct ck_hclh_lock {
	ck_spinlock_hclh_t *glob LB_CACHE_ALIGNED;
	ck_spinlock_hclh_t *unowned; /* the global initial node: see the header */
	struct ck_hclh_local local[HCLH_MAX_CLUSTERS];
};

struct ck_hclh_ctx {
	ck_spinlock_hclh_t *node;
	unsigned cluster;
	int held;
} LB_CACHE_ALIGNED;

static ck_spinlock_hclh_t *node_new(void)
{
	struct ck_hclh_node *n = aligned_alloc(_Alignof(struct ck_hclh_node), sizeof *n);
	if (!n)
		return NULL;
	n->ck.wait = 0;
	n->ck.splice = 0;
	n->ck.cluster_id = 0;
	n->ck.previous = NULL;
	return &n->ck;
}

static int ck_hclh_init(void *lock, unsigned permits)
{
	struct ck_hclh_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	ck_spinlock_hclh_t *unowned = node_new();
	if (!unowned)
		return -ENOMEM;
	/* The cluster number of the global initial node is never compared (it is no local
	 * predecessor); -1 says so. */
	ck_spinlock_hclh_init(&l->glob, unowned, -1);
	l->unowned = unowned;
	for (unsigned c = 0; c < HCLH_MAX_CLUSTERS; c++)
		l->local[c].tail = NULL;
	return 0;
}

static void ck_hclh_destroy(void *lock)
{
	struct ck_hclh_lock *l = lock;
	for (unsigned c = 0; c < HCLH_MAX_CLUSTERS; c++)
		free(l->local[c].tail);
	free(l->unowned); /* the global tail is one of these: not freed twice */
}

static int ck_hclh_ctx_init(void *ctx)
{
	struct ck_hclh_ctx *c = ctx;
	c->node = node_new();
	c->cluster = 0;
	c->held = 0;
	return c->node ? 0 : -ENOMEM;
}

static void ck_hclh_ctx_destroy(void *ctx)
{
	struct ck_hclh_ctx *c = ctx;
	free(c->node);
	c->node = NULL;
}

static int ck_hclh_ctx_set_cluster(void *ctx, unsigned cluster)
{
	struct ck_hclh_ctx *c = ctx;
	c->cluster = cluster % HCLH_MAX_CLUSTERS; /* folded: see the header */
	return 0;
}

/* The cluster's local tail pointer, its initial node installed on first use; NULL: no memory. */
static ck_spinlock_hclh_t **local_queue(struct ck_hclh_lock *l, unsigned cluster)
{
	ck_spinlock_hclh_t **q = &l->local[cluster].tail;
	if (ck_pr_load_ptr(q) != NULL) {
		ck_pr_fence_load(); /* pairs with the fence_store below: the node's fields */
		return q;
	}
	ck_spinlock_hclh_t *first = node_new();
	if (!first)
		return NULL;
	ck_spinlock_hclh_t *mine;
	ck_spinlock_hclh_init(&mine, first, (int)cluster);
	ck_pr_fence_store(); /* publish the fields; pairs with the fence_load above */
	if (!ck_pr_cas_ptr(q, NULL, first))
		free(first); /* another thread installed its own first */
	ck_pr_fence_load();
	return q;
}

static int ck_hclh_lock(void *lock, void *ctx)
{
	struct ck_hclh_lock *l = lock;
	struct ck_hclh_ctx *c = ctx;
	ck_spinlock_hclh_t **q = local_queue(l, c->cluster);
	if (!q)
		return -ENOMEM;
	ck_spinlock_hclh_lock(&l->glob, q, c->node);
	c->held = 1;
	return 0;
}

static int ck_hclh_trylock(void *lock, void *ctx)
{
	struct ck_hclh_lock *l = lock;
	struct ck_hclh_ctx *c = ctx;
	ck_spinlock_hclh_t **q = local_queue(l, c->cluster);
	if (!q)
		return -ENOMEM;
	ck_spinlock_hclh_t *me = c->node;
	ck_spinlock_hclh_t *pred = ck_pr_load_ptr(q);
	ck_spinlock_hclh_t *gpred = ck_pr_load_ptr(&l->glob);
	if (ck_pr_load_uint(&pred->wait) || ck_pr_load_uint(&gpred->wait))
		return -EBUSY;
	/* ck's lock, with a CAS for its local swap. */
	me->wait = 1;
	me->splice = 0;
	me->cluster_id = (int)c->cluster; /* every node of this local queue carries it */
	me->previous = pred;
	ck_pr_fence_store_atomic(); /* as ck: our flags before the swap */
	if (!ck_pr_cas_ptr(q, pred, me))
		return -EBUSY;
	ck_pr_fence_load(); /* as ck: the swap before reading the predecessor */
	if (pred->previous != NULL) {
		/* Only after an ABA (see the header) is the predecessor still waiting: ck's spin. */
		while (ck_pr_load_uint(&pred->wait) &&
		       ck_pr_load_int(&pred->cluster_id) == me->cluster_id &&
		       !ck_pr_load_uint(&pred->splice))
			lb_cpu_relax();
		if (ck_pr_load_int(&pred->cluster_id) == me->cluster_id &&
		    !ck_pr_load_uint(&pred->splice)) {
			ck_pr_fence_lock(); /* ck's lock relies on the loads' order here; we fence */
			c->held = 1;
			return 0;
		}
	}
	/* We are the master: splice the local queue, from our node to its tail. */
	ck_spinlock_hclh_t *local_tail = ck_pr_load_ptr(q);
	if (ck_pr_cas_ptr(&l->glob, gpred, local_tail)) {
		ck_pr_store_uint(&local_tail->splice, 1);
		while (ck_pr_load_uint(&gpred->wait)) /* only after an ABA, see the header */
			lb_cpu_relax();
		ck_pr_fence_lock(); /* pairs with ck_pr_fence_unlock in the releaser */
		c->held = 1;
		return 0;
	}
	/* Someone went into the global queue first: take our node back out if nobody follows it.
	 * pred is unchanged (released, never adopted: we, its local successor, would adopt it). */
	if (ck_pr_cas_ptr(q, me, pred))
		return -EBUSY;
	/* A local arrival spins on our node: we cannot leave. Splice as ck does and wait. */
	local_tail = ck_pr_load_ptr(q);
	gpred = ck_pr_fas_ptr(&l->glob, local_tail);
	ck_pr_store_uint(&local_tail->splice, 1);
	while (ck_pr_load_uint(&gpred->wait))
		lb_cpu_relax();
	ck_pr_fence_lock(); /* pairs with ck_pr_fence_unlock in the releaser */
	c->held = 1;
	return 0;
}

/* Not FIFO: see the header. */
static int ck_hclh_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_hclh_trylock, lock, ctx, deadline_ns);
}

static int ck_hclh_unlock(void *lock, void *ctx)
{
	struct ck_hclh_ctx *c = ctx;
	(void)lock;
	if (!c->held)
		return -EPERM;
	c->held = 0;
	ck_spinlock_hclh_unlock(&c->node);
	return 0;
}

const struct lb_lock_ops lb_ck_hclh_ops = {
	.name = "ck-hclh",
	.description = "Concurrency Kit ck_spinlock_hclh: hierarchical CLH, per-cluster queues",
	.props = LB_SPINS | LB_NEEDS_CTX | LB_NUMA_AWARE | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_hclh_lock),
	.lock_align = _Alignof(struct ck_hclh_lock),
	.ctx_size = sizeof(struct ck_hclh_ctx),
	.ctx_align = _Alignof(struct ck_hclh_ctx),
	.init = ck_hclh_init,
	.destroy = ck_hclh_destroy,
	.ctx_init = ck_hclh_ctx_init,
	.ctx_destroy = ck_hclh_ctx_destroy,
	.ctx_set_cluster = ck_hclh_ctx_set_cluster,
	.cluster_bound = 0, /* no bound stated (see the header) */
	.lock = ck_hclh_lock,
	.unlock = ck_hclh_unlock,
	.trylock = ck_hclh_trylock,
	.timedlock = ck_hclh_timedlock,
};
