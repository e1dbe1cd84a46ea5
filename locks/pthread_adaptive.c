/* pthread_adaptive.c — glibc's adaptive mutex: PTHREAD_MUTEX_ADAPTIVE_NP.
 *
 * Algorithm: glibc's default mutex (futex mutex3-style, see pthread_mutex.c) preceded by a
 * bounded spin: a waiter reads the lock word with pauses in between (recent glibc backs off
 * exponentially, with jitter) and tries it when it looks free, for up to
 * min(glibc.mutex.spin_count, default 100, 2 * the mutex's running average + 10) pauses, then
 * sleeps; the average (__spins) follows how long past acquisitions spun. Two-phase waiting is
 * Ousterhout's (1982), analysed as competitive spinning by Karlin et al. (SOSP 1991);
 * futex_spin.c is our fixed-bound version of the same, to compare against.
 * State: glibc's, opaque to us (__lock as pthread_mutex.c, plus __spins, the spin average).
 * Memory order: POSIX 4.12: lock and unlock synchronize memory (acquire in lock, release in
 * unlock, as pthread_mutex.c).
 * Timed acquisition: pthread_mutex_clocklock(CLOCK_MONOTONIC) (pthread_common.h): glibc's
 * timed path for an adaptive mutex spins as its lock does, then sleeps with the deadline.
 * Fairness: none, timed or not, less than pthread-mutex: spinners usually beat the sleeper
 * that unlock woke.
 * Oversubscription: spinners waste up to their bound while the holder may not be running, then
 * sleep; graceful otherwise.
 * Context: none. The shared functions are in pthread_common.h.
 */
#define _GNU_SOURCE /* PTHREAD_MUTEX_ADAPTIVE_NP; pthread_mutex_clocklock */
#include "pthread_common.h"

static int pthread_adaptive_init(void *lock, unsigned permits)
{
	return pthread_common_init(lock, permits, PTHREAD_MUTEX_ADAPTIVE_NP);
}

const struct lb_lock_ops lb_pthread_adaptive_ops = {
	.name = "pthread-adaptive",
	.description = "pthread_mutex_t, PTHREAD_MUTEX_ADAPTIVE_NP: glibc spins a while, then sleeps",
	.props = LB_SLEEPS,
	.lock_size = sizeof(struct pthread_lb_mutex),
	.lock_align = _Alignof(struct pthread_lb_mutex),
	.init = pthread_adaptive_init,
	.destroy = pthread_common_destroy,
	.lock = pthread_common_lock,
	.unlock = pthread_common_unlock,
	.trylock = pthread_common_trylock,
	.timedlock = pthread_common_timedlock,
};
