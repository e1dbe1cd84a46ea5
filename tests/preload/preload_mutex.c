/* preload_mutex.c — pthread mutex and spinlock semantics under every registered lock, through
 * liblockbench-preload.so.
 *
 * The parent walks the registry and runs itself as a child per lock (LOCKBENCH_LOCK=NAME,
 * LD_PRELOAD=the library). The child checks, on static-initialised and init'ed mutexes:
 * exclusion of a counter under contention (a wide read-modify-write window), normal / recursive /
 * error-checking semantics (EBUSY, EDEADLK, EPERM, recursion depth), trylock, timedlock and
 * clocklock timeouts (ETIMEDOUT, EINVAL), a non-owner unlock of a normal mutex that must not free
 * it, destroy of a locked mutex (EBUSY) and of a free one followed by reuse of the address,
 * hand-over-hand over a chain of mutexes (several held at once: the context pool), spinlocks.
 * Negative control: under `null` (no exclusion) the same counter check loses updates, which
 * proves the lock underneath really is the replacement. Also: an unknown LOCKBENCH_LOCK exits
 * 127 with one line. The entry pointer cached in a replaced mutex (sidetable.c): __kind kept, a
 * by-value copy of a used mutex gets its own lock, a foreign value in the word is ignored
 * (negative control, by hand: with the key check of lbp_mutex_entry_fast removed, the copy
 * checks fail — the copy shares its original's lock).
 */
#include "preload_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define THREADS 2
#define ITERS 20000

static pthread_mutex_t m_static = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t m_rec = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t m_err = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static pthread_mutex_t m_adapt = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
static pthread_spinlock_t spin;
static volatile long counter;
static unsigned spin_window;

static pthread_mutex_t *excl_mutex;
static int excl_use_spin;

static void *excl_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		if (excl_use_spin)
			pthread_spin_lock(&spin);
		else
			pthread_mutex_lock(excl_mutex);
		long v = counter;
		for (unsigned k = 0; k < spin_window; k++)
			__asm__ __volatile__("" ::: "memory");
		counter = v + 1;
		if (excl_use_spin)
			pthread_spin_unlock(&spin);
		else
			pthread_mutex_unlock(excl_mutex);
	}
	return NULL;
}

static long run_exclusion(pthread_mutex_t *m, int use_spin)
{
	pthread_t t[THREADS];
	counter = 0;
	excl_mutex = m;
	excl_use_spin = use_spin;
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, excl_worker, NULL) != 0)
			tu_die("preload_mutex", "pthread_create", errno);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	return counter;
}

/* Run fn(arg) in another thread and return its int result. */
struct other {
	int (*fn)(void *);
	void *arg;
	int rc;
};

static void *other_main(void *p)
{
	struct other *o = p;
	o->rc = o->fn(o->arg);
	return NULL;
}

static int in_other_thread(int (*fn)(void *), void *arg)
{
	struct other o = {fn, arg, -1};
	pthread_t t;
	if (pthread_create(&t, NULL, other_main, &o) != 0)
		tu_die("preload_mutex", "pthread_create", errno);
	pthread_join(t, NULL);
	return o.rc;
}

static int do_trylock(void *m)
{
	int rc = pthread_mutex_trylock(m);
	if (rc == 0)
		pthread_mutex_unlock(m);
	return rc;
}

static int do_unlock(void *m)
{
	return pthread_mutex_unlock(m);
}

static int do_timedlock(void *m)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 30 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	int rc = pthread_mutex_timedlock(m, &ts);
	if (rc == 0)
		pthread_mutex_unlock(m);
	return rc;
}

static int do_clocklock(void *m)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 30 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	int rc = pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &ts);
	if (rc == 0)
		pthread_mutex_unlock(m);
	return rc;
}

static int do_spin_trylock(void *s)
{
	int rc = pthread_spin_trylock(s);
	if (rc == 0)
		pthread_spin_unlock(s);
	return rc;
}

/* Hand-over-hand: each thread walks a chain, taking node i+1 before it releases node i. */
#define CHAIN 6
static pthread_mutex_t chain[CHAIN];
static long chain_count[CHAIN];

static void *chain_worker(void *arg)
{
	(void)arg;
	for (int r = 0; r < ITERS / 10; r++) {
		pthread_mutex_lock(&chain[0]);
		for (int i = 0; i < CHAIN; i++) {
			chain_count[i]++;
			if (i + 1 < CHAIN)
				pthread_mutex_lock(&chain[i + 1]);
			pthread_mutex_unlock(&chain[i]);
		}
	}
	return NULL;
}

static int child(const char *lock)
{
	int is_null = strcmp(lock, "null") == 0;
	CHECK(pu_interposed());
	spin_window = 50;
	if (is_null) {
		/* Negative control: the same check must fail without exclusion. */
		spin_window = 2000;
		long got = run_exclusion(&m_static, 0);
		printf("  null: counter %ld of %d (lost updates expected)\n", got, THREADS * ITERS);
		tu_negative_begin();
		CHECK_EQ(got, THREADS * ITERS);
		CHECK(tu_negative_end() == 1);
		return tu_summary("preload_mutex child null");
	}
	CHECK_EQ(run_exclusion(&m_static, 0), THREADS * ITERS);
	CHECK_EQ(run_exclusion(&m_adapt, 0), THREADS * ITERS);
	CHECK_EQ(run_exclusion(&m_rec, 0), THREADS * ITERS);
	CHECK_EQ(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE), 0);
	CHECK_EQ(run_exclusion(NULL, 1), THREADS * ITERS);
	CHECK_EQ(pthread_spin_lock(&spin), 0);
	CHECK_EQ(in_other_thread(do_spin_trylock, (void *)&spin), EBUSY);
	CHECK_EQ(pthread_spin_unlock(&spin), 0);
	CHECK_EQ(in_other_thread(do_spin_trylock, (void *)&spin), 0);

	/* normal */
	CHECK_EQ(pthread_mutex_lock(&m_static), 0);
	CHECK_EQ(pthread_mutex_trylock(&m_static), EBUSY);
	CHECK_EQ(in_other_thread(do_trylock, &m_static), EBUSY);
	CHECK_EQ(in_other_thread(do_timedlock, &m_static), ETIMEDOUT);
	CHECK_EQ(in_other_thread(do_clocklock, &m_static), ETIMEDOUT);
	struct timespec bad = {0, 2000000000L};
	CHECK_EQ(pthread_mutex_clocklock(&m_static, CLOCK_PROCESS_CPUTIME_ID, &bad), EINVAL);
	/* A non-owner's unlock of a normal mutex: no error (as glibc), and our lock stays held.
	 * With glibc underneath it goes to glibc, which releases it. */
	int is_glibc = strcmp(lock, "glibc") == 0;
	CHECK_EQ(in_other_thread(do_unlock, &m_static), 0);
	CHECK_EQ(in_other_thread(do_trylock, &m_static), is_glibc ? 0 : EBUSY);
	CHECK_EQ(pthread_mutex_destroy(&m_static), is_glibc ? 0 : EBUSY);
	if (is_glibc) {
		/* glibc's destroy succeeded (the interposer forwards it bare): a destroyed mutex
		 * must be initialised again before use (glibc marks it invalid). Lock it again so
		 * that the unlock below has something to release. */
		m_static = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
		CHECK_EQ(pthread_mutex_lock(&m_static), 0);
	}
	CHECK_EQ(pthread_mutex_unlock(&m_static), 0);
	CHECK_EQ(in_other_thread(do_trylock, &m_static), 0);
	CHECK_EQ(in_other_thread(do_timedlock, &m_static), 0);
	CHECK_EQ(in_other_thread(do_clocklock, &m_static), 0);

	/* recursive */
	CHECK_EQ(pthread_mutex_lock(&m_rec), 0);
	CHECK_EQ(pthread_mutex_lock(&m_rec), 0);
	CHECK_EQ(pthread_mutex_trylock(&m_rec), 0);
	CHECK_EQ(in_other_thread(do_trylock, &m_rec), EBUSY);
	CHECK_EQ(in_other_thread(do_unlock, &m_rec), EPERM);
	CHECK_EQ(pthread_mutex_unlock(&m_rec), 0);
	CHECK_EQ(pthread_mutex_unlock(&m_rec), 0);
	CHECK_EQ(in_other_thread(do_trylock, &m_rec), EBUSY);
	CHECK_EQ(pthread_mutex_unlock(&m_rec), 0);
	CHECK_EQ(pthread_mutex_unlock(&m_rec), EPERM);
	CHECK_EQ(in_other_thread(do_trylock, &m_rec), 0);

	/* error-checking */
	CHECK_EQ(pthread_mutex_lock(&m_err), 0);
	CHECK_EQ(pthread_mutex_lock(&m_err), EDEADLK);
	CHECK_EQ(in_other_thread(do_unlock, &m_err), EPERM);
	CHECK_EQ(in_other_thread(do_timedlock, &m_err), ETIMEDOUT);
	CHECK_EQ(pthread_mutex_unlock(&m_err), 0);
	CHECK_EQ(pthread_mutex_unlock(&m_err), EPERM);

	/* init'ed with attributes, destroyed, the address reused by a static initialiser */
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_t m;
	CHECK_EQ(pthread_mutex_init(&m, &a), 0);
	CHECK_EQ(pthread_mutex_lock(&m), 0);
	CHECK_EQ(pthread_mutex_lock(&m), EDEADLK);
	CHECK_EQ(pthread_mutex_unlock(&m), 0);
	CHECK_EQ(pthread_mutex_destroy(&m), 0);
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	memcpy(&m, &fresh, sizeof m); /* a normal mutex now: a re-lock would deadlock, so trylock */
	CHECK_EQ(pthread_mutex_lock(&m), 0);
	CHECK_EQ(pthread_mutex_trylock(&m), EBUSY);
	CHECK_EQ(pthread_mutex_unlock(&m), 0);
	CHECK_EQ(pthread_mutex_destroy(&m), 0);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	CHECK_EQ(pthread_mutex_init(&m, &a), 0);
	CHECK_EQ(pthread_mutex_lock(&m), 0);
	CHECK_EQ(pthread_mutex_lock(&m), 0);
	CHECK_EQ(pthread_mutex_unlock(&m), 0);
	CHECK_EQ(pthread_mutex_unlock(&m), 0);
	CHECK_EQ(pthread_mutex_destroy(&m), 0);
	pthread_mutexattr_destroy(&a);

	/* The entry pointer a replaced mutex caches in its own __data.__list.__prev (sidetable.c):
	 * glibc's __kind is never touched, a copy of a used mutex (carrying its original's
	 * pointer) gets a lock of its own, and a foreign value in that word is not trusted. */
	if (!is_glibc) {
		pthread_mutex_t orig;
		CHECK_EQ(pthread_mutex_init(&orig, NULL), 0);
		int kind0 = orig.__data.__kind;
		CHECK_EQ(pthread_mutex_lock(&orig), 0);
		CHECK_EQ(pthread_mutex_unlock(&orig), 0);
		CHECK(orig.__data.__list.__prev != NULL);
		CHECK_EQ(orig.__data.__kind, kind0);
		CHECK_EQ(m_rec.__data.__kind, PTHREAD_MUTEX_RECURSIVE_NP);
		pthread_mutex_t copy;
		memcpy(&copy, &orig, sizeof copy);
		CHECK_EQ(pthread_mutex_lock(&copy), 0);
		CHECK_EQ(in_other_thread(do_trylock, &orig), 0); /* not the copy's lock */
		CHECK_EQ(in_other_thread(do_trylock, &copy), EBUSY);
		CHECK_EQ(pthread_mutex_unlock(&copy), 0);
		CHECK(copy.__data.__list.__prev != orig.__data.__list.__prev);
		pthread_mutex_t odd = PTHREAD_MUTEX_INITIALIZER;
		odd.__data.__list.__prev = (void *)&copy; /* not an entry: ignored */
		CHECK_EQ(pthread_mutex_lock(&odd), 0);
		CHECK_EQ(in_other_thread(do_trylock, &odd), EBUSY);
		CHECK_EQ(in_other_thread(do_trylock, &copy), 0);
		CHECK_EQ(pthread_mutex_unlock(&odd), 0);
		CHECK_EQ(pthread_mutex_destroy(&copy), 0);
		CHECK_EQ(pthread_mutex_destroy(&orig), 0);
		CHECK_EQ(pthread_mutex_destroy(&odd), 0);
	}

	/* hand-over-hand: up to two held at once per thread, several threads */
	for (int i = 0; i < CHAIN; i++)
		CHECK_EQ(pthread_mutex_init(&chain[i], NULL), 0);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, chain_worker, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < CHAIN; i++)
		CHECK_EQ(chain_count[i], THREADS * (ITERS / 10));
	/* all of the chain held at once by one thread */
	for (int i = 0; i < CHAIN; i++)
		CHECK_EQ(pthread_mutex_lock(&chain[i]), 0);
	for (int i = CHAIN - 1; i >= 0; i--)
		CHECK_EQ(pthread_mutex_unlock(&chain[i]), 0);
	return tu_summary("preload_mutex child");
}

int main(int argc, char **argv)
{
	const char *lock = getenv("LBP_TEST_CHILD");
	if (lock)
		return child(lock);
	const char *only = tu_parse_lock_arg("preload_mutex", argc, argv);
	const char *lib = pu_lib("preload_mutex");
	static struct pu_result r;
	unsigned ran = 0;
	for (unsigned i = 0; lb_locks[i]; i++) {
		const struct lb_lock_ops *ops = lb_locks[i];
		if (only && strcmp(ops->name, only) != 0)
			continue;
		if ((ops->props & LB_TEST_ONLY) ||
		    ((ops->props & LB_NOT_A_LOCK) && strcmp(ops->name, "null") != 0))
			continue;
		char e1[128], e2[128];
		snprintf(e1, sizeof e1, "LOCKBENCH_LOCK=%s", ops->name);
		snprintf(e2, sizeof e2, "LBP_TEST_CHILD=%s", ops->name);
		const char *env[] = {e1, e2, "LOCKBENCH_PROFILE_DIR=", NULL};
		char *args[] = {argv[0], NULL};
		pu_run(lib, args, env, 240, &r);
		int ok = CHECK_EQ(pu_exit_code(&r), 0);
		printf("  %-18s %s\n", ops->name, ok ? "ok" : "FAILED");
		if (!ok)
			pu_show(ops->name, &r);
		ran++;
	}
	/* glibc underneath (LOCKBENCH_LOCK unset) must keep the same semantics */
	if (!only) {
		const char *env[] = {"LOCKBENCH_LOCK=", "LBP_TEST_CHILD=glibc", NULL};
		char *args[] = {argv[0], NULL};
		pu_run(lib, args, env, 240, &r);
		int ok = CHECK_EQ(pu_exit_code(&r), 0);
		printf("  %-18s %s\n", "(glibc underneath)", ok ? "ok" : "FAILED");
		if (!ok)
			pu_show("glibc", &r);
		/* An unknown lock: one line on stderr, exit 127. */
		const char *bad[] = {"LOCKBENCH_LOCK=no-such-lock", "LBP_TEST_CHILD=x", NULL};
		pu_run(lib, args, bad, 60, &r);
		CHECK_EQ(pu_exit_code(&r), 127);
		CHECK(strncmp(r.err, "lockbench-preload: ", 19) == 0);
		CHECK(strchr(r.err, '\n') && strchr(r.err, '\n')[1] == 0);
		printf("  unknown lock: exit %d, stderr: %s", pu_exit_code(&r), r.err);
	}
	CHECK(ran > 0);
	return tu_summary("preload_mutex");
}
