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
 * Memory order: as futex.c: the acquire CAS (fast path or after a spin) or the acquire exchange
 * that returns 0 pairs with the release exchange of 0 in unlock. The spinning load is relaxed:
 * it only decides when to try the CAS, which does the acquiring.
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

#include "futex_word.h"
#include <lockbench/lock.h>

enum { FUTEX_SPIN_LIMIT = 100 };

struct futex_spin_lock {
	atomic_uint word;
} LB_CACHE_ALIGNED;

static int futex_spin_init(void *lock, unsigned permits)
{
	struct futex_spin_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->word, FUTEX_MUTEX_FREE);
	return 0;
}

static void futex_spin_destroy(void *lock)
{
	(void)lock;
}

/* The CAS and the bounded spin of lock and timedlock: 0 when they acquired, else the last value
 * seen in the word (not 0), from which mutex3's slow path takes over. */
static unsigned futex_spin_phase(struct futex_spin_lock *l)
{
	if (futex_mutex_trylock(&l->word) == 0)
		return FUTEX_MUTEX_FREE;
	unsigned c = FUTEX_MUTEX_FREE;
	for (int i = 0; i < FUTEX_SPIN_LIMIT; i++) {
		lb_cpu_relax();
		/* Relaxed: a hint for when to try; the CAS below acquires, pairing (as in
		 * futex_mutex_trylock) with the release exchange in futex_mutex_unlock. */
		c = atomic_load_explicit(&l->word, memory_order_relaxed);
		if (c == FUTEX_MUTEX_FREE &&
		    atomic_compare_exchange_strong_explicit(&l->word, &c, FUTEX_MUTEX_LOCKED,
							    memory_order_acquire,
							    memory_order_relaxed))
			return FUTEX_MUTEX_FREE;
	}
	/* A failed CAS left in c the value it saw, which is not 0, like a plain read that
	 * ended the loop without trying: either way c != 0 here. */
	return c;
}

static int futex_spin_lock(void *lock, void *ctx)
{
	struct futex_spin_lock *l = lock;
	(void)ctx;
	unsigned c = futex_spin_phase(l);
	if (c != FUTEX_MUTEX_FREE)
		futex_mutex_lock_slow(&l->word, c);
	return 0;
}

static int futex_spin_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct futex_spin_lock *l = lock;
	(void)ctx;
	unsigned c = futex_spin_phase(l);
	return c == FUTEX_MUTEX_FREE ? 0 : futex_mutex_timedlock_slow(&l->word, c, deadline_ns);
}

static int futex_spin_trylock(void *lock, void *ctx)
{
	struct futex_spin_lock *l = lock;
	(void)ctx;
	return futex_mutex_trylock(&l->word);
}

static int futex_spin_unlock(void *lock, void *ctx)
{
	struct futex_spin_lock *l = lock;
	(void)ctx;
	futex_mutex_unlock(&l->word);
	return 0;
}

const struct lb_lock_ops lb_futex_spin_ops = {
	.name = "futex-spin",
	.description = "futex mutex that spins (read-only, bounded) before sleeping in FUTEX_WAIT",
	.props = LB_SLEEPS,
	.lock_size = sizeof(struct futex_spin_lock),
	.lock_align = _Alignof(struct futex_spin_lock),
	.init = futex_spin_init,
	.destroy = futex_spin_destroy,
	.lock = futex_spin_lock,
	.unlock = futex_spin_unlock,
	.trylock = futex_spin_trylock,
	.timedlock = futex_spin_timedlock,
};
