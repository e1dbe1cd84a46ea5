/* ttas.c — test-and-test-and-set spinlock with bounded exponential backoff.
 *
 * Algorithm: test-and-test-and-set (Rudolph & Segall, ISCA 1984) with the exponential backoff
 * Anderson measured ("The performance of spin lock alternatives for shared-memory
 * multiprocessors", IEEE TPDS 1990). A waiter reads the word until it looks free (the reads hit
 * its own cached copy and cause no traffic), then tries one exchange; when the exchange loses,
 * it waits `backoff` pauses before reading again and doubles `backoff`, up to a cap, so that
 * the losers of one release do not all come back for the next at once.
 * Bounds: backoff starts at TTAS_BACKOFF_MIN = 1 pause and stops doubling at
 * TTAS_BACKOFF_MAX = 128 pauses, about 0.5-6 us (a pause is 10 cycles before Skylake, ~140
 * after): the order of a futex sleep and wake. A longer cap risks leaving the lock idle while
 * every waiter sits out its delay, which is what sleeping locks are for.
 * State: 0 free, 1 held.
 * Memory order: the acquire exchange that reads 0 pairs with the release store of 0 in unlock,
 * so the previous holder's critical section happens-before ours. The reading spin is relaxed:
 * it only decides when to try the exchange, which does the acquiring; a failed exchange orders
 * nothing and we retry.
 * Timed acquisition: lock's loop, reading the clock in the read-only spin (at its first read
 * of a held word and once every 64 reads, LB_SPINS_PER_CLOCK_READ) and after each lost
 * exchange; a past deadline on a held lock returns after one read. Same orders as lock.
 * Fairness: none, timed or not. Backoff makes it worse: a thread that has lost a few times waits
 * longer than a newcomer, and the releasing thread, with the line in its cache, often wins again.
 * Oversubscription: as tas: a preempted holder makes every waiter burn its time slice, but a
 * preempted waiter holds no place in any queue, so handoff does not stall.
 * Context: none.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

enum { TTAS_BACKOFF_MIN = 1, TTAS_BACKOFF_MAX = 128 };

struct ttas_lock {
	atomic_uint held;
} LB_CACHE_ALIGNED;

static int ttas_init(void *lock, unsigned permits)
{
	struct ttas_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->held, 0);
	return 0;
}

static void ttas_destroy(void *lock)
{
	(void)lock;
}

static int ttas_lock(void *lock, void *ctx)
{
	struct ttas_lock *l = lock;
	unsigned backoff = TTAS_BACKOFF_MIN;
	(void)ctx;
	for (;;) {
		/* Relaxed: a hint; the exchange acquires. */
		while (atomic_load_explicit(&l->held, memory_order_relaxed))
			lb_cpu_relax();
		if (!atomic_exchange_explicit(&l->held, 1, memory_order_acquire))
			return 0;
		for (unsigned i = 0; i < backoff; i++)
			lb_cpu_relax();
		if (backoff < TTAS_BACKOFF_MAX)
			backoff *= 2;
	}
}

static int ttas_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct ttas_lock *l = lock;
	unsigned backoff = TTAS_BACKOFF_MIN;
	(void)ctx;
	for (;;) {
		/* Relaxed: a hint; the exchange acquires, as in lock. */
		for (unsigned spins = 0; atomic_load_explicit(&l->held, memory_order_relaxed);
		     spins++) {
			if (spins % LB_SPINS_PER_CLOCK_READ == 0 && lb_now_ns() >= deadline_ns)
				return -ETIMEDOUT;
			lb_cpu_relax();
		}
		if (!atomic_exchange_explicit(&l->held, 1, memory_order_acquire))
			return 0;
		if (lb_now_ns() >= deadline_ns)
			return -ETIMEDOUT;
		for (unsigned i = 0; i < backoff; i++)
			lb_cpu_relax();
		if (backoff < TTAS_BACKOFF_MAX)
			backoff *= 2;
	}
}

static int ttas_trylock(void *lock, void *ctx)
{
	struct ttas_lock *l = lock;
	(void)ctx;
	/* Read first, so that a trylock on a held lock does not take the line exclusive. Relaxed:
	 * a hint, as in lock. */
	if (atomic_load_explicit(&l->held, memory_order_relaxed))
		return -EBUSY;
	return atomic_exchange_explicit(&l->held, 1, memory_order_acquire) ? -EBUSY : 0;
}

static int ttas_unlock(void *lock, void *ctx)
{
	struct ttas_lock *l = lock;
	(void)ctx;
	atomic_store_explicit(&l->held, 0, memory_order_release);
	return 0;
}

const struct lb_lock_ops lb_ttas_ops = {
	.name = "ttas",
	.description = "test-and-test-and-set spinlock with bounded exponential backoff",
	.props = LB_SPINS,
	.lock_size = sizeof(struct ttas_lock),
	.lock_align = _Alignof(struct ttas_lock),
	.init = ttas_init,
	.destroy = ttas_destroy,
	.lock = ttas_lock,
	.unlock = ttas_unlock,
	.trylock = ttas_trylock,
	.timedlock = ttas_timedlock,
};
