/* exclusion_check.c — see exclusion_check.h. */
#include "exclusion_check.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Keeps the compiler from merging or moving the two halves of the update across the pause: the
 * window between them is what a broken lock is caught in. Not synchronisation: the lock under
 * test is the only thing that orders these accesses between threads. */
#define compiler_barrier() __asm__ __volatile__("" ::: "memory")

/* Plain words on purpose: the lock under test is what must keep them consistent, and TSan
 * sees every access to them. Their own line, away from the lock's. */
struct excl_shared {
	unsigned long a, b;
} LB_CACHE_ALIGNED;

struct excl_run {
	const struct lb_lock_ops *ops;
	void *lock;
	struct excl_shared *shared;
	uint64_t ops_per_thread;
	uint64_t yield_every;
	uint64_t timeout_ns; /* 0: no timedlock in the mix */
	pthread_barrier_t start;
};

struct excl_worker {
	struct excl_run *run;
	pthread_t tid;
	unsigned index;
	uint64_t done, violations, by_trylock, by_timedlock, timeouts;
	int err;
	const char *err_what;
};

static void pause_briefly(void)
{
	for (int i = 0; i < 32; i++)
		lb_cpu_relax();
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/* Up to four timedlock() attempts, each with a deadline `ahead_ns` from now (0: one already
 * past). 0 when held, -ETIMEDOUT when all four timed out, else an error (recorded). */
static int try_timed(struct excl_worker *w, void *ctx, uint64_t ahead_ns)
{
	const struct lb_lock_ops *ops = w->run->ops;
	for (int attempt = 0; attempt < 4; attempt++) {
		uint64_t now = mono_ns();
		int rc = ops->timedlock(w->run->lock, ctx, ahead_ns ? now + ahead_ns : now - 1);
		if (rc == 0) {
			w->by_timedlock++;
			return 0;
		}
		if (rc != -ETIMEDOUT) {
			w->err = rc;
			w->err_what = "timedlock";
			return rc;
		}
		w->timeouts++;
	}
	return -ETIMEDOUT;
}

/* lock() or, every fourth time, up to four trylock() attempts first; with timedlock in the
 * mix, two more fourths try timedlock first (a deadline ahead, one past). 0 when held. */
static int acquire(struct excl_worker *w, void *ctx, uint64_t i)
{
	const struct lb_lock_ops *ops = w->run->ops;
	const uint64_t turn = (i + w->index) % 4;
	if (w->run->timeout_ns && (turn == 1 || turn == 2)) {
		int rc = try_timed(w, ctx, turn == 1 ? w->run->timeout_ns : 0);
		if (rc != -ETIMEDOUT)
			return rc;
	}
	if (turn == 0) {
		for (int attempt = 0; attempt < 4; attempt++) {
			int rc = ops->trylock(w->run->lock, ctx);
			if (rc == 0) {
				w->by_trylock++;
				return 0;
			}
			if (rc != -EBUSY) {
				w->err = rc;
				w->err_what = "trylock";
				return rc;
			}
			lb_cpu_relax();
		}
	}
	int rc = ops->lock(w->run->lock, ctx);
	if (rc) {
		w->err = rc;
		w->err_what = "lock";
	}
	return rc;
}

static void *excl_thread(void *arg)
{
	struct excl_worker *w = arg;
	struct excl_run *run = w->run;
	struct excl_shared *s = run->shared;
	void *ctx = lb_ctx_alloc(run->ops);
	if (!ctx) {
		w->err = -ENOMEM;
		w->err_what = "lb_ctx_alloc";
	} else if (run->ops->ctx_init) {
		int rc = run->ops->ctx_init(ctx);
		if (rc) {
			w->err = rc;
			w->err_what = "ctx_init";
		}
	}
	pthread_barrier_wait(&run->start);
	if (w->err) {
		lb_free(ctx);
		return NULL;
	}

	for (uint64_t i = 0; i < run->ops_per_thread; i++) {
		if (acquire(w, ctx, i))
			break;
		unsigned long a = s->a, b = s->b;
		if (a != b)
			w->violations++;
		s->a = a + 1;
		compiler_barrier();
		if (i % 8 == 7)
			pause_briefly();
		if (i % run->yield_every == run->yield_every - 1)
			sched_yield();
		compiler_barrier();
		s->b = b + 1;
		w->done++;
		int rc = run->ops->unlock(run->lock, ctx);
		if (rc) {
			w->err = rc;
			w->err_what = "unlock";
			break;
		}
	}

	if (run->ops->ctx_destroy)
		run->ops->ctx_destroy(ctx);
	lb_free(ctx);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void excl_check(const struct lb_lock_ops *ops, unsigned threads, uint64_t ops_per_thread,
		struct excl_result *r)
{
	excl_check_timed(ops, threads, ops_per_thread, 0, r);
}

void excl_check_timed(const struct lb_lock_ops *ops, unsigned threads, uint64_t ops_per_thread,
		      uint64_t timeout_ns, struct excl_result *r)
{
	memset(r, 0, sizeof *r);
	/* Yield inside the critical section some 16 times per thread (every 4th to 1024th time):
	 * the holder is then descheduled while others wait, and short runs overlap at all,
	 * instead of each thread finishing before the next one is scheduled. */
	uint64_t yield_every = ops_per_thread / 16;
	yield_every = yield_every < 4 ? 4 : yield_every > 1024 ? 1024 : yield_every;
	struct excl_run run = { .ops = ops, .ops_per_thread = ops_per_thread,
				.yield_every = yield_every, .timeout_ns = timeout_ns };
	struct excl_worker *w = calloc(threads, sizeof *w);
	run.lock = lb_lock_alloc(ops);
	run.shared = aligned_alloc(LB_CACHELINE, sizeof *run.shared);
	if (!w || !run.lock || !run.shared) {
		r->err = -ENOMEM;
		r->err_what = "allocation";
		goto out;
	}
	memset(run.shared, 0, sizeof *run.shared);
	r->err = ops->init(run.lock, 1);
	if (r->err) {
		r->err_what = "init";
		goto out;
	}
	pthread_barrier_init(&run.start, NULL, threads);

	double t0 = now_s();
	unsigned started = 0;
	for (; started < threads; started++) {
		w[started].run = &run;
		w[started].index = started;
		int err = pthread_create(&w[started].tid, NULL, excl_thread, &w[started]);
		if (err) {
			/* The barrier counts on every thread: nothing sensible to do but stop. */
			abort();
		}
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		r->expected += w[i].done;
		r->violations += w[i].violations;
		r->by_trylock += w[i].by_trylock;
		r->by_timedlock += w[i].by_timedlock;
		r->timeouts += w[i].timeouts;
		if (w[i].err && !r->err) {
			r->err = w[i].err;
			r->err_what = w[i].err_what;
		}
	}
	r->elapsed_s = now_s() - t0;
	r->final_a = run.shared->a;
	r->final_b = run.shared->b;
	pthread_barrier_destroy(&run.start);
	ops->destroy(run.lock);
out:
	free(run.shared);
	lb_free(run.lock);
	free(w);
}
