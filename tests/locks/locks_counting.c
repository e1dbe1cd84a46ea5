/* locks_counting.c — LB_COUNTING locks admit exactly N holders; LB_BOUNDED ones refuse to be
 * released beyond their count.
 *
 * For every counting lock of the registry and N = 1, 2, 3, 5:
 * - Together: N threads take the lock and hold it at once; another thread's trylock then fails
 *   with -EBUSY; once one holder releases it succeeds (and releases); then the others release.
 * - Stress: N+2 threads (at least 4) take and release it repeatedly, counting the holders with
 *   an atomic occupancy counter; a holder yields a few times before leaving, so that the
 *   others pile in and the count reaches N (and would pass it under a lock that admits too
 *   many). The most ever inside must be exactly N.
 * - Bounded (LB_BOUNDED): an unlock beyond the count returns -EOVERFLOW and changes nothing:
 *   exactly N trylocks still succeed, the next fails.
 *
 * Negative controls: the same checks told to expect N while the lock was made with N+1 permits
 * (a planted bad input) must fail, and the bounded check must fail on counting locks that do not
 * claim LB_BOUNDED (or, when the registry has none, on never-release).
 * Usage: locks_counting [--lock NAME]
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "broken_locks.h"
#include "test_util.h"

static const unsigned permit_counts[] = { 1, 2, 3, 5 };

enum { STRESS_OPS_PER_THREAD = 500, FILL_YIELDS = 4 };

struct counting_run {
	const struct lb_lock_ops *ops;
	void *lock;
	unsigned permits;
	atomic_uint inside;  /* current holders */
	atomic_uint max_inside;
	pthread_barrier_t step; /* holders + the main thread, for the "together" choreography */
	pthread_barrier_t start;
};

struct counting_worker {
	struct counting_run *run;
	pthread_t tid;
	unsigned index;
	unsigned errors;
};

static void *start_thread(void *(*fn)(void *), struct counting_worker *w)
{
	int err = pthread_create(&w->tid, NULL, fn, w);
	if (err)
		tu_die("locks_counting", "pthread_create", err);
	return NULL;
}

/* Holder i: take a permit (trylock: nobody releases before step 1, so it must succeed right away
 * and a semaphore that admits too few fails instead of hanging), then release on cue: holder 0
 * after step 2, the others after step 4. */
static void *holder_thread(void *arg)
{
	struct counting_worker *w = arg;
	struct counting_run *run = w->run;
	void *ctx = tu_ctx_new(run->ops);
	int held = ctx && run->ops->trylock(run->lock, ctx) == 0;
	if (!held)
		w->errors++;
	else
		atomic_fetch_add_explicit(&run->inside, 1, memory_order_relaxed);
	for (int step = 1; step <= 4; step++) {
		pthread_barrier_wait(&run->step);
		if (held && ((step == 2 && w->index == 0) || (step == 4 && w->index != 0))) {
			atomic_fetch_sub_explicit(&run->inside, 1, memory_order_relaxed);
			if (run->ops->unlock(run->lock, ctx))
				w->errors++;
			held = 0;
		}
	}
	tu_ctx_free(run->ops, ctx);
	return NULL;
}

/* run->lock, a new lock of run->ops made with `made` permits; false (a failed check) if not. */
static bool counting_open(struct counting_run *run, unsigned made)
{
	run->lock = lb_lock_alloc(run->ops);
	if (!CHECK(run->lock) || !CHECK_EQ(run->ops->init(run->lock, made), 0)) {
		lb_free(run->lock);
		return false;
	}
	return true;
}

static void counting_close(struct counting_run *run)
{
	run->ops->destroy(run->lock);
	lb_free(run->lock);
}

static void start_workers(struct counting_run *run, struct counting_worker *w, unsigned n,
			  void *(*fn)(void *))
{
	for (unsigned i = 0; i < n; i++) {
		w[i].run = run;
		w[i].index = i;
		start_thread(fn, &w[i]);
	}
}

/* Join n workers, each of which must have seen no error. */
static void join_workers(struct counting_worker *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		CHECK_EQ(w[i].errors, 0);
	}
}

/* The lock has `made` permits; the test expects `permits`. */
static void check_together(const struct lb_lock_ops *ops, unsigned made, unsigned permits)
{
	struct counting_run run = { .ops = ops, .permits = permits };
	struct counting_worker w[8] = { { 0 } };
	if (!counting_open(&run, made))
		return;
	pthread_barrier_init(&run.step, NULL, permits + 1);
	start_workers(&run, w, permits, holder_thread);
	pthread_barrier_wait(&run.step); /* 1: all holders hold */
	CHECK_EQ(atomic_load(&run.inside), permits);
	CHECK_EQ(tu_trylock_elsewhere(ops, run.lock), -EBUSY);
	pthread_barrier_wait(&run.step); /* 2: holder 0 releases */
	pthread_barrier_wait(&run.step); /* 3 */
	CHECK_EQ(tu_trylock_elsewhere(ops, run.lock), 0);
	pthread_barrier_wait(&run.step); /* 4: the others release */
	join_workers(w, permits);
	pthread_barrier_destroy(&run.step);
	counting_close(&run);
}

static void *stress_thread(void *arg)
{
	struct counting_worker *w = arg;
	struct counting_run *run = w->run;
	const struct lb_lock_ops *ops = run->ops;
	void *ctx = tu_ctx_new_at(ops, &run->start);
	if (!ctx) {
		w->errors++;
		return NULL;
	}
	unsigned max = 0;
	for (unsigned i = 0; i < STRESS_OPS_PER_THREAD; i++) {
		int rc = (i % 3 == 0) ? ops->trylock(run->lock, ctx) : -EBUSY;
		if (rc == -EBUSY)
			rc = ops->lock(run->lock, ctx);
		if (rc) {
			w->errors++;
			break;
		}
		unsigned now = atomic_fetch_add_explicit(&run->inside, 1, memory_order_relaxed) + 1;
		/* Linger until N are inside, and now and then while there is room for one more
		 * than allowed, so that a lock that admits too many gets the chance to show it.
		 * Not every time: yielding while holding a spinning semaphore hands the CPU to
		 * waiters that spin out their time slice. */
		const unsigned linger_below = run->permits + (i % 8 == 0);
		for (int y = 0; y < FILL_YIELDS && now < linger_below; y++) {
			sched_yield();
			now = atomic_load_explicit(&run->inside, memory_order_relaxed);
		}
		if (now > max)
			max = now;
		atomic_fetch_sub_explicit(&run->inside, 1, memory_order_relaxed);
		if (ops->unlock(run->lock, ctx)) {
			w->errors++;
			break;
		}
	}
	unsigned seen = atomic_load_explicit(&run->max_inside, memory_order_relaxed);
	while (max > seen && !atomic_compare_exchange_weak_explicit(&run->max_inside, &seen, max,
								    memory_order_relaxed,
								    memory_order_relaxed))
		;
	tu_ctx_free(ops, ctx);
	return NULL;
}

static void check_stress(const struct lb_lock_ops *ops, unsigned made, unsigned permits)
{
	const unsigned threads = permits + 2 < 4 ? 4 : permits + 2;
	struct counting_run run = { .ops = ops, .permits = permits };
	struct counting_worker w[8] = { { 0 } };
	if (!counting_open(&run, made))
		return;
	pthread_barrier_init(&run.start, NULL, threads);
	start_workers(&run, w, threads, stress_thread);
	join_workers(w, threads);
	unsigned max = atomic_load(&run.max_inside);
	printf("    stress: %u threads x %d ops, at most %u inside (permits %u)\n", threads,
	       STRESS_OPS_PER_THREAD, max, permits);
	CHECK_EQ(max, permits);
	pthread_barrier_destroy(&run.start);
	counting_close(&run);
}

/* Take every permit by trylock and check the next one is refused; then give them back. */
static void check_exactly(const struct lb_lock_ops *ops, void *lock, void *ctx, unsigned permits)
{
	unsigned got = 0;
	while (got < permits && ops->trylock(lock, ctx) == 0)
		got++;
	CHECK_EQ(got, permits);
	if (got == permits)
		CHECK_EQ(ops->trylock(lock, ctx), -EBUSY);
	while (got--)
		CHECK_EQ(ops->unlock(lock, ctx), 0);
}

static void check_bounded(const struct lb_lock_ops *ops, unsigned permits)
{
	void *lock = lb_lock_alloc(ops);
	void *ctx = tu_ctx_new(ops);
	if (CHECK(lock && ctx) && CHECK_EQ(ops->init(lock, permits), 0)) {
		CHECK_EQ(ops->unlock(lock, ctx), -EOVERFLOW); /* nothing taken yet */
		check_exactly(ops, lock, ctx, permits);
		if (CHECK_EQ(ops->trylock(lock, ctx), 0)) {
			CHECK_EQ(ops->unlock(lock, ctx), 0);
			CHECK_EQ(ops->unlock(lock, ctx), -EOVERFLOW); /* one more than taken */
		}
		check_exactly(ops, lock, ctx, permits);
		ops->destroy(lock);
	}
	tu_ctx_free(ops, ctx);
	lb_free(lock);
}

int main(int argc, char **argv)
{
	const char *only = tu_parse_lock_arg("locks_counting", argc, argv);
	printf("locks_counting: counting semaphores admit exactly N (N = 1, 2, 3, 5)%s\n",
	       TU_TSAN ? " (under ThreadSanitizer)" : "");
	unsigned counting = 0, unbounded = 0;
	const struct lb_lock_ops *first = NULL;
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++) {
		const struct lb_lock_ops *ops = *p;
		if (!(ops->props & LB_COUNTING) || !tu_selected(ops, only))
			continue;
		counting++;
		if (!first)
			first = ops;
		for (size_t i = 0; i < sizeof permit_counts / sizeof *permit_counts; i++) {
			unsigned n = permit_counts[i];
			printf("  %-18s N=%u: N hold together, the next is refused until one leaves%s\n",
			       ops->name, n, (ops->props & LB_BOUNDED) ? "; over-release refused" : "");
			check_together(ops, n, n);
			check_stress(ops, n, n);
			if (ops->props & LB_BOUNDED)
				check_bounded(ops, n);
		}
		if (!(ops->props & LB_BOUNDED) && !only) {
			unbounded++;
			printf("  negative control: bounded check on %s (not LB_BOUNDED)\n", ops->name);
			tu_negative_begin();
			check_bounded(ops, 2);
			CHECK(tu_negative_end() > 0);
		}
	}
	printf("  %u counting locks\n", counting);
	if (!only) {
		CHECK(counting > 0);
		if (!unbounded) {
			printf("  negative control: bounded check on never-release\n");
			tu_negative_begin();
			check_bounded(&never_release_ops, 1);
			CHECK(tu_negative_end() > 0);
		}
		if (CHECK(first)) {
			printf("  negative control: %s made with 3 permits, checked for 2\n",
			       first->name);
			tu_negative_begin();
			check_together(first, 3, 2);
			CHECK(tu_negative_end() > 0);
			/* Three holders at once is a matter of timing: under a sanitizer on a loaded
			 * machine one stress run was seen with never more than 2 inside. Up to 10
			 * runs, stopping at the first that shows the excess. */
			unsigned caught = 0;
			for (int try = 0; try < 10 && !caught; try++) {
				tu_negative_begin();
				check_stress(first, 3, 2);
				caught = tu_negative_end();
			}
			CHECK(caught > 0);
		}
	}
	return tu_summary("locks_counting");
}
