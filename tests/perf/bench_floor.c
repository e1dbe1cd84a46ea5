/* bench_floor.c — the harness floor: what the worker loop costs per operation, as a ratio to a
 * bare loop that makes the same two indirect calls.
 *
 * The harness side is worker.c's real worker loop (worker_loop_inline runs it in this thread
 * for a fixed number of operations) on the `null` lock at `lockbench run`'s defaults except the
 * work: --cs 0 --ncs 0, since the bare loop does no work either, and any work would only dilute
 * the ratio. What is left per operation: the phase check, the sampling countdown, the lock and
 * unlock calls through the vtable with their error checks, the exclusion counter's and the
 * --cs-lines line's plain increments, and the progress counter's store. The bare side is
 * `ops->lock(l, ctx); ops->unlock(l, ctx);` in a counted loop, through the same registry
 * pointer, so that neither can be devirtualized.
 *
 * All three loops (bare, worker loop with timing off, worker loop with timing on at the rate a
 * real run of `null` would choose) run in this thread, alternated in chunks of N / 20
 * operations in a rotating order, each chunk timed with the thread's CPU clock (time spent
 * preempted by the other processes on this shared machine does not count). Short chunks make a
 * change of the machine's speed hit all three alike. The figure is the median over the
 * repetitions of worker / bare, with min–max.
 *
 *   bench_floor [--ops N] [--reps R] [--every K] [--lock NAME]
 *       the benchmark (`meson test --benchmark harness_floor`, scripts/perf-targets.sh).
 *       --every K times one acquisition in K instead; --lock NAME measures another lock the
 *       same way (one thread: uncontended), which says how much of its cost is the harness;
 *       only the null lock's ratio has a target.
 *   bench_floor --check
 *       the test: the hook runs exactly N operations on every lock and refuses what it cannot
 *       run; nothing is timed and no speed is asserted.
 * For instruction counts: valgrind --tool=callgrind bench_floor --ops 400000 --reps 1, then
 * callgrind_annotate --inclusive=yes: loop_mutex_untimed / loop_mutex_timed (the worker loop)
 * against bare_loop, each divided by the operations it ran (4 N / 20 + N for the first and the
 * bare loop, N for the timed one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "run/window.h"
#include "run/worker.h"
#include "stats/stats.h"
#include "run/workload.h"

#define FLOOR_TARGET 1.2
#define CHUNKS 20          /* each repetition alternates the loops this many times */

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The bare loop: the two calls and nothing else. noinline, so callgrind shows it apart. */
__attribute__((noinline)) static uint64_t bare_loop(const struct lb_lock_ops *ops, void *lock,
						    void *ctx, uint64_t n)
{
	uint64_t t0 = thread_cpu_ns();
	for (uint64_t i = 0; i < n; i++) {
		(void)ops->lock(lock, ctx);
		(void)ops->unlock(lock, ctx);
	}
	return thread_cpu_ns() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void null_params(struct run_params *p)
{
	run_params_defaults(p);
	p->lock = lb_lock_find("null");
	p->threads = 1;
	p->cs_ns = p->ncs_ns = 0;
}

/* --check: the hook, without timing anything. */
static int check(void)
{
	struct run_params p;
	struct ts_clock clock;
	unsigned checks = 0, failed = 0;
	uint64_t ns;
	null_params(&p);
	if (ts_clock_init(&clock) != 0)
		return 1;
#define CHECK(cond)                                                            \
	do {                                                                   \
		checks++;                                                      \
		if (!(cond)) {                                                 \
			failed++;                                              \
			fprintf(stderr, "bench_floor: FAILED: %s\n", #cond);   \
		}                                                              \
	} while (0)
	CHECK(p.lock != NULL);
	if (!p.lock)
		return 1;
	CHECK(worker_loop_inline(&p, 0, 0, NULL, 0, 1000, &ns) == 0);
	CHECK(worker_loop_inline(&p, 10, 10, &clock, 7, 1000, &ns) == 0); /* per-op countdown */
	CHECK(worker_loop_inline(&p, 10, 10, &clock, 8, 1000, &ns) == 0); /* per-round countdown */
	/* Planted bad inputs: the hook refuses what it cannot run. */
	p.threads = 2;
	CHECK(worker_loop_inline(&p, 0, 0, NULL, 0, 1000, &ns) == -EINVAL);
	p.threads = 1;
	CHECK(worker_loop_inline(&p, 0, 0, NULL, 0, 0, &ns) == -EINVAL);
	CHECK(worker_loop_inline(&p, 0, 0, NULL, 7, 1000, &ns) == -EINVAL);
	CHECK(worker_loop_inline(&p, 0, 0, NULL, 0, 1002, &ns) == -EINVAL);
	/* Every registered lock runs through the hook (one thread: never blocks). */
	for (size_t i = 0; lb_locks[i]; i++) {
		p.lock = lb_locks[i];
		p.permits = 1;
		int rc = worker_loop_inline(&p, 0, 0, NULL, 0, 1000, &ns);
		if (rc)
			fprintf(stderr, "bench_floor: %s: %s\n", p.lock->name, strerror(-rc));
		CHECK(rc == 0);
	}
	printf("bench_floor --check: the worker loop runs in process for exactly N operations on "
	       "every lock and refuses threads != 1, N = 0 or not a multiple of 4, and timing "
	       "without a clock: %u checks, %u failed\n",
	       checks, failed);
	return failed != 0;
}

int main(int argc, char **argv)
{
	unsigned reps = 11, every_given = 0;
	uint64_t n = 2000000;
	const char *lock_name = "null";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check") == 0)
			return check();
		if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--every") == 0 && i + 1 < argc)
			every_given = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--lock") == 0 && i + 1 < argc)
			lock_name = argv[++i];
		else {
			fprintf(stderr, "usage: bench_floor [--ops N] [--reps R] [--every K] "
					"[--lock NAME] | --check\n");
			return 2;
		}
	}
	if (n == 0 || reps == 0 || reps > 1000) {
		fprintf(stderr, "bench_floor: --ops must be > 0 and --reps in 1..1000\n");
		return 2;
	}
	struct run_params p;
	null_params(&p);
	p.lock = lb_lock_find(lock_name);
	const struct lb_lock_ops *ops = p.lock;
	if (!ops) {
		fprintf(stderr, "bench_floor: --lock: '%s' is not a registered lock\n", lock_name);
		return 2;
	}
	void *lock = lb_lock_alloc(ops), *ctx = lb_ctx_alloc(ops);
	if (!lock || ops->init(lock, 1) != 0 || (ctx && ops->ctx_init && ops->ctx_init(ctx) != 0)) {
		fprintf(stderr, "bench_floor: cannot set up the %s lock\n", lock_name);
		return 1;
	}
	struct ts_clock clock;
	if (ts_clock_init(&clock) != 0) {
		fprintf(stderr, "bench_floor: no clock\n");
		return 1;
	}
	double pair_ns = ts_clock_pair_cost_ns(&clock);
	double *r_off = calloc(reps, sizeof *r_off), *r_on = calloc(reps, sizeof *r_on);
	double *bare_ns = calloc(reps, sizeof *bare_ns), *off_ns = calloc(reps, sizeof *off_ns);
	double *on_ns = calloc(reps, sizeof *on_ns);
	if (!r_off || !r_on || !bare_ns || !off_ns || !on_ns)
		return 1;

	/* Each repetition alternates the three loops in short chunks, so that a change of the
	 * machine's speed (another virtual machine on the sibling thread, a frequency step) lasting
	 * more than a chunk hits all three alike; the rotation changes which one goes first. The
	 * hook takes multiples of 4 operations. */
	uint64_t chunk = n / CHUNKS / 4 * 4;
	if (chunk == 0)
		chunk = 4;
	/* Warm both loops up, and choose the sampling rate as a real run of `null` would. */
	uint64_t t_off = 0;
	(void)bare_loop(ops, lock, ctx, 4 * chunk);
	if (worker_loop_inline(&p, 0, 0, NULL, 0, 4 * chunk, &t_off) != 0) {
		fprintf(stderr, "bench_floor: the worker loop failed\n");
		return 1;
	}
	unsigned every = window_choose_lat_every(pair_ns, 4 * chunk, t_off, NAN);
	if (every_given)
		every = every_given;

	for (unsigned r = 0; r < reps; r++) {
		uint64_t sum[3] = { 0, 0, 0 };
		for (unsigned k = 0; k < CHUNKS; k++) {
			for (unsigned j = 0; j < 3; j++) {
				unsigned which = (j + k + r) % 3;
				uint64_t t = 0;
				int rc = 0;
				if (which == 0)
					t = bare_loop(ops, lock, ctx, chunk);
				else if (which == 1)
					rc = worker_loop_inline(&p, 0, 0, NULL, 0, chunk, &t);
				else
					rc = worker_loop_inline(&p, 0, 0, &clock, every, chunk,
								 &t);
				if (rc) {
					fprintf(stderr, "bench_floor: the worker loop failed: %s\n",
						strerror(-rc));
					return 1;
				}
				sum[which] += t;
			}
		}
		bare_ns[r] = (double)sum[0] / (double)(chunk * CHUNKS);
		off_ns[r] = (double)sum[1] / (double)(chunk * CHUNKS);
		on_ns[r] = (double)sum[2] / (double)(chunk * CHUNKS);
		r_off[r] = off_ns[r] / bare_ns[r];
		r_on[r] = on_ns[r] / bare_ns[r];
	}
	double lo_off = INFINITY, hi_off = 0, lo_on = INFINITY, hi_on = 0;
	for (unsigned r = 0; r < reps; r++) {
		lo_off = fmin(lo_off, r_off[r]);
		hi_off = fmax(hi_off, r_off[r]);
		lo_on = fmin(lo_on, r_on[r]);
		hi_on = fmax(hi_on, r_on[r]);
	}
	double m_off = median(r_off, reps), m_on = median(r_on, reps);
	printf("bench_floor: %u repetitions of %llu operations per loop, alternated in chunks of "
	       "%llu; thread CPU time\n",
	       reps, (unsigned long long)(chunk * CHUNKS), (unsigned long long)chunk);
	char off_label[96], on_label[96];
	snprintf(off_label, sizeof off_label, "worker loop, %s, timing off", lock_name);
	snprintf(on_label, sizeof on_label, "worker loop, %s, timing 1 in %u", lock_name, every);
	printf("  %-44s %6.2f ns/op (medians)\n", "bare loop (two indirect calls)",
	       median(bare_ns, reps));
	printf("  %-44s %6.2f ns/op\n", off_label, median(off_ns, reps));
	printf("  %-44s %6.2f ns/op (timestamp pair %.1f ns)\n", on_label, median(on_ns, reps),
	       pair_ns);
	printf("  latency histogram: %zu bytes per thread, fixed whatever the run length\n",
	       sizeof(struct latency_hist));
	/* The target is the null lock's; another lock's ratio only says how much of its cost is
	 * the harness. */
	const bool floor = strcmp(lock_name, "null") == 0;
	printf("%s timing-off median %.3f min %.3f max %.3f target <= %.1f %s\n",
	       floor ? "floor" : lock_name, m_off, lo_off, hi_off, FLOOR_TARGET,
	       !floor ? "-" : m_off <= FLOOR_TARGET ? "met" : "missed");
	printf("%s timing-on median %.3f min %.3f max %.3f target <= %.1f %s\n",
	       floor ? "floor" : lock_name, m_on, lo_on, hi_on, FLOOR_TARGET,
	       !floor ? "-" : m_on <= FLOOR_TARGET ? "met" : "missed");
	if (ctx && ops->ctx_destroy)
		ops->ctx_destroy(ctx);
	ops->destroy(lock);
	lb_free(lock);
	lb_free(ctx);
	free(r_off);
	free(r_on);
	free(bare_ns);
	free(off_ns);
	free(on_ns);
	return 0;
}
