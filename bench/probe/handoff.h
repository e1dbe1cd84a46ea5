/* handoff.h — a lock's handoff cost: half the round trip of a strict two-thread ping-pong
 * through the lock, set next to half the c2c round trip (c2c.h) to show how far the lock is
 * from the hardware's floor. The definition, and why it is built that way, is in handoff.c.
 */
#ifndef LB_HANDOFF_H
#define LB_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

#include <lockbench/lock.h>

struct topo;

#define HANDOFF_ROUNDS 100                  /* round trips (two handoffs) per sample */
#define HANDOFF_TIME_LIMIT_NS 2000000000ull /* the whole measurement, by default */

struct handoff_result {
	unsigned samples;          /* samples written (fewer than asked when the limit cut in) */
	uint64_t turns_a, turns_b; /* turns each side took, warm-up included; strict
				    * alternation means they differ by at most one */
	uint64_t retries_a, retries_b; /* acquisitions that found it was not their turn (the
				    * lock gave itself back to the thread that just let go) */
	uint64_t sleeps_a, sleeps_b; /* voluntary context switches of each side while it ran:
				    * how often a sleeping lock did put its waiter to sleep */
	bool timed_out;            /* the time limit stopped it (samples may still be > 0) */
	bool killed;               /* it did not stop when asked and was killed: a thread was
				    * stuck inside the lock; the counts are unknown (0) */
};

/* Whether handoff_measure can run this lock: a lock at permits = 1 (not LB_NOT_A_LOCK). */
bool handoff_supported(const struct lb_lock_ops *ops);

/* Measure `nsamples` samples of the handoff cost of `ops` between cpu_a and cpu_b (distinct,
 * allowed), each the mean over `rounds` round trips (0: HANDOFF_ROUNDS), into handoff_ns[] in
 * time order. The lock runs in a child process under `time_limit_ns` (0: the default): past
 * it the threads are told to stop, and a second later the child is killed, so this returns in
 * bounded time whatever the lock does. res gets the counts.
 *
 * Returns 0 when at least one sample was taken (res->samples says how many; res->timed_out
 * whether the limit cut in), -ETIMEDOUT when none was, -EOPNOTSUPP for a lock it cannot run,
 * -EINVAL for bad arguments, or the negative errno of what failed (binding a thread: topo's
 * code; the lock's init, lock or unlock; fork, mmap). */
int handoff_measure(const struct lb_lock_ops *ops, struct topo *t, int cpu_a, int cpu_b,
		    unsigned rounds, double *handoff_ns, unsigned nsamples, uint64_t time_limit_ns,
		    struct handoff_result *res);

#endif
