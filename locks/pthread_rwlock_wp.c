/* pthread_rwlock_wp.c — the system's reader-writer lock, writer-preferring: pthread_rwlock_t
 * with pthread_rwlockattr_setkind_np(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP).
 *
 * Algorithm: glibc's rwlock as in pthread_rwlock.c. Why NONRECURSIVE: glibc treats plain
 * PTHREAD_RWLOCK_PREFER_WRITER_NP exactly as PREFER_READER_NP (a thread that holds a read lock
 * may take it again, which writer preference would deadlock, so glibc never blocks readers for
 * that kind; see pthread_rwlockattr_setkind_np(3) and nptl/pthread_rwlock_common.c). Only the
 * NONRECURSIVE kind makes an arriving reader wait while a writer waits: the caller promises not
 * to re-take a read lock it holds.
 * State: glibc's, opaque to us.
 * Memory order: POSIX's, as pthread_rwlock.c.
 * Timed acquisition: pthread_rwlock_clock{wr,rd}lock with CLOCK_MONOTONIC: pthread_rwlock_common.h.
 * Fairness: writer-preferring: while a writer waits no new reader enters, so a steady stream of
 * writers can starve readers. Writers among themselves barge (no FIFO).
 * Oversubscription: degrades gracefully: waiters sleep in the kernel.
 * Context: none. Misuse: a thread re-taking a read lock it holds while a writer waits deadlocks
 * (the promise of the NONRECURSIVE kind).
 */
#define _GNU_SOURCE /* pthread_rwlock_clock*lock, setkind_np */
#include "pthread_rwlock_common.h"

static int pthread_rwlock_wp_init(void *lock, unsigned permits)
{
	return pthread_rwlock_common_init(lock, permits,
					  PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
}

const struct lb_lock_ops lb_pthread_rwlock_wp_ops = {
	.name = "pthread-rwlock-wp",
	.description = "pthread_rwlock_t, PREFER_WRITER_NONRECURSIVE_NP (glibc: writer-preferring)",
	.init = pthread_rwlock_wp_init,
	PTHREAD_RWLOCK_COMMON_OPS_FIELDS
};
