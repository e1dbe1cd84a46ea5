/* condvar_test.h — what the condvar tests share: the mutexes handed to lbp_cond_wait through
 * its callbacks, and deadlines.
 *
 * A test mutex is either a pthread mutex (error-checking, so that a stray unlock shows) or a
 * lock of the registry through lock.h's vtable, the way the interposer uses the condvar. Each
 * thread makes its own struct lbp_cond_mutex, since a registry lock may need a per-thread
 * context. `holder` records which thread holds it, so that a test can ask "do I hold it now?"
 * after a wait returns.
 */
#ifndef LBP_CONDVAR_TEST_H
#define LBP_CONDVAR_TEST_H

#include <stdatomic.h>
#include <time.h>

#include "preload/condvar.h"
#include "test_util.h"

struct test_mutex {
	const struct lb_lock_ops *ops; /* NULL: the pthread mutex */
	void *lock;
	pthread_mutex_t pm;
	atomic_ulong holder; /* a thread's token while it holds the mutex, else 0 */
	int broken_lock;     /* negative control: the lock callback takes nothing */
};

/* One thread's view: its context and token. */
struct test_mutex_user {
	struct test_mutex *tm;
	void *ctx;
	unsigned long token;
	struct lbp_cond_mutex cb;
};

static atomic_ulong tm_next_token = 1;

static inline int tm_lock_cb(void *arg)
{
	struct test_mutex_user *u = arg;
	struct test_mutex *tm = u->tm;
	int rc;
	if (tm->broken_lock)
		return 0;
	rc = tm->ops ? -tm->ops->lock(tm->lock, u->ctx) : pthread_mutex_lock(&tm->pm);
	if (rc == 0)
		/* Relaxed: only its holder writes it, and the mutex orders the holders. */
		atomic_store_explicit(&tm->holder, u->token, memory_order_relaxed);
	return rc;
}

static inline int tm_unlock_cb(void *arg)
{
	struct test_mutex_user *u = arg;
	struct test_mutex *tm = u->tm;
	if (tm->broken_lock)
		return 0;
	/* Relaxed: as in tm_lock_cb. */
	if (atomic_load_explicit(&tm->holder, memory_order_relaxed) == u->token)
		atomic_store_explicit(&tm->holder, 0, memory_order_relaxed);
	return tm->ops ? -tm->ops->unlock(tm->lock, u->ctx) : pthread_mutex_unlock(&tm->pm);
}

static inline int tm_init(struct test_mutex *tm, const struct lb_lock_ops *ops)
{
	memset(tm, 0, sizeof *tm);
	tm->ops = ops;
	if (ops) {
		tm->lock = lb_lock_alloc(ops);
		if (!tm->lock)
			return ENOMEM;
		int rc = ops->init(tm->lock, 1);
		if (rc) {
			lb_free(tm->lock);
			return -rc;
		}
		return 0;
	}
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	int rc = pthread_mutex_init(&tm->pm, &a);
	pthread_mutexattr_destroy(&a);
	return rc;
}

static inline void tm_destroy(struct test_mutex *tm)
{
	if (tm->ops) {
		tm->ops->destroy(tm->lock);
		lb_free(tm->lock);
	} else {
		pthread_mutex_destroy(&tm->pm);
	}
}

/* Returns 0 or ENOMEM. */
static inline int tm_user_init(struct test_mutex_user *u, struct test_mutex *tm)
{
	u->tm = tm;
	u->ctx = tm->ops ? tu_ctx_new(tm->ops) : NULL;
	if (tm->ops && tm->ops->ctx_size && !u->ctx)
		return ENOMEM;
	u->token = atomic_fetch_add_explicit(&tm_next_token, 1, memory_order_relaxed);
	u->cb = (struct lbp_cond_mutex){ .unlock = tm_unlock_cb, .lock = tm_lock_cb, .arg = u };
	return 0;
}

static inline void tm_user_destroy(struct test_mutex_user *u)
{
	if (u->tm->ops)
		tu_ctx_free(u->tm->ops, u->ctx);
}

static inline int tm_lock(struct test_mutex_user *u)
{
	return tm_lock_cb(u);
}

static inline int tm_unlock(struct test_mutex_user *u)
{
	return tm_unlock_cb(u);
}

/* Whether u holds the mutex, by the token and by a trylock from another thread failing. */
static inline int tm_held_by(struct test_mutex_user *u)
{
	struct test_mutex *tm = u->tm;
	/* Relaxed: written by this very thread when it took the mutex. */
	if (atomic_load_explicit(&tm->holder, memory_order_relaxed) != u->token)
		return 0;
	if (tm->ops)
		return tu_trylock_elsewhere(tm->ops, tm->lock) == -EBUSY;
	return 1; /* error-checking pthread mutex: its own unlock would have said EPERM */
}

static inline uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

static inline uint64_t now_ns(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return ts_ns(&t);
}

/* The absolute time `ms` from now on `clock`. */
static inline struct timespec deadline_in(clockid_t clock, long ms)
{
	uint64_t ns = now_ns(clock) + (uint64_t)ms * 1000000u;
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000u),
				  .tv_nsec = (long)(ns % 1000000000u) };
}

#endif
