/* ck_cohort.c — Concurrency Kit's lock cohorting (ck_cohort) over ck spinlocks, as a reference.
 *
 * Algorithm: Dice, Marathe & Shavit, "Lock cohorting" (PPoPP 2012), as ck_cohort.h builds it
 * from any two locks: a global ck_spinlock_fas (test-and-set, thread-oblivious) and one
 * ck_spinlock_ticket per cluster, each with its ck_cohort instance. lock: count ourselves in the
 * cohort's waiting_threads, take the local ticket lock, uncount; take the global lock unless the
 * previous local holder left it to the cohort (release_state LOCAL). unlock: if someone waits
 * locally and fewer than the pass limit (COHORT_PASS_LIMIT, 64, as cbo_mcs.c; ck's default is
 * 10) acquisitions ran in this tenure, keep the global lock for the cohort; otherwise release
 * it. Then release the local lock. C-BO-TKT in the paper's terms, without back-off (ck's FAS
 * spins on a plain load). It is cbo_mcs.c's design with a different local lock and ck's
 * cohort detection (a waiting counter rather than MCS's linked successor).
 * State: ck's; the lock holds the global FAS word on its own line and COHORT_MAX_CLUSTERS
 * { ck_cohort instance, ticket lock } pairs, one line each.
 * Memory order: ck's: its spinlocks' fences (ck_pr_fence_lock after acquiring,
 * ck_pr_fence_unlock before the releasing store), and ck_cohort's ck_pr_fence_release before
 * the local unlock, which publishes release_state and acquire_count to the next local holder.
 * Inline assembly, invisible to ThreadSanitizer: LB_TSAN_OPAQUE.
 * Timed acquisition: NOT FIFO. ck's ticket lock cannot be left once a ticket is taken, so
 * timedlock polls ck_cohort's trylock (local ticket trylock, then global FAS trylock unless the
 * cohort holds it, releasing the local lock when that fails) with deadline.h's back-off.
 * Fairness: FIFO within a cluster (ticket); none among clusters (FAS): cluster_bound 0, no bound
 * stated, for cbo_mcs.c's reason.
 * Oversubscription: collapses as a ticket lock does within a cluster.
 * Context: the thread's cluster (folded into 0..63 as cbo_mcs.c does) and a held flag: unlock
 * through a context that holds nothing returns -EPERM.
 */
#include <ck_cohort.h>
#include <ck_spinlock.h>
#include <errno.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

#define COHORT_PASS_LIMIT 64u
#define COHORT_MAX_CLUSTERS 64u

/* ck_cohort calls its locks through void pointers, with a context each; ours need none. */
static void g_lock(void *l, void *c)
{
	(void)c;
	ck_spinlock_fas_lock(l);
}
static void g_unlock(void *l, void *c)
{
	(void)c;
	ck_spinlock_fas_unlock(l);
}
static bool g_locked(void *l, void *c)
{
	(void)c;
	return ck_spinlock_fas_locked(l);
}
static bool g_trylock(void *l, void *c)
{
	(void)c;
	return ck_spinlock_fas_trylock(l);
}
static void t_lock(void *l, void *c)
{
	(void)c;
	ck_spinlock_ticket_lock(l);
}
static void t_unlock(void *l, void *c)
{
	(void)c;
	ck_spinlock_ticket_unlock(l);
}
static bool t_locked(void *l, void *c)
{
	(void)c;
	return ck_spinlock_ticket_locked(l);
}
static bool t_trylock(void *l, void *c)
{
	(void)c;
	return ck_spinlock_ticket_trylock(l);
}

CK_COHORT_TRYLOCK_PROTOTYPE(lb_fas_ticket, g_lock, g_unlock, g_locked, g_trylock, t_lock,
			    t_unlock, t_locked, t_trylock)

struct ck_cohort_cluster {
	CK_COHORT_INSTANCE(lb_fas_ticket) cohort;
	ck_spinlock_ticket_t local;
} LB_CACHE_ALIGNED;

struct ck_cohort_lock {
	ck_spinlock_fas_t global LB_CACHE_ALIGNED;
	struct ck_cohort_cluster cl[COHORT_MAX_CLUSTERS];
};

struct ck_cohort_ctx {
	unsigned cluster;
	int held;
} LB_CACHE_ALIGNED;

static int ck_cohort_init(void *lock, unsigned permits)
{
	struct ck_cohort_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	ck_spinlock_fas_init(&l->global);
	for (unsigned c = 0; c < COHORT_MAX_CLUSTERS; c++) {
		ck_spinlock_ticket_init(&l->cl[c].local);
		CK_COHORT_INIT(lb_fas_ticket, &l->cl[c].cohort, &l->global, &l->cl[c].local,
			       COHORT_PASS_LIMIT);
	}
	return 0;
}

static void ck_cohort_destroy(void *lock)
{
	(void)lock;
}

static int ck_cohort_ctx_init(void *ctx)
{
	struct ck_cohort_ctx *c = ctx;
	c->cluster = 0;
	c->held = 0;
	return 0;
}

static void ck_cohort_ctx_destroy(void *ctx)
{
	(void)ctx;
}

static int ck_cohort_ctx_set_cluster(void *ctx, unsigned cluster)
{
	struct ck_cohort_ctx *c = ctx;
	c->cluster = cluster % COHORT_MAX_CLUSTERS; /* folded: see the header */
	return 0;
}

static int ck_cohort_lock(void *lock, void *ctx)
{
	struct ck_cohort_lock *l = lock;
	struct ck_cohort_ctx *c = ctx;
	CK_COHORT_LOCK(lb_fas_ticket, &l->cl[c->cluster].cohort, NULL, NULL);
	c->held = 1;
	return 0;
}

static int ck_cohort_trylock(void *lock, void *ctx)
{
	struct ck_cohort_lock *l = lock;
	struct ck_cohort_ctx *c = ctx;
	if (!CK_COHORT_TRYLOCK(lb_fas_ticket, &l->cl[c->cluster].cohort, NULL, NULL, NULL))
		return -EBUSY;
	c->held = 1;
	return 0;
}

/* Not FIFO: see the header. */
static int ck_cohort_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_cohort_trylock, lock, ctx, deadline_ns);
}

static int ck_cohort_unlock(void *lock, void *ctx)
{
	struct ck_cohort_lock *l = lock;
	struct ck_cohort_ctx *c = ctx;
	if (!c->held)
		return -EPERM;
	c->held = 0;
	CK_COHORT_UNLOCK(lb_fas_ticket, &l->cl[c->cluster].cohort, NULL, NULL);
	return 0;
}

const struct lb_lock_ops lb_ck_cohort_ops = {
	.name = "ck-cohort",
	.description = "Concurrency Kit ck_cohort: global ck FAS over per-cluster ck tickets",
	.props = LB_SPINS | LB_NEEDS_CTX | LB_NUMA_AWARE | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_cohort_lock),
	.lock_align = _Alignof(struct ck_cohort_lock),
	.ctx_size = sizeof(struct ck_cohort_ctx),
	.ctx_align = _Alignof(struct ck_cohort_ctx),
	.init = ck_cohort_init,
	.destroy = ck_cohort_destroy,
	.ctx_init = ck_cohort_ctx_init,
	.ctx_destroy = ck_cohort_ctx_destroy,
	.ctx_set_cluster = ck_cohort_ctx_set_cluster,
	.cluster_bound = 0, /* none: the global FAS is not fair (see the header) */
	.lock = ck_cohort_lock,
	.unlock = ck_cohort_unlock,
	.trylock = ck_cohort_trylock,
	.timedlock = ck_cohort_timedlock,
};
