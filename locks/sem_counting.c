/* sem_counting.c — a POSIX semaphore with N permits: up to N holders at once.
 *
 * Algorithm: Dijkstra's counting semaphore ("Cooperating sequential processes", 1965), as
 * glibc's sem_t (see sem.c): init's permits is the initial count, 1 <= N <= SEM_VALUE_MAX. With
 * N = 1 it is sem; with N > 1 it is not mutual exclusion, and the harness treats it as a
 * resource pool. Not bounded: a release beyond N grows the count (sem-bounded refuses it).
 * State: glibc's, opaque to us (value 0..N in correct use; sleeper count).
 * Memory order: POSIX 4.12: sem_wait and sem_post synchronize memory; the acquire that takes a
 * permit pairs with the release of the sem_post that returned one (and, since every update of
 * the value is a read-modify-write, with all posts before it).
 * Timed acquisition of one permit: sem_clockwait(CLOCK_MONOTONIC) (sem_common.h).
 * Fairness: none, timed or not: a woken sleeper competes with new arrivals.
 * Oversubscription: degrades gracefully: waiters sleep.
 * Context: none. The shared functions are in sem_common.h; EINTR is retried.
 */
#define _GNU_SOURCE /* sem_clockwait, in sem_common.h */
#include "sem_common.h"

const struct lb_lock_ops lb_sem_counting_ops = {
	.name = "sem-counting",
	.description = "POSIX sem_t with N permits (counting semaphore)",
	.props = LB_COUNTING | LB_SLEEPS,
	.lock_size = sizeof(struct posix_sem_lock),
	.lock_align = _Alignof(struct posix_sem_lock),
	.init = sem_common_init,
	.destroy = sem_common_destroy,
	.lock = sem_common_lock,
	.unlock = sem_common_unlock,
	.trylock = sem_common_trylock,
	.timedlock = sem_common_timedlock,
};
