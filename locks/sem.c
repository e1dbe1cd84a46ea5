/* sem.c — a POSIX semaphore used as a binary semaphore (a lock).
 *
 * Algorithm: Dijkstra's semaphore ("Cooperating sequential processes", 1965) with the initial
 * count 1: P (sem_wait) takes the permit, V (sem_post) returns it. glibc (2.21 and later) keeps
 * the value and a count of sleepers in one 64-bit word and sleeps in FUTEX_WAIT on the value;
 * sem_post wakes one sleeper only when the count says there may be one.
 * Not owner-checked and not bounded: a semaphore has no owner, and a stray sem_post raises the
 * count to 2, after which two threads get in. sem-bounded refuses that release.
 * State: glibc's, opaque to us (value 0 or 1 in correct use; sleeper count).
 * Memory order: POSIX (Base Definitions 4.12) makes sem_wait and sem_post synchronize memory:
 * glibc's acquire CAS that takes the permit pairs with the release in the sem_post that put it
 * back.
 * Timed acquisition: sem_clockwait(CLOCK_MONOTONIC) (sem_common.h): glibc's same futex sleep,
 * with the absolute deadline.
 * Fairness: none, timed or not: a woken sleeper competes with new arrivals.
 * Oversubscription: degrades gracefully: waiters sleep.
 * Context: none. The shared functions are in sem_common.h; sem_wait interrupted by a signal
 * (EINTR) is retried.
 */
#define _GNU_SOURCE /* sem_clockwait, in sem_common.h */
#include "sem_common.h"

static int sem_lb_init(void *lock, unsigned permits)
{
	if (permits != 1)
		return -EINVAL;
	return sem_common_init(lock, 1);
}

const struct lb_lock_ops lb_sem_ops = {
	.name = "sem",
	.description = "POSIX sem_t as a binary semaphore (count 1): sem_wait / sem_post",
	.props = LB_SLEEPS,
	.lock_size = sizeof(struct posix_sem_lock),
	.lock_align = _Alignof(struct posix_sem_lock),
	.init = sem_lb_init,
	.destroy = sem_common_destroy,
	.lock = sem_common_lock,
	.unlock = sem_common_unlock,
	.trylock = sem_common_trylock,
	.timedlock = sem_common_timedlock,
};
