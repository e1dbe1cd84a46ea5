/* locks_multi.c — every registered lock, two locks sharing each thread's context.
 *
 * lock.h lets one context serve any number of locks of its kind, one held at a time. Queue locks
 * keep their node in the context and hand nodes over between threads (CLH, HCLH adopt their
 * predecessor's node), so a node used with lock A can next be queued in lock B: a lifetime or
 * reuse bug shows as a hang or an overlap only when contexts move between locks. Here 2 threads,
 * each with one context (clusters 0 and 1 when the lock takes a cluster), pick one of 2 locks and
 * one of lock / trylock / timedlock (a 20 µs deadline) at random for each operation, in
 * ROUNDS rounds with fresh locks and contexts each (the allocator then hands freed nodes out
 * again). Checked: no two threads inside one lock at once, every call returns what lock.h allows
 * (0, -EBUSY, -ETIMEDOUT), every thread finishes its operations.
 *
 * A watchdog fails the test, never hangs it: the main thread counts every operation (acquired or
 * not) and when none completed for WATCHDOG_S seconds it reports the stuck lock and round and
 * exits 1 (the spinning threads cannot be joined). Negative controls, each in a forked child so
 * that a hang stays there: never-release (its second lock() never returns) must end in the
 * watchdog's exit status, and broken (no exclusion) must report overlaps.
 *
 * Usage: locks_multi [--lock NAME] [--watchdog-s N] [--only-lock-ops NAME]
 * --only-lock-ops runs one control (never-release, broken) alone, as the controls run in their
 * forked children.
 */
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "broken_locks.h"
#include "test_util.h"

enum {
	ROUNDS = 4,
	OPS = 2000,      /* per thread per round */
	OPS_FIFO = 1000, /* spinning handoff locks: each handoff may wait for a scheduler tick */
	WATCHDOG_S = 30, /* seconds without any completed operation */
	EXIT_WATCHDOG = 3,
};

/* The `broken` control only: yield inside the critical section, so that the other thread runs
 * while this one is "inside" even when the two share one CPU (a busy machine). */
static bool cs_yield;

struct shared {
	const struct lb_lock_ops *ops;
	void *lock[2];
	atomic_int inside[2];
	atomic_ulong done;      /* operations completed, acquired or not: the watchdog's progress */
	atomic_ulong overlaps;
	atomic_ulong acquired, busy, timeouts;
	atomic_int bad_rc;      /* first unexpected return value, 0 if none */
	atomic_int threads_out; /* workers that returned */
	unsigned ops_per_thread;
};

struct worker {
	struct shared *sh;
	unsigned id;
};

static void note_bad(struct shared *sh, int rc)
{
	int zero = 0;
	atomic_compare_exchange_strong_explicit(&sh->bad_rc, &zero, rc ? rc : -9999,
						memory_order_relaxed, memory_order_relaxed);
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	const struct lb_lock_ops *ops = sh->ops;
	void *ctx = tu_ctx_new(ops);
	if (!ctx || (ops->ctx_set_cluster && ops->ctx_set_cluster(ctx, w->id) != 0)) {
		note_bad(sh, -ENOMEM);
		tu_ctx_free(ops, ctx);
		/* Release pairs with the main thread's acquire load: it may join us. */
		atomic_fetch_add_explicit(&sh->threads_out, 1, memory_order_release);
		return NULL;
	}
	unsigned s = w->id * 7919u + 1u;
	for (unsigned i = 0; i < sh->ops_per_thread; i++) {
		s = s * 1103515245u + 12345u;
		unsigned which = (s >> 16) & 1u, how = (s >> 20) % 4u;
		int rc;
		if (how == 0)
			rc = ops->trylock(sh->lock[which], ctx);
		else if (how == 1)
			rc = ops->timedlock(sh->lock[which], ctx, lb_now_ns() + 20000);
		else
			rc = ops->lock(sh->lock[which], ctx);
		if (rc == 0) {
			/* Relaxed: the counter only detects overlap, the lock orders the section. */
			if (atomic_fetch_add_explicit(&sh->inside[which], 1, memory_order_relaxed))
				atomic_fetch_add_explicit(&sh->overlaps, 1, memory_order_relaxed);
			for (int k = 0; k < 20; k++) /* a window wide enough for the overlap control */
				lb_cpu_relax();
			if (cs_yield)
				sched_yield();
			atomic_fetch_sub_explicit(&sh->inside[which], 1, memory_order_relaxed);
			atomic_fetch_add_explicit(&sh->acquired, 1, memory_order_relaxed);
			int urc = ops->unlock(sh->lock[which], ctx);
			if (urc != 0)
				note_bad(sh, urc);
		} else if (rc == -EBUSY && how == 0) {
			atomic_fetch_add_explicit(&sh->busy, 1, memory_order_relaxed);
		} else if (rc == -ETIMEDOUT && how == 1) {
			atomic_fetch_add_explicit(&sh->timeouts, 1, memory_order_relaxed);
		} else {
			note_bad(sh, rc);
		}
		/* Relaxed: a progress count for the watchdog, nothing is read through it. */
		atomic_fetch_add_explicit(&sh->done, 1, memory_order_relaxed);
	}
	tu_ctx_free(ops, ctx);
	/* Release pairs with the main thread's acquire load: it may join us and destroy the locks. */
	atomic_fetch_add_explicit(&sh->threads_out, 1, memory_order_release);
	return NULL;
}

static unsigned ops_for(const struct lb_lock_ops *ops)
{
	unsigned n = tu_spin_handoff(ops) ? OPS_FIFO : OPS;
	return TU_TSAN ? n / 4 + 1 : n;
}

/* One lock, ROUNDS rounds. Exits EXIT_WATCHDOG from inside when a round makes no progress. */
static void multi(const struct lb_lock_ops *ops, unsigned watchdog_s)
{
	struct shared sh;
	unsigned long acquired = 0, busy = 0, timeouts = 0, overlaps = 0;
	for (unsigned r = 0; r < ROUNDS; r++) {
		memset(&sh, 0, sizeof sh);
		sh.ops = ops;
		sh.ops_per_thread = ops_for(ops);
		for (int k = 0; k < 2; k++) {
			sh.lock[k] = lb_lock_alloc(ops);
			if (!sh.lock[k] || ops->init(sh.lock[k], 1) != 0)
				tu_die("locks_multi", ops->name, ENOMEM);
		}
		pthread_t t[2];
		struct worker w[2];
		for (unsigned k = 0; k < 2; k++) {
			w[k] = (struct worker){ &sh, k };
			int err = pthread_create(&t[k], NULL, worker, &w[k]);
			if (err)
				tu_die("locks_multi", "pthread_create", err);
		}
		unsigned long last = 0;
		unsigned still_ms = 0;
		/* Bounded: every 10 ms either a worker progressed or still_ms grows to the limit. */
		while (atomic_load_explicit(&sh.threads_out, memory_order_acquire) < 2) {
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
			unsigned long d = atomic_load_explicit(&sh.done, memory_order_relaxed);
			still_ms = d == last ? still_ms + 10 : 0;
			last = d;
			if (still_ms >= watchdog_s * 1000u) {
				CHECK(!"no operation completed within the watchdog's limit");
				printf("  %-18s round %u: WATCHDOG: stuck for %u s after %lu of %u "
				       "operations (a thread spins or sleeps forever)\n",
				       ops->name, r, watchdog_s, d, 2 * sh.ops_per_thread);
				tu_summary("locks_multi");
				fflush(stdout);
				_exit(EXIT_WATCHDOG);
			}
		}
		for (int k = 0; k < 2; k++)
			pthread_join(t[k], NULL);
		for (int k = 0; k < 2; k++) {
			ops->destroy(sh.lock[k]);
			lb_free(sh.lock[k]);
		}
		int bad = atomic_load_explicit(&sh.bad_rc, memory_order_relaxed);
		if (!CHECK_EQ(bad, 0))
			printf("  %-18s round %u: a call returned %d\n", ops->name, r, bad);
		/* Relaxed after the joins: pthread_join orders the workers' counts before these loads. */
		CHECK_EQ(atomic_load_explicit(&sh.done, memory_order_relaxed), 2ul * sh.ops_per_thread);
		acquired += atomic_load_explicit(&sh.acquired, memory_order_relaxed);
		busy += atomic_load_explicit(&sh.busy, memory_order_relaxed);
		timeouts += atomic_load_explicit(&sh.timeouts, memory_order_relaxed);
		overlaps += atomic_load_explicit(&sh.overlaps, memory_order_relaxed);
	}
	printf("  %-18s rounds=%u ops/thread=%u acquired=%lu busy=%lu timeouts=%lu overlaps=%lu\n",
	       ops->name, ROUNDS, ops_for(ops), acquired, busy, timeouts, overlaps);
	CHECK_EQ(overlaps, 0);
	CHECK(acquired > 0);
}

/* One control, named as --only-lock-ops takes it: its exit status (the watchdog exits by itself). */
static int run_control(const char *name, unsigned watchdog_s)
{
	const struct lb_lock_ops *ops = strcmp(name, "never-release") == 0 ? &never_release_ops
					: strcmp(name, "broken") == 0  ? &broken_ops
									    : NULL;
	/* broken: broken_ops with every acquisition taking nothing, so that the overlap
	 * shows whenever the threads interleave, not only when a test-then-set race is won
	 * (on a busy machine that race went unwon for 16000 acquisitions). */
	static struct lb_lock_ops take_nothing;
	if (ops == &broken_ops) {
		take_nothing = broken_ops;
		take_nothing.name = "take-nothing";
		take_nothing.lock = take_nothing.unlock = take_nothing.trylock =
			broken_take_nothing;
		take_nothing.timedlock = broken_take_nothing_timed;
		ops = &take_nothing;
		cs_yield = true;
	}
	if (!ops) {
		fprintf(stderr, "locks_multi: --only-lock-ops: '%s' is not a control\n", name);
		return 2;
	}
	multi(ops, watchdog_s);
	return tu_summary("locks_multi");
}

/* Run a control on a test-only lock in a forked child; its exit status, or -1 if it had to be
 * killed after limit_s seconds (so a control that hangs still ends). */
static int control(const char *lock, unsigned watchdog_s, unsigned limit_s)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		tu_die("locks_multi", "fork", errno);
	if (pid == 0) {
		/* Its failed CHECKs are the expected outcome: keep them out of the log's errors. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(126);
		/* Run it here, not by exec'ing ourselves: under qemu-user (the arm64 stage) a
		 * cross-built binary cannot exec itself. The parent's threads are all joined by
		 * now; the child's verdict counts only its own checks. */
		tu_checks = tu_failed = 0;
		exit(run_control(lock, watchdog_s));
	}
	int status = 0;
	for (unsigned ms = 0; ms < limit_s * 1000u; ms += 20) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

int main(int argc, char **argv)
{
	const char *only = NULL, *test_only = NULL;
	unsigned watchdog_s = WATCHDOG_S;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lock") == 0 && i + 1 < argc) {
			only = argv[++i];
		} else if (strcmp(argv[i], "--watchdog-s") == 0 && i + 1 < argc) {
			watchdog_s = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--only-lock-ops") == 0 && i + 1 < argc) {
			test_only = argv[++i];
		} else {
			fprintf(stderr, "locks_multi: unexpected argument '%s'; usage: locks_multi "
					"[--lock NAME] [--watchdog-s N]\n", argv[i]);
			return 2;
		}
	}
	if (watchdog_s == 0 || watchdog_s > 3600) {
		fprintf(stderr, "locks_multi: --watchdog-s: want 1..3600 seconds\n");
		return 2;
	}
	if (test_only)
		return run_control(test_only, watchdog_s);
	if (only && !lb_lock_find(only)) {
		fprintf(stderr, "locks_multi: --lock: '%s' is not a registered lock; see `lockbench "
				"list`\n", only);
		return 2;
	}
	printf("locks_multi: 2 threads, 2 locks sharing each thread's context, lock/trylock/"
	       "timedlock mixed, %u rounds, watchdog %u s%s\n", ROUNDS, watchdog_s,
	       TU_TSAN ? ", under ThreadSanitizer" : "");
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++) {
		const struct lb_lock_ops *ops = *p;
		if (!tu_selected(ops, only))
			continue;
		if (ops->props & LB_NOT_A_LOCK) {
			printf("  %-18s LB_NOT_A_LOCK: no exclusion, skipped\n", ops->name);
			continue;
		}
		multi(ops, watchdog_s);
	}
	if (!only) {
		printf("  negative controls, each in a child with a 2 s watchdog:\n");
		int rc = control("never-release", 2, 60);
		printf("    never-release: exit %d (want %d: the watchdog)\n", rc, EXIT_WATCHDOG);
		CHECK_EQ(rc, EXIT_WATCHDOG);
		rc = control("broken", 2, 60);
		printf("    broken: exit %d (want 1: overlaps seen)\n", rc);
		CHECK_EQ(rc, 1);
	}
	return tu_summary("locks_multi");
}
