/* pthread_common.h — what pthread-mutex, pthread-adaptive and pthread-recursive share: the lock
 * type, an init that takes the mutex kind, and the vtable functions, which differ only in init.
 * Static inline so that each including file keeps exactly one exported symbol (its ops). Not
 * installed.
 *
 * pthread functions return a positive error number; the vtable wants it negated.
 * Timed acquisition is pthread_mutex_clocklock(CLOCK_MONOTONIC) (glibc 2.30 and later, a GNU
 * extension: every including file defines _GNU_SOURCE before its first include). glibc tries
 * the lock before looking at the deadline, so a free mutex is taken even with a deadline in
 * the past, and the owner of a recursive mutex re-enters at once.
 */
#ifndef LB_PTHREAD_COMMON_H
#define LB_PTHREAD_COMMON_H

#ifndef _GNU_SOURCE
#error "pthread_common.h needs _GNU_SOURCE (pthread_mutex_clocklock), defined before any include"
#endif

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "deadline.h"
#include "tsan.h"
#include <lockbench/lock.h>

struct pthread_lb_mutex {
	pthread_mutex_t mutex;
} LB_CACHE_ALIGNED;

/* kind: a PTHREAD_MUTEX_* type, or -1 for the default attributes (pthread_mutex_init(m, NULL)). */
static inline int pthread_common_init(void *lock, unsigned permits, int kind)
{
	struct pthread_lb_mutex *l = lock;
	pthread_mutexattr_t attr;
	int err;
	if (permits != 1)
		return -EINVAL;
	if (kind < 0)
		return -pthread_mutex_init(&l->mutex, NULL);
	err = pthread_mutexattr_init(&attr);
	if (err)
		return -err;
	err = pthread_mutexattr_settype(&attr, kind);
	if (!err)
		err = pthread_mutex_init(&l->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	return -err;
}

static inline void pthread_common_destroy(void *lock)
{
	struct pthread_lb_mutex *l = lock;
	/* EBUSY (destroying a held mutex) is the caller's bug; destroy has no way to report it. */
	(void)pthread_mutex_destroy(&l->mutex);
}

static inline int pthread_common_lock(void *lock, void *ctx)
{
	struct pthread_lb_mutex *l = lock;
	(void)ctx;
	return -pthread_mutex_lock(&l->mutex);
}

static inline int pthread_common_trylock(void *lock, void *ctx)
{
	struct pthread_lb_mutex *l = lock;
	(void)ctx;
	return -pthread_mutex_trylock(&l->mutex); /* EBUSY when held */
}

static inline int pthread_common_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct pthread_lb_mutex *l = lock;
	struct timespec abs = lb_deadline_timespec(deadline_ns);
	(void)ctx;
	lb_tsan_timedlock_pre(&l->mutex); /* TSan does not intercept clocklock: tsan.h */
	int err = pthread_mutex_clocklock(&l->mutex, CLOCK_MONOTONIC, &abs);
	lb_tsan_timedlock_post(&l->mutex, err == 0);
	return -err; /* -ETIMEDOUT */
}

static inline int pthread_common_unlock(void *lock, void *ctx)
{
	struct pthread_lb_mutex *l = lock;
	(void)ctx;
	return -pthread_mutex_unlock(&l->mutex); /* EPERM from a non-owner, where checked */
}

#endif
