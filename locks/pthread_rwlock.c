/* pthread_rwlock.c — the system's reader-writer lock: pthread_rwlock_t, default attributes.
 *
 * Algorithm: glibc 2.25+'s rwlock (nptl/pthread_rwlock_common.c, Torvald Riegel's rewrite): one
 * 32-bit __readers word holding the reader count, a read/write phase bit and a "writer holds or
 * waits" bit, a __writers_futex for writers, and futex waits on both. The default kind is
 * PTHREAD_RWLOCK_PREFER_READER_NP: while the lock is in a read phase, arriving readers join it
 * even when a writer is waiting.
 * State: glibc's, opaque to us.
 * Memory order: POSIX (Base Definitions 4.12) makes rdlock/wrlock and unlock synchronize memory;
 * glibc does it with acquire RMWs on __readers or __writers paired with release RMWs in unlock.
 * Timed acquisition: pthread_rwlock_clockwrlock / clockrdlock with CLOCK_MONOTONIC (sleeping in a
 * futex wait with the absolute deadline): pthread_rwlock_common.h.
 * Fairness: reader-preferring: a steady stream of readers can starve a writer for ever. Writers
 * among themselves barge (no FIFO).
 * Oversubscription: degrades gracefully: waiters sleep in the kernel.
 * Context: none. Not owner-checked (glibc does not check who unlocks a read-held rwlock).
 */
#define _GNU_SOURCE /* pthread_rwlock_clock*lock, in pthread_rwlock_common.h */
#include "pthread_rwlock_common.h"

static int pthread_rwlock_lb_init(void *lock, unsigned permits)
{
	return pthread_rwlock_common_init(lock, permits, -1);
}

const struct lb_lock_ops lb_pthread_rwlock_ops = {
	.name = "pthread-rwlock",
	.description = "pthread_rwlock_t, default attributes (glibc: reader-preferring, futex)",
	.init = pthread_rwlock_lb_init,
	PTHREAD_RWLOCK_COMMON_OPS_FIELDS
};
