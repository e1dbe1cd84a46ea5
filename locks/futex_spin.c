/* futex_spin.c — three-state futex mutex that spins a while before sleeping (spin-then-park).
 *
 * Algorithm: futex.c's mutex (Drepper, "Futexes Are Tricky", mutex3; code in futex_word.h) with
 * a bounded spin in front of the sleep, the two-phase waiting analysed by Karlin, Li, Manasse &
 * Owicki, "Empirical studies of competitive spinning for a shared-memory multiprocessor" (SOSP
 * 1991): spin for about as long as blocking would cost, then block. A waiter that finds the lock
 * held reads the word (a plain load: the line stays shared, no invalidations) with a pause in
 * between, and tries the CAS 0 -> 1 only when it reads 0. After FUTEX_SPIN_LIMIT reads it
 * enters mutex3's sleeping path.
 * The bound: 100 reads, glibc's default for its adaptive mutex (the glibc.mutex.spin_count
 * tunable). With a pause costing 10 cycles (before Skylake) to ~140 (Skylake and later), that is
 * about 0.5-5 us, the order of what sleeping costs: a FUTEX_WAIT, the unlocker's FUTEX_WAKE and
 * a context switch back. Spinning longer than that can only lose to sleeping; spinning much
 * less gives up on critical sections that were about to end.
 * State: as futex.c: 0 free, 1 held and no sleeper, 2 held and a thread may sleep.
 * Memory order: as futex.c, and the spin's: futex_spin_common.h (shared with futex-osq, which
 * admits one spinner at a time where this lock lets every waiter spin).
 * Timed acquisition: the same CAS and bounded spin (too short, at most ~5 us, to be worth
 * reading the clock in), then futex_word.h's timed slow path: FUTEX_WAIT_BITSET until the
 * absolute CLOCK_MONOTONIC deadline, with futex_word.h's no-lost-wakeup argument. A past
 * deadline on a held lock returns after the spin, without touching the word.
 * Fairness: none, timed or not, and less than futex's: a spinner usually wins the lock against the
 * sleeper that unlock just woke.
 * Oversubscription: on 2 CPUs and more threads, a spinner burns up to its bound while the holder
 * may not even be running, then sleeps as futex does; the bound caps the waste per acquisition.
 * Context: none.
 */
#include <errno.h>
#include <stddef.h>

#include "futex_spin_common.h"
#include "futex_word.h"
#include <lockbench/lock.h>

enum { FUTEX_SPIN_LIMIT = 100 };

struct futex_spin_lock {
	atomic_uint word; /* first: futex_spin_common.h takes the lock as its word */
} LB_CACHE_ALIGNED;

_Static_assert(offsetof(struct futex_spin_lock, word) == 0, "the word comes first");

static int futex_spin_init(void *lock, unsigned permits)
{
	struct futex_spin_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->word, FUTEX_MUTEX_FREE);
	return 0;
}

/* The CAS and the bounded spin of lock and timedlock, every waiter spinning: 0 when they
 * acquired, else the last value seen in the word (not 0), from which mutex3's slow path takes
 * over. */
static unsigned futex_spin_phase(struct futex_spin_lock *l)
{
	if (futex_mutex_trylock(&l->word) == 0)
		return FUTEX_MUTEX_FREE;
	return futex_spin_bounded(&l->word, FUTEX_SPIN_LIMIT);
}

static int futex_spin_lock(void *lock, void *ctx)
{
	struct futex_spin_lock *l = lock;
	(void)ctx;
	futex_spin_common_lock_from(&l->word, futex_spin_phase(l));
	return 0;
}

static int futex_spin_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct futex_spin_lock *l = lock;
	(void)ctx;
	return futex_spin_common_timedlock_from(&l->word, futex_spin_phase(l), deadline_ns);
}

const struct lb_lock_ops lb_futex_spin_ops = {
	.name = "futex-spin",
	.description = "futex mutex that spins (read-only, bounded) before sleeping in FUTEX_WAIT",
	.props = LB_SLEEPS,
	.lock_size = sizeof(struct futex_spin_lock),
	.lock_align = _Alignof(struct futex_spin_lock),
	.init = futex_spin_init,
	.destroy = futex_spin_common_destroy,
	.lock = futex_spin_lock,
	.unlock = futex_spin_common_unlock,
	.trylock = futex_spin_common_trylock,
	.timedlock = futex_spin_timedlock,
};
