/* futex_osq.c — futex mutex with optimistic spinning by one spinner at a time (osq-style).
 *
 * Algorithm: futex.c's three-state mutex (Drepper, "Futexes Are Tricky", mutex3; code in
 * futex_word.h) with the admission rule of Linux's optimistic spinning (kernel/locking/
 * mutex.c with osq_lock.c, after Waiman Long's "optimistic spin queue", 2014): of the threads
 * that find the lock held, at most one spins on the lock word at a time, so that the holder's
 * line is pulled by one reader, not by all of them, and at most one CPU is burnt waiting. Linux
 * queues the other would-be spinners in an MCS queue (the osq) where each spins on its own
 * node; with two CPUs and the bound below, a second spinner could only spin while the holder
 * and the first spinner share one CPU, so we keep the osq of length one: the `spinner` flag is
 * the queue's head, and a thread that finds it taken goes straight to sleep (mutex3's slow
 * path). The spinner reads the word (read-only, a pause between reads) and tries the CAS 0 -> 1
 * only when it reads 0; after FUTEX_OSQ_SPIN_LIMIT reads it gives the flag up and sleeps too.
 * Linux spins while the owner is running on a CPU; a user-space lock cannot see that, so the
 * spin is bounded by count instead, as in futex-spin.
 * The bound: 200 reads, twice futex-spin's 100 (glibc's adaptive default), about 1-10 us
 * depending on the pause's cost: one spinner burns one CPU, not every waiter's, so it can
 * afford to wait for a somewhat longer critical section before paying a sleep and a wake-up.
 * State: word as futex.c (0 free, 1 held and no sleeper, 2 held and a thread may sleep);
 * spinner = 1 while a thread owns the right to spin.
 * unlock: mutex3's: exchange in 0, and FUTEX_WAKE one thread only when it read 2, i.e. when a
 * thread has announced that it sleeps. The spinner never announces itself (it never writes 2),
 * so a lock contended by the holder and the spinner alone is released without a system call.
 * Memory order: the acquire CAS (fast path or spinner) or the acquire exchange returning 0 in
 * the slow path pairs with the release exchange of 0 in unlock, as in futex.c; the spin itself
 * is futex_spin_common.h's (shared with futex-spin), whose relaxed load only decides when to
 * try the CAS, which acquires. Departing from futex-spin: `spinner`
 * guards no data, only the right to spin, so its CAS (taking it) and store (giving it back)
 * are relaxed: a stale read of it can only send a thread to sleep early or let a second
 * thread spin for one bound, never break exclusion, which the word alone provides.
 * Timed acquisition: the same CAS and bounded spin (too short, at most ~10 us, to be worth
 * reading the clock in), then futex_word.h's timed slow path (FUTEX_WAIT_BITSET until the
 * absolute deadline) with its no-lost-wake-up argument. A past deadline on a held lock returns
 * after the spin (or at once when another thread is spinning), without touching the word.
 * Fairness: none: a spinner usually wins the lock against the sleeper that unlock just woke.
 * Oversubscription: the point of it. With 4 threads on 2 CPUs futex-spin lets every waiter spin
 * up to its bound while the holder may be preempted; here one does, the others sleep at once and
 * leave the CPU to the holder.
 * Context: none.
 * Models: models/futex_osq.pml (mutual exclusion, no lost wake-up, at most one spinner).
 */
#include <errno.h>
#include <stddef.h>

#include "futex_spin_common.h"
#include "futex_word.h"
#include <lockbench/lock.h>

enum { FUTEX_OSQ_SPIN_LIMIT = 200 };

struct futex_osq_lock {
	atomic_uint word; /* first: futex_spin_common.h takes the lock as its word */
	atomic_uint spinner; /* same line: the spinner reads the word anyway */
} LB_CACHE_ALIGNED;

_Static_assert(offsetof(struct futex_osq_lock, word) == 0, "the word comes first");

static int futex_osq_init(void *lock, unsigned permits)
{
	struct futex_osq_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->word, FUTEX_MUTEX_FREE);
	atomic_init(&l->spinner, 0);
	return 0;
}

/* The CAS and, when we get the right to spin, the bounded spin: 0 when they acquired, else the
 * last value seen in the word (not 0), from which mutex3's slow path takes over. */
static unsigned futex_osq_phase(struct futex_osq_lock *l)
{
	unsigned c = FUTEX_MUTEX_FREE;
	/* Orders as in futex_mutex_trylock; on failure c is the value seen (not 0). */
	if (atomic_compare_exchange_strong_explicit(&l->word, &c, FUTEX_MUTEX_LOCKED,
						    memory_order_acquire, memory_order_relaxed))
		return FUTEX_MUTEX_FREE;
	unsigned idle = 0;
	/* Relaxed: see the header; the plain load first keeps the line shared when taken. */
	if (atomic_load_explicit(&l->spinner, memory_order_relaxed) ||
	    !atomic_compare_exchange_strong_explicit(&l->spinner, &idle, 1, memory_order_relaxed,
						     memory_order_relaxed))
		return c; /* someone spins already: sleep */
	c = futex_spin_bounded(&l->word, FUTEX_OSQ_SPIN_LIMIT);
	/* Relaxed: see the header. */
	atomic_store_explicit(&l->spinner, 0, memory_order_relaxed);
	return c; /* 0 when the CAS succeeded; else the value seen, not 0 */
}

static int futex_osq_lock(void *lock, void *ctx)
{
	struct futex_osq_lock *l = lock;
	(void)ctx;
	futex_spin_common_lock_from(&l->word, futex_osq_phase(l));
	return 0;
}

static int futex_osq_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct futex_osq_lock *l = lock;
	(void)ctx;
	return futex_spin_common_timedlock_from(&l->word, futex_osq_phase(l), deadline_ns);
}

const struct lb_lock_ops lb_futex_osq_ops = {
	.name = "futex-osq",
	.description = "futex mutex where one waiter at a time spins (bounded) and the rest sleep",
	.props = LB_SLEEPS,
	.lock_size = sizeof(struct futex_osq_lock),
	.lock_align = _Alignof(struct futex_osq_lock),
	.init = futex_osq_init,
	.destroy = futex_spin_common_destroy,
	.lock = futex_osq_lock,
	.unlock = futex_spin_common_unlock,
	.trylock = futex_spin_common_trylock,
	.timedlock = futex_osq_timedlock,
};
