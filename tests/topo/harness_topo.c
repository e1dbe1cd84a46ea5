/* harness_topo.c — the thread → CPU planner on machines we do not have, and on this one under a
 * restricted CPU set.
 *
 * On the 2-core development VM compact and scatter coincide, so a test on it alone proves
 * nothing: the plans are checked on hwloc synthetic topologies and on an XML fixture
 * (tests/data/topo-pack2-core2-pu2.xml, made with `lstopo -i 'pack:2 core:2 pu:2' --of xml`),
 * where they must differ in ways stated below. Then this machine: the allowed set must be the
 * process's affinity mask, a thread bound to each allowed CPU must run there (sched_getcpu),
 * and with the process restricted to one CPU (as `taskset -c N` would) no plan may leave it and a
 * --cpus list naming another CPU must be refused.
 *
 * usage: harness_topo XML-FIXTURE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

#include "topo/topo.h"

static struct thread_plan plan; /* large: keep it off the stack */

static struct topo *open_synthetic(const char *desc)
{
	struct topo *t = NULL;
	char err[256];
	int rc = topo_open_synthetic(&t, desc, err, sizeof err);
	if (rc)
		printf("  topo_open_synthetic('%s'): %s\n", desc, err);
	CHECK_EQ(rc, 0);
	return rc ? NULL : t;
}

/* A test case on a synthetic topology: its heading, then the topology (NULL: a failed check). */
static struct topo *open_synthetic_case(const char *desc)
{
	printf("synthetic '%s':\n", desc);
	return open_synthetic(desc);
}

/* The topology's one-line summary, printed, must contain `want`. */
static void check_summary(const struct topo *t, const char *want)
{
	char summary[256];
	topo_summary(t, summary, sizeof summary);
	printf("    %s\n", summary);
	CHECK(strstr(summary, want) != NULL);
}

static struct cpu_place place(const struct topo *t, int cpu)
{
	struct cpu_place p = { -9, -9, -9, -9, -9 };
	CHECK_EQ(topo_cpu_place(t, cpu, &p), 0);
	return p;
}

/* How many distinct values one field of the places of the plan's first n threads takes. */
enum level { PU, CORE, LLC, NUMA, PACKAGE };

static int field(struct cpu_place p, enum level l)
{
	return l == PU ? p.pu : l == CORE ? p.core : l == LLC ? p.llc : l == NUMA ? p.numa : p.package;
}

static unsigned distinct(const struct topo *t, const struct thread_plan *pl, unsigned n,
			 enum level l)
{
	int seen[LB_MAX_THREADS];
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		int v = field(place(t, pl->cpu[i]), l);
		bool dup = false;
		for (unsigned j = 0; j < k; j++)
			dup |= seen[j] == v;
		if (!dup)
			seen[k++] = v;
	}
	return k;
}

static int do_plan(const struct topo *t, unsigned threads, enum placement p, const int *cpus,
		   unsigned ncpus)
{
	char err[256] = "";
	int rc = topo_plan(t, threads, p, cpus, ncpus, &plan, err, sizeof err);
	printf("    %-7s %3u threads -> ", placement_name(p), threads);
	if (rc) {
		printf("error %d: %s\n", rc, err);
		return rc;
	}
	for (unsigned i = 0; i < threads && i < 12; i++)
		printf("%s%d", i ? "," : "", plan.cpu[i]);
	printf("%s  [%s]%s\n", threads > 12 ? ",..." : "", plan.cpus_str,
	       plan.oversubscribed ? " oversubscribed" : "");
	return 0;
}

static bool all_allowed(const struct topo *t, const struct thread_plan *pl)
{
	int allowed[LB_MAX_THREADS];
	unsigned n = topo_allowed_cpus(t, allowed, LB_MAX_THREADS);
	for (unsigned i = 0; i < pl->threads; i++) {
		bool in = false;
		for (unsigned j = 0; j < n; j++)
			in |= allowed[j] == pl->cpu[i];
		if (!in)
			return false;
	}
	return true;
}

/* The invariants of compact and scatter at every thread count, on a topology with `pus` PUs
 * (all allowed), `packages` packages, `llcs` last-level caches and `cores` cores. */
static void sweep_invariants(const struct topo *t, unsigned pus, unsigned packages,
			     unsigned llcs, unsigned cores)
{
	unsigned bad_compact = 0, bad_scatter = 0;
	for (unsigned n = 1; n <= pus + 8; n++) {
		char err[256];
		/* compact: thread i on the i-th PU in logical order, round-robin past the end. */
		if (!CHECK_EQ(topo_plan(t, n, PLACEMENT_COMPACT, NULL, 0, &plan, err, sizeof err), 0))
			return;
		bool ok = all_allowed(t, &plan) && plan.oversubscribed == (n > pus);
		for (unsigned i = 0; i < n; i++)
			ok &= place(t, plan.cpu[i]).pu == (int)(i % pus);
		bad_compact += !ok;
		CHECK(ok);
		/* scatter: as many packages, caches, cores as the count allows; distinct PUs. */
		if (!CHECK_EQ(topo_plan(t, n, PLACEMENT_SCATTER, NULL, 0, &plan, err, sizeof err), 0))
			return;
		unsigned m = n < pus ? n : pus;
		ok = all_allowed(t, &plan) && plan.oversubscribed == (n > pus) &&
		     distinct(t, &plan, m, PU) == m &&
		     distinct(t, &plan, m, PACKAGE) == (m < packages ? m : packages) &&
		     distinct(t, &plan, m, LLC) == (m < llcs ? m : llcs) &&
		     distinct(t, &plan, m, CORE) == (m < cores ? m : cores);
		for (unsigned i = pus; i < n; i++)
			ok &= plan.cpu[i] == plan.cpu[i - pus]; /* round-robin */
		bad_scatter += !ok;
		CHECK(ok);
	}
	printf("    1..%u threads: compact = logical order %s, scatter spreads over packages, "
	       "caches, cores first %s\n",
	       pus + 8, bad_compact ? "WRONG" : "ok", bad_scatter ? "WRONG" : "ok");
}

/* pack:2 l3:2 core:4 pu:2 — 32 PUs, 16 cores, 4 L3s, 2 packages. */
static void test_two_packages_four_l3(void)
{
	struct topo *t = open_synthetic_case("pack:2 l3:2 core:4 pu:2");
	if (!t)
		return;
	check_summary(t, "2 packages, 1 NUMA node, 16 cores, 32 PUs, 4 x L3");
	CHECK_EQ(topo_allowed_count(t), 32);

	/* Two threads: compact shares a core, scatter takes both packages. */
	if (do_plan(t, 2, PLACEMENT_COMPACT, NULL, 0) == 0) {
		struct cpu_place a = place(t, plan.cpu[0]), b = place(t, plan.cpu[1]);
		CHECK(plan.cpu[0] != plan.cpu[1]);
		CHECK_EQ(a.core, b.core);
		CHECK_EQ(a.package, b.package);
		CHECK(!plan.oversubscribed);
	}
	int compact2[2] = { plan.cpu[0], plan.cpu[1] };
	if (do_plan(t, 2, PLACEMENT_SCATTER, NULL, 0) == 0) {
		struct cpu_place a = place(t, plan.cpu[0]), b = place(t, plan.cpu[1]);
		CHECK(a.package != b.package);
		CHECK(compact2[0] != plan.cpu[0] || compact2[1] != plan.cpu[1]);
	}
	/* Four: compact stays in one L3 on two cores; scatter takes all four L3s. */
	if (do_plan(t, 4, PLACEMENT_COMPACT, NULL, 0) == 0) {
		CHECK_EQ(distinct(t, &plan, 4, LLC), 1);
		CHECK_EQ(distinct(t, &plan, 4, CORE), 2);
		CHECK(strcmp(plan.cpus_str, "0-3") == 0);
	}
	if (do_plan(t, 4, PLACEMENT_SCATTER, NULL, 0) == 0) {
		CHECK_EQ(distinct(t, &plan, 4, LLC), 4);
		CHECK_EQ(distinct(t, &plan, 4, PACKAGE), 2);
	}
	/* Sixteen: scatter puts one thread on each core, compact fills package 0. */
	if (do_plan(t, 16, PLACEMENT_SCATTER, NULL, 0) == 0)
		CHECK_EQ(distinct(t, &plan, 16, CORE), 16);
	if (do_plan(t, 16, PLACEMENT_COMPACT, NULL, 0) == 0)
		CHECK_EQ(distinct(t, &plan, 16, PACKAGE), 1);
	/* Oversubscribed: round-robin, flagged. */
	if (do_plan(t, 40, PLACEMENT_COMPACT, NULL, 0) == 0) {
		CHECK(plan.oversubscribed);
		CHECK_EQ(plan.cpu[32], plan.cpu[0]);
		CHECK_EQ(plan.cpu[39], plan.cpu[7]);
		CHECK(strcmp(plan.cpus_str, "0-31") == 0);
	}
	if (do_plan(t, 32, PLACEMENT_SCATTER, NULL, 0) == 0)
		CHECK(!plan.oversubscribed);
	if (do_plan(t, 33, PLACEMENT_SCATTER, NULL, 0) == 0)
		CHECK(plan.oversubscribed);
	/* none: the OS decides; every allowed CPU is possible. */
	if (do_plan(t, 4, PLACEMENT_NONE, NULL, 0) == 0) {
		for (unsigned i = 0; i < 4; i++)
			CHECK_EQ(plan.cpu[i], -1);
		CHECK(!plan.oversubscribed);
		CHECK(strcmp(plan.cpus_str, "0-31") == 0);
	}
	if (do_plan(t, 33, PLACEMENT_NONE, NULL, 0) == 0)
		CHECK(plan.oversubscribed);
	/* list: round-robin over the given order; more threads than the list is oversubscribed. */
	const int list[] = { 3, 1 };
	if (do_plan(t, 3, PLACEMENT_LIST, list, 2) == 0) {
		CHECK_EQ(plan.cpu[0], 3);
		CHECK_EQ(plan.cpu[1], 1);
		CHECK_EQ(plan.cpu[2], 3);
		CHECK(plan.oversubscribed);
		CHECK(strcmp(plan.cpus_str, "1,3") == 0);
	}
	if (do_plan(t, 2, PLACEMENT_LIST, list, 2) == 0)
		CHECK(!plan.oversubscribed);
	char err[256] = "";
	const int outside[] = { 1, 99 };
	int rc = topo_plan(t, 2, PLACEMENT_LIST, outside, 2, &plan, err, sizeof err);
	printf("    list 1,99 -> %d: %s\n", rc, err);
	CHECK_EQ(rc, -EINVAL);
	CHECK(strcmp(err, "CPU 99 is not available to this process (allowed: 0-31)") == 0);
	CHECK_EQ(topo_plan(t, 0, PLACEMENT_COMPACT, NULL, 0, &plan, err, sizeof err), -EINVAL);
	CHECK_EQ(topo_plan(t, LB_MAX_THREADS + 1, PLACEMENT_COMPACT, NULL, 0, &plan, err,
			   sizeof err),
		 -EINVAL);
	/* A synthetic machine is not this one: binding to it must be refused, not faked. */
	CHECK_EQ(topo_bind_self(t, 0), -ENOSYS);
	sweep_invariants(t, 32, 2, 4, 16);

	/* Restricted, as taskset would: only package 1's second L3 and one PU of package 0. */
	printf("  restricted to 1,24-31:\n");
	int keep[9] = { 1, 24, 25, 26, 27, 28, 29, 30, 31 };
	CHECK_EQ(topo_restrict(t, keep, 9, err, sizeof err), 0);
	CHECK_EQ(topo_allowed_count(t), 9);
	char allowed[64];
	topo_allowed_str(t, allowed, sizeof allowed);
	CHECK(strcmp(allowed, "1,24-31") == 0);
	for (unsigned n = 1; n <= 12; n++) {
		for (int p = PLACEMENT_COMPACT; p <= PLACEMENT_SCATTER; p++) {
			if (!CHECK_EQ(topo_plan(t, n, (enum placement)p, NULL, 0, &plan, err,
						sizeof err),
				      0))
				continue;
			CHECK(all_allowed(t, &plan));
			CHECK(plan.oversubscribed == (n > 9));
		}
	}
	if (do_plan(t, 2, PLACEMENT_SCATTER, NULL, 0) == 0) /* still both packages */
		CHECK(place(t, plan.cpu[0]).package != place(t, plan.cpu[1]).package);
	if (do_plan(t, 2, PLACEMENT_COMPACT, NULL, 0) == 0) {
		CHECK_EQ(plan.cpu[0], 1);
		CHECK_EQ(plan.cpu[1], 24);
	}
	rc = topo_plan(t, 2, PLACEMENT_LIST, (const int[]){ 24, 0 }, 2, &plan, err, sizeof err);
	printf("    list 24,0 -> %d: %s\n", rc, err);
	CHECK_EQ(rc, -EINVAL);
	CHECK(strstr(err, "CPU 0 is not available to this process (allowed: 1,24-31)") != NULL);
	topo_close(t);
}

/* OS numbering that is not the logical order, as on many Intel machines: the two PUs of core 0
 * are P#0 and P#4. compact must pair by core (0,4), not by number (0,1). */
static void test_interleaved_numbering(void)
{
	struct topo *t = open_synthetic_case("pack:2 core:2 pu:2(indexes=0,4,1,5,2,6,3,7)");
	if (!t)
		return;
	if (do_plan(t, 2, PLACEMENT_COMPACT, NULL, 0) == 0) {
		CHECK_EQ(plan.cpu[0], 0);
		CHECK_EQ(plan.cpu[1], 4);
		CHECK_EQ(place(t, 0).core, place(t, 4).core);
	}
	if (do_plan(t, 2, PLACEMENT_SCATTER, NULL, 0) == 0) {
		CHECK_EQ(plan.cpu[0], 0);
		CHECK_EQ(plan.cpu[1], 2); /* package 1's first PU */
		CHECK(place(t, 0).package != place(t, 2).package);
	}
	sweep_invariants(t, 8, 2, 1, 4); /* no caches: the LLC "level" is one value, -1 */
	topo_close(t);
}

/* NUMA nodes: scatter must cross them, compact must not. */
static void test_numa(void)
{
	struct topo *t = open_synthetic_case("pack:2 numa:1 core:2 pu:1");
	if (!t)
		return;
	check_summary(t, "2 packages, 2 NUMA nodes, 4 cores, 4 PUs");
	if (do_plan(t, 2, PLACEMENT_COMPACT, NULL, 0) == 0)
		CHECK_EQ(place(t, plan.cpu[0]).numa, place(t, plan.cpu[1]).numa);
	if (do_plan(t, 2, PLACEMENT_SCATTER, NULL, 0) == 0)
		CHECK(place(t, plan.cpu[0]).numa != place(t, plan.cpu[1]).numa);
	topo_close(t);
}

static void test_xml(const char *fixture)
{
	printf("XML fixture %s:\n", fixture);
	struct topo *t = NULL;
	char err[512];
	int rc = topo_open_xml(&t, fixture, err, sizeof err);
	if (!CHECK_EQ(rc, 0)) {
		printf("    %s\n", err);
		return;
	}
	check_summary(t, "2 packages, 1 NUMA node, 4 cores, 8 PUs");
	if (do_plan(t, 2, PLACEMENT_COMPACT, NULL, 0) == 0)
		CHECK_EQ(place(t, plan.cpu[0]).core, place(t, plan.cpu[1]).core);
	if (do_plan(t, 2, PLACEMENT_SCATTER, NULL, 0) == 0)
		CHECK(place(t, plan.cpu[0]).package != place(t, plan.cpu[1]).package);
	if (do_plan(t, 9, PLACEMENT_SCATTER, NULL, 0) == 0)
		CHECK(plan.oversubscribed);
	sweep_invariants(t, 8, 2, 1, 4);
	topo_close(t);

	/* Bad inputs: each refused with a message, nothing leaked into *out. */
	struct {
		const char *what;
		int (*open)(struct topo **, const char *, char *, size_t);
		const char *arg;
	} bad[] = {
		{ "missing XML", topo_open_xml, "/nonexistent/topology.xml" },
		{ "not XML", topo_open_xml, "/proc/self/status" },
		{ "bad synthetic", topo_open_synthetic, "pack:2 widget:3" },
		{ "empty synthetic", topo_open_synthetic, "" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t = NULL;
		err[0] = '\0';
		rc = bad[i].open(&t, bad[i].arg, err, sizeof err);
		printf("    %-16s -> %d: %s\n", bad[i].what, rc, err);
		CHECK(rc < 0);
		CHECK(t == NULL);
		CHECK(err[0] != '\0');
	}
}

/* ---- this machine ------------------------------------------------------------------------ */

struct bind_job {
	struct topo *t;
	int cpu;
	int rc, ran_on;
};

static void *bind_thread(void *arg)
{
	struct bind_job *j = arg;
	j->rc = topo_bind_self(j->t, j->cpu);
	j->ran_on = sched_getcpu();
	return NULL;
}

/* Binds a new thread (the main thread's binding is the process's, which the next open reads). */
static struct bind_job bind_in_thread(struct topo *t, int cpu)
{
	struct bind_job j = { t, cpu, 1, -1 };
	pthread_t th;
	int err = pthread_create(&th, NULL, bind_thread, &j);
	if (err)
		tu_die("harness_topo", "pthread_create", err);
	pthread_join(th, NULL);
	return j;
}

static void test_system(void)
{
	printf("this machine:\n");
	cpu_set_t mask;
	if (sched_getaffinity(0, sizeof mask, &mask) != 0)
		tu_die("harness_topo", "sched_getaffinity", errno);
	struct topo *t = NULL;
	char err[512];
	if (!CHECK_EQ(topo_open_system(&t, err, sizeof err), 0)) {
		printf("    %s\n", err);
		return;
	}
	char summary[256], allowed[256];
	topo_summary(t, summary, sizeof summary);
	topo_allowed_str(t, allowed, sizeof allowed);
	printf("    %s; allowed %s\n", summary, allowed);
	int cpus[LB_MAX_THREADS];
	unsigned n = topo_allowed_cpus(t, cpus, LB_MAX_THREADS);
	CHECK_EQ(n, CPU_COUNT(&mask));
	for (unsigned i = 0; i < n; i++)
		CHECK(CPU_ISSET((unsigned)cpus[i], &mask));

	for (unsigned i = 0; i < n; i++) {
		struct bind_job j = bind_in_thread(t, cpus[i]);
		printf("    bind to CPU %d -> %d, sched_getcpu %d\n", cpus[i], j.rc, j.ran_on);
		CHECK_EQ(j.rc, 0);
		CHECK_EQ(j.ran_on, cpus[i]);
	}
	CHECK_EQ(bind_in_thread(t, -1).rc, 0); /* placement none: no binding, no error */
	int beyond = cpus[n - 1] + 1;
	CHECK_EQ(bind_in_thread(t, beyond).rc, -EINVAL);
	if (do_plan(t, n, PLACEMENT_SCATTER, NULL, 0) == 0)
		CHECK(all_allowed(t, &plan));
	topo_close(t);

	if (n < 2) {
		printf("    restricted set: skipped, this process has only one CPU\n");
		return;
	}
	/* As `taskset -c LAST` would leave it. The last allowed CPU, so that a bug which takes
	 * "the first CPU" cannot pass by luck. */
	int only = cpus[n - 1], other = cpus[0];
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET((unsigned)only, &one);
	if (sched_setaffinity(0, sizeof one, &one) != 0)
		tu_die("harness_topo", "sched_setaffinity", errno);
	printf("  process restricted to CPU %d:\n", only);
	int rc = topo_open_system(&t, err, sizeof err);
	CHECK_EQ(rc, 0);
	if (rc == 0) {
		topo_allowed_str(t, allowed, sizeof allowed);
		topo_summary(t, summary, sizeof summary);
		printf("    %s; allowed %s\n", summary, allowed);
		CHECK_EQ(topo_allowed_count(t), 1);
		int got = -1;
		CHECK_EQ(topo_allowed_cpus(t, &got, 1), 1);
		CHECK_EQ(got, only);
		for (int p = PLACEMENT_COMPACT; p <= PLACEMENT_NONE; p++) {
			if (do_plan(t, 4, (enum placement)p, NULL, 0) != 0) {
				CHECK(0);
				continue;
			}
			CHECK(plan.oversubscribed);
			for (unsigned i = 0; i < 4; i++)
				CHECK(plan.cpu[i] == only || (p == PLACEMENT_NONE && plan.cpu[i] == -1));
			char want[16];
			snprintf(want, sizeof want, "%d", only);
			CHECK(strcmp(plan.cpus_str, want) == 0);
		}
		rc = topo_plan(t, 2, PLACEMENT_LIST, &other, 1, &plan, err, sizeof err);
		printf("    list %d -> %d: %s\n", other, rc, err);
		CHECK_EQ(rc, -EINVAL);
		char want[128];
		snprintf(want, sizeof want, "CPU %d is not available to this process (allowed: %d)",
			 other, only);
		CHECK(strcmp(err, want) == 0);
		struct bind_job j = bind_in_thread(t, only);
		CHECK_EQ(j.rc, 0);
		CHECK_EQ(j.ran_on, only);
		CHECK_EQ(bind_in_thread(t, other).rc, -EINVAL);
		topo_close(t);
	}
	if (sched_setaffinity(0, sizeof mask, &mask) != 0)
		tu_die("harness_topo", "sched_setaffinity (restore)", errno);
}

/* The placement table: the names every parser and help text takes from it. */
static void test_placement_table(void)
{
	char buf[96];
	placement_choices(buf, sizeof buf, ", ");
	printf("  placement choices: %s\n", buf);
	CHECK(strcmp(buf, "compact, scatter, none") == 0);
	placement_choices(buf, sizeof buf, " or ");
	CHECK(strcmp(buf, "compact, scatter or none") == 0);
	placement_choices(buf, 9, ", ");
	CHECK(strcmp(buf, "compact,") == 0); /* truncated, still terminated */
	enum placement p;
	CHECK(placement_parse("list", &p) == 0 && p == PLACEMENT_LIST);
	CHECK(!placement_user_choice(PLACEMENT_LIST));
	CHECK(placement_user_choice(PLACEMENT_NONE));
	CHECK(!placement_user_choice((enum placement)99));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: harness_topo XML-FIXTURE\n");
		return 2;
	}
	test_placement_table();
	test_two_packages_four_l3();
	test_interleaved_numbering();
	test_numa();
	test_xml(argv[1]);
	test_system();

	/* Negative control: the checks above must be able to fail. Plan compact where the
	 * scatter checks are applied (and the other way round) and count the failures. */
	printf("negative control (the placement checks applied to the wrong placement):\n");
	struct topo *t = open_synthetic("pack:2 l3:2 core:4 pu:2");
	if (t) {
		tu_negative_begin();
		if (do_plan(t, 2, PLACEMENT_COMPACT, NULL, 0) == 0)
			CHECK(place(t, plan.cpu[0]).package != place(t, plan.cpu[1]).package);
		if (do_plan(t, 4, PLACEMENT_COMPACT, NULL, 0) == 0)
			CHECK_EQ(distinct(t, &plan, 4, LLC), 4);
		if (do_plan(t, 2, PLACEMENT_SCATTER, NULL, 0) == 0)
			CHECK_EQ(place(t, plan.cpu[0]).core, place(t, plan.cpu[1]).core);
		const int outside[] = { 40 };
		CHECK_EQ(topo_plan(t, 1, PLACEMENT_LIST, outside, 1, &plan, NULL, 0), 0);
		unsigned failed = tu_negative_end();
		printf("  %u planted failures caught\n", failed);
		CHECK_EQ(failed, 4);
		topo_close(t);
	}
	return tu_summary("harness_topo");
}
