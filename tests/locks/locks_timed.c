/* locks_timed.c — timedlock, for every registered lock (lock.h: 0 when acquired, -ETIMEDOUT once
 * CLOCK_MONOTONIC reaches the absolute deadline without it).
 *
 * - registry: every registered lock has a timedlock;
 * - free: timedlock on a free lock succeeds, with a deadline ahead, one already past (now - 1,
 *   0) and UINT64_MAX, and the lock then excludes (another thread's trylock is -EBUSY; after
 *   unlock it succeeds); with LB_REENTRANT the owner's timedlock re-enters at once, even past
 *   its deadline;
 * - held: held by another thread, timedlock returns -ETIMEDOUT, and not before its deadline
 *   (the clock read after it returned is >= the deadline); no upper bound is asserted but a hang
 *   guard (HANG_GUARD_S); the lock is still held afterwards and free once its holder unlocks;
 * - past: held, with a deadline already past (now - 1 and 0), -ETIMEDOUT, within the guard;
 * - handoff: a waiter in timedlock with a distant deadline (+10 s, and UINT64_MAX) gets the
 *   lock when the holder releases it, and only after (a flag the holder sets just before its
 *   unlock);
 * - counting: with LB_COUNTING and 2 permits, timedlock takes one permit each, a third times
 *   out while both are held and succeeds once one is returned;
 * - stress: the exclusion checker (exclusion_check.c) with lock, trylock and timedlock mixed,
 *   short deadlines (so that many time out), at 1, 2 and 4 threads. At 1 thread every timedlock
 *   finds the lock free and must succeed.
 * LB_NOT_A_LOCK (`null`) excludes nothing: only "timedlock succeeds at once" applies.
 *
 * Negative controls, the same checks on test-only locks of broken_locks.c, must fail:
 * timed-fake (returns 0 without the lock: held and stress), timed-early (gives up before the
 * deadline: held, handoff), timed-never (ignores the deadline: held's hang guard, here 1 s), and
 * tas's ops with timedlock removed (registry). Nothing asserts a speed; elapsed times are
 * printed.
 * Usage: locks_timed [--lock NAME]
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broken_locks.h"
#include "exclusion_verdict.h"
#include "test_util.h"

#define MS UINT64_C(1000000)
#define SECOND UINT64_C(1000000000)

enum { HANG_GUARD_S = 10 };
static const uint64_t HOLD_TIMEOUT_NS = 30 * MS; /* the "held" check's deadline, from now */
static const uint64_t STRESS_TIMEOUT_NS = 50000;  /* 50 us: short, so that many time out */

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / SECOND), .tv_nsec = (long)(ns % SECOND) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A thread that takes the lock with lock() and holds it until told to release it. */
enum { HOLDER_STARTING, HOLDER_HOLDS, HOLDER_RELEASE, HOLDER_FAILED };

struct holder {
	const struct lb_lock_ops *ops;
	void *lock;
	atomic_int state;
	atomic_int released; /* set just before the unlock: what a waiter that gets in must see */
	int lock_rc, unlock_rc;
	pthread_t tid;
};

static void *holder_main(void *arg)
{
	struct holder *h = arg;
	void *ctx = tu_ctx_new(h->ops);
	h->lock_rc = ctx ? h->ops->lock(h->lock, ctx) : -ENOMEM;
	if (h->lock_rc) {
		atomic_store(&h->state, HOLDER_FAILED);
		tu_ctx_free(h->ops, ctx);
		return NULL;
	}
	atomic_store(&h->state, HOLDER_HOLDS);
	/* Bounded: main always asks; should it not, the lock is released after the guard anyway. */
	const uint64_t give_up = lb_now_ns() + 3 * HANG_GUARD_S * SECOND;
	while (atomic_load(&h->state) != HOLDER_RELEASE && lb_now_ns() < give_up)
		sleep_ns(MS / 10);
	atomic_store(&h->released, 1);
	h->unlock_rc = h->ops->unlock(h->lock, ctx);
	tu_ctx_free(h->ops, ctx);
	return NULL;
}

/* 1 when the holder holds the lock; 0 (holder joined) when it could not take it. */
static int holder_start(struct holder *h, const struct lb_lock_ops *ops, void *lock)
{
	memset(h, 0, sizeof *h);
	h->ops = ops;
	h->lock = lock;
	atomic_init(&h->state, HOLDER_STARTING);
	atomic_init(&h->released, 0);
	int err = pthread_create(&h->tid, NULL, holder_main, h);
	if (err)
		tu_die("locks_timed", "pthread_create", err);
	const uint64_t give_up = lb_now_ns() + HANG_GUARD_S * SECOND;
	while (atomic_load(&h->state) == HOLDER_STARTING && lb_now_ns() < give_up)
		sleep_ns(MS / 10);
	if (atomic_load(&h->state) == HOLDER_HOLDS)
		return 1;
	CHECK_EQ(h->lock_rc, 0);
	CHECK(atomic_load(&h->state) != HOLDER_STARTING); /* lock() on a free lock hung */
	if (atomic_load(&h->state) == HOLDER_FAILED)
		pthread_join(h->tid, NULL);
	return 0;
}

/* Ask the holder to release the lock, without waiting for it. */
static void holder_release(struct holder *h)
{
	atomic_store(&h->state, HOLDER_RELEASE);
}

static void holder_join(struct holder *h)
{
	holder_release(h);
	pthread_join(h->tid, NULL);
	CHECK_EQ(h->unlock_rc, 0);
}

/* A thread that calls timedlock once, with a deadline `ahead_ns` after its own reading of the
 * clock (or an absolute one), and unlocks at once if it got the lock. */
struct waiter {
	const struct lb_lock_ops *ops;
	void *lock;
	struct holder *holder; /* to read `released` right after acquiring; may be NULL */
	int absolute;          /* deadline_ns is absolute, else `ahead_ns` from the start */
	uint64_t ahead_ns, deadline_ns, start_ns, end_ns;
	int rc, unlock_rc, saw_released;
	atomic_int done;
	pthread_t tid;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	void *ctx = tu_ctx_new(w->ops);
	if (!ctx) {
		w->rc = -ENOMEM;
		atomic_store(&w->done, 1);
		return NULL;
	}
	w->start_ns = lb_now_ns();
	if (!w->absolute)
		w->deadline_ns = w->start_ns + w->ahead_ns;
	w->rc = w->ops->timedlock(w->lock, ctx, w->deadline_ns);
	w->end_ns = lb_now_ns();
	if (w->rc == 0) {
		w->saw_released = w->holder ? atomic_load(&w->holder->released) : -1;
		w->unlock_rc = w->ops->unlock(w->lock, ctx);
	}
	tu_ctx_free(w->ops, ctx);
	atomic_store(&w->done, 1);
	return NULL;
}

static void waiter_start(struct waiter *w, const struct lb_lock_ops *ops, void *lock,
			 struct holder *h, int absolute, uint64_t ns)
{
	memset(w, 0, sizeof *w);
	w->ops = ops;
	w->lock = lock;
	w->holder = h;
	w->absolute = absolute;
	if (absolute)
		w->deadline_ns = ns;
	else
		w->ahead_ns = ns;
	atomic_init(&w->done, 0);
	int err = pthread_create(&w->tid, NULL, waiter_main, w);
	if (err)
		tu_die("locks_timed", "pthread_create", err);
}

/* Wait up to guard_ns for the waiter to return. When it does not, release the holder (if any)
 * so that it can, join it, and return 0: the caller's checks then see what it returned late. */
static int waiter_join(struct waiter *w, struct holder *h, uint64_t guard_ns)
{
	const uint64_t give_up = lb_now_ns() + guard_ns;
	while (!atomic_load(&w->done) && lb_now_ns() < give_up)
		sleep_ns(MS / 10);
	int in_time = atomic_load(&w->done);
	if (!in_time && h)
		holder_release(h);
	pthread_join(w->tid, NULL);
	return in_time;
}

/* A fresh lock, initialised with `permits`; NULL (checked) when that failed. */
static void *lock_new(const struct lb_lock_ops *ops, unsigned permits)
{
	void *lock = lb_lock_alloc(ops);
	if (!CHECK(lock))
		return NULL;
	if (!CHECK_EQ(ops->init(lock, permits), 0)) {
		lb_free(lock);
		return NULL;
	}
	return lock;
}

static void lock_free(const struct lb_lock_ops *ops, void *lock)
{
	ops->destroy(lock);
	lb_free(lock);
}

static int check_registry_entry(const struct lb_lock_ops *ops)
{
	return CHECK(ops->timedlock != NULL);
}

/* free: timedlock on a free lock. */
static void check_free(const struct lb_lock_ops *ops)
{
	const int held_elsewhere = (ops->props & LB_NOT_A_LOCK) ? 0 : -EBUSY;
	void *ctx = tu_ctx_new(ops);
	void *lock = lock_new(ops, 1);
	if (!CHECK(ctx) || !lock)
		goto out;
	const uint64_t deadlines[] = { lb_now_ns() + SECOND, lb_now_ns() - 1, 0, UINT64_MAX };
	for (size_t i = 0; i < sizeof deadlines / sizeof *deadlines; i++) {
		uint64_t t0 = lb_now_ns();
		int rc = ops->timedlock(lock, ctx, deadlines[i]);
		uint64_t took = lb_now_ns() - t0;
		if (!CHECK_EQ(rc, 0))
			continue;
		if (i == 0)
			CHECK(lb_now_ns() < deadlines[0]); /* it did not wait for the deadline */
		CHECK_EQ(tu_trylock_elsewhere(ops, lock), held_elsewhere);
		if ((ops->props & LB_REENTRANT) && CHECK_EQ(ops->timedlock(lock, ctx, 0), 0)) {
			CHECK_EQ(ops->unlock(lock, ctx), 0);
			CHECK_EQ(tu_trylock_elsewhere(ops, lock), held_elsewhere);
		}
		CHECK_EQ(ops->unlock(lock, ctx), 0);
		CHECK_EQ(tu_trylock_elsewhere(ops, lock), 0);
		printf("  %-18s free: deadline %s: acquired in %.1f us, excluded, released\n",
		       ops->name, (const char *[]){ "+1 s", "now-1", "0", "UINT64_MAX" }[i],
		       (double)took / 1e3);
	}
out:
	if (lock)
		lock_free(ops, lock);
	tu_ctx_free(ops, ctx);
}

/* held: -ETIMEDOUT, not before the deadline, and the lock is unharmed. guard_ns bounds the wait
 * (a negative control that ignores its deadline gets a short one). */
static void check_held(const struct lb_lock_ops *ops, uint64_t guard_ns)
{
	struct holder h;
	struct waiter w;
	void *lock = lock_new(ops, 1);
	if (!lock)
		return;
	if (!holder_start(&h, ops, lock))
		goto out;
	waiter_start(&w, ops, lock, &h, 0, HOLD_TIMEOUT_NS);
	int in_time = waiter_join(&w, &h, guard_ns);
	CHECK(in_time); /* else it ignored its deadline */
	CHECK_EQ(w.rc, -ETIMEDOUT);
	CHECK(w.end_ns >= w.deadline_ns); /* not before the deadline */
	printf("  %-18s held: deadline +%.0f ms: rc %d after %.2f ms\n", ops->name,
	       (double)HOLD_TIMEOUT_NS / 1e6, w.rc, (double)(w.end_ns - w.start_ns) / 1e6);
	if (in_time) {
		/* A waiter that timed out left the lock held by its holder, and free after it. */
		CHECK_EQ(tu_trylock_elsewhere(ops, lock), -EBUSY);
		holder_join(&h);
		CHECK_EQ(tu_trylock_elsewhere(ops, lock), 0);
	} else {
		pthread_join(h.tid, NULL);
	}
out:
	lock_free(ops, lock);
}

/* past: a deadline already past on a held lock. */
static void check_past(const struct lb_lock_ops *ops)
{
	struct holder h;
	void *lock = lock_new(ops, 1);
	if (!lock)
		return;
	if (!holder_start(&h, ops, lock))
		goto out;
	const uint64_t deadlines[] = { lb_now_ns() - 1, 0 };
	for (size_t i = 0; i < sizeof deadlines / sizeof *deadlines; i++) {
		struct waiter w;
		waiter_start(&w, ops, lock, &h, 1, deadlines[i]);
		int in_time = waiter_join(&w, &h, HANG_GUARD_S * SECOND);
		CHECK(in_time);
		CHECK_EQ(w.rc, -ETIMEDOUT);
		printf("  %-18s past: deadline %s: rc %d after %.1f us\n", ops->name,
		       i == 0 ? "now-1" : "0", w.rc, (double)(w.end_ns - w.start_ns) / 1e3);
		if (!in_time)
			break; /* the holder was released */
	}
	holder_join(&h);
	CHECK_EQ(tu_trylock_elsewhere(ops, lock), 0);
out:
	lock_free(ops, lock);
}

/* handoff: a timed waiter gets the lock when the holder releases it before the deadline, a
 * distant one or the farthest there is (UINT64_MAX: no lock may turn it into a bad timespec). */
static void check_handoff(const struct lb_lock_ops *ops, uint64_t deadline_ns)
{
	struct holder h;
	struct waiter w;
	void *lock = lock_new(ops, 1);
	if (!lock)
		return;
	if (!holder_start(&h, ops, lock))
		goto out;
	waiter_start(&w, ops, lock, &h, 1, deadline_ns);
	sleep_ns(20 * MS); /* most likely the waiter is waiting by now; not required */
	int waiting = !atomic_load(&w.done);
	holder_release(&h);
	CHECK(waiter_join(&w, NULL, 2 * HANG_GUARD_S * SECOND));
	holder_join(&h);
	CHECK_EQ(w.rc, 0);
	CHECK_EQ(w.saw_released, 1); /* it got in only after the holder's release */
	CHECK_EQ(w.unlock_rc, 0);
	CHECK_EQ(tu_trylock_elsewhere(ops, lock), 0);
	printf("  %-18s handoff: deadline %s: rc %d after %.2f ms (%s when released)\n",
	       ops->name, deadline_ns == UINT64_MAX ? "UINT64_MAX" : "+10 s", w.rc,
	       (double)(w.end_ns - w.start_ns) / 1e6, waiting ? "waiting" : "already returned");
out:
	lock_free(ops, lock);
}

/* counting: 2 permits, one per timedlock. */
static void check_counting(const struct lb_lock_ops *ops)
{
	struct holder h;
	void *ctx = tu_ctx_new(ops);
	void *lock = lock_new(ops, 2);
	if (!CHECK(ctx) || !lock)
		goto out;
	if (!CHECK_EQ(ops->timedlock(lock, ctx, lb_now_ns() + SECOND), 0))
		goto out;
	if (holder_start(&h, ops, lock)) { /* the holder took the second permit */
		struct waiter w;
		waiter_start(&w, ops, lock, NULL, 1, lb_now_ns() - 1);
		CHECK(waiter_join(&w, NULL, HANG_GUARD_S * SECOND));
		CHECK_EQ(w.rc, -ETIMEDOUT);
		waiter_start(&w, ops, lock, NULL, 0, HOLD_TIMEOUT_NS);
		CHECK(waiter_join(&w, NULL, HANG_GUARD_S * SECOND));
		CHECK_EQ(w.rc, -ETIMEDOUT);
		CHECK(w.end_ns >= w.deadline_ns);
		CHECK_EQ(ops->unlock(lock, ctx), 0);
		waiter_start(&w, ops, lock, NULL, 0, HANG_GUARD_S * SECOND);
		CHECK(waiter_join(&w, NULL, 2 * HANG_GUARD_S * SECOND));
		CHECK_EQ(w.rc, 0);
		CHECK_EQ(w.unlock_rc, 0);
		holder_join(&h);
		printf("  %-18s counting: 2 permits: two held, a third timed out, then got one\n",
		       ops->name);
	} else {
		CHECK_EQ(ops->unlock(lock, ctx), 0);
	}
out:
	if (lock)
		lock_free(ops, lock);
	tu_ctx_free(ops, ctx);
}

/* Critical sections per stress run, all threads together, after locks_stress's reasoning: FIFO
 * spinlocks hand over at scheduler-tick rate once threads share or outnumber the CPUs. */
static uint64_t stress_ops(const struct lb_lock_ops *ops, unsigned threads, long cpus)
{
	const bool handoff = tu_spin_handoff(ops), spins = (ops->props & LB_SPINS) != 0;
	uint64_t total = TU_TSAN ? 4000 : 20000;
	if (handoff && (long)threads > cpus)
		total = 120;
	else if (handoff && threads > 1)
		total = 1000;
	else if (TU_TSAN && spins && (long)threads > cpus)
		total = 160;
	return total / threads ? total / threads : 1;
}

static int stress(const struct lb_lock_ops *ops, unsigned threads, uint64_t per_thread)
{
	struct excl_result r;
	excl_check_timed(ops, threads, per_thread, STRESS_TIMEOUT_NS, &r);
	printf("  %-18s stress: threads=%u ops=%llu (%llu by trylock, %llu by timedlock, %llu "
	       "timeouts) violations=%llu a=%llu b=%llu %.2f s\n",
	       ops->name, threads, (unsigned long long)r.expected, (unsigned long long)r.by_trylock,
	       (unsigned long long)r.by_timedlock, (unsigned long long)r.timeouts,
	       (unsigned long long)r.violations, (unsigned long long)r.final_a,
	       (unsigned long long)r.final_b, r.elapsed_s);
	excl_verdict(&r, threads, per_thread);
	if (threads == 1) {
		/* Alone, every timedlock finds the lock free. */
		CHECK(r.by_timedlock > 0);
		CHECK_EQ(r.timeouts, 0);
	}
	return excl_failed(&r);
}

static void check_stress(const struct lb_lock_ops *ops, long cpus)
{
	static const unsigned threads[] = { 1, 2, 4 };
	for (size_t i = 0; i < sizeof threads / sizeof *threads; i++)
		stress(ops, threads[i], stress_ops(ops, threads[i], cpus));
}

static void check_lock(const struct lb_lock_ops *ops, long cpus)
{
	if (!check_registry_entry(ops))
		return;
	check_free(ops);
	if (ops->props & LB_NOT_A_LOCK) {
		printf("  %-18s LB_NOT_A_LOCK: excludes nothing, so only the free checks apply\n",
		       ops->name);
		return;
	}
	check_held(ops, HANG_GUARD_S * SECOND);
	check_past(ops);
	check_handoff(ops, lb_now_ns() + HANG_GUARD_S * SECOND);
	check_handoff(ops, UINT64_MAX);
	if (ops->props & LB_COUNTING)
		check_counting(ops);
	check_stress(ops, cpus);
}

/* The negative controls: each broken lock must fail the checks that name its fault. */
static void negative_controls(void)
{
	unsigned n;
	printf("  negative controls (their failures are expected):\n");

	struct lb_lock_ops no_timed = *lb_lock_find("tas");
	no_timed.timedlock = NULL;
	tu_negative_begin();
	check_registry_entry(&no_timed);
	n = tu_negative_end();
	printf("  tas without timedlock: registry check failed %u time(s)\n", n);
	CHECK(n > 0);

	tu_negative_begin();
	check_held(&timed_fake_ops, HANG_GUARD_S * SECOND);
	n = tu_negative_end();
	printf("  %s: held check failed %u time(s)\n", timed_fake_ops.name, n);
	CHECK(n > 0);
	if (TU_TSAN) {
		/* Its stress is a planted data race, which TSan would (rightly) report. */
		printf("  %s: stress skipped under TSan\n", timed_fake_ops.name);
	} else {
		int caught = 0;
		for (int attempt = 0; attempt < 5 && !caught; attempt++) {
			tu_negative_begin();
			caught = stress(&timed_fake_ops, 4, 2000);
			tu_negative_end();
		}
		printf("  %s: stress %s\n", timed_fake_ops.name,
		       caught ? "caught its violations" : "did not catch it");
		CHECK(caught);
	}

	tu_negative_begin();
	check_held(&timed_early_ops, HANG_GUARD_S * SECOND);
	n = tu_negative_end();
	printf("  %s: held check failed %u time(s)\n", timed_early_ops.name, n);
	CHECK(n > 0);
	tu_negative_begin();
	check_handoff(&timed_early_ops, lb_now_ns() + HANG_GUARD_S * SECOND);
	n = tu_negative_end();
	printf("  %s: handoff check failed %u time(s)\n", timed_early_ops.name, n);
	CHECK(n > 0);

	tu_negative_begin();
	check_held(&timed_never_ops, SECOND);
	n = tu_negative_end();
	printf("  %s: held check (1 s hang guard) failed %u time(s)\n", timed_never_ops.name, n);
	CHECK(n > 0);

	/* The plugin's test-only locks, which other tests load into lockbench, have one too. */
	for (const struct lb_lock_ops *const *p = lb_plugin_locks; *p; p++)
		CHECK((*p)->timedlock != NULL);
}

int main(int argc, char **argv)
{
	const char *only = tu_parse_lock_arg("locks_timed", argc, argv);
	long cpus = tu_online_cpus();
	printf("locks_timed: timedlock for every registered lock, %ld online CPUs%s\n", cpus,
	       TU_TSAN ? ", under ThreadSanitizer" : "");
	size_t n = 0;
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++, n++)
		check_registry_entry(*p); /* every lock, selected or not */
	printf("  registry: %zu locks, each with a timedlock\n", n);
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++)
		if (tu_selected(*p, only))
			check_lock(*p, cpus);
	if (!only)
		negative_controls();
	return tu_summary("locks_timed");
}
