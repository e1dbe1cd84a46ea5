/* topo_numa.c — NUMA-aware locks on topologies this machine does not have.
 *
 * (a) The cluster map. topo_plan gives each planned thread a cluster (topo_cpu_clusters): the NUMA
 * node when the allowed CPUs span more than one, else the largest cache level that splits them,
 * else one cluster. Checked on hwloc synthetic topologies ('pack:2 numa:2 core:4 pu:2' and
 * cache-only ones), on the XML fixture with four NUMA nodes (tests/data/
 * topo-pack2-numa2-core2-pu2.xml, made with `lstopo -i 'pack:2 numa:2 core:2 pu:2' --of xml`),
 * on the older one-node fixture, and after restricting a topology to one node.
 * (b) The locks. Each LB_NUMA_AWARE lock of the registry (the library with the test hooks) runs
 * with threads of this machine that pretend to be where a plan on those topologies puts them:
 * the plan's cluster goes to ops->ctx_set_cluster, the same call bench/run/worker.c makes. Two
 * threads of cluster 0 and one of cluster 1 lock OPS times each; inside the critical section the
 * holder logs its thread, cluster and turn (the lock's test hook: a number taken once the
 * holder's cluster was known to be waiting, see cna.c and hmcs.c). For each acquisition by the
 * thread W alone in its cluster b (where hmcs's turn is exact: with two threads in a cluster,
 * the second's turn can come before its cluster is enqueued globally), the entries since the first one with a larger turn than W's all
 * acquired while W (its cluster) was queued; within them, the longest run of consecutive
 * handoffs inside one other cluster must be at most the lock's cluster_bound. Every thread must
 * finish its OPS (no starvation, within a time limit), and the lock must have kept some handoffs
 * within a cluster while W waited (it is NUMA-aware at all). A lock without a turn hook or with
 * cluster_bound 0 (cbo-mcs, ck-cohort: their global lock is a test-and-set) is checked for
 * exclusion and completion only. mcs, FIFO, must show no run at all: the analysis sees order.
 * Negative controls: a wrong expected map; a planted log with a run of bound + 1 (the judge,
 * longest_run, must find it); mcs, which is FIFO, must show no run, so a judge that invented runs
 * would fail there.
 *
 * usage: topo_numa FIXTURE-4NUMA.xml FIXTURE-1NUMA.xml
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

#include "topo/topo.h"

static struct thread_plan plan; /* large: keep it off the stack */

static struct topo *open_topo(const char *what, bool xml)
{
	struct topo *t = NULL;
	char err[256];
	int rc = xml ? topo_open_xml(&t, what, err, sizeof err)
		     : topo_open_synthetic(&t, what, err, sizeof err);
	if (rc)
		printf("  open '%s': %s\n", what, err);
	CHECK_EQ(rc, 0);
	return rc ? NULL : t;
}

/* Plan and compare the clusters with want[] (NULL: each thread's NUMA node as topo_cpu_place
 * says), the count and the level. Returns whether all matched. */
static bool check_map(const struct topo *t, unsigned threads, enum placement pl, const int *cpus,
		      unsigned ncpus, const unsigned *want, unsigned want_n, const char *want_level)
{
	char err[256];
	bool ok = CHECK_EQ(topo_plan(t, threads, pl, cpus, ncpus, &plan, err, sizeof err), 0);
	if (!ok) {
		printf("    %s\n", err);
		return false;
	}
	printf("    %u threads %s: %u cluster%s (%s):", threads, placement_name(pl), plan.clusters,
	       plan.clusters == 1 ? "" : "s", plan.cluster_level);
	for (unsigned i = 0; i < threads && i < 32; i++)
		printf(" %u", plan.cluster[i]);
	printf("\n");
	ok &= CHECK_EQ(plan.clusters, want_n);
	ok &= CHECK(strcmp(plan.cluster_level, want_level) == 0);
	for (unsigned i = 0; i < threads; i++) {
		unsigned w = want ? want[i] : 0;
		if (!want) {
			struct cpu_place p;
			ok &= CHECK_EQ(topo_cpu_place(t, plan.cpu[i], &p), 0);
			w = (unsigned)p.numa;
		}
		if (plan.cluster[i] != w) {
			ok &= CHECK_EQ(plan.cluster[i], w);
			break;
		}
	}
	return ok;
}

static void test_maps(const char *xml4, const char *xml1)
{
	unsigned want[32];
	struct topo *t;
	printf("cluster maps:\n");

	printf("  synthetic 'pack:2 numa:2 core:4 pu:2' (4 NUMA nodes of 8 PUs):\n");
	if ((t = open_topo("pack:2 numa:2 core:4 pu:2", false))) {
		for (unsigned i = 0; i < 32; i++)
			want[i] = i / 8;
		check_map(t, 32, PLACEMENT_COMPACT, NULL, 0, want, 4, "numa");
		check_map(t, 8, PLACEMENT_COMPACT, NULL, 0, want, 1, "numa");
		unsigned sc[4] = { 0, 1, 2, 3 }; /* scatter: one thread per node */
		check_map(t, 4, PLACEMENT_SCATTER, NULL, 0, sc, 4, "numa");
		int cpus[3] = { 8, 25, 9 }; /* nodes 1, 3, 1: numbered densely 0, 1, 0 */
		unsigned li[3] = { 0, 1, 0 };
		check_map(t, 3, PLACEMENT_LIST, cpus, 3, li, 2, "numa");
		/* 40 threads on 32 PUs: round-robin, the 33rd back in node 0; each thread's
		 * cluster is its CPU's NUMA node. */
		check_map(t, 40, PLACEMENT_COMPACT, NULL, 0, NULL, 4, "numa");
		printf("  the same restricted to node 0 (CPUs 0-7): nothing splits them\n");
		int keep[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
		char err[256];
		if (CHECK_EQ(topo_restrict(t, keep, 8, err, sizeof err), 0)) {
			unsigned zero[8] = { 0 };
			check_map(t, 8, PLACEMENT_COMPACT, NULL, 0, zero, 1, "none");
		}
		printf("  negative control: a wrong expected map must be caught\n");
		unsigned wrong[8] = { 0, 0, 0, 0, 1, 1, 1, 1 };
		tu_negative_begin();
		check_map(t, 8, PLACEMENT_COMPACT, NULL, 0, wrong, 2, "numa");
		CHECK(tu_negative_end() >= 2);
		topo_close(t);
	}
	printf("  synthetic 'pack:2 l3:2 core:2 pu:2' (one NUMA node, 4 L3):\n");
	if ((t = open_topo("pack:2 l3:2 core:2 pu:2", false))) {
		for (unsigned i = 0; i < 16; i++)
			want[i] = i / 4;
		check_map(t, 16, PLACEMENT_COMPACT, NULL, 0, want, 4, "L3");
		topo_close(t);
	}
	printf("  synthetic 'l3:1 l2:4 pu:2' (one L3, 4 L2):\n");
	if ((t = open_topo("l3:1 l2:4 pu:2", false))) {
		for (unsigned i = 0; i < 8; i++)
			want[i] = i / 2;
		check_map(t, 8, PLACEMENT_COMPACT, NULL, 0, want, 4, "L2");
		topo_close(t);
	}
	printf("  synthetic 'core:4 pu:2' (no cache, one node):\n");
	if ((t = open_topo("core:4 pu:2", false))) {
		unsigned zero[8] = { 0 };
		check_map(t, 8, PLACEMENT_COMPACT, NULL, 0, zero, 1, "none");
		topo_close(t);
	}
	printf("  XML '%s' (4 NUMA nodes of 4 PUs):\n", xml4);
	if ((t = open_topo(xml4, true))) {
		for (unsigned i = 0; i < 16; i++)
			want[i] = i / 4;
		check_map(t, 16, PLACEMENT_COMPACT, NULL, 0, want, 4, "numa");
		check_map(t, 16, PLACEMENT_COMPACT, NULL, 0, NULL, 4, "numa");
		topo_close(t);
	}
	printf("  XML '%s' (one NUMA node):\n", xml1);
	if ((t = open_topo(xml1, true))) {
		check_map(t, 8, PLACEMENT_COMPACT, NULL, 0, NULL, 1, "none");
		topo_close(t);
	}
}

/* ---- (b) the locks under a fake cluster map ---------------------------------------------- */

/* OPS acquisitions per thread: 3 spinning threads on 2 CPUs hand over a few hundred times a
 * second (a handoff to a descheduled waiter costs a time slice), so the counts are small; a
 * lock with a bound to check gets OPS_BOUNDED, enough for CNA to reach its bound, the others
 * (FIFO control, no bound stated) OPS_OTHER. */
enum { THREADS = 3, OPS_BOUNDED = 300, OPS_OTHER = 60, CS_YIELDS = 16, TIME_LIMIT_S = 90,
       ATTEMPTS = 3 };
static unsigned OPS = OPS_BOUNDED;

struct entry {
	unsigned thread, cluster;
	uint64_t turn;
};

struct run {
	const struct lb_lock_ops *ops;
	void *lock;
	const unsigned *cluster;
	struct entry log[THREADS * OPS_BOUNDED];
	unsigned logged; /* written only inside the critical section */
	atomic_uint inside, overlaps, done, ready, waiting;
	atomic_int err;
};

static struct run run;

struct targ {
	unsigned index;
};

static void *locker(void *arg)
{
	struct targ *a = arg;
	const struct lb_lock_ops *ops = run.ops;
	void *ctx = lb_ctx_alloc(ops);
	int rc = ctx ? 0 : -ENOMEM;
	if (rc == 0 && ops->ctx_init)
		rc = ops->ctx_init(ctx);
	/* The path bench/run/worker.c takes: the plan's cluster, after ctx_init. */
	if (rc == 0 && (ops->props & LB_NUMA_AWARE) && ops->ctx_set_cluster)
		rc = ops->ctx_set_cluster(ctx, run.cluster[a->index]);
	/* All start together, or the first would be done before the last is created. */
	atomic_fetch_add(&run.ready, 1);
	while (atomic_load(&run.ready) < THREADS)
		sched_yield();
	for (unsigned i = 0; rc == 0 && i < OPS; i++) {
		atomic_fetch_add(&run.waiting, 1);
		if ((rc = ops->lock(run.lock, ctx)) != 0)
			break;
		atomic_fetch_sub(&run.waiting, 1);
		/* Give the others the CPU until they are all queued behind us (a bounded number of
		 * times): on 2 CPUs a thread could otherwise do all its turns alone, and the order
		 * of uncontended acquisitions shows nothing. */
		for (unsigned y = 0; y < CS_YIELDS && atomic_load(&run.waiting) < THREADS - 1; y++)
			sched_yield();
		sched_yield(); /* and once more: announced is not yet linked in the queue */
		if (atomic_fetch_add_explicit(&run.inside, 1, memory_order_relaxed) != 0)
			atomic_fetch_add_explicit(&run.overlaps, 1, memory_order_relaxed);
		if (run.logged < THREADS * OPS_BOUNDED)
			run.log[run.logged++] = (struct entry){ a->index, run.cluster[a->index],
								ops->turn ? ops->turn(run.lock, ctx)
									  : 0 };
		atomic_fetch_sub_explicit(&run.inside, 1, memory_order_relaxed);
		rc = ops->unlock(run.lock, ctx);
	}
	if (rc)
		atomic_store(&run.err, rc);
	if (ctx && ops->ctx_destroy)
		ops->ctx_destroy(ctx);
	lb_free(ctx);
	atomic_fetch_add(&run.done, 1);
	return NULL;
}

/* The longest run of consecutive handoffs within one cluster while a thread of another cluster
 * was waiting (see the header); *windows: acquisitions that had a waiting window at all. */
static unsigned longest_run(const struct entry *log, unsigned n, unsigned *windows,
			    unsigned alone_cluster)
{
	unsigned best = 0;
	int prev[THREADS];
	*windows = 0;
	for (unsigned t = 0; t < THREADS; t++)
		prev[t] = -1;
	for (unsigned k = 0; k < n; k++) {
		const struct entry *w = &log[k];
		unsigned j = (unsigned)(prev[w->thread] + 1);
		if (w->cluster != alone_cluster) {
			prev[w->thread] = (int)k;
			continue;
		}
		while (j < k && log[j].turn <= w->turn)
			j++;
		if (j < k)
			(*windows)++;
		unsigned run_len = 0;
		for (unsigned i = j ? j : 1; i < k; i++) {
			if (log[i].cluster == log[i - 1].cluster && log[i].cluster != w->cluster)
				run_len++;
			else
				run_len = 0;
			if (run_len > best)
				best = run_len;
		}
		prev[w->thread] = (int)k;
	}
	return best;
}

/* Consecutive handoffs within a cluster anywhere in the log. */
static unsigned same_cluster_handoffs(const struct entry *log, unsigned n)
{
	unsigned c = 0;
	for (unsigned i = 1; i < n; i++)
		c += log[i].cluster == log[i - 1].cluster && log[i].thread != log[i - 1].thread;
	return c;
}

/* Runs ops under the plan's first THREADS clusters; returns whether it finished. */
static bool drive(const struct lb_lock_ops *ops, const unsigned *cluster)
{
	memset(&run, 0, sizeof run);
	run.ops = ops;
	run.cluster = cluster;
	run.lock = lb_lock_alloc(ops);
	if (!CHECK(run.lock != NULL) || !CHECK_EQ(ops->init(run.lock, 1), 0))
		return false;
	pthread_t th[THREADS];
	struct targ a[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		a[i].index = i;
		if (!CHECK_EQ(pthread_create(&th[i], NULL, locker, &a[i]), 0))
			exit(1);
	}
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(&run.done) < THREADS) {
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > TIME_LIMIT_S) {
			/* A starved or stuck thread cannot be joined: report and leave. */
			fflush(stdout);
			fprintf(stderr, "topo_numa: %s: %u of %d threads finished in %d s: starvation "
					"or a hang\n",
				ops->name, atomic_load(&run.done), THREADS, TIME_LIMIT_S);
			_exit(1);
		}
	}
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	ops->destroy(run.lock);
	lb_free(run.lock);
	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("      %u acquisitions in %.2f s\n", run.logged,
	       (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9);
	return true;
}

static void check_lock(const struct lb_lock_ops *ops, const unsigned *cluster)
{
	OPS = ops->turn && ops->cluster_bound ? OPS_BOUNDED : OPS_OTHER;
	/* Again (at most ATTEMPTS times) when the remote thread was never overtaken: the
	 * scheduler can serialize 3 threads on 2 CPUs so that nobody ever waits behind a holder
	 * of the other cluster, and then the run shows nothing about the bound. */
	for (unsigned attempt = 0;; attempt++) {
		if (!drive(ops, cluster))
			return;
		unsigned w = 0;
		if (!(ops->turn && ops->cluster_bound) || attempt + 1 == ATTEMPTS ||
		    longest_run(run.log, run.logged, &w, cluster[THREADS - 1]) > 0)
			break;
		printf("      the remote thread was never overtaken: again\n");
	}
	CHECK_EQ(atomic_load(&run.err), 0);
	CHECK_EQ(atomic_load(&run.overlaps), 0);
	CHECK_EQ(run.logged, THREADS * OPS); /* every thread finished: nobody starved */
	unsigned windows, best = 0;
	unsigned local = same_cluster_handoffs(run.log, run.logged);
	bool bounded = ops->turn && ops->cluster_bound;
	if (ops->turn)
		best = longest_run(run.log, run.logged, &windows, cluster[THREADS - 1]);
	printf("      handoffs within a cluster: %u of %u", local, run.logged - 1);
	if (ops->turn)
		printf("; longest run while another cluster waited: %u (bound %u), %u waits "
		       "overtaken",
		       best, ops->cluster_bound, windows);
	printf("\n");
	if (!(ops->props & LB_NUMA_AWARE)) {
		CHECK_EQ(best, 0); /* FIFO: no later arrival goes first */
		return;
	}
	if (!bounded)
		return; /* a TAS between clusters may alternate them: locality is not promised */
	CHECK(local > 0); /* it does keep the lock within a cluster */
	/* best >= 1: the run reached an in-cluster handoff while another cluster waited, so the
	 * bound was put to the test (a lock that alternated clusters would pass any bound). That
	 * the judge, longest_run, catches a run beyond the bound is planted_violation's control. */
	CHECK(best >= 1);
	CHECK(best <= ops->cluster_bound);
}

/* A planted log: cluster 1's thread 2 waits (turn 1) through bound + 1 handoffs of cluster 0. */
static void planted_violation(unsigned bound)
{
	static struct entry log[200];
	unsigned n = 0;
	log[n++] = (struct entry){ 0, 0, 0 };
	for (unsigned i = 0; i < bound + 1 && n < 199; i++)
		log[n++] = (struct entry){ i % 2, 0, 2 + i };
	log[n++] = (struct entry){ 2, 1, 1 };
	unsigned windows, best = longest_run(log, n, &windows, 1);
	printf("  negative control: a planted log with %u handoffs inside cluster 0 while cluster "
	       "1 waits, bound %u: longest run %u\n",
	       bound + 1, bound, best);
	CHECK_EQ(best, bound + 1);
	tu_negative_begin();
	CHECK(best <= bound);
	CHECK(tu_negative_end() == 1);
}

static void test_locks(const char *xml4, const char *only)
{
	struct {
		const char *what;
		bool xml;
		int cpus[THREADS];
	} cases[] = {
		/* two threads in node 1, one in node 3 (clusters 0, 0, 1) */
		{ "pack:2 numa:2 core:4 pu:2", false, { 8, 9, 25 } },
		/* two in node 0, one in node 2 */
		{ xml4, true, { 0, 1, 9 } },
	};
	printf("NUMA-aware locks under fake cluster maps (%d threads x %d acquisitions, %d without a "
	       "bound to check, on %ld CPUs)\n",
	       THREADS, OPS_BOUNDED, OPS_OTHER, sysconf(_SC_NPROCESSORS_ONLN));
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct topo *t = open_topo(cases[c].what, cases[c].xml);
		char err[256];
		if (!t)
			continue;
		if (!CHECK_EQ(topo_plan(t, THREADS, PLACEMENT_LIST, cases[c].cpus, THREADS, &plan,
					err, sizeof err),
			      0)) {
			printf("    %s\n", err);
			topo_close(t);
			continue;
		}
		unsigned cluster[THREADS];
		memcpy(cluster, plan.cluster, sizeof cluster);
		printf("  %s '%s', CPUs %d,%d,%d: clusters %u,%u,%u (%s)\n",
		       cases[c].xml ? "XML" : "synthetic", cases[c].what, cases[c].cpus[0],
		       cases[c].cpus[1], cases[c].cpus[2], cluster[0], cluster[1], cluster[2],
		       plan.cluster_level);
		CHECK(cluster[0] == cluster[1] && cluster[0] != cluster[2]);
		for (const struct lb_lock_ops *const *p = lb_locks; *p; p++) {
			const struct lb_lock_ops *ops = *p;
			bool control = strcmp(ops->name, "mcs") == 0;
			if (!(ops->props & LB_NUMA_AWARE) && !control)
				continue;
			if (!tu_selected(ops, only))
				continue;
			printf("    %s%s\n", ops->name, control ? " (control: FIFO)" : "");
			check_lock(ops, cluster);
		}
		topo_close(t);
	}
	planted_violation(4);
	planted_violation(63);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: topo_numa FIXTURE-4NUMA.xml FIXTURE-1NUMA.xml [--lock NAME]\n");
		return 2;
	}
	const char *xml4 = argv[1], *xml1 = argv[2];
	char **rest = argv + 2; /* the options after the fixtures, behind a program name */
	rest[0] = argv[0];
	const char *only = tu_parse_lock_arg(argv[0], argc - 2, rest);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("topo_numa: clusters from hwloc plans, and NUMA-aware locks given them\n");
	test_maps(xml4, xml1);
	test_locks(xml4, only);
	return tu_summary("topo_numa");
}
