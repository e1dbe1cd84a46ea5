/* window.c — one measurement point inside the child: the workers created and released
 * together, the warm-up (and the automatic sampling rate chosen in it), the window's edge
 * snapshots, and the exclusion check after the join. See window.h for the phases; the workers'
 * side is worker.c.
 *
 * The coordinator is the child's main thread, not a worker. Besides taking snapshots on time
 * (a spinning or sleeping worker cannot), it makes the process multi-threaded even with
 * --threads 1: glibc's pthread_mutex_lock skips its atomic instruction while the process has a
 * single thread, so an "uncontended" figure taken alone would be about 5x too cheap.
 */
#define _GNU_SOURCE
#include "run/window.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/perfev.h"
#include "run/worker.h"
#include "stats/stats.h"
#include "topo/topo.h"

/* With automatic sampling, the timing cost is kept under this share of the time per operation. */
#define TIMING_BUDGET 0.02
/* The rate probe needs some warm-up to measure; a shorter --warmup is stretched to this. */
#define PROBE_MIN_NS 10000000ull
#define LAT_EVERY_MAX (1u << 20)

struct snapshot {
	uint64_t t_ns;
	uint64_t *ops, *cpu_ns, *vol, *invol, *misses;
	bool cpu_ok, csw_ok, misses_ok;
};

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = { (time_t)(t_ns / 1000000000u), (long)(t_ns % 1000000000u) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static uint64_t sum_ops(const struct point_ctx *c)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < c->p->threads; i++)
		s += atomic_load_explicit(&c->sh->thread[i].ops, memory_order_relaxed);
	return s;
}

/* voluntary_ctxt_switches and nonvoluntary_ctxt_switches of one thread. */
static int read_csw(pid_t tid, uint64_t *vol, uint64_t *invol)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *v = strstr(buf, "\nvoluntary_ctxt_switches:");
	const char *nv = strstr(buf, "\nnonvoluntary_ctxt_switches:");
	if (!v || !nv)
		return -ENOENT;
	*vol = strtoull(strchr(v, ':') + 1, NULL, 10);
	*invol = strtoull(strchr(nv, ':') + 1, NULL, 10);
	return 0;
}

/* The counters and the time: the edge itself, read first and fast. */
static void snap_ops(struct point_ctx *c, struct snapshot *s)
{
	s->t_ns = mono_ns();
	for (unsigned i = 0; i < c->p->threads; i++)
		s->ops[i] = atomic_load_explicit(&c->sh->thread[i].ops, memory_order_relaxed);
}

/* CPU time, context switches and perf counters: slower reads, taken right after. */
static void snap_costs(struct point_ctx *c, struct snapshot *s, bool misses)
{
	s->cpu_ok = s->csw_ok = true;
	s->misses_ok = misses;
	for (unsigned i = 0; i < c->p->threads; i++) {
		struct worker *w = &c->w[i];
		struct timespec ts;
		if (clock_gettime(w->cpu_clock, &ts) == 0)
			s->cpu_ns[i] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		else
			s->cpu_ok = false;
		if (read_csw(w->tid, &s->vol[i], &s->invol[i]) != 0)
			s->csw_ok = false;
		if (s->misses_ok && perfev_read(&w->misses, &s->misses[i]) != 0)
			s->misses_ok = false;
	}
}

static int snapshot_alloc(struct snapshot *s, unsigned n)
{
	memset(s, 0, sizeof *s);
	s->ops = calloc(n, sizeof(uint64_t));
	s->cpu_ns = calloc(n, sizeof(uint64_t));
	s->vol = calloc(n, sizeof(uint64_t));
	s->invol = calloc(n, sizeof(uint64_t));
	s->misses = calloc(n, sizeof(uint64_t));
	return s->ops && s->cpu_ns && s->vol && s->invol && s->misses ? 0 : -ENOMEM;
}

static void snapshot_free(struct snapshot *s)
{
	free(s->ops);
	free(s->cpu_ns);
	free(s->vol);
	free(s->invol);
	free(s->misses);
}

/* The exclusion check, after every worker has been joined. */
static void check_exclusion(struct point_ctx *c, struct run_result *r)
{
	const struct run_params *p = c->p;
	uint64_t expected_all = 0, lost = 0, torn = 0;
	unsigned bad_lines = 0;
	for (unsigned m = 0; m < p->instances; m++) {
		uint64_t expected = 0;
		/* With --read-pct only the writes touch the lines; readers count what they saw torn. */
		for (unsigned i = m; i < p->threads; i += p->instances) {
			expected += p->read_pct ? c->w[i].writes : c->w[i].total_ops;
			torn += c->w[i].torn_reads;
		}
		expected_all += expected;
		uint64_t counted = c->inst[m].lines[0].value;
		lost += counted < expected ? expected - counted : counted - expected;
		for (unsigned l = 1; l <= p->cs_lines; l++)
			bad_lines += c->inst[m].lines[l].value != expected;
	}
	if (p->permits > 1) {
		/* The plain counters race by design with several holders: occupancy decides. */
		for (unsigned i = 0; i < p->threads; i++)
			if (c->w[i].max_inside > r->max_inside)
				r->max_inside = c->w[i].max_inside;
		r->exclusion_ok = r->max_inside <= p->permits;
		if (p->lock->props & LB_NOT_A_LOCK) {
			run_result_note_first(r, "race demonstration: up to %u holders inside at once with "
					   "%u permits (%s provides no exclusion)",
					r->max_inside, p->permits, p->lock->name);
		} else if (!r->exclusion_ok) {
			r->status = RUN_VIOLATION;
			run_result_note_first(r, "VIOLATION: %u holders inside at once with %u permits",
					r->max_inside, p->permits);
		}
		return;
	}
	r->lost_updates = lost;
	r->torn_reads = torn;
	r->exclusion_ok = lost == 0 && bad_lines == 0 && torn == 0;
	if (p->lock->props & LB_NOT_A_LOCK) {
		run_result_note_first(r, "race demonstration: %llu of %llu updates lost (%s provides no "
				   "exclusion)",
				(unsigned long long)lost, (unsigned long long)expected_all,
				p->lock->name);
	} else if (!r->exclusion_ok && torn) {
		/* A writer with a reader inside: "no writer with anyone else", and readers never
		 * see a torn write. */
		r->status = RUN_VIOLATION;
		run_result_note_first(r, "VIOLATION: reader-writer exclusion failed: %llu torn reads "
				   "(a writer ran while a reader was inside), %llu of %llu writes lost",
				(unsigned long long)torn, (unsigned long long)lost,
				(unsigned long long)expected_all);
	} else if (!r->exclusion_ok) {
		r->status = RUN_VIOLATION;
		run_result_note_first(r, "VIOLATION: mutual exclusion failed: %llu of %llu updates lost%s",
				(unsigned long long)lost, (unsigned long long)expected_all,
				bad_lines ? " (and on the critical section's extra lines)" : "");
	}
}

/* Window figures from the two snapshots. */
static void fill_window(struct point_ctx *c, const struct snapshot *a, const struct snapshot *b,
			bool misses_opened, struct run_result *r)
{
	const unsigned n = c->p->threads;
	uint64_t cpu = 0, vol = 0, invol = 0, misses = 0;
	r->ops = 0;
	r->thread_ops_min = UINT64_MAX;
	r->thread_ops_max = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t d = b->ops[i] - a->ops[i];
		r->thread_ops[i] = d;
		r->ops += d;
		if (d < r->thread_ops_min)
			r->thread_ops_min = d;
		if (d > r->thread_ops_max)
			r->thread_ops_max = d;
		cpu += b->cpu_ns[i] - a->cpu_ns[i];
		vol += b->vol[i] - a->vol[i];
		invol += b->invol[i] - a->invol[i];
		/* A multiplexed counter is a scaled estimate and can step back. */
		misses += stats_counter_delta(a->misses[i], b->misses[i]);
	}
	r->measured = true;
	r->duration_s = (double)(b->t_ns - a->t_ns) / 1e9;
	r->mops = (double)r->ops / r->duration_s / 1e6;
	r->fairness = stats_jain(r->thread_ops, n);
	r->fairness_maxmin = stats_fairness_maxmin(r->thread_ops, n);
	r->fairness_cv = stats_fairness_cv(r->thread_ops, n);
	r->cpu_ns_per_op = a->cpu_ok && b->cpu_ok && r->ops ? (double)cpu / (double)r->ops : NAN;
	r->worker_util = a->cpu_ok && b->cpu_ok ? stats_worker_util((double)cpu,
								     (double)(b->t_ns - a->t_ns),
								     n, c->util_cpus)
						: NAN;
	r->csw_measured = a->csw_ok && b->csw_ok;
	r->csw_vol = r->csw_measured ? vol : 0;
	r->csw_invol = r->csw_measured ? invol : 0;
	r->cache_misses_per_op =
		a->misses_ok && b->misses_ok && r->ops ? (double)misses / (double)r->ops : NAN;
	if (!r->ops)
		run_result_note(r, "no acquisition completed in the window");
	else if (isinf(r->fairness_maxmin)) {
		unsigned idle = 0;
		for (unsigned i = 0; i < n; i++)
			idle += r->thread_ops[i] == 0;
		run_result_note(r, "fairness_maxmin empty (infinite): %u of %u threads completed no "
				   "acquisition in the window", idle, n);
	}
	/* Opened but not read at both edges: the text must not go on saying "available". */
	if (misses_opened && !(a->misses_ok && b->misses_ok))
		snprintf(r->hw_counters, sizeof r->hw_counters, "unavailable: reading it failed");
}

/* Open the cache-miss counters; false (and the reason in r->hw_counters) when unavailable. */
static bool open_misses(struct point_ctx *c, struct run_result *r)
{
	for (unsigned i = 0; i < c->p->threads; i++)
		c->w[i].misses.fd = -1;
	for (unsigned i = 0; i < c->p->threads; i++) {
		if (perfev_open(&c->w[i].misses, PERFEV_CACHE_MISSES, c->w[i].tid, r->hw_counters,
				sizeof r->hw_counters) != 0) {
			for (unsigned j = 0; j < i; j++)
				perfev_close(&c->w[j].misses);
			return false;
		}
	}
	return true;
}

/* window.h: an operation this cheap is what the fallback rate keeps under budget. */
#define WINDOW_FALLBACK_OP_NS 10.0

/* Rounded up to whole rounds above one round: run_loop's fast loop counts in rounds. */
static unsigned lat_every_of(double k)
{
	if (k > LOOP_UNROLL)
		k = ceil(k / LOOP_UNROLL) * LOOP_UNROLL;
	return k < 1 ? 1 : k > LAT_EVERY_MAX ? LAT_EVERY_MAX : (unsigned)k;
}

bool window_probe_starved(uint64_t ops, uint64_t wall_ns, double cpu_ns)
{
	/* wall_ns 0: the coordinator overslept both edges, and the probe says nothing. */
	return ops == 0 && (isnan(cpu_ns) || wall_ns == 0 || cpu_ns < 0.5 * (double)wall_ns);
}

unsigned window_lat_every_fallback(double pair_ns)
{
	if (isnan(pair_ns))
		return 1;
	return lat_every_of(ceil(pair_ns / (TIMING_BUDGET * WINDOW_FALLBACK_OP_NS)));
}

/* Choose lat_every from the warm-up's second half, where `ops` operations took `wall_ns` of
 * time and `cpu_ns` of the workers' CPU time (NAN if unknown). A timed acquisition costs pair_ns
 * more; keep pair_ns / K within TIMING_BUDGET of the time one operation costs, taken as the
 * smaller of two views: the process's wall time per operation (every acquisition serialised,
 * a hand-over on the critical path: contended locks) and the CPU time per operation (what one
 * thread spends: uncontended locks, and a machine where other processes take CPU time). */
unsigned window_choose_lat_every(double pair_ns, uint64_t ops, uint64_t wall_ns, double cpu_ns)
{
	if (isnan(pair_ns))
		return 1;
	if (window_probe_starved(ops, wall_ns, cpu_ns))
		return window_lat_every_fallback(pair_ns);
	/* No operation while the workers ran: each takes longer than the probe, and timing
	 * every one costs nothing next to that. */
	if (ops == 0 || wall_ns == 0)
		return 1;
	double per_op = (double)wall_ns / (double)ops;
	if (cpu_ns > 0 && cpu_ns / (double)ops < per_op)
		per_op = cpu_ns / (double)ops;
	return lat_every_of(ceil(pair_ns / (TIMING_BUDGET * per_op)));
}

/* The workers' CPU time so far, or NAN when a clock cannot be read. */
static double sum_cpu_ns(const struct point_ctx *c)
{
	double sum = 0;
	for (unsigned i = 0; i < c->p->threads; i++) {
		struct timespec ts;
		if (clock_gettime(c->w[i].cpu_clock, &ts) != 0)
			return NAN;
		sum += (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
	}
	return sum;
}

/* The warm-up, from t_go. Returns the sampling rate: --timing-every, or with automatic timing
 * the rate chosen from the warm-up's second half (window_choose_lat_every). */
static unsigned warm_up(struct point_ctx *c, struct run_result *r, uint64_t t_go)
{
	const struct run_params *p = c->p;
	unsigned every = p->timing ? p->timing_every : 0;
	if (p->timing && !every) {
		uint64_t warm = p->warmup_ns > PROBE_MIN_NS ? p->warmup_ns : PROBE_MIN_NS;
		sleep_until(t_go + warm / 2);
		uint64_t t1 = mono_ns(), o1 = sum_ops(c);
		double cpu1 = sum_cpu_ns(c);
		sleep_until(t_go + warm);
		uint64_t t2 = mono_ns(), o2 = sum_ops(c);
		double cpu2 = sum_cpu_ns(c);
		every = window_choose_lat_every(r->timing_overhead_ns, o2 - o1, t2 - t1, cpu2 - cpu1);
		if (window_probe_starved(o2 - o1, t2 - t1, cpu2 - cpu1)) {
			char ran[64] = "an unknown amount of CPU";
			if (!isnan(cpu2 - cpu1))
				snprintf(ran, sizeof ran, "%.1f ms of CPU", (cpu2 - cpu1) / 1e6);
			run_result_note(r, "lat_every %u: the warm-up probe saw no acquisition in %.1f "
					   "ms, the workers ran %s in it (starved, not slow): the "
					   "sparse fallback rate, not every acquisition",
					every, (double)(t2 - t1) / 1e6, ran);
		}
	} else {
		sleep_until(t_go + p->warmup_ns);
	}
	return every;
}

static void coordinate(struct point_ctx *c, struct run_result *r, unsigned created)
{
	const struct run_params *p = c->p;
	struct runner_shared *sh = c->sh;

	pthread_mutex_lock(&c->gate_mu);
	while (c->ready < created)
		pthread_cond_wait(&c->gate_cv, &c->gate_mu);
	pthread_mutex_unlock(&c->gate_mu);

	bool ok = created == p->threads;
	for (unsigned i = 0; i < created; i++) {
		struct worker *w = &c->w[i];
		if (w->bind_err) {
			r->bind_failures++;
			run_result_note(r, "thread %u: binding to CPU %d failed: %s", i, w->cpu,
					strerror(w->bind_err));
		}
		if (w->err) {
			ok = false;
			run_result_note(r, "thread %u: %s: %s", i, w->err_what, strerror(-w->err));
		}
		int rc = pthread_getcpuclockid(w->thread, &w->cpu_clock);
		if (rc)
			w->cpu_clock = (clockid_t)-1; /* clock_gettime fails: CPU cost empty */
	}
	bool misses = ok && open_misses(c, r);

	struct snapshot a, b;
	if (!ok || snapshot_alloc(&a, p->threads) || snapshot_alloc(&b, p->threads)) {
		if (ok)
			run_result_note(r, "out of memory for the snapshots");
		pthread_mutex_lock(&c->gate_mu);
		atomic_store_explicit(&sh->phase, PH_STOP, memory_order_relaxed);
		pthread_cond_broadcast(&c->gate_cv);
		pthread_mutex_unlock(&c->gate_mu);
		r->status = RUN_ERROR;
		return;
	}

	pthread_mutex_lock(&c->gate_mu);
	atomic_store_explicit(&sh->phase, PH_WARMUP, memory_order_relaxed); /* under gate_mu */
	pthread_cond_broadcast(&c->gate_cv);
	pthread_mutex_unlock(&c->gate_mu);
	uint64_t t_go = mono_ns();

	unsigned every = warm_up(c, r, t_go);
	r->lat_every = every;

	/* The window. lat_every is published before the phase that makes workers read it. */
	atomic_store_explicit(&sh->lat_every, every, memory_order_relaxed);
	atomic_store_explicit(&sh->phase, PH_MEASURE, memory_order_release);
	snap_ops(c, &a);
	snap_costs(c, &a, misses);
	sleep_until(a.t_ns + p->duration_ns);
	snap_ops(c, &b);
	atomic_store_explicit(&sh->phase, PH_DRAIN, memory_order_release);
	snap_costs(c, &b, misses);
	atomic_store_explicit(&sh->phase, PH_STOP, memory_order_release);
	fill_window(c, &a, &b, misses, r);
	snapshot_free(&a);
	snapshot_free(&b);
	if (misses) {
		/* r->hw_counters keeps perfev_open's text: "available (user space only)" is
		 * what a cache-miss figure with perf_event_paranoid >= 2 means. */
		for (unsigned i = 0; i < p->threads; i++)
			perfev_close(&c->w[i].misses);
	}
	r->status = RUN_OK;
}

int window_calibrate(struct window_calib *cal)
{
	int rc = workload_calibrate(&cal->work);
	if (rc == 0)
		rc = ts_clock_init(&cal->clock);
	if (rc == 0)
		rc = ts_clock_floor(&cal->clock, &cal->floor);
	return rc;
}

/* The CPUs the workers can run on at once: the distinct CPUs they are bound to, or all allowed
 * when the OS places them. */
static unsigned util_cpus(const struct thread_plan *plan)
{
	unsigned distinct = 0;
	for (unsigned i = 0; i < plan->threads; i++) {
		if (plan->cpu[i] < 0)
			return plan->allowed_cpus;
		bool seen = false;
		for (unsigned j = 0; j < i && !seen; j++)
			seen = plan->cpu[j] == plan->cpu[i];
		distinct += !seen;
	}
	return distinct;
}

void window_measure_point(struct topo *t, const struct run_params *p,
			  const struct thread_plan *plan, const struct window_calib *cal,
			  struct runner_shared *sh, struct run_result *r)
{
	struct point_ctx c = {
		.p = p, .topo = t, .sh = sh, .op_limit = UINT64_MAX, .clock = cal->clock
	};
	r->thread_ops = calloc(p->threads, sizeof(uint64_t));
	c.w = aligned_alloc(LB_CACHELINE, p->threads * sizeof *c.w);
	if (!r->thread_ops || !c.w) {
		run_result_note(r, "out of memory");
		return;
	}
	memset(c.w, 0, p->threads * sizeof *c.w);
	c.cs_iters = workload_iters(&cal->work, p->cs_ns);
	c.ncs_iters = workload_iters(&cal->work, p->ncs_ns);
	if (p->timing)
		r->timing_overhead_ns = cal->floor.pair_ns;
	/* Reported with timing off too: it is the machine's, and says what a latency is worth. */
	r->timer_p50_ns = cal->floor.p50_ns;
	r->timer_tick_ns = cal->floor.tick_ns;
	c.util_cpus = util_cpus(plan);
	if (worker_make_instances(&c, r) != 0) {
		run_result_note(r, "could not set up the lock instances");
		return;
	}
	pthread_mutex_init(&c.gate_mu, NULL);
	pthread_cond_init(&c.gate_cv, NULL);

	/* Every thread exists before any measures; each binds itself to its CPU first. */
	unsigned created = 0;
	for (; created < p->threads; created++) {
		struct worker *w = &c.w[created];
		w->c = &c;
		w->index = created;
		w->cpu = plan->cpu[created];
		w->cluster = plan->cluster[created];
		int rc = pthread_create(&w->thread, NULL, worker_main, w);
		if (rc) {
			run_result_note(r, "pthread_create (thread %u): %s", created, strerror(rc));
			break;
		}
	}
	coordinate(&c, r, created);
	/* A worker stuck in a lock that never returns keeps this join waiting: the parent's
	 * watchdog ends the process then. */
	for (unsigned i = 0; i < created; i++)
		pthread_join(c.w[i].thread, NULL);

	struct latency_hist *h = NULL;
	if (p->timing && r->status == RUN_OK) {
		h = malloc(sizeof *h);
		if (h) {
			lat_hist_init(h);
			for (unsigned i = 0; i < p->threads; i++)
				if (c.w[i].hist)
					lat_hist_merge(h, c.w[i].hist);
		}
	}
	for (unsigned i = 0; i < created; i++) {
		struct worker *w = &c.w[i];
		if (w->err && r->status == RUN_OK) {
			r->status = RUN_ERROR;
			run_result_note(r, "thread %u: %s: %s", i, w->err_what, strerror(-w->err));
		}
		free(w->hist);
	}
	if (r->status == RUN_OK || r->status == RUN_ERROR) {
		if (r->measured) {
			run_result_fill_latency(r, h);
			r->lat_hist = h;
			h = NULL;
			check_exclusion(&c, r);
		}
		if (r->bind_failures && r->status == RUN_OK)
			r->status = RUN_ERROR;
	}
	free(h);
}

