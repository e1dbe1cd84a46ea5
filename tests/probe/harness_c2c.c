/* harness_c2c.c — the physical floor: the c2c round trip (ping-pong, probe, matrix, pair
 * sampling, `lockbench c2c`) and the handoff cost (strict alternation, bounded time).
 *
 * No check asserts a speed: values must be positive, finite and below a second, counts must
 * add up, calls must return within their time limits. Every check is shown able to fail on a
 * planted bad input, and the time limit on locks that are slow, stuck or crash.
 *
 * `--bench [--lock NAME]` prints the figures instead: the c2c round trip between the first two
 * allowed CPUs (distribution and time series), then every lock's handoff cost next to half the
 * c2c round trip probed just before and after it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe/c2c.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "results/csvread.h"
#include "results/probe_csv.h"
#include "probe/handoff.h"
#include "test_util.h"
#include "topo/topo.h"

/* Format v2: the header is the first line (results/csvread.h). */
#define C2C_HEADER                                                                         \
	"cpu_a,cpu_b,samples,rtt_ns_median,rtt_ns_p10,rtt_ns_p90,rtt_ns_min,rtt_ns_max"           \
	CSV_VERSION_HEADER "\n"

static const char *prog = "harness_c2c";

static double elapsed_s(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

/* Plausible: positive, finite, under a second. Says nothing about speed. */
static int plausible(const double *x, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!(x[i] > 0 && x[i] < 1e9))
			return 0;
	return n > 0;
}

/* Strict alternation: A took exactly the turns the protocol gives it, B one fewer. */
static int alternated(const struct handoff_result *r, uint64_t turns_a)
{
	return r->turns_a == turns_a && r->turns_a >= r->turns_b && r->turns_a - r->turns_b <= 1;
}

static struct topo *open_system(void)
{
	struct topo *t;
	char err[512];
	if (topo_open_system(&t, err, sizeof err) != 0) {
		fprintf(stderr, "%s: topo_open_system: %s\n", prog, err);
		exit(1);
	}
	return t;
}

static unsigned count_lines(const char *path, char *first, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[512];
	unsigned n = 0;
	while (fgets(line, sizeof line, f)) {
		if (n == 0 && first) {
			size_t l = strlen(line) < len ? strlen(line) : len - 1;
			memcpy(first, line, l);
			first[l] = '\0';
		}
		n++;
	}
	fclose(f);
	return n;
}

static int run_cmd(const char *const *args)
{
	char *argv[16];
	int argc = 0;
	for (; args[argc]; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	return cmd_c2c(argc, argv);
}

static void test_summary(void)
{
	const double x[] = { 7, 3, 10, 1, 9, 2, 8, 4, 6, 5 };
	struct c2c_summary s;
	CHECK_EQ(c2c_summarize(x, 10, &s), 0);
	CHECK(s.samples == 10 && s.min == 1 && s.max == 10);
	CHECK(s.p10 == 1 && s.median == 5 && s.p90 == 9); /* ranks ceil(1), ceil(5), ceil(9) */
	CHECK_EQ(c2c_summarize(x, 0, &s), 0);
	CHECK(isnan(s.median) && isnan(s.min) && s.samples == 0);

	CHECK(plausible(x, 10));
	const double bad[] = { 55, 0, 60 }, nan_[] = { 55, NAN }, huge[] = { 2e9 };
	tu_negative_begin();
	CHECK(plausible(bad, 3));
	CHECK(plausible(nan_, 2));
	CHECK(plausible(huge, 1));
	CHECK(plausible(x, 0));
	CHECK_EQ(tu_negative_end(), 4);
	printf("  summary: nearest-rank percentiles of a planted sample; plausibility check fails "
	       "on 0, NAN, 2 s and no samples\n");
}

static void test_measure(struct topo *t, int a, int b)
{
	struct c2c_params p;
	c2c_params_defaults(&p);
	p.time_limit_ns = 0; /* bounded by the count: a sanitizer build is 50 times slower */
	double rtt[200];
	unsigned got = 99;
	CHECK_EQ(c2c_measure(t, a, b, &p, rtt, 200, &got), 0);
	CHECK_EQ(got, 200);
	CHECK(plausible(rtt, got));
	struct c2c_summary s;
	c2c_summarize(rtt, got, &s);
	printf("  c2c %d<->%d: %u samples of %u round trips: median %.1f ns, p10 %.1f, p90 %.1f, "
	       "min %.1f, max %.1f\n",
	       a, b, got, p.batch_rtts, s.median, s.p10, s.p90, s.min, s.max);

	CHECK_EQ(c2c_measure(t, a, a, &p, rtt, 10, &got), -EINVAL);
	CHECK_EQ(got, 0);
	CHECK_EQ(c2c_measure(t, a, b, &p, rtt, 0, &got), -EINVAL);
	CHECK(c2c_measure(t, a, LB_MAX_CPUS - 1, &p, rtt, 10, &got) < 0);

	double med = 0;
	CHECK_EQ(c2c_probe(t, -1, -1, &med), 0);
	CHECK(plausible(&med, 1));
	CHECK_EQ(c2c_probe(t, a, b, &med), 0);
	CHECK_EQ(c2c_probe(t, a, LB_MAX_CPUS - 1, &med), -EINVAL);
	CHECK(isnan(med));
	printf("  probe and argument errors (same CPU, no samples, CPU not allowed)\n");
}

static void test_matrix(struct topo *t)
{
	int cpus[4];
	unsigned n = topo_allowed_cpus(t, cpus, 4);
	struct c2c_matrix_params p;
	c2c_matrix_params_defaults(&p);
	p.samples = 25;
	p.samples_per_round = 10;
	p.round_every_ns = 1000000;
	p.pair.time_limit_ns = 0;
	struct c2c_matrix *m;
	if (!CHECK_EQ(c2c_matrix_run(t, cpus, n, &p, &m), 0))
		return;
	CHECK_EQ(m->npairs, n * (n - 1) / 2);
	CHECK_EQ(m->rounds, 3);
	for (unsigned i = 0; i < m->npairs; i++) {
		const struct c2c_pair *pr = &m->pairs[i];
		CHECK(pr->cpu_a < pr->cpu_b && pr->error == 0);
		CHECK_EQ(pr->samples, 25);
		CHECK(pr->round_end[0] == 10 && pr->round_end[1] == 20 && pr->round_end[2] == 25);
		CHECK(plausible(pr->rtt_ns, pr->samples));
		CHECK(c2c_matrix_pair(m, pr->cpu_b, pr->cpu_a) == pr);
	}
	CHECK(c2c_matrix_pair(m, cpus[0], cpus[0]) == NULL);
	char path[] = "/tmp/harness_c2c_csv_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (CHECK(f != NULL)) {
		CHECK_EQ(probe_csv_c2c(f, m), 0);
		fclose(f);
		char first[128];
		CHECK_EQ(count_lines(path, first, sizeof first), 1 + m->npairs);
		CHECK(strcmp(first, C2C_HEADER) == 0);
		unlink(path);
	}
	c2c_matrix_free(m);
	/* A pair that cannot be measured keeps its error, and its row its empty fields. */
	int gone[2] = { cpus[0], LB_MAX_CPUS - 1 };
	if (CHECK_EQ(c2c_matrix_run(t, gone, 2, &p, &m), 0)) {
		CHECK(m->pairs[0].error < 0 && m->pairs[0].samples == 0);
		CHECK(isnan(m->pairs[0].summary.median));
		char row[256] = "";
		FILE *mf = fmemopen(row, sizeof row - 1, "w");
		if (CHECK(mf != NULL)) {
			probe_csv_c2c(mf, m);
			fclose(mf);
			char want[64];
			snprintf(want, sizeof want, "\n%d,%d,0,,,,," CSV_VERSION_FIELD "\n", cpus[0],
				 LB_MAX_CPUS - 1);
			CHECK(strstr(row, want) != NULL);
		}
		c2c_matrix_free(m);
	}
	int dup[2] = { cpus[0], cpus[0] };
	CHECK_EQ(c2c_matrix_run(t, dup, 2, &p, &m), -EINVAL);
	CHECK_EQ(c2c_matrix_run(t, cpus, 1, &p, &m), -EINVAL);
	printf("  matrix over %u CPUs: %u pair(s), 3 interleaved rounds, c2c.csv\n", n,
	       n * (n - 1) / 2);
}

/* The distance classes a sample of pairs must cover, on a synthetic machine. */
static void test_pick(const char *desc, unsigned cap, int want_smt, int want_llc, int want_pkg)
{
	struct topo *t;
	char err[256];
	if (!CHECK_EQ(topo_open_synthetic(&t, desc, err, sizeof err), 0)) {
		fprintf(stderr, "  %s: %s\n", desc, err);
		return;
	}
	static int cpus[LB_MAX_CPUS], picked[LB_MAX_CPUS];
	unsigned n = topo_allowed_cpus(t, cpus, LB_MAX_CPUS);
	char how[256];
	int np = c2c_pick_cpus(t, cpus, n, cap, picked, how, sizeof how);
	CHECK(np >= 2 && (unsigned)np <= cap);
	int smt = 0, same_llc = 0, other_pkg = 0;
	for (int i = 0; i < np; i++)
		for (int j = i + 1; j < np; j++) {
			struct cpu_place a, b;
			topo_cpu_place(t, picked[i], &a);
			topo_cpu_place(t, picked[j], &b);
			CHECK(picked[i] < picked[j]);
			smt |= a.core == b.core;
			same_llc |= a.core != b.core && a.llc == b.llc && a.package == b.package;
			other_pkg |= a.package != b.package;
		}
	CHECK_EQ(smt, want_smt);
	CHECK_EQ(same_llc, want_llc);
	CHECK_EQ(other_pkg, want_pkg);
	printf("  pick on '%s' (%u CPUs): %s\n", desc, n, how);
	topo_close(t);
}

/* Every thread of the process, not only this one: hwloc reads the process's binding as the
 * union over its threads, and a sanitizer runtime has threads of its own. */
static int restrict_process(const cpu_set_t *set)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -errno;
	int rc = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.' &&
		    sched_setaffinity((pid_t)atoi(e->d_name), sizeof *set, set) != 0 && errno != ESRCH)
			rc = -errno;
	closedir(d);
	return rc;
}

/* In a child restricted to one CPU: everything that needs two says so, and exits cleanly. */
static void one_cpu_child(void)
{
	tu_checks = tu_failed = 0; /* the child's own count */
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET((int)sched_getcpu(), &set);
	int rc = restrict_process(&set);
	if (rc)
		tu_die(prog, "sched_setaffinity", -rc);
	struct topo *t = open_system();
	CHECK_EQ(topo_allowed_count(t), 1);
	double med = 0;
	CHECK_EQ(c2c_probe(t, -1, -1, &med), -ENODEV);
	CHECK(isnan(med));
	CHECK(c2c_probe(t, 0, 1, &med) < 0);
	int a, b;
	CHECK_EQ(c2c_default_pair(t, &a, &b), -ENODEV);
	topo_close(t);

	char path[] = "/tmp/harness_c2c_one_XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	const char *csv[] = { "c2c", "--format", "csv", "--out", path, NULL };
	CHECK_EQ(run_cmd(csv), 0);
	char first[128] = "";
	CHECK_EQ(count_lines(path, first, sizeof first), 1); /* the header alone */
	CHECK(strcmp(first, C2C_HEADER) == 0);
	const char *table[] = { "c2c", "--out", path, NULL };
	CHECK_EQ(run_cmd(table), 0);
	CHECK_EQ(count_lines(path, first, sizeof first), 1);
	CHECK(strcmp(first, "c2c: unavailable: only one CPU allowed\n") == 0);
	unlink(path);
	exit(tu_summary("  one-CPU child"));
}

static void test_one_cpu(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		one_cpu_child();
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_cli(void)
{
	const char *const bad[][8] = {
		{ "c2c", "--samples", "0", NULL },
		{ "c2c", "--samples", "2x", NULL },
		{ "c2c", "--samples", NULL },
		{ "c2c", "--format", "json", NULL },
		{ "c2c", "--cpus", "0,0", NULL },
		{ "c2c", "--cpus", "8191", NULL },
		{ "c2c", "--cpus", "1-0", NULL },
		{ "c2c", "--out", "", NULL },
		{ "c2c", "--bogus", NULL },
		{ "c2c", "extra", NULL },
		{ "c2c", "--help=x", NULL },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_EQ(run_cmd(bad[i]), 2);
	printf("  %zu bad command lines exit 2 (messages above)\n", sizeof bad / sizeof bad[0]);

	FILE *saved = stdout;
	const char *help[] = { "c2c", "--help", NULL };
	stdout = fopen("/dev/null", "w");
	CHECK_EQ(run_cmd(help), 0);
	fclose(stdout);
	stdout = saved;

	char path[] = "/tmp/harness_c2c_cmd_XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	const char *csv[] = { "c2c", "--samples", "20", "--format", "csv", "--out", path, NULL };
	CHECK_EQ(run_cmd(csv), 0);
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned rows = 0, bad_rows = 0;
	while (f && fgets(line, sizeof line, f)) {
		int a, b;
		unsigned samples;
		double med;
		if (line[0] == '#' || strncmp(line, "cpu_a,", 6) == 0)
			continue;
		rows++;
		if (sscanf(line, "%d,%d,%u,%lf", &a, &b, &samples, &med) != 4 || a >= b ||
		    samples != 20 || !(med > 0))
			bad_rows++;
	}
	if (f)
		fclose(f);
	CHECK(rows >= 1);
	CHECK_EQ(bad_rows, 0);
	const char *table[] = { "c2c", "--samples", "20", "--out", path, NULL };
	CHECK_EQ(run_cmd(table), 0);
	unsigned lines = count_lines(path, NULL, 0);
	CHECK(lines > 8);
	unlink(path);
	printf("  lockbench c2c --samples 20: csv with %u pair row(s), table of %u lines\n", rows,
	       lines);
}

/* ---- handoff ------------------------------------------------------------------------------ */

static const struct lb_lock_ops *find_lock(unsigned want, unsigned refuse)
{
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++)
		if (((*p)->props & want) == want && !((*p)->props & refuse))
			return *p;
	return NULL;
}

static void test_handoff_lock(struct topo *t, const struct lb_lock_ops *ops, const char *why,
			      int a, int b)
{
	if (!ops) {
		printf("  handoff: no %s lock registered\n", why);
		return;
	}
	enum { ROUNDS = 20, SAMPLES = 10 };
	double ns[SAMPLES];
	struct handoff_result r;
	int rc = handoff_measure(ops, t, a, b, ROUNDS, ns, SAMPLES, 20 * 1000000000ull, &r);
	CHECK_EQ(rc, 0);
	CHECK_EQ(r.samples, SAMPLES);
	CHECK(plausible(ns, r.samples));
	CHECK(!r.timed_out && !r.killed);
	uint64_t turns_a = ROUNDS + 1 + (uint64_t)SAMPLES * ROUNDS; /* warm-up = rounds (>= 16) */
	CHECK(alternated(&r, turns_a));
	struct c2c_summary s;
	c2c_summarize(ns, r.samples, &s);
	printf("  handoff %-16s (%s): median %.0f ns over %u samples; turns %llu/%llu, retries "
	       "%llu/%llu\n",
	       ops->name, why, s.median, r.samples, (unsigned long long)r.turns_a,
	       (unsigned long long)r.turns_b, (unsigned long long)r.retries_a,
	       (unsigned long long)r.retries_b);
}

/* Pathological locks, for the time limit: each is a mutex underneath, plus a defect. */
struct patho_lock {
	atomic_int held;
	int mode;
};
enum { PATHO_SLOW, PATHO_STUCK, PATHO_CRASH };
static int patho_mode;

static int patho_init(void *lock, unsigned permits)
{
	struct patho_lock *l = lock;
	atomic_init(&l->held, 0);
	l->mode = patho_mode;
	return permits == 1 ? 0 : -EINVAL;
}
static void patho_destroy(void *lock)
{
	(void)lock;
}
static int patho_lock(void *lock, void *ctx)
{
	struct patho_lock *l = lock;
	(void)ctx;
	const struct timespec ms = { 0, 1000000 };
	if (l->mode == PATHO_CRASH)
		abort();
	if (l->mode == PATHO_SLOW)
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	while (atomic_exchange_explicit(&l->held, 1, memory_order_acquire))
		nanosleep(&ms, NULL);
	return 0;
}
static int patho_unlock(void *lock, void *ctx)
{
	struct patho_lock *l = lock;
	(void)ctx;
	if (l->mode != PATHO_STUCK) /* stuck: never released, the second lock() never returns */
		atomic_store_explicit(&l->held, 0, memory_order_release);
	return 0;
}
static int patho_trylock(void *lock, void *ctx)
{
	(void)ctx;
	return atomic_exchange_explicit(&((struct patho_lock *)lock)->held, 1,
					memory_order_acquire)
		       ? -EBUSY
		       : 0;
}
static const struct lb_lock_ops patho_ops = {
	.name = "pathological",
	.description = "test: slow, stuck or crashing",
	.props = LB_SLEEPS | LB_TEST_ONLY,
	.lock_size = sizeof(struct patho_lock),
	.lock_align = _Alignof(struct patho_lock),
	.init = patho_init,
	.destroy = patho_destroy,
	.lock = patho_lock,
	.unlock = patho_unlock,
	.trylock = patho_trylock,
};

static void test_bounded(struct topo *t, int a, int b)
{
	const uint64_t limit_ns = 200000000; /* 0.2 s; the child is killed 1 s after it */
	const double bound_s = 0.2 + 1.0 + 2.0; /* generous: fork, exit, a loaded machine */
	double ns[8];
	struct handoff_result r;
	struct timespec t0;

	patho_mode = PATHO_SLOW;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = handoff_measure(&patho_ops, t, a, b, 50, ns, 8, limit_ns, &r);
	double s_slow = elapsed_s(&t0);
	unsigned long long slow_turns = r.turns_a;
	CHECK(rc == 0 || rc == -ETIMEDOUT);
	CHECK(r.timed_out && !r.killed);
	CHECK(r.turns_a >= r.turns_b && r.turns_a - r.turns_b <= 1);
	CHECK(s_slow < bound_s);

	patho_mode = PATHO_STUCK;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = handoff_measure(&patho_ops, t, a, b, 50, ns, 8, limit_ns, &r);
	double s_stuck = elapsed_s(&t0);
	CHECK_EQ(rc, -ETIMEDOUT);
	CHECK(r.timed_out && r.killed && r.samples == 0);
	CHECK(s_stuck < bound_s);

	patho_mode = PATHO_CRASH;
	rc = handoff_measure(&patho_ops, t, a, b, 50, ns, 8, limit_ns, &r);
	CHECK_EQ(rc, -ECHILD);
	printf("  time limit 0.2 s: a slow lock stopped when asked (%.2f s, %llu turns), a stuck "
	       "one was killed (%.2f s), a crashing one is -ECHILD\n",
	       s_slow, slow_turns, s_stuck);
}

static void test_handoff(struct topo *t, int a, int b)
{
	const unsigned never = LB_NOT_A_LOCK | LB_TEST_ONLY | LB_REFERENCE;
	test_handoff_lock(t, find_lock(LB_SPINS, never | LB_SLEEPS | LB_NEEDS_CTX), "spins", a, b);
	test_handoff_lock(t, find_lock(LB_SLEEPS, never), "sleeps", a, b);
	test_handoff_lock(t, find_lock(LB_NEEDS_CTX, never), "per-thread context", a, b);

	double ns[4];
	struct handoff_result r;
	const struct lb_lock_ops *null_ops = find_lock(LB_NOT_A_LOCK, 0);
	if (null_ops) {
		CHECK(!handoff_supported(null_ops));
		CHECK_EQ(handoff_measure(null_ops, t, a, b, 10, ns, 4, 0, &r), -EOPNOTSUPP);
	}
	const struct lb_lock_ops *any = find_lock(0, never);
	CHECK(handoff_supported(any));
	CHECK_EQ(handoff_measure(any, t, a, a, 10, ns, 4, 0, &r), -EINVAL);
	CHECK_EQ(handoff_measure(any, t, a, b, 10, ns, 0, 0, &r), -EINVAL);
	CHECK(handoff_measure(any, t, a, LB_MAX_CPUS - 1, 10, ns, 4, 0, &r) < 0);

	struct handoff_result planted = { .turns_a = 221, .turns_b = 215 };
	struct handoff_result planted2 = { .turns_a = 200, .turns_b = 199 };
	tu_negative_begin();
	CHECK(alternated(&planted, 221));  /* B fell behind */
	CHECK(alternated(&planted2, 221)); /* A did not take all its turns */
	CHECK_EQ(tu_negative_end(), 2);
	printf("  not-a-lock refused, bad arguments refused, alternation check fails on planted "
	       "counts\n");
	test_bounded(t, a, b);
}

/* ---- --bench ------------------------------------------------------------------------------ */

static int bench(const char *only)
{
	struct topo *t = open_system();
	int a, b;
	if (c2c_default_pair(t, &a, &b) != 0) {
		printf("c2c: unavailable: only one CPU allowed\n");
		topo_close(t);
		return 0;
	}
	struct c2c_matrix_params p;
	c2c_matrix_params_defaults(&p);
	int pair[2] = { a, b };
	struct c2c_matrix *m;
	int rc = c2c_matrix_run(t, pair, 2, &p, &m);
	if (rc)
		tu_die(prog, "c2c_matrix_run", -rc);
	const struct c2c_pair *pr = &m->pairs[0];
	printf("c2c %d<->%d: %u samples of %u round trips over %.1f s: median %.1f ns, p10 %.1f, "
	       "p90 %.1f, min %.1f, max %.1f\nper-round medians (ns):",
	       a, b, pr->samples, p.pair.batch_rtts, m->wall_s, pr->summary.median,
	       pr->summary.p10, pr->summary.p90, pr->summary.min, pr->summary.max);
	for (unsigned r = 0; r < m->rounds; r++) {
		unsigned from = r ? pr->round_end[r - 1] : 0;
		struct c2c_summary s;
		c2c_summarize(pr->rtt_ns + from, pr->round_end[r] - from, &s);
		printf(" %.0f", s.median);
	}
	printf("\n\nhandoff (ns), per handoff the retries and sleeps, half the c2c round trip "
	       "probed before/after, and handoff / that\n%-18s %8s %8s %8s %8s %8s %9s %8s %9s "
	       "%6s\n",
	       "lock", "median", "p10", "p90", "min", "max", "retries", "sleeps", "c2c/2", "ratio");
	c2c_matrix_free(m);

	enum { SAMPLES = 30 };
	for (size_t i = 0; lb_locks[i]; i++) {
		const struct lb_lock_ops *ops = lb_locks[i];
		if (!tu_selected(ops, only) || !handoff_supported(ops) ||
		    (ops->props & LB_TEST_ONLY))
			continue;
		double before, after, ns[SAMPLES];
		struct handoff_result r;
		c2c_probe(t, a, b, &before);
		rc = handoff_measure(ops, t, a, b, 0, ns, SAMPLES, 0, &r);
		c2c_probe(t, a, b, &after);
		struct c2c_summary s;
		c2c_summarize(ns, r.samples, &s);
		double half = (before + after) / 4;
		double handoffs = (double)(r.turns_a + r.turns_b);
		printf("%-18s %8.1f %8.1f %8.1f %8.1f %8.1f %9.2f %8.3f %4.0f/%-4.0f %6.1f%s%s\n",
		       ops->name, s.median, s.p10, s.p90, s.min, s.max,
		       (double)(r.retries_a + r.retries_b) / handoffs,
		       (double)(r.sleeps_a + r.sleeps_b) / handoffs, before / 2, after / 2,
		       s.median / half, rc ? "  error: " : "", rc ? strerror(-rc) : "");
		fflush(stdout);
	}
	topo_close(t);
	return 0;
}

int main(int argc, char **argv)
{
	int bench_mode = 0, k = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--bench") == 0)
			bench_mode = 1;
		else
			argv[k++] = argv[i];
	}
	argc = k;
	const char *only = tu_parse_lock_arg(prog, argc, argv);
	if (bench_mode)
		return bench(only);

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_summary();
	struct topo *t = open_system();
	int a, b;
	if (c2c_default_pair(t, &a, &b) == 0) {
		test_measure(t, a, b);
		test_matrix(t);
		test_cli();
		test_handoff(t, a, b);
	} else {
		printf("  only one CPU allowed: two-CPU checks skipped\n");
	}
	topo_close(t);
	test_one_cpu();
	test_pick("pack:2 l3:4 core:8 pu:2", C2C_MAX_FULL_CPUS, 1, 1, 1);
	test_pick("pack:4 core:8 pu:1", C2C_MAX_FULL_CPUS, 0, 1, 1);
	test_pick("pack:1 l3:1 core:32 pu:1", C2C_MAX_FULL_CPUS, 0, 1, 0);
	return tu_summary(prog);
}
