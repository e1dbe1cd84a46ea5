/* pthread_mutex.c — the system's mutex: pthread_mutex_t with default attributes.
 *
 * Algorithm: glibc's PTHREAD_MUTEX_NORMAL (what NULL attributes give) is its low-level lock, a
 * three-state futex word in the manner of Drepper's "Futexes Are Tricky" mutex3 (see futex.c,
 * our own version, to compare against): CAS 0 -> 1, else exchange in 2 and FUTEX_WAIT; unlock
 * exchanges in 0 and wakes one sleeper if it saw 2. No owner check: a non-owner's unlock is
 * undefined by POSIX and simply unlocks in glibc, so this lock is not LB_OWNER_CHECKED.
 * State: glibc's, opaque to us (__lock: 0 free, 1 held, 2 held with possible sleepers).
 * Memory order: POSIX (Base Definitions 4.12, "Memory Synchronization") makes lock and unlock
 * synchronize memory; glibc does it with an acquire CAS/exchange in lock paired with the release
 * exchange in unlock.
 * Timed acquisition: pthread_mutex_clocklock(CLOCK_MONOTONIC) (pthread_common.h): glibc's
 * same futex lock, sleeping in a FUTEX_WAIT with the absolute deadline.
 * Fairness: none (barging), timed or not: a woken sleeper competes with new arrivals.
 * Oversubscription: degrades gracefully: waiters sleep.
 * Context: none. The shared functions are in pthread_common.h.
 */
#define _GNU_SOURCE /* pthread_mutex_clocklock, in pthread_common.h */
#include "pthread_common.h"

static int pthread_mutex_lb_init(void *lock, unsigned permits)
{
	return pthread_common_init(lock, permits, -1);
}

const struct lb_lock_ops lb_pthread_mutex_ops = {
	.name = "pthread-mutex",
	.description = "pthread_mutex_t, default attributes (glibc: futex lock, no spinning)",
	.props = LB_SLEEPS,
	.lock_size = sizeof(struct pthread_lb_mutex),
	.lock_align = _Alignof(struct pthread_lb_mutex),
	.init = pthread_mutex_lb_init,
	.destroy = pthread_common_destroy,
	.lock = pthread_common_lock,
	.unlock = pthread_common_unlock,
	.trylock = pthread_common_trylock,
	.timedlock = pthread_common_timedlock,
};
