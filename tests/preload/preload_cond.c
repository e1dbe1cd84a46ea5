/* preload_cond.c — condition variables through the interposer, under every registered lock.
 *
 * The child runs: a bounded-buffer producer/consumer (two conds, one mutex; every item arrives
 * once: count and sum), a broadcast that must wake every waiter (each waits with a far deadline,
 * so a lost wake-up shows as a timeout, never as a hang), timed waits on CLOCK_REALTIME and on a
 * CLOCK_MONOTONIC condattr, and pthread_cond_clockwait, each returning ETIMEDOUT with the mutex
 * held again (an error-checking mutex says so: a re-lock is EDEADLK) and never before its
 * deadline; a recursive mutex held twice across a wait; EPERM for a wait on an error-checking
 * mutex the caller does not hold. The parent runs it per lock and with glibc underneath.
 */
#include "preload_util.h"

#include <pthread.h>

#define ITEMS 2000
#define QCAP 8
#define WAITERS 3

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static long queue[QCAP];
static unsigned head, tail_, len;
static long got_sum, got_count;

static void *producer(void *arg)
{
	(void)arg;
	for (long i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&m);
		while (len == QCAP)
			pthread_cond_wait(&not_full, &m);
		queue[tail_] = i;
		tail_ = (tail_ + 1) % QCAP;
		len++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (long i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&m);
		while (len == 0)
			pthread_cond_wait(&not_empty, &m);
		got_sum += queue[head];
		got_count++;
		head = (head + 1) % QCAP;
		len--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int go_flag, waiting, woke, timed_out;

static void *waiter(void *arg)
{
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 30;
	pthread_mutex_lock(&m);
	waiting++;
	while (!go_flag) {
		if (pthread_cond_timedwait(&go, &m, &ts) == ETIMEDOUT) {
			timed_out++;
			break;
		}
	}
	woke++;
	pthread_mutex_unlock(&m);
	return NULL;
}

static uint64_t ns_of(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec in_ms(clockid_t c, long ms)
{
	uint64_t t = ns_of(c) + (uint64_t)ms * 1000000u;
	struct timespec ts = {(time_t)(t / 1000000000u), (long)(t % 1000000000u)};
	return ts;
}

static int child(void)
{
	CHECK(pu_interposed());
	pthread_t p, c;
	pthread_create(&p, NULL, producer, NULL);
	pthread_create(&c, NULL, consumer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	CHECK_EQ(got_count, ITEMS);
	CHECK_EQ(got_sum, (long)ITEMS * (ITEMS + 1) / 2);

	pthread_t w[WAITERS];
	for (int i = 0; i < WAITERS; i++)
		pthread_create(&w[i], NULL, waiter, NULL);
	for (int spins = 0; spins < 3000; spins++) { /* up to ~30 s for the waiters to block */
		pthread_mutex_lock(&m);
		int n = waiting;
		pthread_mutex_unlock(&m);
		if (n == WAITERS)
			break;
		struct timespec nap = {0, 10000000};
		nanosleep(&nap, NULL);
	}
	pthread_mutex_lock(&m);
	go_flag = 1;
	CHECK_EQ(pthread_cond_broadcast(&go), 0);
	pthread_mutex_unlock(&m);
	for (int i = 0; i < WAITERS; i++)
		pthread_join(w[i], NULL);
	CHECK_EQ(woke, WAITERS);
	CHECK_EQ(timed_out, 0);

	/* timed waits: ETIMEDOUT, not before the deadline, mutex held again */
	pthread_mutex_t em = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
	pthread_cond_t cr = PTHREAD_COND_INITIALIZER, cm;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	CHECK_EQ(pthread_cond_init(&cm, &ca), 0);
	pthread_condattr_destroy(&ca);
	CHECK_EQ(pthread_mutex_lock(&em), 0);
	struct timespec d = in_ms(CLOCK_REALTIME, 30);
	CHECK_EQ(pthread_cond_timedwait(&cr, &em, &d), ETIMEDOUT);
	CHECK(ns_of(CLOCK_REALTIME) >= (uint64_t)d.tv_sec * 1000000000u + (uint64_t)d.tv_nsec);
	CHECK_EQ(pthread_mutex_lock(&em), EDEADLK);
	/* a monotonic deadline on the monotonic cond: if it were read as REALTIME it would be
	 * decades in the past and return at once, before the deadline */
	d = in_ms(CLOCK_MONOTONIC, 30);
	CHECK_EQ(pthread_cond_timedwait(&cm, &em, &d), ETIMEDOUT);
	CHECK(ns_of(CLOCK_MONOTONIC) >= (uint64_t)d.tv_sec * 1000000000u + (uint64_t)d.tv_nsec);
	CHECK_EQ(pthread_mutex_lock(&em), EDEADLK);
	d = in_ms(CLOCK_MONOTONIC, 30);
	CHECK_EQ(pthread_cond_clockwait(&cr, &em, CLOCK_MONOTONIC, &d), ETIMEDOUT);
	CHECK(ns_of(CLOCK_MONOTONIC) >= (uint64_t)d.tv_sec * 1000000000u + (uint64_t)d.tv_nsec);
	CHECK_EQ(pthread_cond_clockwait(&cr, &em, CLOCK_PROCESS_CPUTIME_ID, &d), EINVAL);
	CHECK_EQ(pthread_mutex_unlock(&em), 0);
	CHECK_EQ(pthread_cond_wait(&cr, &em), EPERM); /* not held */
	CHECK_EQ(pthread_cond_destroy(&cm), 0);

	/* a recursive mutex held twice across a wait */
	pthread_mutex_t rm = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
	pthread_mutex_lock(&rm);
	pthread_mutex_lock(&rm);
	d = in_ms(CLOCK_REALTIME, 5);
	CHECK_EQ(pthread_cond_timedwait(&cr, &rm, &d), ETIMEDOUT);
	CHECK_EQ(pthread_mutex_unlock(&rm), 0);
	CHECK_EQ(pthread_mutex_unlock(&rm), 0);
	CHECK_EQ(pthread_mutex_unlock(&rm), EPERM);
	return tu_summary("preload_cond child");
}

int main(int argc, char **argv)
{
	if (getenv("LBP_TEST_CHILD"))
		return child();
	const char *only = tu_parse_lock_arg("preload_cond", argc, argv);
	const char *lib = pu_lib("preload_cond");
	static struct pu_result r;
	for (int i = 0; lb_locks[i] || !only; i++) {
		const struct lb_lock_ops *ops = lb_locks[i];
		const char *name = ops ? ops->name : "";
		if (ops && ((only && strcmp(name, only) != 0) || (ops->props & LB_TEST_ONLY) ||
			    (ops->props & LB_NOT_A_LOCK)))
			continue;
		char e1[128];
		snprintf(e1, sizeof e1, "LOCKBENCH_LOCK=%s", name);
		const char *env[] = {e1, "LBP_TEST_CHILD=1", "LOCKBENCH_PROFILE_DIR=", NULL};
		char *args[] = {argv[0], NULL};
		pu_run(lib, args, env, 240, &r);
		int ok = CHECK_EQ(pu_exit_code(&r), 0);
		printf("  %-18s %s\n", ops ? name : "(glibc underneath)", ok ? "ok" : "FAILED");
		if (!ok)
			pu_show(name, &r);
		if (!ops)
			break;
	}
	return tu_summary("preload_cond");
}
