/* tas.c — test-and-set spinlock.
 *
 * Algorithm: the oldest spinlock (see Anderson, "The performance of spin lock alternatives for
 * shared-memory multiprocessors", IEEE TPDS 1990): every attempt is an atomic exchange of 1 into
 * the lock word; whoever reads back 0 owns the lock; unlock stores 0.
 * State: 0 free, 1 held.
 * Memory order: the acquire exchange that reads 0 pairs with the release store of 0 in unlock,
 * so the previous holder's critical section happens-before ours. A failed exchange orders
 * nothing and needs nothing: we retry.
 * Timed acquisition: lock's loop, reading the clock at the first failed exchange and then once
 * every 64 (LB_SPINS_PER_CLOCK_READ), so a past deadline on a held lock returns after one try
 * and a waiter overshoots its deadline by at most 64 pauses. Same orders as lock.
 * Fairness: none, timed or not. Every waiter hammers the line with exchanges (each one takes the
 * line exclusive), so the releasing core, which still has the line, often wins again.
 * Oversubscription: degrades gracefully for an unfair lock: a preempted waiter holds no place
 * in any queue, so the holder's release is taken by whoever runs; but a preempted holder makes
 * every waiter burn its whole time slice.
 * Context: none.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct tas_lock {
	atomic_uint held;
#ifdef LB_TEST_HOOKS
	atomic_uint_fast64_t doorway; /* test only: arrival order, to show tas is not FIFO */
#endif
} LB_CACHE_ALIGNED;

#ifdef LB_TEST_HOOKS
static _Thread_local uint64_t tas_last_turn;
#endif

static int tas_init(void *lock, unsigned permits)
{
	struct tas_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->held, 0);
#ifdef LB_TEST_HOOKS
	atomic_init(&l->doorway, 0);
#endif
	return 0;
}

static void tas_destroy(void *lock)
{
	(void)lock;
}

static int tas_lock(void *lock, void *ctx)
{
	struct tas_lock *l = lock;
	(void)ctx;
#ifdef LB_TEST_HOOKS
	tas_last_turn = atomic_fetch_add_explicit(&l->doorway, 1, memory_order_relaxed) + 1;
#endif
	while (atomic_exchange_explicit(&l->held, 1, memory_order_acquire))
		lb_cpu_relax();
	return 0;
}

static int tas_trylock(void *lock, void *ctx)
{
	struct tas_lock *l = lock;
	(void)ctx;
	return atomic_exchange_explicit(&l->held, 1, memory_order_acquire) ? -EBUSY : 0;
}

static int tas_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct tas_lock *l = lock;
	(void)ctx;
	/* Acquire, as in lock: pairs with the release store in unlock. */
	for (unsigned spins = 0; atomic_exchange_explicit(&l->held, 1, memory_order_acquire);
	     spins++) {
		if (spins % LB_SPINS_PER_CLOCK_READ == 0 && lb_now_ns() >= deadline_ns)
			return -ETIMEDOUT;
		lb_cpu_relax();
	}
	return 0;
}

static int tas_unlock(void *lock, void *ctx)
{
	struct tas_lock *l = lock;
	(void)ctx;
	atomic_store_explicit(&l->held, 0, memory_order_release);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t tas_turn(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return tas_last_turn;
}
#endif

const struct lb_lock_ops lb_tas_ops = {
	.name = "tas",
	.description = "test-and-set spinlock: exchange until it reads 0",
	.props = LB_SPINS,
	.lock_size = sizeof(struct tas_lock),
	.lock_align = _Alignof(struct tas_lock),
	.init = tas_init,
	.destroy = tas_destroy,
	.lock = tas_lock,
	.unlock = tas_unlock,
	.trylock = tas_trylock,
	.timedlock = tas_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = tas_turn,
#endif
};
