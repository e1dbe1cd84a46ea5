/* broken_locks.c — deliberately broken locks, for negative controls (see broken_locks.h).
 *
 * Each one is wrong in exactly one way, so that the test that must catch it is shown to catch
 * that one thing:
 *
 * broken: a test-and-set split into a load and a store. State: 0 free, 1 held. Between seeing
 * 0 and storing 1 the thread pauses (~100 pause instructions), so on two CPUs two threads often
 * both see 0 and both "own" the lock. The orders are relaxed as well, but that is beside the
 * point: even with seq_cst the check-then-set would not exclude.
 *
 * relaxed-tas: tas.c with memory_order_relaxed on the acquiring exchange and the releasing
 * store. The exchange is still one atomic read-modify-write, so at most one thread holds the
 * lock (and on x86, whose stores are not reordered with older loads and stores, the data it
 * guards even stays consistent); but nothing makes the previous holder's critical section
 * happen-before the next one, which is what ThreadSanitizer checks. A correct lock needs
 * acquire on the exchange and release on the store, as tas.c has.
 *
 * never-release: a correct tas whose unlock forgets to store 0. The first lock() succeeds, every
 * later one spins for ever: a hang for the harness's watchdog to catch.
 *
 * timed-fake, timed-early, timed-never: a correct tas (tas.c's orders) whose timedlock alone is
 * wrong, one way each. timed-fake returns 0 without the lock when it is held (the exclusion
 * checker, with timedlock in its mix, must count violations; the "held lock times out" check
 * must see 0). timed-early returns -ETIMEDOUT at once, before its deadline (the "not before the
 * deadline" check must catch it). timed-never ignores its deadline and waits as lock does (the
 * hang guard of the "held lock times out" check must catch it).
 *
 * The other three poll their trylock until the deadline for timedlock (the lock.h contract),
 * wrong only as their lock and unlock are.
 *
 * This file depends on nothing but lock.h's inline lb_cpu_relax (and the C library's clock), so
 * the same source builds into the tests and, unchanged, into the plugin module, which is loaded
 * into programs that need not export the lock library's lb_now_ns.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "broken_locks.h"

struct flag_lock {
	atomic_uint held;
} LB_CACHE_ALIGNED;

static int flag_init(void *lock, unsigned permits)
{
	struct flag_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->held, 0);
	return 0;
}

static void flag_destroy(void *lock)
{
	(void)lock;
}

/* CLOCK_MONOTONIC in ns, lb_now_ns's clock (see the header for why not lb_now_ns itself). */
static uint64_t mono_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/* timedlock for the locks whose only fault lies elsewhere: trylock until the deadline. */
static int poll_until(int (*trylock)(void *, void *), void *lock, void *ctx, uint64_t deadline_ns)
{
	for (;;) {
		int rc = trylock(lock, ctx);
		if (rc != -EBUSY)
			return rc;
		if (mono_ns() >= deadline_ns)
			return -ETIMEDOUT;
		for (int i = 0; i < 16; i++)
			lb_cpu_relax();
	}
}

/* broken */

static int broken_trylock(void *lock, void *ctx)
{
	struct flag_lock *l = lock;
	(void)ctx;
	/* The bug: another thread may store 1 between this load and our store. Relaxed because
	 * no order would fix it. */
	if (atomic_load_explicit(&l->held, memory_order_relaxed))
		return -EBUSY;
	for (int i = 0; i < 100; i++)
		lb_cpu_relax();
	atomic_store_explicit(&l->held, 1, memory_order_relaxed);
	return 0;
}

static int broken_lock(void *lock, void *ctx)
{
	while (broken_trylock(lock, ctx) != 0)
		lb_cpu_relax();
	return 0;
}

static int broken_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return poll_until(broken_trylock, lock, ctx, deadline_ns);
}

static int broken_unlock(void *lock, void *ctx)
{
	struct flag_lock *l = lock;
	(void)ctx;
	atomic_store_explicit(&l->held, 0, memory_order_relaxed);
	return 0;
}

const struct lb_lock_ops broken_ops = {
	.name = "broken",
	.description = "TEST ONLY, not a lock: check-then-set with a pause between load and store",
	.props = LB_SPINS | LB_TEST_ONLY,
	.lock_size = sizeof(struct flag_lock),
	.lock_align = _Alignof(struct flag_lock),
	.init = flag_init,
	.destroy = flag_destroy,
	.lock = broken_lock,
	.unlock = broken_unlock,
	.trylock = broken_trylock,
	.timedlock = broken_timedlock,
};

/* relaxed-tas */

static int relaxed_tas_trylock(void *lock, void *ctx)
{
	struct flag_lock *l = lock;
	(void)ctx;
	/* The bug: relaxed where tas.c has acquire (pairing with the release in unlock). */
	return atomic_exchange_explicit(&l->held, 1, memory_order_relaxed) ? -EBUSY : 0;
}

static int relaxed_tas_lock(void *lock, void *ctx)
{
	while (relaxed_tas_trylock(lock, ctx) != 0)
		lb_cpu_relax();
	return 0;
}

static int relaxed_tas_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return poll_until(relaxed_tas_trylock, lock, ctx, deadline_ns);
}

static int relaxed_tas_unlock(void *lock, void *ctx)
{
	struct flag_lock *l = lock;
	(void)ctx;
	/* The bug: relaxed where tas.c has release. */
	atomic_store_explicit(&l->held, 0, memory_order_relaxed);
	return 0;
}

const struct lb_lock_ops relaxed_tas_ops = {
	.name = "relaxed-tas",
	.description = "TEST ONLY: tas with relaxed orders, which ThreadSanitizer must report",
	.props = LB_SPINS | LB_TEST_ONLY,
	.lock_size = sizeof(struct flag_lock),
	.lock_align = _Alignof(struct flag_lock),
	.init = flag_init,
	.destroy = flag_destroy,
	.lock = relaxed_tas_lock,
	.unlock = relaxed_tas_unlock,
	.trylock = relaxed_tas_trylock,
	.timedlock = relaxed_tas_timedlock,
};

/* never-release */

static int never_release_trylock(void *lock, void *ctx)
{
	struct flag_lock *l = lock;
	(void)ctx;
	/* Acquire pairs with nothing (no one ever releases), but the first taker is correct. */
	return atomic_exchange_explicit(&l->held, 1, memory_order_acquire) ? -EBUSY : 0;
}

static int never_release_lock(void *lock, void *ctx)
{
	while (never_release_trylock(lock, ctx) != 0)
		lb_cpu_relax();
	return 0;
}

static int never_release_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return poll_until(never_release_trylock, lock, ctx, deadline_ns);
}

static int never_release_unlock(void *lock, void *ctx)
{
	/* The bug: the store of 0 is missing. */
	(void)lock;
	(void)ctx;
	return 0;
}

const struct lb_lock_ops never_release_ops = {
	.name = "never-release",
	.description = "TEST ONLY: unlock does nothing, so the second lock() hangs",
	.props = LB_SPINS | LB_TEST_ONLY,
	.lock_size = sizeof(struct flag_lock),
	.lock_align = _Alignof(struct flag_lock),
	.init = flag_init,
	.destroy = flag_destroy,
	.lock = never_release_lock,
	.unlock = never_release_unlock,
	.trylock = never_release_trylock,
	.timedlock = never_release_timedlock,
};

/* timed-fake, timed-early, timed-never: tas, correct but for timedlock. */

static int tas_trylock(void *lock, void *ctx)
{
	struct flag_lock *l = lock;
	(void)ctx;
	/* Acquire pairs with the release store in tas_unlock, as in tas.c. */
	return atomic_exchange_explicit(&l->held, 1, memory_order_acquire) ? -EBUSY : 0;
}

static int tas_lock(void *lock, void *ctx)
{
	while (tas_trylock(lock, ctx) != 0)
		lb_cpu_relax();
	return 0;
}

static int tas_unlock(void *lock, void *ctx)
{
	struct flag_lock *l = lock;
	(void)ctx;
	atomic_store_explicit(&l->held, 0, memory_order_release);
	return 0;
}

static int timed_fake_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	(void)deadline_ns;
	(void)tas_trylock(lock, ctx); /* The bug: 0 whether or not this got the lock. */
	return 0;
}

static int timed_early_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	(void)deadline_ns;
	/* The bug: gives up at once instead of waiting until the deadline. */
	return tas_trylock(lock, ctx) == 0 ? 0 : -ETIMEDOUT;
}

static int timed_never_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	(void)deadline_ns; /* The bug: waits as lock does, however late it gets. */
	return tas_lock(lock, ctx);
}

#define TIMED_BROKEN_OPS(sym, lname, what, fn)                                               \
	const struct lb_lock_ops sym = {                                                      \
		.name = lname,                                                                \
		.description = "TEST ONLY: tas whose timedlock " what,                         \
		.props = LB_SPINS | LB_TEST_ONLY,                                             \
		.lock_size = sizeof(struct flag_lock),                                        \
		.lock_align = _Alignof(struct flag_lock),                                     \
		.init = flag_init,                                                            \
		.destroy = flag_destroy,                                                      \
		.lock = tas_lock,                                                             \
		.unlock = tas_unlock,                                                         \
		.trylock = tas_trylock,                                                       \
		.timedlock = fn,                                                              \
	};

TIMED_BROKEN_OPS(timed_fake_ops, "timed-fake", "returns 0 without the lock", timed_fake_timedlock)
TIMED_BROKEN_OPS(timed_early_ops, "timed-early", "times out at once, before its deadline",
		 timed_early_timedlock)
TIMED_BROKEN_OPS(timed_never_ops, "timed-never", "ignores its deadline", timed_never_timedlock)

/* rw-read-nothing: a reader-writer lock whose writers are tas's and whose readers take nothing,
 * so writers run while readers are inside: the harness's --read-pct check must see torn reads. */
int broken_take_nothing(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return 0;
}

int broken_take_nothing_timed(void *lock, void *ctx, uint64_t deadline_ns)
{
	(void)lock;
	(void)ctx;
	(void)deadline_ns;
	return 0;
}

static int rw_read_nothing_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return poll_until(tas_trylock, lock, ctx, deadline_ns);
}

const struct lb_lock_ops rw_read_nothing_ops = {
	.name = "rw-read-nothing",
	.description = "TEST ONLY: tas writers, readers that take nothing (torn reads)",
	.props = LB_SPINS | LB_RW | LB_TEST_ONLY,
	.lock_size = sizeof(struct flag_lock),
	.lock_align = _Alignof(struct flag_lock),
	.init = flag_init,
	.destroy = flag_destroy,
	.lock = tas_lock,
	.unlock = tas_unlock,
	.trylock = tas_trylock,
	.timedlock = rw_read_nothing_timedlock,
	.read_lock = broken_take_nothing,
	.read_unlock = broken_take_nothing,
	.read_trylock = broken_take_nothing,
	.read_timedlock = broken_take_nothing_timed,
};

const struct lb_lock_ops *const lb_plugin_locks[] = {
	&broken_ops,
	&relaxed_tas_ops,
	&never_release_ops,
	&rw_read_nothing_ops,
	NULL,
};
