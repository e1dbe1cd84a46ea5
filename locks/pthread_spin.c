/* pthread_spin.c — the system's spinlock: pthread_spinlock_t, PTHREAD_PROCESS_PRIVATE.
 *
 * Algorithm: glibc's is test-and-test-and-set (Rudolph & Segall, ISCA 1984) without backoff: a
 * CAS 0 -> 1, and while that fails, read the word with a pause between reads until it looks
 * free, then CAS again; unlock stores 0. ttas.c is the same with exponential backoff, to compare.
 * State: one int, opaque to us (glibc: 0 free, 1 held).
 * Memory order: POSIX (Base Definitions 4.12) makes pthread_spin_lock and pthread_spin_unlock
 * synchronize memory; glibc's acquire CAS pairs with the release store in unlock.
 * Fairness: none. Whoever's CAS lands first after the release wins; the releasing core, which
 * holds the line, often wins again.
 * Oversubscription: collapses when the holder is preempted: every waiter spins through its time
 * slice. Milder than FIFO spinlocks, since any running waiter can take the released lock.
 * Context: none.
 */
#include <errno.h>
#include <pthread.h>

#include "lock.h"

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
};
