/* deadline.c — the clock of timedlock's deadlines (lock.h): CLOCK_MONOTONIC in nanoseconds.
 *
 * CLOCK_MONOTONIC, not CLOCK_REALTIME: a deadline must not move when the wall clock is set, and
 * it is the clock FUTEX_WAIT_BITSET, pthread_mutex_clocklock and sem_clockwait take. On Linux
 * clock_gettime is a vDSO call (tens of nanoseconds, no system call), cheap enough to read once
 * per round of a spin loop. An out-of-line function rather than an inline in lock.h so that the
 * public header needs no POSIX feature macro for clock_gettime.
 */
#include <stdint.h>
#include <time.h>

#include <lockbench/lock.h>

uint64_t lb_now_ns(void)
{
	struct timespec ts;
	/* It cannot fail for CLOCK_MONOTONIC with a valid pointer (clock_gettime(2)). */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}
