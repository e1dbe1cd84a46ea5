/* ck_rwlock.c — Concurrency Kit's reader-writer spinlock (ck_rwlock), as a reference.
 *
 * Algorithm: ck's two-word centralized rwlock: `writer` (0 or 1) and `n_readers`. A writer
 * swaps 1 into writer until it gets 0 back, then spins until n_readers is 0. A reader spins
 * while writer is set, increments n_readers, and re-checks writer (after a store-load fence); if
 * a writer came meanwhile it decrements and retries. So a writer that has set its flag keeps new
 * readers out: writer-preferring, as its description says and locks_rw checks (rw-writer-pref is
 * our one-word version, with a waiting count instead). ck's write_trylock: one swap of the flag, and if readers are inside,
 * clear it again and fail; read_trylock: one increment-and-recheck attempt.
 * State: ck's: { writer, n_readers }.
 * Memory order: ck's: ck_pr_fence_atomic_load() between the reader's increment and its re-check
 * of writer (the Dekker pair with the writer's swap and its load of n_readers; the swap is a
 * locked instruction on x86), ck_pr_fence_lock()/ck_pr_fence_unlock() around the critical
 * sections.
 * Inline assembly, invisible to ThreadSanitizer: LB_TSAN_OPAQUE.
 * Timed acquisition: NOT fair, both modes: polls write_trylock / read_trylock with deadline.h's
 * bounded back-off (lb_poll_trylock_until). ck has no timed operations.
 * Fairness: none among writers (CAS race); readers wait while a writer holds or has set its flag.
 * Oversubscription: collapses as every spinlock with the holder preempted.
 * Context: none.
 */
#include <ck_rwlock.h>
#include <errno.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct ck_rw_lock {
	ck_rwlock_t rw;
} LB_CACHE_ALIGNED;

static int ck_rw_init(void *lock, unsigned permits)
{
	if (permits != 1)
		return -EINVAL;
	ck_rwlock_init(&((struct ck_rw_lock *)lock)->rw);
	return 0;
}

static void ck_rw_destroy(void *lock)
{
	(void)lock;
}

static int ck_rw_lock(void *lock, void *ctx)
{
	(void)ctx;
	ck_rwlock_write_lock(&((struct ck_rw_lock *)lock)->rw);
	return 0;
}

static int ck_rw_trylock(void *lock, void *ctx)
{
	(void)ctx;
	return ck_rwlock_write_trylock(&((struct ck_rw_lock *)lock)->rw) ? 0 : -EBUSY;
}

static int ck_rw_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_rw_trylock, lock, ctx, deadline_ns);
}

static int ck_rw_unlock(void *lock, void *ctx)
{
	(void)ctx;
	ck_rwlock_write_unlock(&((struct ck_rw_lock *)lock)->rw);
	return 0;
}

static int ck_rw_read_lock(void *lock, void *ctx)
{
	(void)ctx;
	ck_rwlock_read_lock(&((struct ck_rw_lock *)lock)->rw);
	return 0;
}

static int ck_rw_read_trylock(void *lock, void *ctx)
{
	(void)ctx;
	return ck_rwlock_read_trylock(&((struct ck_rw_lock *)lock)->rw) ? 0 : -EBUSY;
}

static int ck_rw_read_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_rw_read_trylock, lock, ctx, deadline_ns);
}

static int ck_rw_read_unlock(void *lock, void *ctx)
{
	(void)ctx;
	ck_rwlock_read_unlock(&((struct ck_rw_lock *)lock)->rw);
	return 0;
}

const struct lb_lock_ops lb_ck_rwlock_ops = {
	.name = "ck-rwlock",
	.description = "Concurrency Kit ck_rwlock: writer flag + reader count, writer-preferring "
		       "(reference)",
	.props = LB_SPINS | LB_RW | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_rw_lock),
	.lock_align = _Alignof(struct ck_rw_lock),
	.init = ck_rw_init,
	.destroy = ck_rw_destroy,
	.lock = ck_rw_lock,
	.unlock = ck_rw_unlock,
	.trylock = ck_rw_trylock,
	.timedlock = ck_rw_timedlock,
	.read_lock = ck_rw_read_lock,
	.read_unlock = ck_rw_read_unlock,
	.read_trylock = ck_rw_read_trylock,
	.read_timedlock = ck_rw_read_timedlock,
};
