/* sem_bounded.c — bounded counting semaphore on a futex: N permits, never more.
 *
 * Algorithm: Dijkstra's counting semaphore ("Cooperating sequential processes", 1965) with its
 * count kept in a futex word, in the manner of glibc's semaphores (value plus a count of
 * sleepers, so that a post wakes only when someone may sleep). The bound is ours: init's permits
 * is also the ceiling, and a release that would raise the count above it is refused with
 * -EOVERFLOW and changes nothing. The check and the increment are one CAS (a loop on `count`),
 * never "read the value, then post": two racing releases could both see room for one.
 *   acquire: CAS count -> count - 1 while count > 0; when it is 0, announce in `sleepers`,
 *            re-read count, and FUTEX_WAIT(count, 0) if it is still 0; retract and retry.
 *   release: CAS count -> count + 1 unless count == max; then, if sleepers > 0, FUTEX_WAKE 1.
 * State: count = free permits, 0..max (the futex word); sleepers = threads between announcing
 * and retracting; max = permits, written once in init.
 * Memory order: the acquire CAS that takes a permit pairs with the release (seq_cst) CAS in the
 * post that returned one. Every write to count is a read-modify-write, so they all continue one
 * release sequence: a taker synchronizes with every earlier post, whichever it "got".
 * No lost wakeup, by the store-buffering (Dekker) argument, which needs seq_cst on all four
 * accesses: the sleeper does {add to sleepers; read count}, the poster {add to count; read
 * sleepers}. In the single total order of seq_cst operations one of the two writes comes first,
 * so either the sleeper's re-read sees the new permit (and does not sleep) or the poster sees
 * the sleeper (and wakes someone); FUTEX_WAIT's compare-and-sleep, atomic against FUTEX_WAKE,
 * closes the gap between the re-read and the sleep. The retraction is seq_cst too, so that the
 * poster's read of sleepers stays within that one order. Failed CASes are relaxed: they only
 * reload the value to retry with.
 * Timed acquisition of one permit: lock's loop with FUTEX_WAIT_BITSET until the absolute
 * CLOCK_MONOTONIC deadline (futex_word_wait_until). Each round tries the CAS first and gives up
 * only after a failed try, when the deadline has passed or the kernel reports ETIMEDOUT; either
 * way it retracts from sleepers first. No lost wake-up: the kernel reports ETIMEDOUT only to a
 * sleeper that no FUTEX_WAKE dequeued (futex_word.h), so a waiter that gives up consumed no
 * wake-up; a woken one always tries the CAS again, so the post that woke it is either taken by
 * it or by another taker. A past deadline with no permit free returns without announcing.
 * Fairness: none, timed or not; a waker wakes an arbitrary sleeper, and new arrivals take permits
 * before it runs. Releasing when there is room never waits.
 * Oversubscription: degrades gracefully: waiters sleep.
 * Context: none.
 */
#include <errno.h>

#include "futex_word.h"
#include <lockbench/lock.h>

struct sem_bounded {
	atomic_uint count;    /* the futex word */
	/* Same line as count: written only on the slow path; every release reads it just after
	 * its CAS on count brought the line in, so the read costs no extra miss. */
	atomic_uint sleepers;
	unsigned max;
} LB_CACHE_ALIGNED;

static int sem_bounded_init(void *lock, unsigned permits)
{
	struct sem_bounded *s = lock;
	if (permits < 1)
		return -EINVAL;
	atomic_init(&s->count, permits);
	atomic_init(&s->sleepers, 0);
	s->max = permits;
	return 0;
}

static void sem_bounded_destroy(void *lock)
{
	(void)lock;
}

static int sem_bounded_trylock(void *lock, void *ctx)
{
	struct sem_bounded *s = lock;
	(void)ctx;
	/* Relaxed: only the starting guess for the CAS. */
	unsigned c = atomic_load_explicit(&s->count, memory_order_relaxed);
	while (c > 0) {
		if (atomic_compare_exchange_weak_explicit(&s->count, &c, c - 1, memory_order_acquire,
							  memory_order_relaxed))
			return 0;
	}
	return -EBUSY;
}

static int sem_bounded_lock(void *lock, void *ctx)
{
	struct sem_bounded *s = lock;
	for (;;) {
		if (sem_bounded_trylock(lock, ctx) == 0)
			return 0;
		atomic_fetch_add_explicit(&s->sleepers, 1, memory_order_seq_cst);
		if (atomic_load_explicit(&s->count, memory_order_seq_cst) == 0)
			(void)futex_word_wait(&s->count, 0); /* woken, EAGAIN or EINTR: retry */
		atomic_fetch_sub_explicit(&s->sleepers, 1, memory_order_seq_cst);
	}
}

static int sem_bounded_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct sem_bounded *s = lock;
	for (;;) {
		if (sem_bounded_trylock(lock, ctx) == 0)
			return 0;
		if (lb_now_ns() >= deadline_ns)
			return -ETIMEDOUT;
		/* seq_cst, the announce/re-read/retract of lock: the header's Dekker argument. */
		atomic_fetch_add_explicit(&s->sleepers, 1, memory_order_seq_cst);
		int rc = 0;
		if (atomic_load_explicit(&s->count, memory_order_seq_cst) == 0)
			rc = futex_word_wait_until(&s->count, 0, deadline_ns);
		atomic_fetch_sub_explicit(&s->sleepers, 1, memory_order_seq_cst);
		if (rc == -ETIMEDOUT)
			return -ETIMEDOUT; /* queued until the deadline: no wake-up was ours */
	}
}

static int sem_bounded_unlock(void *lock, void *ctx)
{
	struct sem_bounded *s = lock;
	(void)ctx;
	/* Relaxed: only the starting guess for the CAS. */
	unsigned c = atomic_load_explicit(&s->count, memory_order_relaxed);
	do {
		if (c >= s->max)
			return -EOVERFLOW;
	} while (!atomic_compare_exchange_weak_explicit(&s->count, &c, c + 1, memory_order_seq_cst,
							memory_order_relaxed));
	if (atomic_load_explicit(&s->sleepers, memory_order_seq_cst) > 0)
		futex_word_wake(&s->count, 1);
	return 0;
}

const struct lb_lock_ops lb_sem_bounded_ops = {
	.name = "sem-bounded",
	.description = "futex counting semaphore with N permits; releasing past N is -EOVERFLOW",
	.props = LB_COUNTING | LB_BOUNDED | LB_SLEEPS,
	.lock_size = sizeof(struct sem_bounded),
	.lock_align = _Alignof(struct sem_bounded),
	.init = sem_bounded_init,
	.destroy = sem_bounded_destroy,
	.lock = sem_bounded_lock,
	.unlock = sem_bounded_unlock,
	.trylock = sem_bounded_trylock,
	.timedlock = sem_bounded_timedlock,
};
