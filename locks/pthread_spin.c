/* pthread_spin.c — the system's spinlock: pthread_spinlock_t, PTHREAD_PROCESS_PRIVATE.
 *
 * Algorithm: glibc's, a test-and-test-and-set (Rudolph & Segall, ISCA 1984) without backoff.
 * On x86-64 (glibc 2.36, checked by disassembly): a locked decrement of a word that is 1 when
 * free; while the result is not 0, pause and read until the word is positive, then decrement
 * again; unlock stores 1. Generic glibc (arm64): exchange 1, read until 0, CAS 0 -> 1; unlock
 * stores 0. ttas.c is the same idea with exponential backoff, to compare.
 * State: one int, opaque to us (x86-64 glibc: 1 free, 0 or less held).
 * Memory order: POSIX (Base Definitions 4.12) makes pthread_spin_lock and pthread_spin_unlock
 * synchronize memory; on x86 the locked decrement pairs with the (TSO, release) store in unlock,
 * elsewhere glibc's acquire CAS pairs with its release store.
 * Timed acquisition: glibc has no timed spinlock, so ours polls pthread_spin_trylock with
 * deadline.h's bounded doubling back-off (1 to 128 pauses) and reads the clock after each
 * failed try, until the deadline. It synchronizes as lock does (a successful trylock
 * synchronizes memory like pthread_spin_lock). Each try is a locked exchange or CAS, not
 * glibc's read-only wait (the word is opaque to us); the back-off keeps that traffic down.
 * Fairness: none, timed or not. Whoever's CAS lands first after the release wins; the releasing
 * core, which holds the line, often wins again.
 * Oversubscription: collapses when the holder is preempted: every waiter spins through its time
 * slice. Milder than FIFO spinlocks, since any running waiter can take the released lock.
 * Context: none.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct pthread_lb_spin {
	pthread_spinlock_t spin;
} LB_CACHE_ALIGNED;

static int pthread_spin_lb_init(void *lock, unsigned permits)
{
	struct pthread_lb_spin *l = lock;
	if (permits != 1)
		return -EINVAL;
	return -pthread_spin_init(&l->spin, PTHREAD_PROCESS_PRIVATE);
}

static void pthread_spin_lb_destroy(void *lock)
{
	struct pthread_lb_spin *l = lock;
	(void)pthread_spin_destroy(&l->spin);
}

static int pthread_spin_lb_lock(void *lock, void *ctx)
{
	struct pthread_lb_spin *l = lock;
	(void)ctx;
	return -pthread_spin_lock(&l->spin);
}

static int pthread_spin_lb_trylock(void *lock, void *ctx)
{
	struct pthread_lb_spin *l = lock;
	(void)ctx;
	return -pthread_spin_trylock(&l->spin); /* EBUSY when held */
}

static int pthread_spin_lb_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(pthread_spin_lb_trylock, lock, ctx, deadline_ns);
}

static int pthread_spin_lb_unlock(void *lock, void *ctx)
{
	struct pthread_lb_spin *l = lock;
	(void)ctx;
	return -pthread_spin_unlock(&l->spin);
}

const struct lb_lock_ops lb_pthread_spin_ops = {
	.name = "pthread-spin",
	.description = "pthread_spinlock_t, process-private (glibc: test-and-test-and-set)",
	.props = LB_SPINS,
	.lock_size = sizeof(struct pthread_lb_spin),
	.lock_align = _Alignof(struct pthread_lb_spin),
	.init = pthread_spin_lb_init,
	.destroy = pthread_spin_lb_destroy,
	.lock = pthread_spin_lb_lock,
	.unlock = pthread_spin_lb_unlock,
	.trylock = pthread_spin_lb_trylock,
	.timedlock = pthread_spin_lb_timedlock,
};
