/* deadline.h — what the timedlock implementations share (static inline; not installed):
 * turning a deadline into a timespec, and polling trylock until a deadline.
 *
 * lb_poll_trylock_until is the timed acquisition of the locks whose waiter cannot leave its
 * queue once it has joined it (ticket, mcs, clh and the Concurrency Kit references): it never
 * joins. It calls trylock, and while trylock says -EBUSY and the deadline has not passed, waits
 * a bounded, doubling number of pauses (1 to LB_POLL_BACKOFF_MAX = 128, about 0.5-6 us, ttas.c's
 * bound and reason: the order of a futex sleep and wake) and tries again. The clock is read once
 * per failed attempt, which the back-off makes at most one vDSO call per microsecond or so.
 * Not FIFO: a poller holds no place in the queue, takes the lock only at an instant when the
 * queue is empty, and can be passed over for as long as the queue never drains (it then times
 * out). The first attempt comes before the first clock read, so a free lock is taken even with
 * a deadline in the past (as POSIX requires of pthread_mutex_timedlock).
 * Memory order: trylock's own; the poll adds no shared access.
 */
#ifndef LB_DEADLINE_H
#define LB_DEADLINE_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

#include <lockbench/lock.h>

enum { LB_POLL_BACKOFF_MAX = 128 };

/* Spin loops read the clock once every LB_SPINS_PER_CLOCK_READ failed attempts (and at the
 * first), so that a past deadline is noticed at once and a long wait costs one clock read per
 * 64 pauses. */
enum { LB_SPINS_PER_CLOCK_READ = 64 };

static inline struct timespec lb_deadline_timespec(uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / UINT64_C(1000000000)),
		.tv_nsec = (long)(deadline_ns % UINT64_C(1000000000)),
	};
	return ts;
}

static inline int lb_poll_trylock_until(int (*trylock)(void *lock, void *ctx), void *lock,
					void *ctx, uint64_t deadline_ns)
{
	unsigned backoff = 1;
	for (;;) {
		int rc = trylock(lock, ctx);
		if (rc != -EBUSY)
			return rc; /* 0, or a real error that waiting would not cure */
		if (lb_now_ns() >= deadline_ns)
			return -ETIMEDOUT;
		for (unsigned i = 0; i < backoff; i++)
			lb_cpu_relax();
		if (backoff < LB_POLL_BACKOFF_MAX)
			backoff *= 2;
	}
}

#endif
