/* measure.c — one measurement point inside the child: see measure.h for the phases.
 *
 * Counting. Each worker counts its completed outermost acquisitions in a local variable and
 * publishes it with a relaxed store to its own line (runner_progress). Relaxed is enough: the
 * coordinator only needs some recent value of each counter at each edge, and a counter never
 * goes back. Throughput and per-thread counts are the differences between the snapshots at
 * the window's two edges, never counts since thread start (a FIFO lock under oversubscription
 * would hand one thread a burst of acquisitions before the others have even queued).
 *
 * The coordinator is the child's main thread, not a worker. Besides taking snapshots on time
 * (a spinning or sleeping worker cannot), it makes the process multi-threaded even with
 * --threads 1: glibc's pthread_mutex_lock skips its atomic instruction while the process has a
 * single thread, so an "uncontended" figure taken alone would be about 5x too cheap.
 */
#define _GNU_SOURCE
#include "run/measure.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/perfev.h"
#include "stats/stats.h"
#include "topo/topo.h"
#include "run/workload.h"

/* With automatic sampling, the timing cost is kept under this share of the time per operation. */
#define TIMING_BUDGET 0.02
/* The rate probe needs some warm-up to measure; a shorter --warmup is stretched to this. */
#define PROBE_MIN_NS 10000000ull
#define LAT_EVERY_MAX (1u << 20)

struct worker {
	struct child *c;
	unsigned index;
	int cpu;
	pthread_t thread;
	pid_t tid;              /* published before the gate */
	int bind_err;           /* errno of a failed hwloc binding */
	int err;                /* first error of a lock call, negative errno */
	const char *err_what;
	unsigned max_inside;    /* permits > 1: most holders seen by this thread */
	uint64_t total_ops;     /* every outermost acquisition, warm-up included */
	uint64_t sink;          /* the spin chain's value: kept, so the work is never dead */
	struct latency_hist *hist; /* NULL when timing is off */
	clockid_t cpu_clock;
	struct perfev misses;
} LB_CACHE_ALIGNED;

struct child {
	const struct run_params *p;
	struct topo *topo;
	struct runner_shared *sh;
	struct wl_instance *inst;
	struct worker *w;
	struct lb_clock clock;
	uint64_t cs_iters, ncs_iters;
	uint64_t op_limit; /* UINT64_MAX; a fixed count for measure_loop_inline */
	unsigned util_cpus; /* CPUs the workers can run on at once, for worker_util */
	pthread_mutex_t gate_mu;
	pthread_cond_t gate_cv;
	unsigned ready;
};

struct snapshot {
	uint64_t t_ns;
	uint64_t *ops, *cpu_ns, *vol, *invol, *misses;
	bool cpu_ok, csw_ok, misses_ok;
};

static void worker_fail(struct worker *w, int err, const char *what)
{
	if (!w->err) {
		w->err = err;
		w->err_what = what;
	}
}

/* Wait at the gate until the coordinator opens it; returns the phase it opened to. */
static int gate_wait(struct worker *w)
{
	struct child *c = w->c;
	pthread_mutex_lock(&c->gate_mu);
	atomic_store_explicit(&c->sh->thread[w->index].state, w->err ? WS_FAILED : WS_READY,
			      memory_order_relaxed);
	c->ready++;
	pthread_cond_broadcast(&c->gate_cv);
	int phase;
	while ((phase = atomic_load_explicit(&c->sh->phase, memory_order_relaxed)) == PH_INIT)
		pthread_cond_wait(&c->gate_cv, &c->gate_mu);
	pthread_mutex_unlock(&c->gate_mu);
	return phase;
}

/* What the loops of one worker read, copied out of the child and the params once. */
struct loop_env {
	const struct lb_lock_ops *ops;
	void *lock, *ctx;
	struct wl_instance *in;
	struct wl_line *lines; /* [0] the exclusion counter's line, then --cs-lines more */
	unsigned cs_lines;
	const atomic_int *phase;
	atomic_uint_fast64_t *progress;
	struct lb_clock clock;
	struct latency_hist *hist;
	uint64_t cs_iters, ncs_iters, limit;
	unsigned reentry;
	bool counting;
};

enum loop_end { LOOP_PHASE, LOOP_DONE };

/* What a loop hands back: returned by value (not through pointers), so that once inlined the
 * compiler keeps these in registers. */
struct loop_state {
	uint64_t done; /* operations completed so far */
	uint64_t x;    /* the spin chain's value */
	enum loop_end end;
	int err;              /* a lock call's failure, for worker_fail */
	const char *err_what;
};

/* The critical section's writes: the exclusion counter, then the --cs-lines lines. The default
 * single extra line is written straight, not by a loop: on this VM (AMD EPYC) a two-line loop
 * cost 0.6 ns of a 2.5 ns floor, most of it its taken back-edge. Returns the exclusion counter
 * as loaded, the seed of the critical section's work (cs_work). */
static inline __attribute__((always_inline)) uint64_t write_lines(struct wl_line *lines,
								  unsigned k)
{
	uint64_t seen = wl_plain_increment(&lines[0]);
	if (__builtin_expect(k == 1, 1))
		wl_plain_increment(&lines[1]);
	else
		for (unsigned l = 1; l <= k; l++)
			wl_plain_increment(&lines[l]);
	return seen;
}

/* workload_spin, laid out for --cs 0 / --ncs 0: no work falls through, and work is a jump to
 * the loop and back, two taken branches next to the work's own tens of nanoseconds. Without
 * this the floor pays a taken branch around each empty loop (0.3 ns of 2.5 here). */
static inline __attribute__((always_inline)) uint64_t work(uint64_t iters, uint64_t x)
{
	return __builtin_expect(iters != 0, 0) ? workload_spin(iters, x) : x;
}

/* The critical section's work, its chain started from `seen`, the shared line's value loaded
 * under the lock. The chain is pure arithmetic on registers: without this data dependency an
 * out-of-order core runs it while the acquiring atomic (or the spin's last load) is still in
 * flight (as many instructions as its reorder buffer holds), so --cs would partly hide inside the
 * lock's own latency. With it the work starts only once the load returns, and that load is
 * ordered after the acquisition. Mixing costs one xor, and nothing when there is no work. */
static inline __attribute__((always_inline)) uint64_t cs_work(uint64_t iters, uint64_t x,
							      uint64_t seen)
{
	return __builtin_expect(iters != 0, 0) ? workload_spin(iters, x ^ seen) : x;
}

/* The loop of mutual-exclusion runs (--reentry 1, one permit): every run of a mutex or spinlock.
 * It runs until the phase changes, a call fails or the limit is reached. Kept small on purpose:
 * the harness floor (tests/bench_floor.c) is this loop's cost on the `null` lock, and the loop
 * is throughput-bound where the bare loop it is compared with is bound by the latency of its
 * calls, so every instruction counts, twice over when another virtual machine shares the core.
 * Hence:
 *  - it is instantiated with `timed` and `one_line` constant (no countdown without sampling, no
 *    test of --cs-lines in the default case), each instance a function of its own so that the
 *    compiler allocates registers for the loop alone (inlined into run_loop, `done` ended up in
 *    a stack slot);
 *  - it takes LOOP_UNROLL operations per round: the phase, the limit and the sampling countdown
 *    (counted in rounds) are checked once a round. The phase is noticed a few operations late,
 *    which does not matter: the window's edges are the coordinator's snapshots of `progress`,
 *    still stored after every operation.
 * The timed acquisition is the first of its round. Its timestamps bracket the lock call alone,
 * but the sample is recorded after unlock: a histogram update between lock and the critical
 * section kept a timed holder in the lock ~20-35 ns longer, which the next waiter paid for. */
#define LOOP_UNROLL 4

static inline __attribute__((always_inline)) struct loop_state
loop_mutex(const struct loop_env *e, int seen, bool timed, bool one_line, uint64_t every_rounds,
	   uint64_t countdown, struct loop_state st)
{
	int (*const lock)(void *, void *) = e->ops->lock;
	int (*const unlock)(void *, void *) = e->ops->unlock;
	void *const l = e->lock, *const ctx = e->ctx;
	struct wl_line *const lines = e->lines;
	const unsigned k = one_line ? 1 : e->cs_lines;
	const uint64_t cs_iters = e->cs_iters, ncs_iters = e->ncs_iters, limit = e->limit;
	const atomic_int *const phase = e->phase;
	atomic_uint_fast64_t *const progress = e->progress;
	uint64_t done = st.done, x = st.x;
	/* Relaxed: a phase change only has to be noticed soon, not at once. */
	while (__builtin_expect(atomic_load_explicit(phase, memory_order_relaxed) == seen, 1)) {
		int rc = 0;
#pragma GCC unroll 4
		for (unsigned i = 0; i < LOOP_UNROLL; i++) {
			uint64_t t0 = 0, t1 = 0;
			bool took = false;
			if (timed && i == 0 && __builtin_expect(--countdown == 0, 0)) {
				t0 = lb_clock_start(&e->clock);
				rc = lock(l, ctx);
				t1 = lb_clock_stop(&e->clock);
				took = true;
				countdown = every_rounds;
			} else {
				rc = lock(l, ctx);
			}
			if (__builtin_expect(rc != 0, 0)) {
				st.err_what = "lock";
				break;
			}
			x = cs_work(cs_iters, x, write_lines(lines, k));
			rc = unlock(l, ctx);
			/* Counted even when the release failed: the critical section ran, and the
			 * exclusion check compares its increments with this count. */
			done++;
			atomic_store_explicit(progress, done, memory_order_relaxed);
			if (timed && i == 0 && __builtin_expect(took, 0))
				lat_hist_record(e->hist, lb_clock_ns(&e->clock, t1 - t0));
			if (__builtin_expect(rc != 0, 0)) {
				st.err_what = "unlock";
				break;
			}
			x = work(ncs_iters, x);
		}
		if (__builtin_expect(rc != 0, 0)) {
			st.err = rc;
			st.end = LOOP_DONE;
			goto out;
		}
		if (__builtin_expect(done >= limit, 0)) {
			st.end = LOOP_DONE;
			goto out;
		}
	}
	st.end = LOOP_PHASE;
out:
	st.done = done;
	st.x = x;
	return st;
}

static __attribute__((noinline)) struct loop_state
loop_mutex_untimed(const struct loop_env *e, int seen, struct loop_state st)
{
	return e->cs_lines == 1 ? loop_mutex(e, seen, false, true, 0, 0, st)
				: loop_mutex(e, seen, false, false, 0, 0, st);
}

static __attribute__((noinline)) struct loop_state
loop_mutex_timed(const struct loop_env *e, int seen, uint64_t every_rounds, uint64_t countdown,
		 struct loop_state st)
{
	return e->cs_lines == 1 ? loop_mutex(e, seen, true, true, every_rounds, countdown, st)
				: loop_mutex(e, seen, true, false, every_rounds, countdown, st);
}

/* The loop of everything else: nested acquisitions (--reentry), counting semaphores (whose
 * occupancy is counted with an atomic), and sampling rates that are not whole rounds. One
 * operation at a time; same exits as loop_mutex. */
static struct loop_state loop_general(struct worker *w, const struct loop_env *e, int seen,
				      bool sample, uint64_t every, uint64_t countdown,
				      struct loop_state st)
{
	const struct lb_lock_ops *ops = e->ops;
	struct wl_instance *in = e->in;
	uint64_t done = st.done, x = st.x;
	enum loop_end end = LOOP_DONE;
	for (;;) {
		if (atomic_load_explicit(e->phase, memory_order_relaxed) != seen) {
			end = LOOP_PHASE;
			break;
		}
		bool timed = sample && --countdown == 0;
		uint64_t t0 = timed ? lb_clock_start(&e->clock) : 0, t1 = 0;
		int rc = ops->lock(e->lock, e->ctx);
		if (timed) {
			t1 = lb_clock_stop(&e->clock);
			countdown = every;
		}
		if (rc) {
			worker_fail(w, rc, "lock");
			break;
		}
		bool failed = false;
		unsigned depth = 1;
		for (; depth < e->reentry; depth++)
			if ((rc = ops->lock(e->lock, e->ctx)) != 0) {
				worker_fail(w, rc, "nested lock");
				failed = true;
				break;
			}
		if (e->counting) {
			/* Relaxed: the semaphore's own acquire/release orders one holder's
			 * decrement before the next holder's increment; if it does not, the count
			 * overshoots, which is exactly the failure being looked for. */
			unsigned inside = atomic_fetch_add_explicit(&in->occ->inside, 1,
								    memory_order_relaxed) + 1;
			if (inside > w->max_inside)
				w->max_inside = inside;
		}
		x = cs_work(e->cs_iters, x, write_lines(e->lines, e->cs_lines));
		if (e->counting)
			atomic_fetch_sub_explicit(&in->occ->inside, 1, memory_order_relaxed);
		while (depth-- > 0)
			if ((rc = ops->unlock(e->lock, e->ctx)) != 0) {
				worker_fail(w, rc, "unlock");
				failed = true;
			}
		/* Counted even when a release failed: the critical section ran, and the exclusion
		 * check compares its increments with this count. */
		done++;
		atomic_store_explicit(e->progress, done, memory_order_relaxed);
		/* After the release, as in loop_mutex. */
		if (timed)
			lat_hist_record(e->hist, lb_clock_ns(&e->clock, t1 - t0));
		if (failed || done == e->limit)
			break;
		x = workload_spin(e->ncs_iters, x);
	}
	return (struct loop_state){ .done = done, .x = x, .end = end };
}

static void run_loop(struct worker *w, void *ctx)
{
	struct child *c = w->c;
	struct wl_instance *in = &c->inst[w->index % c->p->instances];
	const struct loop_env e = {
		.ops = c->p->lock,
		.lock = in->lock,
		.ctx = ctx,
		.in = in,
		.lines = in->lines,
		.cs_lines = c->p->cs_lines,
		.phase = &c->sh->phase,
		.progress = &c->sh->thread[w->index].ops,
		.clock = c->clock,
		.hist = w->hist,
		.cs_iters = c->cs_iters,
		.ncs_iters = c->ncs_iters,
		.limit = c->op_limit,
		.reentry = c->p->reentry,
		.counting = c->p->permits > 1,
	};
	const bool mutex = e.reentry == 1 && !e.counting;
	struct loop_state st = { .done = 0, .x = w->index + 1, .end = LOOP_PHASE, .err = 0 };
	for (;;) {
		int phase = atomic_load_explicit(e.phase, memory_order_relaxed);
		if (phase >= PH_STOP)
			break;
		/* Pairs with the coordinator's release store of the phase: lat_every, written
		 * before it, is visible now. */
		atomic_thread_fence(memory_order_acquire);
		uint64_t every = atomic_load_explicit(&c->sh->lat_every, memory_order_relaxed);
		bool sample = phase == PH_MEASURE && e.hist && every;
		/* Staggered, so that threads do not all time the same round of acquisitions. */
		uint64_t countdown = every ? 1 + w->index % every : 0;
		/* loop_mutex counts rounds of LOOP_UNROLL operations: it can time one acquisition
		 * in `every` only when that is a whole number of rounds (the automatic rate above
		 * LOOP_UNROLL is one; other --timing-every values take loop_general). */
		uint64_t rounds = every / LOOP_UNROLL;
		if (!mutex || (sample && every % LOOP_UNROLL != 0))
			st = loop_general(w, &e, phase, sample, every, countdown, st);
		else if (sample)
			st = loop_mutex_timed(&e, phase, rounds, 1 + w->index % rounds, st);
		else
			st = loop_mutex_untimed(&e, phase, st);
		if (st.err)
			worker_fail(w, st.err, st.err_what);
		if (st.end == LOOP_DONE)
			break;
	}
	w->total_ops = st.done;
	w->sink = st.x;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct child *c = w->c;
	const struct lb_lock_ops *ops = c->p->lock;
	w->tid = gettid();
	/* Bind before anything is allocated, so the context lands on this CPU's node. */
	int rc = topo_bind_self(c->topo, w->cpu);
	if (rc)
		w->bind_err = -rc;
	void *ctx = lb_ctx_alloc(ops);
	bool ctx_ready = false;
	if (!ctx)
		worker_fail(w, -ENOMEM, "context allocation");
	else if (ops->ctx_init && (rc = ops->ctx_init(ctx)) != 0)
		worker_fail(w, rc, "ctx_init");
	else
		ctx_ready = true;
	if (c->p->timing && !w->err) {
		w->hist = malloc(sizeof *w->hist);
		if (w->hist)
			lat_hist_init(w->hist);
		else
			worker_fail(w, -ENOMEM, "histogram allocation");
	}
	int phase = gate_wait(w);
	if (!w->err && phase < PH_STOP) {
		atomic_store_explicit(&c->sh->thread[w->index].state, WS_RUNNING,
				      memory_order_relaxed);
		run_loop(w, ctx);
	}
	if (ctx_ready && ops->ctx_destroy)
		ops->ctx_destroy(ctx);
	lb_free(ctx);
	atomic_store_explicit(&c->sh->thread[w->index].state, w->err ? WS_FAILED : WS_DONE,
			      memory_order_relaxed);
	return NULL;
}

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = { (time_t)(t_ns / 1000000000u), (long)(t_ns % 1000000000u) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static uint64_t sum_ops(const struct child *c)
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
static void snap_ops(struct child *c, struct snapshot *s)
{
	s->t_ns = lb_mono_ns();
	for (unsigned i = 0; i < c->p->threads; i++)
		s->ops[i] = atomic_load_explicit(&c->sh->thread[i].ops, memory_order_relaxed);
}

/* CPU time, context switches and perf counters: slower reads, taken right after. */
static void snap_costs(struct child *c, struct snapshot *s, bool misses)
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

/* Lock instances and their lines; 0 or a note in r. */
static int make_instances(struct child *c, struct run_result *r)
{
	const struct run_params *p = c->p;
	c->inst = calloc(p->instances, sizeof *c->inst);
	if (!c->inst)
		return -ENOMEM;
	for (unsigned m = 0; m < p->instances; m++) {
		struct wl_instance *in = &c->inst[m];
		in->lock = lb_lock_alloc(p->lock);
		in->lines = aligned_alloc(LB_CACHELINE, (1 + p->cs_lines) * sizeof *in->lines);
		in->occ = aligned_alloc(LB_CACHELINE, sizeof *in->occ);
		if (!in->lock || !in->lines || !in->occ)
			return -ENOMEM;
		memset(in->lines, 0, (1 + p->cs_lines) * sizeof *in->lines);
		atomic_init(&in->occ->inside, 0);
		int rc = p->lock->init(in->lock, p->permits);
		if (rc) {
			lb_free(in->lock);
			in->lock = NULL;
			run_result_note(r, "%s: init(permits %u): %s", p->lock->name, p->permits,
					strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* The exclusion check, after every worker has been joined. */
static void check_exclusion(struct child *c, struct run_result *r)
{
	const struct run_params *p = c->p;
	uint64_t expected_all = 0, lost = 0;
	unsigned bad_lines = 0;
	for (unsigned m = 0; m < p->instances; m++) {
		uint64_t expected = 0;
		for (unsigned i = m; i < p->threads; i += p->instances)
			expected += c->w[i].total_ops;
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
			run_result_note(r, "race demonstration: up to %u holders inside at once with "
					   "%u permits (%s provides no exclusion)",
					r->max_inside, p->permits, p->lock->name);
		} else if (!r->exclusion_ok) {
			r->status = RUN_VIOLATION;
			run_result_note(r, "VIOLATION: %u holders inside at once with %u permits",
					r->max_inside, p->permits);
		}
		return;
	}
	r->lost_updates = lost;
	r->exclusion_ok = lost == 0 && bad_lines == 0;
	if (p->lock->props & LB_NOT_A_LOCK) {
		run_result_note(r, "race demonstration: %llu of %llu updates lost (%s provides no "
				   "exclusion)",
				(unsigned long long)lost, (unsigned long long)expected_all,
				p->lock->name);
	} else if (!r->exclusion_ok) {
		r->status = RUN_VIOLATION;
		run_result_note(r, "VIOLATION: mutual exclusion failed: %llu of %llu updates lost%s",
				(unsigned long long)lost, (unsigned long long)expected_all,
				bad_lines ? " (and on the --cs-lines lines)" : "");
	}
}

/* Window figures from the two snapshots. */
static void fill_window(struct child *c, const struct snapshot *a, const struct snapshot *b,
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
static bool open_misses(struct child *c, struct run_result *r)
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

/* measure.h: an operation this cheap is what the fallback rate keeps under budget. */
#define MEASURE_FALLBACK_OP_NS 10.0

/* Rounded up to whole rounds above one round: run_loop's fast loop counts in rounds. */
static unsigned lat_every_of(double k)
{
	if (k > LOOP_UNROLL)
		k = ceil(k / LOOP_UNROLL) * LOOP_UNROLL;
	return k < 1 ? 1 : k > LAT_EVERY_MAX ? LAT_EVERY_MAX : (unsigned)k;
}

bool measure_probe_starved(uint64_t ops, uint64_t wall_ns, double cpu_ns)
{
	/* wall_ns 0: the coordinator overslept both edges, and the probe says nothing. */
	return ops == 0 && (isnan(cpu_ns) || wall_ns == 0 || cpu_ns < 0.5 * (double)wall_ns);
}

unsigned measure_lat_every_fallback(double pair_ns)
{
	if (isnan(pair_ns))
		return 1;
	return lat_every_of(ceil(pair_ns / (TIMING_BUDGET * MEASURE_FALLBACK_OP_NS)));
}

/* Choose lat_every from the warm-up's second half, where `ops` operations took `wall_ns` of
 * time and `cpu_ns` of the workers' CPU time (NAN if unknown). A timed acquisition costs pair_ns
 * more; keep pair_ns / K within TIMING_BUDGET of the time one operation costs, taken as the
 * smaller of two views: the process's wall time per operation (every acquisition serialised,
 * a hand-over on the critical path: contended locks) and the CPU time per operation (what one
 * thread spends: uncontended locks, and a machine where other processes take CPU time). */
unsigned measure_choose_lat_every(double pair_ns, uint64_t ops, uint64_t wall_ns, double cpu_ns)
{
	if (isnan(pair_ns))
		return 1;
	if (measure_probe_starved(ops, wall_ns, cpu_ns))
		return measure_lat_every_fallback(pair_ns);
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
static double sum_cpu_ns(const struct child *c)
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

static void coordinate(struct child *c, struct run_result *r, unsigned created)
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
	uint64_t t_go = lb_mono_ns();

	unsigned every = p->timing ? p->timing_every : 0;
	if (p->timing && !every) {
		uint64_t warm = p->warmup_ns > PROBE_MIN_NS ? p->warmup_ns : PROBE_MIN_NS;
		sleep_until(t_go + warm / 2);
		uint64_t t1 = lb_mono_ns(), o1 = sum_ops(c);
		double cpu1 = sum_cpu_ns(c);
		sleep_until(t_go + warm);
		uint64_t t2 = lb_mono_ns(), o2 = sum_ops(c);
		double cpu2 = sum_cpu_ns(c);
		every = measure_choose_lat_every(r->timing_overhead_ns, o2 - o1, t2 - t1,
						 cpu2 - cpu1);
		if (measure_probe_starved(o2 - o1, t2 - t1, cpu2 - cpu1)) {
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

int measure_calibrate(struct measure_calib *cal)
{
	int rc = workload_calibrate(&cal->work);
	if (rc == 0)
		rc = lb_clock_init(&cal->clock);
	if (rc == 0)
		rc = lb_clock_floor(&cal->clock, &cal->floor);
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

void measure_point(struct topo *t, const struct run_params *p, const struct thread_plan *plan,
		   const struct measure_calib *cal, struct runner_shared *sh, struct run_result *r)
{
	struct child c = {
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
	if (make_instances(&c, r) != 0) {
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

int measure_loop_inline(const struct run_params *p, uint64_t cs_iters, uint64_t ncs_iters,
			const struct lb_clock *clock, unsigned lat_every, uint64_t ops,
			uint64_t *loop_cpu_ns)
{
	struct child c = { .p = p, .cs_iters = cs_iters, .ncs_iters = ncs_iters, .op_limit = ops };
	struct worker w = { .c = &c };
	struct run_result r = { .status = RUN_ERROR }; /* only for make_instances' notes */
	int rc = -ENOMEM;
	bool made = false;
	if (p->threads != 1 || ops == 0 || ops % LOOP_UNROLL || (lat_every && !clock))
		return -EINVAL;
	c.sh = aligned_alloc(LB_CACHELINE, sizeof *c.sh + sizeof c.sh->thread[0]);
	void *ctx = lb_ctx_alloc(p->lock);
	if (!c.sh || !ctx)
		goto out;
	memset(c.sh, 0, sizeof *c.sh + sizeof c.sh->thread[0]);
	atomic_init(&c.sh->phase, PH_MEASURE);
	atomic_init(&c.sh->lat_every, lat_every);
	if (lat_every) {
		w.hist = malloc(sizeof *w.hist);
		if (!w.hist)
			goto out;
		lat_hist_init(w.hist);
		c.clock = *clock;
	}
	if ((rc = make_instances(&c, &r)) != 0)
		goto out;
	made = true;
	if (p->lock->ctx_init && (rc = p->lock->ctx_init(ctx)) != 0)
		goto out;
	struct timespec t0, t1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	run_loop(&w, ctx);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	*loop_cpu_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
		       (uint64_t)t0.tv_nsec;
	if (p->lock->ctx_destroy)
		p->lock->ctx_destroy(ctx);
	rc = w.err ? w.err : w.total_ops == ops ? 0 : -EIO;
out:
	for (unsigned m = 0; c.inst && m < p->instances; m++) {
		if (made)
			p->lock->destroy(c.inst[m].lock);
		lb_free(c.inst[m].lock);
		free(c.inst[m].lines);
		free(c.inst[m].occ);
	}
	free(c.inst);
	free(w.hist);
	lb_free(ctx);
	free(c.sh);
	return rc;
}
