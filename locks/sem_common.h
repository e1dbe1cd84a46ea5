/* sem_common.h — what sem and sem-counting share: a POSIX sem_t and the vtable functions, which
 * differ only in which permits init accepts. Static inline so that each including file keeps
 * exactly one exported symbol (its ops). Not installed.
 *
 * The sem_* calls return -1 and set errno; the vtable wants -errno.
 */
#ifndef LB_SEM_COMMON_H
#define LB_SEM_COMMON_H

#include <errno.h>
#include <limits.h> /* SEM_VALUE_MAX */
#include <semaphore.h>

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

static inline int sem_common_unlock(void *lock, void *ctx)
{
	struct posix_sem_lock *l = lock;
	(void)ctx;
	return sem_post(&l->sem) ? -errno : 0; /* -EOVERFLOW past SEM_VALUE_MAX */
}

#endif
