/* test_util.h — the little every lock test shares: CHECK, a summary line, TSan detection, the
 * `--lock NAME` filter, and a probe that tries a lock from another thread.
 *
 * Header-only and `static`, so that each test binary has one set of counters; include it from the
 * test's main file only (helpers in other files return results instead of checking).
 *
 * Negative controls: code between tu_negative_begin() and tu_negative_end() is expected to fail
 * its CHECKs. Those failures are printed as "expected" and counted apart; tu_negative_end()
 * returns how many there were, so that a test can CHECK that the same check code does fail on a
 * broken lock or a planted bad input.
 */
#ifndef LB_TEST_UTIL_H
#define LB_TEST_UTIL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lockbench/lock.h>

#if defined(__SANITIZE_THREAD__)
#define TU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TU_TSAN 1
#endif
#endif
#ifndef TU_TSAN
#define TU_TSAN 0
#endif

static unsigned tu_checks, tu_failed;
static unsigned tu_negative_depth, tu_negative_failed;

static inline int tu_check_(int ok, const char *file, int line, const char *expr, const char *got)
{
	if (tu_negative_depth) {
		if (!ok) {
			tu_negative_failed++;
			printf("    expected failure: %s:%d: %s%s\n", file, line, expr, got);
		}
		return ok;
	}
	tu_checks++;
	if (!ok) {
		tu_failed++;
		fflush(stdout);
		fprintf(stderr, "%s:%d: CHECK failed: %s%s\n", file, line, expr, got);
	}
	return ok;
}

/* CHECK(cond) returns cond, so a test can stop a sequence that would hang once a check fails. */
#define CHECK(expr) tu_check_((expr) != 0, __FILE__, __LINE__, #expr, "")

/* CHECK_EQ(a, b) for integers, printing both values when they differ. */
#define CHECK_EQ(a, b)                                                                     \
	__extension__({                                                                    \
		long long tu_a_ = (long long)(a), tu_b_ = (long long)(b);                  \
		char tu_got_[64] = "";                                                      \
		if (tu_a_ != tu_b_)                                                        \
			snprintf(tu_got_, sizeof tu_got_, " (%lld != %lld)", tu_a_, tu_b_);      \
		tu_check_(tu_a_ == tu_b_, __FILE__, __LINE__, #a " == " #b, tu_got_);        \
	})

static inline void tu_negative_begin(void)
{
	if (tu_negative_depth++ == 0)
		tu_negative_failed = 0;
}

static inline unsigned tu_negative_end(void)
{
	tu_negative_depth--;
	return tu_negative_failed;
}

/* CPUs online, at least 1 (sysconf's -1 on failure included): what a test says it ran on. */
/* A spinning lock that hands over to a queued waiter (FIFO, bypass-bounded or NUMA-aware queue
 * locks): with more threads than CPUs each handoff may wait for the preempted waiter's time
 * slice, so the tests give such locks small operation counts. */
static inline bool tu_spin_handoff(const struct lb_lock_ops *ops)
{
	return (ops->props & LB_SPINS) &&
	       (ops->props & (LB_FIFO | LB_BYPASS_BOUNDED | LB_NUMA_AWARE));
}

static inline long tu_online_cpus(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus < 1 ? 1 : cpus;
}

/* Failures so far, counting those of negative controls: a per-lock verdict compares two. */
static inline unsigned tu_failures(void)
{
	return tu_failed + tu_negative_failed;
}

/* One lock's line after its checks: "ok" when nothing failed since `failures_before`
 * (tu_failures() taken before them); inside a negative control a failure is what must happen. */
static inline void tu_lock_verdict(const char *name, unsigned failures_before)
{
	printf("  %-18s %s\n", name,
	       tu_failures() == failures_before ? "ok"
	       : tu_negative_depth		 ? "failed, as it must"
					 : "FAILED");
}

/* Print "NAME: N checks, M failed" and return the exit status: 1 when a check failed or none
 * ran (a filter or a skipped path that leaves nothing tested must not pass as a success; a test
 * that cannot run here returns TU_SKIP instead). */
#define TU_SKIP 77 /* meson's "skipped" */

static inline int tu_summary(const char *name)
{
	printf("%s: %u checks, %u failed\n", name, tu_checks, tu_failed);
	fflush(stdout);
	if (tu_checks == 0) {
		fprintf(stderr, "%s: no check ran, so nothing was tested\n", name);
		return 1;
	}
	return tu_failed ? 1 : 0;
}

static inline void tu_die(const char *name, const char *what, int err)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s: %s\n", name, what, strerror(err));
	exit(1);
}

/* `--lock NAME`: run one lock only. Returns the name or NULL; exits 2 on a bad command line. */
static inline const char *tu_parse_lock_arg(const char *prog, int argc, char **argv)
{
	const char *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lock") == 0 && i + 1 < argc) {
			name = argv[++i];
		} else if (strncmp(argv[i], "--lock=", 7) == 0) {
			name = argv[i] + 7;
		} else {
			fprintf(stderr, "%s: unexpected argument '%s'; usage: %s [--lock NAME]\n", prog,
				argv[i], prog);
			exit(2);
		}
	}
	if (name && !lb_lock_find(name)) {
		fprintf(stderr, "%s: --lock: '%s' is not a registered lock; see `lockbench list`\n",
			prog, name);
		exit(2);
	}
	return name;
}

/* Whether to run this lock: it matches `--lock`, and TSan can see its atomics. */
static inline int tu_selected(const struct lb_lock_ops *ops, const char *only)
{
	if (only && strcmp(ops->name, only) != 0)
		return 0;
	if (TU_TSAN && (ops->props & LB_TSAN_OPAQUE)) {
		printf("  %-18s skipped: LB_TSAN_OPAQUE (inline-asm atomics TSan cannot see) under "
		       "TSan\n",
		       ops->name);
		return 0;
	}
	return 1;
}

/* A per-thread context as a thread holds it: allocated, and ctx_init'ed when the lock has one. */
static inline void *tu_ctx_new(const struct lb_lock_ops *ops)
{
	void *ctx = lb_ctx_alloc(ops);
	if (!ctx)
		return NULL;
	if (ops->ctx_init && ops->ctx_init(ctx) != 0) {
		lb_free(ctx);
		return NULL;
	}
	return ctx;
}

static inline void tu_ctx_free(const struct lb_lock_ops *ops, void *ctx)
{
	if (ctx && ops->ctx_destroy)
		ops->ctx_destroy(ctx);
	lb_free(ctx);
}

/* A worker's context for a run that starts at `start`: taken first, then the barrier is waited
 * whether or not that worked, since a worker that failed must still arrive or the others wait
 * forever. NULL (after the barrier) when the context could not be had. */
static inline void *tu_ctx_new_at(const struct lb_lock_ops *ops, pthread_barrier_t *start)
{
	void *ctx = tu_ctx_new(ops);
	pthread_barrier_wait(start);
	return ctx;
}

/* Ask another thread, with its own context, to trylock; when it gets the lock it releases it
 * at once. Returns trylock's result (0: the lock was free, -EBUSY: held), or -ENOMEM. Also
 * the way to make a non-owner call unlock (op = TU_PROBE_UNLOCK): returns unlock's result. */
enum tu_probe_op { TU_PROBE_TRYLOCK, TU_PROBE_UNLOCK };

struct tu_probe {
	const struct lb_lock_ops *ops;
	void *lock;
	enum tu_probe_op op;
	int rc, unlock_rc;
};

static inline void *tu_probe_thread_(void *arg)
{
	struct tu_probe *p = arg;
	void *ctx = tu_ctx_new(p->ops);
	if (!ctx) {
		p->rc = -ENOMEM;
		return NULL;
	}
	if (p->op == TU_PROBE_UNLOCK) {
		p->rc = p->ops->unlock(p->lock, ctx);
	} else {
		p->rc = p->ops->trylock(p->lock, ctx);
		if (p->rc == 0)
			p->unlock_rc = p->ops->unlock(p->lock, ctx);
	}
	tu_ctx_free(p->ops, ctx);
	return NULL;
}

static inline int tu_probe(const struct lb_lock_ops *ops, void *lock, enum tu_probe_op op)
{
	struct tu_probe p = { ops, lock, op, 0, 0 };
	pthread_t t;
	int err = pthread_create(&t, NULL, tu_probe_thread_, &p);
	if (err)
		tu_die("tu_probe", "pthread_create", err);
	pthread_join(t, NULL);
	if (p.rc == 0 && op == TU_PROBE_TRYLOCK && p.unlock_rc != 0)
		return p.unlock_rc;
	return p.rc;
}

#define tu_trylock_elsewhere(ops, lock) tu_probe((ops), (lock), TU_PROBE_TRYLOCK)
#define tu_unlock_elsewhere(ops, lock) tu_probe((ops), (lock), TU_PROBE_UNLOCK)

#endif
