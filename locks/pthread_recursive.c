/* pthread_recursive.c — the system's recursive mutex: PTHREAD_MUTEX_RECURSIVE.
 *
 * Algorithm: glibc's recursive mutex: the owner's thread id and a count on top of its low-level
 * futex lock (pthread_mutex.c). The owner's lock or trylock increments the count (EAGAIN at its
 * limit); unlock decrements it and releases the futex lock at 0. Unlock by a thread that is not
 * the owner, including unlock of a free mutex, returns EPERM without effect (checked against
 * glibc 2.36), which we pass on as -EPERM. reentrant.c is our own version, to compare against.
 * State: glibc's, opaque to us (__lock as pthread_mutex.c, __owner = holder's tid or 0, __count).
 * Memory order: POSIX 4.12: lock and unlock synchronize memory (acquire in lock, release in the
 * unlock that frees it). glibc reads __owner without ordering to check ownership, which is
 * enough for the reason given in reentrant.c: a thread only compares it with its own id.
 * Timed acquisition: pthread_mutex_clocklock(CLOCK_MONOTONIC) (pthread_common.h): the owner
 * re-enters at once (count + 1, EAGAIN at the limit), whatever the deadline; others sleep as in
 * pthread-mutex's timed path.
 * Fairness: none (barging), as pthread-mutex, timed or not.
 * Oversubscription: degrades gracefully: waiters sleep.
 * Context: none. The shared functions are in pthread_common.h.
 */
#define _GNU_SOURCE /* pthread_mutex_clocklock, in pthread_common.h */
#include "pthread_common.h"

static int pthread_recursive_init(void *lock, unsigned permits)
{
	return pthread_common_init(lock, permits, PTHREAD_MUTEX_RECURSIVE);
}

const struct lb_lock_ops lb_pthread_recursive_ops = {
	.name = "pthread-recursive",
	.description = "pthread_mutex_t, PTHREAD_MUTEX_RECURSIVE: owner and count over glibc's lock",
	.props = LB_REENTRANT | LB_OWNER_CHECKED | LB_SLEEPS,
	.lock_size = sizeof(struct pthread_lb_mutex),
	.lock_align = _Alignof(struct pthread_lb_mutex),
	.init = pthread_recursive_init,
	.destroy = pthread_common_destroy,
	.lock = pthread_common_lock,
	.unlock = pthread_common_unlock,
	.trylock = pthread_common_trylock,
	.timedlock = pthread_common_timedlock,
};
