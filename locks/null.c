/* null.c — no lock at all: every call succeeds at once.
 *
 * Algorithm: none. It measures the harness: the cost of the loop, the workload and the calls
 * through the vtable with nothing to wait for, the floor every real lock is compared against.
 * LB_NOT_A_LOCK: it excludes nothing, so sweeps run it only at the lock-cost points (cs 0, ncs 0),
 * as the floor outside every verdict, and tests run it with one thread.
 * State: none. init accepts only permits == 1, like every lock that is not LB_COUNTING, so the
 * generic contract ("a non-counting lock refuses permits > 1") holds without an exception.
 * Memory order: none. Two threads "holding" it race on whatever it was meant to guard.
 * Timed acquisition: succeeds at once, whatever the deadline, like lock.
 * Fairness and oversubscription: nobody ever waits.
 * Context: none.
 */
#include <errno.h>
#include <stdint.h>

#include <lockbench/lock.h>

struct null_lock {
	char unused; /* a struct needs a member; aligned like every lock, for the same spacing */
} LB_CACHE_ALIGNED;

static int null_init(void *lock, unsigned permits)
{
	(void)lock;
	return permits == 1 ? 0 : -EINVAL;
}

static void null_destroy(void *lock)
{
	(void)lock;
}

static int null_lock(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return 0;
}

static int null_trylock(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return 0;
}

static int null_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	(void)lock;
	(void)ctx;
	(void)deadline_ns;
	return 0;
}

static int null_unlock(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return 0;
}

const struct lb_lock_ops lb_null_ops = {
	.name = "null",
	.description = "no lock: every call returns 0 at once (measures the harness)",
	.props = LB_NOT_A_LOCK,
	.lock_size = sizeof(struct null_lock),
	.lock_align = _Alignof(struct null_lock),
	.init = null_init,
	.destroy = null_destroy,
	.lock = null_lock,
	.unlock = null_unlock,
	.trylock = null_trylock,
	.timedlock = null_timedlock,
};
