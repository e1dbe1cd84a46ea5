/* ck_fas.c — Concurrency Kit's fetch-and-store spinlock (ck_spinlock_fas), as a reference.
 *
 * Algorithm: ck's test-and-test-and-set: exchange 1 into the word (ck_pr_fas_uint); while it
 * returns 1, read the word with ck_pr_stall() (pause) until it reads 0, then exchange again.
 * Unlock: ck_pr_fence_unlock(), store 0. No backoff (ck offers _eb; we wrap the plain one).
 * ck's default spinlock (ck_spinlock_t) is this one; compare with tas.c and ttas.c.
 * State: 0 free, 1 held (ck_spinlock_fas_t.value).
 * Memory order: ck's: ck_pr_fence_lock() after the winning exchange pairs with
 * ck_pr_fence_unlock() before the releasing store (on x86 the locked exchange and TSO already
 * give acquire and release; the fences are compiler barriers). ck's atomics are inline
 * assembly, invisible to ThreadSanitizer: LB_TSAN_OPAQUE.
 * Timed acquisition: ck has no timed fas lock; ours polls ck_spinlock_fas_trylock (one exchange)
 * with deadline.h's bounded doubling back-off and reads the clock after each failed try. Unlike
 * ck's lock it does not wait by reading, so each try takes the line exclusive; the back-off (1 to
 * 128 pauses) keeps that down. Orders: ck's trylock (ck_pr_fence_lock after a winning exchange).
 * Fairness: none, timed or not; the releasing core often wins again.
 * Oversubscription: as tas: a preempted holder makes waiters burn their slices; handoff itself
 * never waits for a preempted waiter.
 * Context: none.
 */
#include <ck_spinlock.h>
#include <errno.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct ck_fas_lock {
	ck_spinlock_fas_t fas;
} LB_CACHE_ALIGNED;

static int ck_fas_init(void *lock, unsigned permits)
{
	struct ck_fas_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	ck_spinlock_fas_init(&l->fas);
	return 0;
}

static void ck_fas_destroy(void *lock)
{
	(void)lock;
}

static int ck_fas_lock(void *lock, void *ctx)
{
	struct ck_fas_lock *l = lock;
	(void)ctx;
	ck_spinlock_fas_lock(&l->fas);
	return 0;
}

static int ck_fas_trylock(void *lock, void *ctx)
{
	struct ck_fas_lock *l = lock;
	(void)ctx;
	return ck_spinlock_fas_trylock(&l->fas) ? 0 : -EBUSY;
}

static int ck_fas_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_fas_trylock, lock, ctx, deadline_ns);
}

static int ck_fas_unlock(void *lock, void *ctx)
{
	struct ck_fas_lock *l = lock;
	(void)ctx;
	ck_spinlock_fas_unlock(&l->fas);
	return 0;
}

const struct lb_lock_ops lb_ck_fas_ops = {
	.name = "ck-fas",
	.description = "Concurrency Kit ck_spinlock_fas: exchange, spin reading (reference)",
	.props = LB_SPINS | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_fas_lock),
	.lock_align = _Alignof(struct ck_fas_lock),
	.init = ck_fas_init,
	.destroy = ck_fas_destroy,
	.lock = ck_fas_lock,
	.unlock = ck_fas_unlock,
	.trylock = ck_fas_trylock,
	.timedlock = ck_fas_timedlock,
};
