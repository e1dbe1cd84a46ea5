/* futex.c — three-state futex mutex.
 *
 * Algorithm: Drepper, "Futexes Are Tricky" (2004, rev. 2011), the third mutex ("mutex3"), which
 * is also the shape of glibc's low-level lock. The code lives in futex_word.h, shared with
 * futex-spin, reentrant and sem-bounded; see there for the transitions and one departure (unlock
 * is a single exchange).
 * State: one 32-bit futex word: 0 free, 1 held and no sleeper, 2 held and a thread may sleep.
 * Memory order: the acquire CAS 0 -> 1 (fast path) or the acquire exchange that returns 0 (slow
 * path) pairs with the release exchange of 0 in unlock, so the previous holder's critical
 * section happens-before ours. Failed CASes are relaxed: they only tell us which path to take.
 * FUTEX_WAIT's compare-and-sleep is atomic against FUTEX_WAKE, and a sleeper always sets 2
 * before sleeping on 2, so the unlock that follows sees 2 and wakes it: no lost wakeup.
 * Timed acquisition: futex_word.h's futex_mutex_timedlock: the same CAS, then the same slow path
 * sleeping in FUTEX_WAIT_BITSET until the absolute CLOCK_MONOTONIC deadline; futex_word.h argues
 * why a waiter that times out loses no wake-up. A past deadline on a held lock returns at once.
 * Fairness: none, timed or not. A woken sleeper competes with threads that have just arrived
 * (barging), and the releasing thread can take the lock straight back; a sleeper can be passed over
 * repeatedly. The reward is throughput: the lock is never handed to a thread that is not running.
 * Oversubscription: degrades gracefully. Waiters sleep instead of burning the CPU that the
 * holder needs, and a preempted holder costs only the time until it runs again. Each contended
 * handoff pays a FUTEX_WAKE and, for the wakee, a context switch (microseconds).
 * Context: none.
 */
#include <errno.h>

#include "futex_word.h"
#include <lockbench/lock.h>

struct futex_lock {
	atomic_uint word;
} LB_CACHE_ALIGNED;

static int futex_init(void *lock, unsigned permits)
{
	struct futex_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->word, FUTEX_MUTEX_FREE);
	return 0;
}

static void futex_destroy(void *lock)
{
	(void)lock;
}

static int futex_lock(void *lock, void *ctx)
{
	struct futex_lock *l = lock;
	(void)ctx;
	futex_mutex_lock(&l->word);
	return 0;
}

static int futex_trylock(void *lock, void *ctx)
{
	struct futex_lock *l = lock;
	(void)ctx;
	return futex_mutex_trylock(&l->word);
}

static int futex_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct futex_lock *l = lock;
	(void)ctx;
	return futex_mutex_timedlock(&l->word, deadline_ns);
}

static int futex_unlock(void *lock, void *ctx)
{
	struct futex_lock *l = lock;
	(void)ctx;
	futex_mutex_unlock(&l->word);
	return 0;
}

const struct lb_lock_ops lb_futex_ops = {
	.name = "futex",
	.description = "three-state futex mutex (Drepper's mutex3): CAS, else sleep in FUTEX_WAIT",
	.props = LB_SLEEPS,
	.lock_size = sizeof(struct futex_lock),
	.lock_align = _Alignof(struct futex_lock),
	.init = futex_init,
	.destroy = futex_destroy,
	.lock = futex_lock,
	.unlock = futex_unlock,
	.trylock = futex_trylock,
	.timedlock = futex_timedlock,
};
