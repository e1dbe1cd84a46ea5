/* turn_log.c — the turn-log run (see turn_log.h). */
#include "turn_log.h"

#include <sched.h>
#include <stdatomic.h>

#include "test_util.h"

struct tl_run {
	const struct lb_lock_ops *ops;
	const struct tl_shape *shape;
	void *lock;
	uint64_t per_thread;
	struct tl_entry *log; /* guarded by the lock under test */
	size_t logged;        /* guarded */
	size_t contended;     /* guarded */
	atomic_uint waiting;  /* threads inside lock(): whether the lock had a choice */
	/* Relaxed, both: read after pthread_join, which orders them. */
	atomic_uint next_index; /* each thread's index in the log, in the order they start */
	atomic_int err;         /* the first error any thread met */
	pthread_barrier_t start;
};

static void tl_fail(struct tl_run *run, int err)
{
	int none = 0;
	atomic_compare_exchange_strong_explicit(&run->err, &none, err, memory_order_relaxed,
						memory_order_relaxed);
}

static void *tl_thread(void *arg)
{
	struct tl_run *run = arg;
	const struct tl_shape *s = run->shape;
	unsigned index = atomic_fetch_add_explicit(&run->next_index, 1, memory_order_relaxed);
	void *ctx = tu_ctx_new_at(run->ops, &run->start);
	if (!ctx) {
		tl_fail(run, -ENOMEM);
		return NULL;
	}
	for (uint64_t i = 0; i < run->per_thread; i++) {
		atomic_fetch_add_explicit(&run->waiting, 1, memory_order_relaxed);
		int rc = run->ops->lock(run->lock, ctx);
		/* Relaxed: see the header. */
		unsigned waiting = atomic_fetch_sub_explicit(&run->waiting, 1, memory_order_relaxed);
		if (rc) {
			tl_fail(run, rc);
			break;
		}
		run->contended += waiting > 1;
		run->log[run->logged].thread = index;
		run->log[run->logged++].turn = run->ops->turn(run->lock, ctx);
		/* Hold it a while, and now and then yield while holding it, so that the others
		 * queue up behind even when the scheduler has put them all on one CPU. */
		for (unsigned k = 0; k < s->hold_pauses; k++)
			lb_cpu_relax();
		if (s->yield_held_every && i % s->yield_held_every == s->yield_held_at)
			sched_yield();
		rc = run->ops->unlock(run->lock, ctx);
		if (rc) {
			tl_fail(run, rc);
			break;
		}
		/* Let the others run now and then: without it, on a busy machine one thread can do
		 * all its turns before the next is even scheduled, and the order is no choice. */
		if (s->yield_free_every && i % s->yield_free_every == s->yield_free_every - 1)
			sched_yield();
	}
	tu_ctx_free(run->ops, ctx);
	return NULL;
}

const struct tl_shape tl_shape_queue = {
	.hold_pauses = 200,
	.yield_held_every = 16,
	.yield_held_at = 8,
	.yield_free_every = 4,
};

void tl_run(const char *test, const struct lb_lock_ops *ops, const struct tl_shape *shape,
	    unsigned threads, uint64_t per_thread, struct tl_log *log)
{
	struct tl_run run = { .ops = ops, .shape = shape, .per_thread = per_thread };
	pthread_t tid[TL_MAX_THREADS];
	memset(log, 0, sizeof *log);
	if (threads < 1 || threads > TL_MAX_THREADS) {
		log->err = -EINVAL;
		return;
	}
	run.lock = lb_lock_alloc(ops);
	size_t n = (size_t)(threads * per_thread);
	run.log = calloc(n ? n : 1, sizeof *run.log);
	if (!run.lock || !run.log) {
		log->err = -ENOMEM;
		goto out;
	}
	log->err = ops->init(run.lock, 1);
	if (log->err)
		goto out;
	pthread_barrier_init(&run.start, NULL, threads);
	atomic_init(&run.waiting, 0);
	atomic_init(&run.next_index, 0);
	atomic_init(&run.err, 0);
	for (unsigned i = 0; i < threads; i++) {
		int err = pthread_create(&tid[i], NULL, tl_thread, &run);
		if (err)
			tu_die(test, "pthread_create", err);
	}
	for (unsigned i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	log->err = atomic_load_explicit(&run.err, memory_order_relaxed);
	pthread_barrier_destroy(&run.start);
	ops->destroy(run.lock);
	log->entries = run.log;
	log->logged = run.logged;
	log->contended = run.contended;
	run.log = NULL;
out:
	free(run.log);
	lb_free(run.lock);
}

void tl_log_free(struct tl_log *log)
{
	free(log->entries);
	log->entries = NULL;
}
