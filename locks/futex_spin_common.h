/* futex_spin_common.h — what futex-spin (futex_spin.c) and futex-osq (futex_osq.c) share: the
 * bounded read-only spin in front of mutex3's sleeping path, and the vtable functions that are
 * plain futex_word.h calls. Each lock keeps its own phase (which threads may spin, and how long)
 * and its own header comment arguing it. Static inline so that each including file keeps exactly
 * one exported symbol (its ops). Not installed.
 *
 * Both locks' structs begin with the futex word (`atomic_uint word`, asserted by each file), so
 * the functions here take the lock pointer as a pointer to that word.
 * State: as futex.c: 0 free, 1 held and no sleeper, 2 held and a thread may sleep.
 * Memory order, the shared part: as futex.c: the acquire CAS (fast path or after a spin) or the
 * acquire exchange in mutex3's slow path that returns 0 pairs with the release exchange of 0 in
 * futex_mutex_unlock, so the previous holder's critical section happens-before ours. The
 * spinning load is relaxed: it only decides when to try the CAS, which does the acquiring; a
 * failed CAS is relaxed: it acquires nothing and leaves in c the value it saw.
 * Timed acquisition: the spin is short (microseconds), not worth reading the clock in; then
 * futex_word.h's timed slow path: FUTEX_WAIT_BITSET until the absolute CLOCK_MONOTONIC
 * deadline, with futex_word.h's no-lost-wakeup argument.
 */
#ifndef LB_FUTEX_SPIN_COMMON_H
#define LB_FUTEX_SPIN_COMMON_H

#include <stdatomic.h>
#include <stdint.h>

#include "futex_word.h"
#include <lockbench/lock.h>

/* Up to `limit` rounds of a pause and a relaxed read of the word, with the CAS 0 -> 1 tried
 * only on reading 0. Returns 0 (FUTEX_MUTEX_FREE) when the CAS acquired, else the last value
 * seen, which is not 0: a failed CAS leaves in c the value it saw, which is not 0, like a plain
 * read that ended the loop without trying. limit must be at least 1. Always inlined: gcc would
 * otherwise keep one out-of-line copy for futex-spin's lock and timedlock, a call on the
 * contended path that the code before this header did not make (the objdump check of the
 * change that made this header). */
static inline __attribute__((always_inline)) unsigned futex_spin_bounded(atomic_uint *word, int limit)
{
	unsigned c = FUTEX_MUTEX_FREE;
	for (int i = 0; i < limit; i++) {
		lb_cpu_relax();
		/* Relaxed: a hint for when to try; the CAS below acquires, pairing (as in
		 * futex_mutex_trylock) with the release exchange in futex_mutex_unlock. */
		c = atomic_load_explicit(word, memory_order_relaxed);
		if (c == FUTEX_MUTEX_FREE &&
		    atomic_compare_exchange_strong_explicit(word, &c, FUTEX_MUTEX_LOCKED,
							    memory_order_acquire,
							    memory_order_relaxed))
			return FUTEX_MUTEX_FREE;
	}
	return c;
}

/* lock after a phase that returned c: done if 0, else mutex3's sleeping path from c. */
static inline void futex_spin_common_lock_from(atomic_uint *word, unsigned c)
{
	if (c != FUTEX_MUTEX_FREE)
		futex_mutex_lock_slow(word, c);
}

/* timedlock after a phase that returned c: the same, until deadline_ns. */
static inline int futex_spin_common_timedlock_from(atomic_uint *word, unsigned c,
						   uint64_t deadline_ns)
{
	return c == FUTEX_MUTEX_FREE ? 0 : futex_mutex_timedlock_slow(word, c, deadline_ns);
}

static inline void futex_spin_common_destroy(void *lock)
{
	(void)lock;
}

/* lock points at a struct whose first member is the word. */
static inline int futex_spin_common_trylock(void *lock, void *ctx)
{
	(void)ctx;
	return futex_mutex_trylock((atomic_uint *)lock);
}

static inline int futex_spin_common_unlock(void *lock, void *ctx)
{
	(void)ctx;
	futex_mutex_unlock((atomic_uint *)lock);
	return 0;
}

#endif
