/* worker.c — a worker thread inside the measuring child: its setup at the gate, its loops, and
 * the lock instances it shares with the others. window.c coordinates the workers; window.h
 * gives the phases.
 *
 * Counting. Each worker counts its completed outermost acquisitions in a local variable and
 * publishes it with a relaxed store to its own line (runner_progress). Relaxed is enough: the
 * coordinator only needs some recent value of each counter at each edge, and a counter never
 * goes back. Throughput and per-thread counts are the differences between the snapshots at
 * the window's two edges, never counts since thread start (a FIFO lock under oversubscription
 * would hand one thread a burst of acquisitions before the others have even queued).
 */
#define _GNU_SOURCE
#include "run/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stats/stats.h"
#include "topo/topo.h"

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
	struct point_ctx *c = w->c;
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
	struct ts_clock clock;
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
 * single extra line is written straight, not by a loop: on an AMD EPYC VM (2026) a two-line loop
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
 * the harness floor (tests/perf/bench_floor.c) is this loop's cost on the `null` lock, and the loop
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
 * section kept a timed holder in the lock ~20-35 ns longer, which the next waiter paid for.
 * (LOOP_UNROLL is in worker.h: the automatic sampling rate is rounded to it.) */
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
				t0 = ts_clock_start(&e->clock);
				rc = lock(l, ctx);
				t1 = ts_clock_stop(&e->clock);
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
				lat_hist_record(e->hist, ts_clock_ns(&e->clock, t1 - t0));
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
		uint64_t t0 = timed ? ts_clock_start(&e->clock) : 0, t1 = 0;
		int rc = ops->lock(e->lock, e->ctx);
		if (timed) {
			t1 = ts_clock_stop(&e->clock);
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
			lat_hist_record(e->hist, ts_clock_ns(&e->clock, t1 - t0));
		if (failed || done == e->limit)
			break;
		x = workload_spin(e->ncs_iters, x);
	}
	return (struct loop_state){ .done = done, .x = x, .end = end };
}

/* The loop of --read-pct > 0 (LB_RW locks): each operation is a read with probability read_pct
 * (wl_draw_read), taken with read_lock, reading the lines and never writing them; the others are
 * writes, taken with lock, writing every line as loop_mutex does. Counted: all operations (the
 * throughput), writes (what the lines must add up to), torn reads (wl_lines_torn). One operation
 * at a time, sampling as loop_general; same exits. */
static struct loop_state loop_rw(struct worker *w, const struct loop_env *e, int seen,
				 bool sample, uint64_t every, uint64_t countdown, unsigned read_pct,
				 uint64_t *draw, struct loop_state st)
{
	const struct lb_lock_ops *ops = e->ops;
	/* A lock without LB_RW (the sweep's mutex baseline; `run` refuses it) reads exclusively. */
	int (*const read_lock)(void *, void *) = ops->read_lock ? ops->read_lock : ops->lock;
	int (*const read_unlock)(void *, void *) = ops->read_unlock ? ops->read_unlock : ops->unlock;
	uint64_t done = st.done, x = st.x;
	enum loop_end end = LOOP_DONE;
	for (;;) {
		if (atomic_load_explicit(e->phase, memory_order_relaxed) != seen) {
			end = LOOP_PHASE;
			break;
		}
		const bool read = wl_draw_read(draw, read_pct);
		bool timed = sample && --countdown == 0;
		uint64_t t0 = timed ? ts_clock_start(&e->clock) : 0, t1 = 0;
		int rc = read ? read_lock(e->lock, e->ctx) : ops->lock(e->lock, e->ctx);
		if (timed) {
			t1 = ts_clock_stop(&e->clock);
			countdown = every;
		}
		if (rc) {
			worker_fail(w, rc, read ? "read_lock" : "lock");
			break;
		}
		if (read) {
			uint64_t first = wl_plain_load(&e->lines[0]);
			x = cs_work(e->cs_iters, x, first);
			w->torn_reads += wl_lines_torn(e->lines, e->cs_lines, first);
			rc = read_unlock(e->lock, e->ctx);
		} else {
			x = cs_work(e->cs_iters, x, write_lines(e->lines, e->cs_lines));
			w->writes++;
			rc = ops->unlock(e->lock, e->ctx);
		}
		done++;
		atomic_store_explicit(e->progress, done, memory_order_relaxed);
		if (timed)
			lat_hist_record(e->hist, ts_clock_ns(&e->clock, t1 - t0));
		if (rc) {
			worker_fail(w, rc, read ? "read_unlock" : "unlock");
			break;
		}
		if (done == e->limit)
			break;
		x = workload_spin(e->ncs_iters, x);
	}
	return (struct loop_state){ .done = done, .x = x, .end = end };
}

static void run_loop(struct worker *w, void *ctx)
{
	struct point_ctx *c = w->c;
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
	const unsigned read_pct = c->p->read_pct;
	uint64_t draw = wl_draw_seed(c->p->seed, w->index);
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
		if (read_pct)
			st = loop_rw(w, &e, phase, sample, every, countdown, read_pct, &draw, st);
		else if (!mutex || (sample && every % LOOP_UNROLL != 0))
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

void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct point_ctx *c = w->c;
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
	/* The cluster the plan put this thread in (topo_cpu_clusters), before the first use. */
	if (ctx_ready && (ops->props & LB_NUMA_AWARE) && ops->ctx_set_cluster &&
	    (rc = ops->ctx_set_cluster(ctx, w->cluster)) != 0)
		worker_fail(w, rc, "ctx_set_cluster");
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

/* Lock instances and their lines; 0 or a note in r. */
int worker_make_instances(struct point_ctx *c, struct run_result *r)
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


int worker_loop_inline(const struct run_params *p, uint64_t cs_iters, uint64_t ncs_iters,
			const struct ts_clock *clock, unsigned lat_every, uint64_t ops,
			uint64_t *loop_cpu_ns)
{
	struct point_ctx c = { .p = p, .cs_iters = cs_iters, .ncs_iters = ncs_iters, .op_limit = ops };
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
	if ((rc = worker_make_instances(&c, &r)) != 0)
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
