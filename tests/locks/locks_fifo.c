/* locks_fifo.c — LB_FIFO locks grant the lock in the order threads took their turn.
 *
 * Linked with liblb_locks_test, whose locks have the test-only `turn` hook: the turn (ticket,
 * queue position) the caller took in its latest lock(), counted from 1 in doorway order. N
 * threads repeatedly lock(); inside the critical section each appends its turn to a log. Under a
 * FIFO lock the log reads 1, 2, 3, …: the order of the turns is the order of the acquisitions.
 * A run only counts when the lock had choices to make: at least MIN_CONTENDED acquisitions with
 * another thread already waiting (else it is repeated, a bounded number of times).
 *
 * Negative controls: the same check on `tas`, whose hook counts arrivals at its doorway but which
 * grants the lock to whoever's exchange lands first, and on qspinlock-overtaking (qspinlock.c,
 * test builds only): qspinlock with one planted defect, a pending path that ignores the queue,
 * so a later arrival becomes the pending waiter ahead of the queue head. Each must report a
 * violation within a bounded number of attempts (more threads and iterations each time; the
 * counts are printed).
 *
 * A FIFO spinlock with more threads than CPUs hands over a few hundred times per second (the
 * next in line is often descheduled; ~80/s on a busy 2-CPU VM), so the counts stay small:
 * 4 threads x 100, a few seconds per lock at worst.
 * Usage: locks_fifo [--lock NAME]
 */
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "test_util.h"

/* qspinlock.c's negative control, in the test-hook library only (never in the registry). */
extern const struct lb_lock_ops lb_qspinlock_overtaking_ops;

enum { FIFO_THREADS = 4, FIFO_OPS_PER_THREAD = 100 };
enum { MIN_CONTENDED = 20, MIN_CONTENDED_ATTEMPTS = 3 };

struct fifo_run {
	const struct lb_lock_ops *ops;
	void *lock;
	uint64_t ops_per_thread;
	uint64_t *log;           /* guarded by the lock under test */
	unsigned *log_thread;    /* who took each turn: to count handoffs between threads */
	size_t logged;
	atomic_uint waiting;     /* threads inside lock(), to count real choices */
	size_t contended;        /* guarded: acquisitions made while others were waiting too */
	pthread_barrier_t start;
};

struct fifo_worker {
	struct fifo_run *run;
	pthread_t tid;
	unsigned index;
	int err;
};

static void *fifo_thread(void *arg)
{
	struct fifo_worker *w = arg;
	struct fifo_run *run = w->run;
	const struct lb_lock_ops *ops = run->ops;
	void *ctx = tu_ctx_new_at(ops, &run->start);
	if (!ctx) {
		w->err = -ENOMEM;
		return NULL;
	}
	for (uint64_t i = 0; i < run->ops_per_thread; i++) {
		atomic_fetch_add_explicit(&run->waiting, 1, memory_order_relaxed);
		int rc = ops->lock(run->lock, ctx);
		/* Relaxed: it only tells whether the lock had a choice, and must order nothing
		 * itself, or it could hide a lock's missing orders from TSan. */
		unsigned waiting = atomic_fetch_sub_explicit(&run->waiting, 1, memory_order_relaxed);
		if (rc) {
			w->err = rc;
			break;
		}
		run->contended += waiting > 1;
		run->log_thread[run->logged] = w->index;
		run->log[run->logged++] = ops->turn(run->lock, ctx);
		/* Hold it a while, so that the others queue up behind and the order in which
		 * they are served is a real choice of the lock's; now and then yield the CPU
		 * while holding it, so that they queue up even when the scheduler has put them
		 * all on one CPU. */
		for (int k = 0; k < 200; k++)
			lb_cpu_relax();
		if (i % 16 == 8)
			sched_yield();
		rc = ops->unlock(run->lock, ctx);
		if (rc) {
			w->err = rc;
			break;
		}
		/* Let the others run now and then: without it, on a busy machine one thread can
		 * do all its turns before the next is even scheduled, and the order checked is no
		 * choice; every time, and they would take turns politely, one waiter at a time. */
		if (i % 4 == 3)
			sched_yield();
	}
	tu_ctx_free(ops, ctx);
	return NULL;
}

struct fifo_result {
	int err;
	size_t logged, out_of_order;
	size_t handoffs;  /* entries taken by another thread than the one before */
	size_t contended; /* acquisitions while another thread waited: the lock had a choice */
	size_t first_bad;   /* index of the first entry that is not its predecessor + 1 */
	uint64_t want, got; /* at first_bad */
};

/* Run the check; the result says whether the log was 1, 2, 3, … */
static void fifo_check(const struct lb_lock_ops *ops, unsigned threads, uint64_t per_thread,
		       struct fifo_result *r)
{
	struct fifo_run run = { .ops = ops, .ops_per_thread = per_thread };
	struct fifo_worker w[16] = { { 0 } };
	memset(r, 0, sizeof *r);
	run.lock = lb_lock_alloc(ops);
	run.log = calloc(threads * per_thread, sizeof *run.log);
	run.log_thread = calloc(threads * per_thread, sizeof *run.log_thread);
	if (!run.lock || !run.log || !run.log_thread || threads > 16) {
		r->err = -ENOMEM;
		goto out;
	}
	r->err = ops->init(run.lock, 1);
	if (r->err)
		goto out;
	pthread_barrier_init(&run.start, NULL, threads);
	for (unsigned i = 0; i < threads; i++) {
		w[i].run = &run;
		w[i].index = i;
		int err = pthread_create(&w[i].tid, NULL, fifo_thread, &w[i]);
		if (err)
			tu_die("locks_fifo", "pthread_create", err);
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].err && !r->err)
			r->err = w[i].err;
	}
	pthread_barrier_destroy(&run.start);
	ops->destroy(run.lock);
	r->logged = run.logged;
	r->contended = run.contended;
	for (size_t i = 0; i < run.logged; i++) {
		uint64_t want = i + 1;
		r->handoffs += i > 0 && run.log_thread[i] != run.log_thread[i - 1];
		if (run.log[i] != want) {
			if (!r->out_of_order++) {
				r->first_bad = i;
				r->want = want;
				r->got = run.log[i];
			}
		}
	}
out:
	free(run.log);
	free(run.log_thread);
	lb_free(run.lock);
}

static void report(const struct lb_lock_ops *ops, unsigned threads, uint64_t per_thread,
		   const struct fifo_result *r)
{
	printf("  %-18s threads=%u ops=%zu (%llu/thread) handoffs=%zu contended=%zu out of order: %zu",
	       ops->name, threads, r->logged, (unsigned long long)per_thread, r->handoffs,
	       r->contended, r->out_of_order);
	if (r->out_of_order)
		printf(" (first at #%zu: turn %llu, expected %llu)", r->first_bad,
		       (unsigned long long)r->got, (unsigned long long)r->want);
	printf("\n");
}

/* A lock that is not FIFO must be caught: bounded attempts with more threads and iterations
 * each time. */
static void negative(const struct lb_lock_ops *ops, const char *why)
{
	static const struct { unsigned threads; uint64_t per_thread; } attempts[] = {
		{ FIFO_THREADS, FIFO_OPS_PER_THREAD }, { 4, 1000 }, { 8, 1000 }, { 8, 5000 },
		{ 16, 5000 },
	};
	if (!CHECK(ops) || !CHECK(ops->turn))
		return;
	printf("  negative control: %s (%s) must be caught\n", ops->name, why);
	int caught = 0;
	for (size_t i = 0; i < sizeof attempts / sizeof *attempts && !caught; i++) {
		struct fifo_result r;
		fifo_check(ops, attempts[i].threads, attempts[i].per_thread, &r);
		CHECK_EQ(r.err, 0);
		report(ops, attempts[i].threads, attempts[i].per_thread, &r);
		caught = r.out_of_order > 0;
	}
	CHECK(caught);
}

int main(int argc, char **argv)
{
	const char *only = tu_parse_lock_arg("locks_fifo", argc, argv);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("locks_fifo: FIFO locks grant in turn order (%d threads on %ld CPUs)%s\n",
	       FIFO_THREADS, cpus, TU_TSAN ? " (under ThreadSanitizer)" : "");
	unsigned checked = 0;
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++) {
		const struct lb_lock_ops *ops = *p;
		if (!(ops->props & LB_FIFO) || !tu_selected(ops, only))
			continue;
		if (!ops->turn) {
			printf("  %-18s LB_FIFO but no turn hook: not checked\n", ops->name);
			continue;
		}
		/* Again (a bounded number of times) if the threads hardly ever met: the order
		 * of uncontended acquisitions shows nothing. */
		struct fifo_result r;
		for (int attempt = 0; attempt < MIN_CONTENDED_ATTEMPTS; attempt++) {
			fifo_check(ops, FIFO_THREADS, FIFO_OPS_PER_THREAD, &r);
			report(ops, FIFO_THREADS, FIFO_OPS_PER_THREAD, &r);
			if (r.err || r.out_of_order || r.contended >= MIN_CONTENDED)
				break;
		}
		CHECK(r.contended >= MIN_CONTENDED);
		CHECK_EQ(r.err, 0);
		CHECK_EQ(r.logged, FIFO_THREADS * FIFO_OPS_PER_THREAD);
		CHECK_EQ(r.out_of_order, 0);
		checked++;
	}
	printf("  %u FIFO locks checked\n", checked);
	if (!only) {
		CHECK(checked > 0);
		negative(lb_lock_find("tas"), "not FIFO");
		negative(&lb_qspinlock_overtaking_ops, "its pending path overtakes the queue");
	}
	return tu_summary("locks_fifo");
}
