/* futex_word.h — the futex system call and the three-state futex mutex, shared (static inline)
 * by futex.c, futex_spin.c, reentrant.c and sem_bounded.c. Not installed: nothing outside locks/
 * needs it.
 *
 * The kernel's promise we build on (futex(2)): FUTEX_WAIT loads the word, compares it with the
 * expected value and puts the caller to sleep as one step, totally ordered against FUTEX_WAKE
 * on the same word. So a waker that changes the word and then calls FUTEX_WAKE either finds the
 * sleeper queued or makes its compare fail (EAGAIN). The system call itself orders nothing for
 * C11: every happens-before edge in these locks goes through an atomic operation on the word.
 *
 * The mutex is Drepper's "mutex3" ("Futexes Are Tricky", 2004, rev. 2011):
 *   0 unlocked, 1 locked with no sleeper, 2 locked and a thread may be sleeping.
 *   lock:   CAS 0 -> 1; if that fails, exchange in 2 until the exchange returns 0, sleeping in
 *           FUTEX_WAIT(word, 2) between tries.
 *   unlock: exchange in 0; if it returned 2, FUTEX_WAKE one sleeper.
 * Departure from the paper: unlock is one exchange instead of "atomic_dec, and if the result is
 * not 0 store 0": the same transitions in one instruction on x86.
 * A woken thread exchanges in 2, not 1, since it cannot know whether others still sleep; the
 * price is at most one futile FUTEX_WAKE at the end of a contended episode.
 *
 * Timed acquisition (futex_mutex_timedlock): the same slow path, sleeping in FUTEX_WAIT_BITSET
 * with FUTEX_BITSET_MATCH_ANY, which takes an absolute CLOCK_MONOTONIC deadline (plain
 * FUTEX_WAIT takes a relative one, which would have to be recomputed after every wake-up).
 * A timed waiter gives up only when the kernel says ETIMEDOUT, never on its own reading of the
 * clock after a wake-up, and that keeps the no-lost-wakeup argument:
 *  - The kernel reports ETIMEDOUT only if the waiter was still queued when its timer fired;
 *    a waiter that a FUTEX_WAKE dequeued returns 0 even if its timer has fired too
 *    (kernel/futex/waitwake.c: "If we were woken (and unqueued), we succeeded, whatever").
 *    So a waiter that gives up consumed no wake-up: the unlock's FUTEX_WAKE went to another
 *    sleeper, or found none, in which case no one sleeps.
 *  - A waiter that returns from the wait for any other reason (woken, EAGAIN, EINTR) exchanges
 *    in 2 again before it may give up: if it was woken, it either takes the lock or sees it
 *    held, and then the word is 2 and the holder's unlock will wake the next sleeper.
 *  - A waiter that gives up leaves the word at 2 although it no longer sleeps: that costs the
 *    next unlock one futile FUTEX_WAKE, as a woken thread's 2 does, and nothing else.
 *  - A deadline already past when the fast path fails returns before touching the word.
 */
#ifndef LB_FUTEX_WORD_H
#define LB_FUTEX_WORD_H

#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include <lockbench/lock.h>

enum { FUTEX_MUTEX_FREE = 0, FUTEX_MUTEX_LOCKED = 1, FUTEX_MUTEX_CONTENDED = 2 };

_Static_assert(sizeof(atomic_uint) == 4, "a futex word is 32 bits");

/* Sleep while *word == expected. Returns 0 when woken, or the kernel's reason for returning at
 * once (-EAGAIN: the word had changed; -EINTR: a signal): every caller re-examines the word and
 * retries, so none of them needs to tell these apart. */
static inline int futex_word_wait(atomic_uint *word, unsigned expected)
{
	if (syscall(SYS_futex, (void *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0) == 0)
		return 0;
	return -errno;
}

/* Sleep while *word == expected, until CLOCK_MONOTONIC reaches deadline_ns. Returns 0 when
 * woken, -ETIMEDOUT when the deadline passed while we were queued (and only then: see above),
 * or, as futex_word_wait, -EAGAIN or -EINTR. */
static inline int futex_word_wait_until(atomic_uint *word, unsigned expected, uint64_t deadline_ns)
{
	struct timespec abs = lb_deadline_timespec(deadline_ns);
	if (syscall(SYS_futex, (void *)word, FUTEX_WAIT_BITSET_PRIVATE, expected, &abs, NULL,
		    FUTEX_BITSET_MATCH_ANY) == 0)
		return 0;
	return -errno;
}

/* Wake up to `count` threads sleeping on word. */
static inline void futex_word_wake(atomic_uint *word, int count)
{
	/* It cannot fail for a valid, private, aligned word; and there is nothing a waker could do
	 * about a failure but lose the wakeup anyway. */
	(void)syscall(SYS_futex, (void *)word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

static inline int futex_mutex_trylock(atomic_uint *word)
{
	unsigned c = FUTEX_MUTEX_FREE;
	/* Acquire on success pairs with the release exchange in futex_mutex_unlock. A failure
	 * acquires nothing, so it is relaxed. */
	if (atomic_compare_exchange_strong_explicit(word, &c, FUTEX_MUTEX_LOCKED,
						    memory_order_acquire, memory_order_relaxed))
		return 0;
	return -EBUSY;
}

/* The contended path, entered with c = the last value seen in the word (non-zero). */
static inline void futex_mutex_lock_slow(atomic_uint *word, unsigned c)
{
	/* Announce a sleeper before sleeping: unlock sees 2 and wakes us. When the exchange
	 * returns 0 we own the lock (in state 2); acquire pairs with the release exchange in
	 * futex_mutex_unlock. Seeing 2 already, the announcement is made: go straight to sleep. */
	if (c != FUTEX_MUTEX_CONTENDED)
		c = atomic_exchange_explicit(word, FUTEX_MUTEX_CONTENDED, memory_order_acquire);
	while (c != FUTEX_MUTEX_FREE) {
		(void)futex_word_wait(word, FUTEX_MUTEX_CONTENDED);
		c = atomic_exchange_explicit(word, FUTEX_MUTEX_CONTENDED, memory_order_acquire);
	}
}

static inline void futex_mutex_lock(atomic_uint *word)
{
	unsigned c = FUTEX_MUTEX_FREE;
	/* Orders as in futex_mutex_trylock; on failure c is the value we saw. */
	if (!atomic_compare_exchange_strong_explicit(word, &c, FUTEX_MUTEX_LOCKED,
						     memory_order_acquire, memory_order_relaxed))
		futex_mutex_lock_slow(word, c);
}

/* The contended path with a deadline, entered as futex_mutex_lock_slow. 0 when acquired, else
 * -ETIMEDOUT; the header argues why giving up loses no wake-up. */
static inline int futex_mutex_timedlock_slow(atomic_uint *word, unsigned c, uint64_t deadline_ns)
{
	if (lb_now_ns() >= deadline_ns)
		return -ETIMEDOUT; /* nothing announced, nothing to undo */
	/* Orders as in futex_mutex_lock_slow: an exchange returning 0 acquires. */
	if (c != FUTEX_MUTEX_CONTENDED)
		c = atomic_exchange_explicit(word, FUTEX_MUTEX_CONTENDED, memory_order_acquire);
	while (c != FUTEX_MUTEX_FREE) {
		if (futex_word_wait_until(word, FUTEX_MUTEX_CONTENDED, deadline_ns) == -ETIMEDOUT)
			return -ETIMEDOUT;
		c = atomic_exchange_explicit(word, FUTEX_MUTEX_CONTENDED, memory_order_acquire);
	}
	return 0;
}

static inline int futex_mutex_timedlock(atomic_uint *word, uint64_t deadline_ns)
{
	unsigned c = FUTEX_MUTEX_FREE;
	/* Orders as in futex_mutex_trylock; on failure c is the value we saw. */
	if (atomic_compare_exchange_strong_explicit(word, &c, FUTEX_MUTEX_LOCKED,
						    memory_order_acquire, memory_order_relaxed))
		return 0;
	return futex_mutex_timedlock_slow(word, c, deadline_ns);
}

static inline void futex_mutex_unlock(atomic_uint *word)
{
	/* Release: our critical section happens-before that of whoever's acquire reads this 0.
	 * Only the holder ever writes 0, so the exchange cannot race another release. */
	if (atomic_exchange_explicit(word, FUTEX_MUTEX_FREE, memory_order_release) ==
	    FUTEX_MUTEX_CONTENDED)
		futex_word_wake(word, 1);
}

#endif
