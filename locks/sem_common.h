/* sem_common.h — what sem and sem-counting share: a POSIX sem_t and the vtable functions, which
 * differ only in which permits init accepts. Static inline so that each including file keeps
 * exactly one exported symbol (its ops). Not installed.
 *
 * The sem_* calls return -1 and set errno; the vtable wants -errno.
 * Timed acquisition of one permit is sem_clockwait(CLOCK_MONOTONIC) (glibc 2.30 and later, a GNU
 * extension: every including file defines _GNU_SOURCE before its first include). glibc tries
 * to take a permit before looking at the deadline, so a free permit is taken even with a
 * deadline in the past; a wait interrupted by a signal is retried with the same deadline.
 */
#ifndef LB_SEM_COMMON_H
#define LB_SEM_COMMON_H

#ifndef _GNU_SOURCE
#error "sem_common.h needs _GNU_SOURCE (sem_clockwait), defined before any include"
#endif

#include <errno.h>
#include <limits.h> /* SEM_VALUE_MAX */
#include <semaphore.h>
#include <stdint.h>
#include <time.h>

#include "deadline.h"
#include "tsan.h"

#include <lockbench/lock.h>

struct posix_sem_lock {
	sem_t sem;
} LB_CACHE_ALIGNED;

static inline int sem_common_init(void *lock, unsigned permits)
{
	struct posix_sem_lock *l = lock;
	if (permits < 1 || permits > (unsigned)SEM_VALUE_MAX)
		return -EINVAL;
	return sem_init(&l->sem, 0, permits) ? -errno : 0; /* 0: shared between threads only */
}

static inline void sem_common_destroy(void *lock)
{
	struct posix_sem_lock *l = lock;
	(void)sem_destroy(&l->sem);
}

static inline int sem_common_lock(void *lock, void *ctx)
{
	struct posix_sem_lock *l = lock;
	(void)ctx;
	/* sem_wait is never restarted after a signal handler, SA_RESTART or not (signal(7)). */
	while (sem_wait(&l->sem))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static inline int sem_common_trylock(void *lock, void *ctx)
{
	struct posix_sem_lock *l = lock;
	(void)ctx;
	while (sem_trywait(&l->sem)) {
		if (errno == EAGAIN)
			return -EBUSY;
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static inline int sem_common_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct posix_sem_lock *l = lock;
	struct timespec abs = lb_deadline_timespec(deadline_ns);
	(void)ctx;
	while (sem_clockwait(&l->sem, CLOCK_MONOTONIC, &abs))
		if (errno != EINTR)
			return -errno; /* -ETIMEDOUT */
	lb_tsan_sem_acquired(&l->sem); /* TSan does not intercept sem_clockwait: tsan.h */
	return 0;
}

static inline int sem_common_unlock(void *lock, void *ctx)
{
	struct posix_sem_lock *l = lock;
	(void)ctx;
	return sem_post(&l->sem) ? -errno : 0; /* -EOVERFLOW past SEM_VALUE_MAX */
}

#endif
