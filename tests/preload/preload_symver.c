/* preload_symver.c — both versions of a versioned pthread symbol reach the interposer.
 *
 * glibc exports pthread_mutex_trylock@GLIBC_2.2.5 and @@GLIBC_2.34, pthread_cond_signal and
 * pthread_cond_timedwait @GLIBC_2.2.5 (the old condvar ABI) and @@GLIBC_2.3.2. Our definitions
 * are unversioned; the dynamic linker binds a versioned reference to an unversioned definition
 * found earlier. This program references the old versions explicitly (.symver) next to the
 * default ones, and the child checks, under mcs, that the old trylock sees our lock (EBUSY while
 * another thread holds it — glibc's own trylock would find its word free and return 0) and that
 * every call is counted as interposed.
 */
#include "preload_util.h"

#include <pthread.h>

__asm__(".symver old_trylock, pthread_mutex_trylock@GLIBC_2.2.5");
__asm__(".symver old_cond_signal, pthread_cond_signal@GLIBC_2.2.5");
__asm__(".symver old_cond_timedwait, pthread_cond_timedwait@GLIBC_2.2.5");
int old_trylock(pthread_mutex_t *m);
int old_cond_signal(pthread_cond_t *c);
int old_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t);

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int rc_new, rc_old;

static void *other(void *arg)
{
	(void)arg;
	rc_new = pthread_mutex_trylock(&m);
	rc_old = old_trylock(&m);
	return NULL;
}

static int child(void)
{
	CHECK(pu_interposed());
	pthread_mutex_lock(&m);
	pthread_t t;
	pthread_create(&t, NULL, other, NULL);
	pthread_join(t, NULL);
	CHECK_EQ(rc_new, EBUSY);
	CHECK_EQ(rc_old, EBUSY);
	CHECK_EQ(pthread_cond_signal(&c), 0);
	CHECK_EQ(old_cond_signal(&c), 0);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec = 0; /* in the past: times out at once, through our condvar */
	CHECK_EQ(old_cond_timedwait(&c, &m, &ts), ETIMEDOUT);
	CHECK_EQ(pthread_mutex_unlock(&m), 0);
	CHECK_EQ(old_trylock(&m), 0);
	CHECK_EQ(pthread_mutex_unlock(&m), 0);
	return tu_summary("preload_symver child");
}

int main(int argc, char **argv)
{
	(void)argc;
	if (getenv("LBP_TEST_CHILD"))
		return child();
	const char *lib = pu_lib("preload_symver");
	char dir[256], path[512], e2[600];
	pu_tmpdir(dir, sizeof dir, "symver");
	snprintf(path, sizeof path, "%s/stats", dir);
	snprintf(e2, sizeof e2, "LOCKBENCH_PRELOAD_STATS=%s", path);
	const char *env[] = {"LOCKBENCH_LOCK=mcs", e2, "LBP_TEST_CHILD=1", "LOCKBENCH_PROFILE_DIR=",
			     NULL};
	char *args[] = {argv[0], NULL};
	static struct pu_result r;
	pu_run(lib, args, env, 60, &r);
	if (!CHECK_EQ(pu_exit_code(&r), 0))
		pu_show("child", &r);
	unsigned long long gi = 0, gr = 0;
	CHECK(pu_stats(path, 0, &gi, &gr));
	/* lock, trylock x2, signal x2, timedwait, unlock, trylock, unlock */
	CHECK_EQ(gi, 9);
	CHECK_EQ(gr, 0);
	printf("  old and new versions: interposed=%llu real=%llu (want 9, 0)\n", gi, gr);
	/* Control: without the library the old trylock is glibc's, which does not see our lock:
	 * the same child fails its EBUSY check. */
	const char *env2[] = {"LOCKBENCH_LOCK=mcs", "LBP_TEST_CHILD=1", NULL};
	pu_run(NULL, args, env2, 60, &r);
	CHECK(pu_exit_code(&r) == 1);
	printf("  without the library the child fails, as it must (exit %d)\n", pu_exit_code(&r));
	unlink(path);
	rmdir(dir);
	return tu_summary("preload_symver");
}
