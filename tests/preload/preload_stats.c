/* preload_stats.c — no call escapes: every lock call of a program reaches the interposer, and
 * with a replacement lock none of them is forwarded to glibc (LOCKBENCH_PRELOAD_STATS).
 *
 * The child makes a known number of calls (two threads contending on one static mutex, trylocks,
 * a spinlock) and exits; the parent reads the child's `pid=P interposed=N real=M` line. Under
 * every registered lock: interposed == expected and real == 0. With glibc underneath: every lock
 * call forwarded (real == expected minus the one spin_init, which glibc's layout needs but
 * counts as ours). Control: a robust mutex is glibc's, so the same count shows its calls as
 * forwarded — real == 0 is a check that can fail.
 */
#include "preload_util.h"

#include <pthread.h>

#define N 1000 /* lock/unlock pairs per thread */
#define T 100  /* trylock/unlock pairs, spin lock/unlock pairs */

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_spinlock_t s;
static long counter;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < N; i++) {
		pthread_mutex_lock(&m);
		counter++;
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static int child(int robust)
{
	if (robust) {
		pthread_mutexattr_t a;
		pthread_mutexattr_init(&a);
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
		pthread_mutex_t r;
		pthread_mutex_init(&r, &a); /* 1 call, forwarded */
		for (int i = 0; i < T; i++) {
			pthread_mutex_lock(&r);
			pthread_mutex_unlock(&r);
		}
		return 0;
	}
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < T; i++)
		if (pthread_mutex_trylock(&m) == 0)
			pthread_mutex_unlock(&m);
	pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE);
	for (int i = 0; i < T; i++) {
		pthread_spin_lock(&s);
		pthread_spin_unlock(&s);
	}
	return counter == 2 * N ? 0 : 3;
}

static void run(const char *lib, char *argv0, const char *lock, int robust,
		unsigned long long want_i, unsigned long long want_r)
{
	char dir[256], path[512], e1[128], e2[600];
	pu_tmpdir(dir, sizeof dir, "stats");
	snprintf(path, sizeof path, "%s/stats", dir);
	snprintf(e1, sizeof e1, "LOCKBENCH_LOCK=%s", lock);
	snprintf(e2, sizeof e2, "LOCKBENCH_PRELOAD_STATS=%s", path);
	const char *env[] = {e1, e2, robust ? "LBP_TEST_CHILD=robust" : "LBP_TEST_CHILD=plain",
			     "LOCKBENCH_PROFILE_DIR=", NULL};
	char *args[] = {argv0, NULL};
	static struct pu_result r;
	pu_run(lib, args, env, 120, &r);
	unsigned long long gi = 0, gr = 0;
	int ok = CHECK_EQ(pu_exit_code(&r), 0);
	ok &= CHECK(pu_stats(path, 0, &gi, &gr));
	ok &= CHECK_EQ(gi, want_i);
	ok &= CHECK_EQ(gr, want_r);
	printf("  %-18s%s interposed=%llu (want %llu) real=%llu (want %llu) %s\n",
	       *lock ? lock : "(glibc)", robust ? " robust" : "", gi, want_i, gr, want_r,
	       ok ? "ok" : "FAILED");
	if (!ok)
		pu_show(lock, &r);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	const char *mode = getenv("LBP_TEST_CHILD");
	if (mode)
		return child(strcmp(mode, "robust") == 0);
	const char *only = tu_parse_lock_arg("preload_stats", argc, argv);
	const char *lib = pu_lib("preload_stats");
	const unsigned long long calls = 2ull * 2 * N + 2 * T + 1 + 2 * T;
	for (unsigned i = 0; lb_locks[i]; i++) {
		const struct lb_lock_ops *ops = lb_locks[i];
		if ((only && strcmp(ops->name, only) != 0) || (ops->props & LB_TEST_ONLY) ||
		    (ops->props & LB_NOT_A_LOCK))
			continue;
		run(lib, argv[0], ops->name, 0, calls, 0);
	}
	if (!only) {
		run(lib, argv[0], "", 0, calls, calls - 1);
		run(lib, argv[0], "mcs", 1, 1 + 2 * T, 1 + 2 * T);
	}
	return tu_summary("preload_stats");
}
