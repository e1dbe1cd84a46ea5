/* exclusion_check.h — the mutual-exclusion checker shared by locks_stress (every registered
 * lock), locks_broken (it must catch the deliberately broken lock) and locks_tsan_control (TSan
 * must see the races it makes under relaxed-tas).
 *
 * T threads each take the lock `ops_per_thread` times, a mix of lock() and trylock() (a few
 * trylock attempts, then lock()). Inside the critical section two plain shared words `a` and `b`
 * are read, the invariant a == b is checked, `a` is incremented, the thread sometimes pauses or
 * yields, and `b` is incremented. Under a correct lock no one ever sees a != b and both end at
 * the number of critical sections all threads completed. Under a lock that lets two threads in,
 * one of them reads the other's half-done update (a violation) or an increment is lost (the
 * final count falls short).
 *
 * excl_check_timed adds timedlock to the mix (locks_timed): every fourth critical section tries
 * up to four timedlocks with a deadline `timeout_ns` ahead, and another fourth up to four with
 * a deadline already past, before falling back on lock(). A timedlock may return only 0 or
 * -ETIMEDOUT; the timeouts are counted.
 */
#ifndef LB_EXCLUSION_CHECK_H
#define LB_EXCLUSION_CHECK_H

#include <stdint.h>

#include <lockbench/lock.h>

struct excl_result {
	int err;                /* 0, or the first unexpected result of init/lock/trylock/unlock */
	const char *err_what;   /* which call returned err */
	uint64_t expected;      /* critical sections the threads completed (sum of their counts) */
	uint64_t final_a, final_b;
	uint64_t violations;    /* critical sections that saw a != b on entry */
	uint64_t by_trylock;    /* critical sections entered by trylock rather than lock */
	uint64_t by_timedlock;  /* ... by timedlock (excl_check_timed only) */
	uint64_t timeouts;      /* timedlocks that returned -ETIMEDOUT */
	double elapsed_s;       /* for the report only: nothing asserts a speed */
};

/* Run the check with `threads` threads and a fresh lock made with permits 1. */
void excl_check(const struct lb_lock_ops *ops, unsigned threads, uint64_t ops_per_thread,
		struct excl_result *r);

/* The same with timedlock in the mix; timeout_ns > 0. */
void excl_check_timed(const struct lb_lock_ops *ops, unsigned threads, uint64_t ops_per_thread,
		      uint64_t timeout_ns, struct excl_result *r);

/* Whether the result shows a broken lock (or an error). */
static inline int excl_failed(const struct excl_result *r)
{
	return r->err || r->violations || r->final_a != r->expected || r->final_b != r->expected;
}

#endif
