/* condvar_api.c — lbp_cond's interface, one thread or a few, with an error-checking pthread
 * mutex behind the callbacks:
 *
 * - all-zero static initialisation is a valid default: CLOCK_REALTIME, waits and signals work;
 *   init takes CLOCK_REALTIME and CLOCK_MONOTONIC, private or shared, and refuses other clocks
 *   (EINVAL); lbp_cond_clock reports the clock;
 * - wait refuses tv_nsec outside [0, 1e9) and a clock other than REALTIME/MONOTONIC with EINVAL,
 *   leaving the mutex held;
 * - a deadline already past (and one before the epoch) returns ETIMEDOUT, holding the mutex;
 * - a timed wait on CLOCK_MONOTONIC and on CLOCK_REALTIME returns ETIMEDOUT, not before its
 *   deadline (read on the same clock after the return), holding the mutex;
 * - signals and a broadcast sent when nobody waits do not make a later waiter return: each of
 *   TIMEOUT_TRIES short waits returns ETIMEDOUT (this implementation has no spurious wake-up
 *   without a signal handler: every wake follows a bump; POSIX would allow some);
 * - an unlock callback that fails (EPERM: a mutex the caller does not hold) is returned at once;
 * - one broadcast wakes every one of N waiters (N = 2, 4, 6: more threads than CPUs; N = 4 with
 *   a process-shared condition, which waits on the shared futex);
 * - destroy succeeds once the waiters are gone.
 *
 * Negative controls: the "holds the mutex on return" check on a mutex whose lock callback takes
 * nothing; the ETIMEDOUT check of a wait during which another thread signals; the "not before the deadline" check against a deadline one second later than the
 * real one; the "one broadcast wakes all" check with a signal instead (bounded tries, short
 * deadlines). Each must fail.
 * Usage: condvar_api
 */
#include <stdint.h>

#include "condvar_test.h"

enum { TIMEOUT_TRIES = 5, SHORT_MS = 30, LONG_MS = 10000, MAX_WAITERS = 6 };

static struct lbp_cond static_cond; /* all zero, as PTHREAD_COND_INITIALIZER */

static void check_init(void)
{
	struct lbp_cond c;
	CHECK_EQ(lbp_cond_clock(&static_cond), CLOCK_REALTIME);
	CHECK_EQ(lbp_cond_init(&c, CLOCK_MONOTONIC, 0), 0);
	CHECK_EQ(lbp_cond_clock(&c), CLOCK_MONOTONIC);
	CHECK_EQ(lbp_cond_destroy(&c), 0);
	CHECK_EQ(lbp_cond_init(&c, CLOCK_REALTIME, 1), 0);
	CHECK_EQ(lbp_cond_clock(&c), CLOCK_REALTIME);
	CHECK_EQ(lbp_cond_signal(&c), 0);
	CHECK_EQ(lbp_cond_broadcast(&c), 0);
	CHECK_EQ(lbp_cond_destroy(&c), 0);
	CHECK_EQ(lbp_cond_init(&c, CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
	CHECK_EQ(lbp_cond_init(&c, CLOCK_BOOTTIME, 0), EINVAL);
	CHECK_EQ(lbp_cond_init(&c, (clockid_t)-1, 0), EINVAL);
	printf("  init: zero = realtime, monotonic and shared accepted, other clocks EINVAL\n");
}

static void check_einval(struct lbp_cond *c, struct test_mutex_user *u)
{
	struct timespec t = deadline_in(CLOCK_REALTIME, LONG_MS);
	const long bad_nsec[] = { -1, 1000000000L, 2000000000L };
	for (unsigned i = 0; i < sizeof bad_nsec / sizeof bad_nsec[0]; i++) {
		t.tv_nsec = bad_nsec[i];
		CHECK_EQ(lbp_cond_wait(c, &u->cb, CLOCK_REALTIME, &t), EINVAL);
		CHECK(tm_held_by(u));
	}
	t = deadline_in(CLOCK_MONOTONIC, LONG_MS);
	const clockid_t bad_clock[] = { CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
					CLOCK_BOOTTIME, (clockid_t)99 };
	for (unsigned i = 0; i < sizeof bad_clock / sizeof bad_clock[0]; i++) {
		CHECK_EQ(lbp_cond_wait(c, &u->cb, bad_clock[i], &t), EINVAL);
		CHECK(tm_held_by(u));
	}
	printf("  wait: tv_nsec -1, 1e9, 2e9 and four bad clocks: EINVAL, mutex still held\n");
}

/* A wait that must time out: ETIMEDOUT, not before the deadline, holding the mutex. `late_ns` moves the deadline that
 * the check compares with, not the one waited for (negative control). */
static void timed_out_check(struct lbp_cond *c, struct test_mutex_user *u, clockid_t clock,
			    const struct timespec *abstime, uint64_t late_ns)
{
	int rc = lbp_cond_wait(c, &u->cb, clock, abstime);
	uint64_t now = now_ns(clock);
	CHECK_EQ(rc, ETIMEDOUT);
	if (abstime->tv_sec >= 0)
		CHECK(now >= ts_ns(abstime) + late_ns);
	CHECK(tm_held_by(u));
}

static void check_timeouts(struct lbp_cond *c, struct test_mutex_user *u)
{
	struct timespec past = deadline_in(CLOCK_REALTIME, -1000);
	timed_out_check(c, u, CLOCK_REALTIME, &past, 0);
	struct timespec epoch = { 0, 0 }, before_epoch = { -5, 0 };
	timed_out_check(c, u, CLOCK_REALTIME, &epoch, 0);
	timed_out_check(c, u, CLOCK_REALTIME, &before_epoch, 0);
	timed_out_check(c, u, CLOCK_MONOTONIC, &epoch, 0);
	printf("  past deadlines (a second ago, the epoch, before it, monotonic 0): ETIMEDOUT, mutex "
	       "held\n");
	for (clockid_t clock = CLOCK_REALTIME;; clock = CLOCK_MONOTONIC) {
		struct timespec t = deadline_in(clock, SHORT_MS);
		timed_out_check(c, u, clock, &t, 0);
		if (clock == CLOCK_MONOTONIC)
			break;
	}
	printf("  %d ms deadlines on CLOCK_REALTIME and CLOCK_MONOTONIC: ETIMEDOUT, not before the "
	       "deadline, mutex held\n",
	       SHORT_MS);
}

/* Signals nobody waited for do not wake a later waiter. */
static void check_no_stored_signal(struct lbp_cond *c, struct test_mutex_user *u)
{
	unsigned timeouts = 0;
	for (int i = 0; i < TIMEOUT_TRIES; i++) {
		lbp_cond_signal(c);
		lbp_cond_signal(c);
		lbp_cond_broadcast(c);
		struct timespec t = deadline_in(CLOCK_REALTIME, SHORT_MS);
		if (lbp_cond_wait(c, &u->cb, CLOCK_REALTIME, &t) == ETIMEDOUT)
			timeouts++;
	}
	CHECK_EQ(timeouts, TIMEOUT_TRIES);
	CHECK(tm_held_by(u));
	printf("  signal, signal, broadcast with no waiter, then a %d ms wait: ETIMEDOUT %u of %d "
	       "times\n",
	       SHORT_MS, timeouts, TIMEOUT_TRIES);
}

static int bad_unlock(void *arg)
{
	(void)arg;
	return EPERM;
}

static int never_lock(void *arg)
{
	(void)arg;
	return EDEADLK; /* must not be called */
}

static void check_unlock_error(struct lbp_cond *c)
{
	struct lbp_cond_mutex m = { .unlock = bad_unlock, .lock = never_lock, .arg = NULL };
	CHECK_EQ(lbp_cond_wait(c, &m, CLOCK_REALTIME, NULL), EPERM);
	CHECK_EQ(lbp_cond_destroy(c), 0); /* the waiter count was given back */
	printf("  an unlock callback's EPERM is returned at once, nothing left registered\n");
}

/* --- one broadcast wakes all -------------------------------------------------------------- */
struct bcast {
	struct lbp_cond cond;
	struct test_mutex tm;
	unsigned arrived, go;
	long wait_ms;
	atomic_uint woken, timed_out, errors;
};

static void *bcast_waiter(void *arg)
{
	struct bcast *b = arg;
	struct test_mutex_user u;
	if (tm_user_init(&u, &b->tm) || tm_lock(&u)) {
		atomic_fetch_add_explicit(&b->errors, 1, memory_order_relaxed);
		return NULL;
	}
	b->arrived++;
	struct timespec t = deadline_in(CLOCK_MONOTONIC, b->wait_ms);
	int rc = 0;
	while (!b->go && rc == 0)
		rc = lbp_cond_wait(&b->cond, &u.cb, CLOCK_MONOTONIC, &t);
	/* Relaxed: counters read after join. A time-out means the broadcast missed us. */
	if (rc == ETIMEDOUT)
		atomic_fetch_add_explicit(&b->timed_out, 1, memory_order_relaxed);
	else if (rc == 0)
		atomic_fetch_add_explicit(&b->woken, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&b->errors, 1, memory_order_relaxed);
	if (!tm_held_by(&u))
		atomic_fetch_add_explicit(&b->errors, 1, memory_order_relaxed);
	tm_unlock(&u);
	tm_user_destroy(&u);
	return NULL;
}

/* N waiters, one broadcast (or one signal: negative control). Returns how many were woken. */
static unsigned broadcast_round(unsigned n, int use_signal, long wait_ms, int pshared)
{
	struct bcast b = { .wait_ms = wait_ms };
	pthread_t tid[MAX_WAITERS];
	struct test_mutex_user u;
	if (tm_init(&b.tm, NULL) || tm_user_init(&u, &b.tm))
		tu_die("condvar_api", "mutex", ENOMEM);
	CHECK_EQ(lbp_cond_init(&b.cond, CLOCK_MONOTONIC, pshared), 0);
	for (unsigned i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, bcast_waiter, &b))
			tu_die("condvar_api", "pthread_create", EAGAIN);
	for (;;) {
		tm_lock(&u);
		if (b.arrived == n)
			break;
		tm_unlock(&u);
		/* Give them time to reach the futex (a signal-for-broadcast must be seen). */
		nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL);
	}
	tm_unlock(&u);
	nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
	tm_lock(&u);
	b.go = 1;
	if (use_signal)
		lbp_cond_signal(&b.cond);
	else
		lbp_cond_broadcast(&b.cond);
	tm_unlock(&u);
	for (unsigned i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	CHECK_EQ(atomic_load(&b.errors), 0);
	CHECK_EQ(lbp_cond_destroy(&b.cond), 0);
	tm_user_destroy(&u);
	tm_destroy(&b.tm);
	return atomic_load(&b.woken);
}

static void check_broadcast(void)
{
	for (unsigned n = 2; n <= MAX_WAITERS; n += 2) {
		unsigned woken = broadcast_round(n, 0, LONG_MS, n == 4);
		CHECK_EQ(woken, n);
		printf("  one broadcast, %u waiters%s: %u woken (deadline %d ms)\n", n,
		       n == 4 ? " (process-shared condition)" : "", woken, LONG_MS);
	}
}

/* --- negative controls -------------------------------------------------------------------- */
struct late_signaller {
	struct lbp_cond *c;
	struct test_mutex *tm;
};

/* Takes the mutex (so the waiter has released it in its wait), signals, releases. */
static void *late_signal(void *arg)
{
	struct late_signaller *ls = arg;
	struct test_mutex_user u;
	if (tm_user_init(&u, ls->tm) || tm_lock(&u))
		return NULL;
	lbp_cond_signal(ls->c);
	tm_unlock(&u);
	tm_user_destroy(&u);
	return NULL;
}

static void negative_controls(struct lbp_cond *c)
{
	struct test_mutex tm;
	struct test_mutex_user u;
	if (tm_init(&tm, NULL) || tm_user_init(&u, &tm))
		tu_die("condvar_api", "mutex", ENOMEM);

	/* Not held; the wait's unlock gives nothing back and its relock takes nothing. */
	tu_negative_begin();
	tm.broken_lock = 1;
	struct timespec past = deadline_in(CLOCK_REALTIME, -1000);
	CHECK(lbp_cond_wait(c, &u.cb, CLOCK_REALTIME, &past) == ETIMEDOUT && tm_held_by(&u));
	tm.broken_lock = 0;
	unsigned failed = tu_negative_end();
	CHECK_EQ(failed, 1);
	printf("  negative control: a mutex whose relock takes nothing fails 'held on return' "
	       "(%u failure)\n",
	       failed);

	/* The "no wake-up without a signal" check, with a signal sent during the wait. */
	tm_lock(&u);
	struct late_signaller ls = { c, &tm };
	pthread_t tid;
	if (pthread_create(&tid, NULL, late_signal, &ls))
		tu_die("condvar_api", "pthread_create", EAGAIN);
	tu_negative_begin();
	struct timespec t = deadline_in(CLOCK_REALTIME, LONG_MS);
	CHECK_EQ(lbp_cond_wait(c, &u.cb, CLOCK_REALTIME, &t), ETIMEDOUT);
	failed = tu_negative_end();
	pthread_join(tid, NULL);
	CHECK_EQ(failed, 1);
	printf("  negative control: the ETIMEDOUT check with a signal sent during the wait fails "
	       "(%u failure)\n",
	       failed);

	tu_negative_begin();
	t = deadline_in(CLOCK_MONOTONIC, SHORT_MS);
	timed_out_check(c, &u, CLOCK_MONOTONIC, &t, 1000000000u);
	failed = tu_negative_end();
	CHECK_EQ(failed, 1);
	printf("  negative control: 'not before the deadline' against a deadline 1 s later fails "
	       "(%u failure)\n",
	       failed);
	tm_unlock(&u);
	tm_user_destroy(&u);
	tm_destroy(&tm);

	unsigned tries, caught = 0;
	for (tries = 1; tries <= 5 && !caught; tries++) {
		tu_negative_begin();
		CHECK_EQ(broadcast_round(4, 1, 300, 0), 4);
		caught = tu_negative_end();
	}
	CHECK(caught > 0);
	printf("  negative control: a signal for the broadcast leaves waiters asleep (caught: %s, "
	       "%u tries)\n",
	       caught ? "yes" : "no", tries - 1);
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "condvar_api: takes no arguments\n");
		return 2;
	}
	struct test_mutex tm;
	struct test_mutex_user u;
	if (tm_init(&tm, NULL) || tm_user_init(&u, &tm))
		tu_die("condvar_api", "mutex", ENOMEM);

	check_init();
	tm_lock(&u);
	check_einval(&static_cond, &u);
	check_timeouts(&static_cond, &u);
	check_no_stored_signal(&static_cond, &u);
	tm_unlock(&u);
	check_unlock_error(&static_cond);
	check_broadcast();
	negative_controls(&static_cond);
	CHECK_EQ(lbp_cond_destroy(&static_cond), 0);

	tm_user_destroy(&u);
	tm_destroy(&tm);
	return tu_summary("condvar_api");
}
