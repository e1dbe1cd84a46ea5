/* rw_writer_pref.c — writer-preferring counter reader-writer spinlock: one 64-bit word.
 *
 * Algorithm: the centralized reader-writer lock with writer preference in the manner of
 * Mellor-Crummey & Scott ("Scalable reader-writer synchronization for shared-memory
 * multiprocessors", PPoPP 1991, section 2's simple counter lock), with a count of waiting writers
 * instead of a flag, so that the preference holds from one writer to the next:
 *   read_lock:  spin until no writer holds or waits, then CAS the reader count up by one;
 *   read_unlock: fetch-sub one reader;
 *   lock:       fetch-add one waiting writer, spin until no reader and no writer is inside,
 *               then CAS "one waiting writer less, writer inside";
 *   unlock:     fetch-sub the writer bit.
 * State (one word, `state`): bit 0 = a writer is inside (W); bits 1..31 = waiting writers
 * (WAITER = 2 each); bits 32..63 = readers inside (READER = 2^32 each). Free when 0. 31 and 32
 * bits are far beyond LB_MAX_THREADS, so the fields never carry into each other.
 * Memory order:
 *  - A reader's successful CAS is acquire: it reads from the release fetch-sub in the unlock of
 *    the last writer (or from a chain of RMWs on the word after it, which continue its release
 *    sequence), so that writer's critical section happens-before the reader's.
 *  - A writer's successful CAS is acquire, and pairs with both release RMWs that emptied the
 *    word: the last readers' read_unlock fetch-subs and the previous writer's unlock. All
 *    changes are RMWs on one word, so every release before the CAS heads a release sequence the
 *    CAS reads from.
 *  - The waiting-writer fetch-add and its undo on a timeout are relaxed: they carry no data,
 *    only the preference, and the RMW's atomicity keeps the count exact.
 *  - Spin loads are relaxed: they only decide when to try the CAS, which does the ordering.
 * Timed acquisition: both modes spin on the clock (deadline.h's LB_SPINS_PER_CLOCK_READ); a timed
 * writer that gives up takes its waiting count back, which may let readers in at once. A free lock
 * is taken even with a deadline in the past.
 * Fairness: writer-preferring: no reader enters while a writer waits or holds, so a steady stream
 * of writers starves readers. Among writers and among readers there is no order (CAS races).
 * trylock takes a free lock even when writers wait (it barges), read_trylock fails while any
 * writer waits.
 * Oversubscription: collapses as every spinlock with the holder preempted; a preempted waiting
 * writer also keeps every reader out until it runs.
 * Context: none. Misuse: read_unlock without a read lock, or unlock without the write lock,
 * corrupts the counts (not checked: the check would cost a CAS loop on the hot path).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

#define WP_WRITER UINT64_C(1)
#define WP_WAITER UINT64_C(2)
#define WP_WAITERS_MASK UINT64_C(0xfffffffe)
#define WP_READER (UINT64_C(1) << 32)
#define WP_READERS_MASK (~UINT64_C(0) << 32)

struct rw_wp_lock {
	atomic_uint_fast64_t state;
} LB_CACHE_ALIGNED;

static int wp_init(void *lock, unsigned permits)
{
	struct rw_wp_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->state, 0);
	return 0;
}

static void wp_destroy(void *lock)
{
	(void)lock;
}

/* One writer attempt, with our waiting count already in the word: 1 when we are inside. */
static inline int wp_write_try_registered(struct rw_wp_lock *l, uint64_t v)
{
	if (v & (WP_WRITER | WP_READERS_MASK))
		return 0;
	return atomic_compare_exchange_weak_explicit(&l->state, &v, (v - WP_WAITER) | WP_WRITER,
						     memory_order_acquire, memory_order_relaxed);
}

static int wp_lock(void *lock, void *ctx)
{
	struct rw_wp_lock *l = lock;
	(void)ctx;
	atomic_fetch_add_explicit(&l->state, WP_WAITER, memory_order_relaxed);
	for (;;) {
		uint64_t v = atomic_load_explicit(&l->state, memory_order_relaxed);
		if (wp_write_try_registered(l, v))
			return 0;
		lb_cpu_relax();
	}
}

static int wp_trylock(void *lock, void *ctx)
{
	struct rw_wp_lock *l = lock;
	(void)ctx;
	uint64_t v = atomic_load_explicit(&l->state, memory_order_relaxed);
	while (!(v & (WP_WRITER | WP_READERS_MASK)))
		if (atomic_compare_exchange_weak_explicit(&l->state, &v, v | WP_WRITER,
							  memory_order_acquire, memory_order_relaxed))
			return 0;
	return -EBUSY;
}

static int wp_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct rw_wp_lock *l = lock;
	if (wp_trylock(lock, ctx) == 0)
		return 0;
	atomic_fetch_add_explicit(&l->state, WP_WAITER, memory_order_relaxed);
	for (unsigned spins = 0;; spins++) {
		uint64_t v = atomic_load_explicit(&l->state, memory_order_relaxed);
		if (wp_write_try_registered(l, v))
			return 0;
		if (spins % LB_SPINS_PER_CLOCK_READ == 0 && lb_now_ns() >= deadline_ns) {
			atomic_fetch_sub_explicit(&l->state, WP_WAITER, memory_order_relaxed);
			return -ETIMEDOUT;
		}
		lb_cpu_relax();
	}
}

static int wp_unlock(void *lock, void *ctx)
{
	struct rw_wp_lock *l = lock;
	(void)ctx;
	atomic_fetch_sub_explicit(&l->state, WP_WRITER, memory_order_release);
	return 0;
}

/* One reader attempt from the value v: 1 when we are inside, 0 when a writer holds or waits,
 * -1 when the CAS lost a race (v is then fresh). */
static inline int wp_read_try(struct rw_wp_lock *l, uint64_t *v)
{
	if (*v & (WP_WRITER | WP_WAITERS_MASK))
		return 0;
	return atomic_compare_exchange_weak_explicit(&l->state, v, *v + WP_READER,
						     memory_order_acquire, memory_order_relaxed)
		       ? 1
		       : -1;
}

static int wp_read_lock(void *lock, void *ctx)
{
	struct rw_wp_lock *l = lock;
	(void)ctx;
	uint64_t v = atomic_load_explicit(&l->state, memory_order_relaxed);
	for (;;) {
		int r = wp_read_try(l, &v);
		if (r > 0)
			return 0;
		if (r == 0) {
			lb_cpu_relax();
			v = atomic_load_explicit(&l->state, memory_order_relaxed);
		}
	}
}

static int wp_read_trylock(void *lock, void *ctx)
{
	struct rw_wp_lock *l = lock;
	(void)ctx;
	uint64_t v = atomic_load_explicit(&l->state, memory_order_relaxed);
	/* A lost race with another reader is retried: the lock was available to readers. */
	for (;;) {
		int r = wp_read_try(l, &v);
		if (r >= 0)
			return r ? 0 : -EBUSY;
	}
}

static int wp_read_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct rw_wp_lock *l = lock;
	(void)ctx;
	uint64_t v = atomic_load_explicit(&l->state, memory_order_relaxed);
	for (unsigned spins = 0;;) {
		int r = wp_read_try(l, &v);
		if (r > 0)
			return 0;
		if (r == 0) {
			if (spins++ % LB_SPINS_PER_CLOCK_READ == 0 && lb_now_ns() >= deadline_ns)
				return -ETIMEDOUT;
			lb_cpu_relax();
			v = atomic_load_explicit(&l->state, memory_order_relaxed);
		}
	}
}

static int wp_read_unlock(void *lock, void *ctx)
{
	struct rw_wp_lock *l = lock;
	(void)ctx;
	atomic_fetch_sub_explicit(&l->state, WP_READER, memory_order_release);
	return 0;
}

const struct lb_lock_ops lb_rw_writer_pref_ops = {
	.name = "rw-writer-pref",
	.description = "writer-preferring counter rwlock: readers, waiting writers, writer in one word",
	.props = LB_SPINS | LB_RW,
	.lock_size = sizeof(struct rw_wp_lock),
	.lock_align = _Alignof(struct rw_wp_lock),
	.init = wp_init,
	.destroy = wp_destroy,
	.lock = wp_lock,
	.unlock = wp_unlock,
	.trylock = wp_trylock,
	.timedlock = wp_timedlock,
	.read_lock = wp_read_lock,
	.read_unlock = wp_read_unlock,
	.read_trylock = wp_read_trylock,
	.read_timedlock = wp_read_timedlock,
};
