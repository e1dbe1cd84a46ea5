/* pthread_rwlock_common.h — what pthread-rwlock and pthread-rwlock-wp share: the lock type, an
 * init that takes the rwlock kind, and the vtable functions, which differ only in init. Static
 * inline so that each including file keeps exactly one exported symbol (its ops). Not installed.
 *
 * lock/unlock/trylock/timedlock are the exclusive (writer) mode, read_* the shared mode; one
 * pthread_rwlock_unlock releases either. pthread functions return a positive error number; the
 * vtable wants it negated. Timed acquisition is pthread_rwlock_clockwrlock/clockrdlock with
 * CLOCK_MONOTONIC (glibc 2.30 and later, GNU extensions: every including file defines
 * _GNU_SOURCE first). glibc tries the lock before it looks at the deadline, so a free rwlock is
 * taken even with a deadline in the past.
 * ThreadSanitizer (clang 14, gcc 12) intercepts the timed variants but not the clock ones, as
 * with pthread_mutex_clocklock (tsan.h): the same annotation, with the read flag for readers.
 */
#ifndef LB_PTHREAD_RWLOCK_COMMON_H
#define LB_PTHREAD_RWLOCK_COMMON_H

#ifndef _GNU_SOURCE
#error "pthread_rwlock_common.h needs _GNU_SOURCE (pthread_rwlock_clock*lock), defined first"
#endif

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "deadline.h"
#include "tsan.h"
#include <lockbench/lock.h>

struct pthread_lb_rwlock {
	pthread_rwlock_t rw;
} LB_CACHE_ALIGNED;

/* kind: a PTHREAD_RWLOCK_PREFER_* value, or -1 for the default attributes. */
static inline int pthread_rwlock_common_init(void *lock, unsigned permits, int kind)
{
	struct pthread_lb_rwlock *l = lock;
	pthread_rwlockattr_t attr;
	if (permits != 1)
		return -EINVAL;
	if (kind < 0)
		return -pthread_rwlock_init(&l->rw, NULL);
	int err = pthread_rwlockattr_init(&attr);
	if (err)
		return -err;
	err = pthread_rwlockattr_setkind_np(&attr, kind);
	if (!err)
		err = pthread_rwlock_init(&l->rw, &attr);
	pthread_rwlockattr_destroy(&attr);
	return -err;
}

static inline void pthread_rwlock_common_destroy(void *lock)
{
	struct pthread_lb_rwlock *l = lock;
	(void)pthread_rwlock_destroy(&l->rw); /* EBUSY on a held lock: the caller's bug */
}

static inline int pthread_rwlock_common_wrlock(void *lock, void *ctx)
{
	(void)ctx;
	return -pthread_rwlock_wrlock(&((struct pthread_lb_rwlock *)lock)->rw);
}

static inline int pthread_rwlock_common_rdlock(void *lock, void *ctx)
{
	(void)ctx;
	return -pthread_rwlock_rdlock(&((struct pthread_lb_rwlock *)lock)->rw);
}

static inline int pthread_rwlock_common_trywrlock(void *lock, void *ctx)
{
	(void)ctx;
	return -pthread_rwlock_trywrlock(&((struct pthread_lb_rwlock *)lock)->rw);
}

static inline int pthread_rwlock_common_tryrdlock(void *lock, void *ctx)
{
	(void)ctx;
	/* EAGAIN (the reader count would overflow) is not "held": passed on as it is. */
	return -pthread_rwlock_tryrdlock(&((struct pthread_lb_rwlock *)lock)->rw);
}

static inline int pthread_rwlock_common_timedwrlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct pthread_lb_rwlock *l = lock;
	struct timespec abs = lb_deadline_timespec(deadline_ns);
	(void)ctx;
	lb_tsan_timedlock_pre(&l->rw);
	int err = pthread_rwlock_clockwrlock(&l->rw, CLOCK_MONOTONIC, &abs);
	lb_tsan_timedlock_post(&l->rw, err == 0);
	return -err;
}

static inline int pthread_rwlock_common_timedrdlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct pthread_lb_rwlock *l = lock;
	struct timespec abs = lb_deadline_timespec(deadline_ns);
	(void)ctx;
#if LB_TSAN
	__tsan_mutex_pre_lock(&l->rw, __tsan_mutex_try_lock | __tsan_mutex_read_lock);
#endif
	int err = pthread_rwlock_clockrdlock(&l->rw, CLOCK_MONOTONIC, &abs);
#if LB_TSAN
	__tsan_mutex_post_lock(&l->rw,
			       __tsan_mutex_try_lock | __tsan_mutex_read_lock |
				       (err ? __tsan_mutex_try_lock_failed : 0),
			       0);
#endif
	return -err;
}

static inline int pthread_rwlock_common_unlock(void *lock, void *ctx)
{
	(void)ctx;
	return -pthread_rwlock_unlock(&((struct pthread_lb_rwlock *)lock)->rw);
}

/* The ops fields both rwlocks fill alike; the file adds .name, .description and .init. */
#define PTHREAD_RWLOCK_COMMON_OPS_FIELDS                                                      \
	.props = LB_SLEEPS | LB_RW, .lock_size = sizeof(struct pthread_lb_rwlock),            \
	.lock_align = _Alignof(struct pthread_lb_rwlock),                                     \
	.destroy = pthread_rwlock_common_destroy, .lock = pthread_rwlock_common_wrlock,       \
	.unlock = pthread_rwlock_common_unlock, .trylock = pthread_rwlock_common_trywrlock,   \
	.timedlock = pthread_rwlock_common_timedwrlock,                                       \
	.read_lock = pthread_rwlock_common_rdlock, .read_unlock = pthread_rwlock_common_unlock, \
	.read_trylock = pthread_rwlock_common_tryrdlock,                                      \
	.read_timedlock = pthread_rwlock_common_timedrdlock,

#endif
