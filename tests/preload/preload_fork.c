/* preload_fork.c — fork()ed and exec'ed children of an interposed program.
 *
 * The child program (run per lock with LOCKBENCH_PROFILE_DIR and LOCKBENCH_PRELOAD_STATS) holds a
 * mutex in one thread and forks: the fork child finds that mutex still held (as with glibc: its
 * holder does not exist there), and uses another mutex from two threads under contention,
 * exclusion intact. A second fork child execs this program again: the new image has the library
 * (LD_PRELOAD inherited) and uses it. The parent then checks that each of the three processes
 * wrote its own stats line (nothing forwarded to glibc under a replacement lock) and its own
 * profile file, named after its PID, with a valid header.
 */
#include "preload_util.h"

#include <dirent.h>
#include <pthread.h>

#include "preload/profile_format.h"

#define ITERS 5000

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static volatile int release_held;
static long counter;

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&held);
	while (!release_held) {
		struct timespec nap = {0, 1000000};
		nanosleep(&nap, NULL);
	}
	pthread_mutex_unlock(&held);
	return NULL;
}

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		pthread_mutex_lock(&b);
		long v = counter;
		for (int k = 0; k < 20; k++)
			__asm__ __volatile__("" ::: "memory");
		counter = v + 1;
		pthread_mutex_unlock(&b);
	}
	return NULL;
}

static int fork_child(void)
{
	if (!pu_interposed())
		return 10;
	if (pthread_mutex_trylock(&held) != EBUSY)
		return 11;
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return counter == 2 * ITERS ? 0 : 12;
}

static int child(char *argv0)
{
	pthread_t h;
	pthread_create(&h, NULL, holder, NULL);
	while (pthread_mutex_trylock(&held) != EBUSY) { /* until the holder has it */
		pthread_mutex_unlock(&held);
		struct timespec nap = {0, 1000000};
		nanosleep(&nap, NULL);
	}
	int fails = 0;
	pid_t p = fork();
	if (p == 0)
		exit(fork_child());
	int st;
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("fork child: status %#x\n", st);
		fails++;
	}
	p = fork();
	if (p == 0) {
		setenv("LBP_TEST_CHILD", "execd", 1);
		char *args[] = {argv0, NULL};
		execv("/proc/self/exe", args);
		_exit(13);
	}
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("exec child: status %#x\n", st);
		fails++;
	}
	release_held = 1;
	pthread_join(h, NULL);
	printf("pids: %d\n", (int)getpid());
	return fails;
}

static int execd(void)
{
	if (!pu_interposed())
		return 20;
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&b);
		pthread_mutex_unlock(&b);
	}
	return 0;
}

/* Count prof.*.lbp files in dir with a valid header; *pids gets how many name their own pid. */
static int count_profiles(const char *dir, int *named_ok)
{
	DIR *d = opendir(dir);
	int n = 0;
	*named_ok = 0;
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		int pid;
		char tail[16];
		if (sscanf(de->d_name, LBP_FILE_PREFIX "%d%15s", &pid, tail) != 2)
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct lbp_header h;
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		if (fread(&h, sizeof h, 1, f) == 1 && h.magic == LBP_MAGIC && h.version == LBP_VERSION) {
			n++;
			*named_ok += h.pid == pid && strcmp(tail, LBP_FILE_SUFFIX) == 0;
		}
		fclose(f);
		unlink(path);
	}
	closedir(d);
	return n;
}

static int count_stats_lines(const char *path, unsigned long long *real_total)
{
	FILE *f = fopen(path, "r");
	int n = 0;
	*real_total = 0;
	if (!f)
		return 0;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		int p;
		unsigned long long i, r;
		if (sscanf(line, "pid=%d interposed=%llu real=%llu", &p, &i, &r) == 3 && i > 0) {
			n++;
			*real_total += r;
		}
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	const char *mode = getenv("LBP_TEST_CHILD");
	if (mode)
		return strcmp(mode, "execd") == 0 ? execd() : child(argv[0]);
	const char *only = tu_parse_lock_arg("preload_fork", argc, argv);
	const char *lib = pu_lib("preload_fork");
	/* Every lock of the registry, then glibc's (""): a lock keeping per-thread contexts or
	 * parked waiters (queue nodes, cluster maps, sleepers) must survive fork as well as a
	 * futex word. `null` is left out: the child checks its counter, which needs exclusion. */
	const char **locks = calloc(lb_lock_count() + 1, sizeof *locks);
	if (!locks) {
		fprintf(stderr, "preload_fork: out of memory\n");
		return 1;
	}
	unsigned nlocks = 0;
	for (unsigned i = 0; lb_locks[i]; i++)
		if (!(lb_locks[i]->props & (LB_TEST_ONLY | LB_NOT_A_LOCK)))
			locks[nlocks++] = lb_locks[i]->name;
	locks[nlocks++] = "";
	static struct pu_result r;
	for (unsigned i = 0; i < nlocks; i++) {
		if (only && strcmp(only, locks[i]) != 0)
			continue;
		char dir[256], stats[512], e1[128], e2[600], e3[600];
		pu_tmpdir(dir, sizeof dir, "fork");
		snprintf(stats, sizeof stats, "%s/stats", dir);
		snprintf(e1, sizeof e1, "LOCKBENCH_LOCK=%s", locks[i]);
		snprintf(e2, sizeof e2, "LOCKBENCH_PRELOAD_STATS=%s", stats);
		snprintf(e3, sizeof e3, "LOCKBENCH_PROFILE_DIR=%s", dir);
		const char *env[] = {e1, e2, e3, "LBP_TEST_CHILD=main", NULL};
		char *args[] = {argv[0], NULL};
		pu_run(lib, args, env, 120, &r);
		int ok = CHECK_EQ(pu_exit_code(&r), 0);
		unsigned long long real = 0;
		int lines = count_stats_lines(stats, &real);
		ok &= CHECK_EQ(lines, 3);
		if (*locks[i])
			ok &= CHECK_EQ(real, 0);
		int named = 0, files = count_profiles(dir, &named);
		ok &= CHECK_EQ(files, 3);
		ok &= CHECK_EQ(named, 3);
		printf("  %-18s exit %d, %d stats lines (real %llu), %d profile files (%d named "
		       "prof.PID.lbp) %s\n",
		       *locks[i] ? locks[i] : "(glibc)", pu_exit_code(&r), lines, real, files, named,
		       ok ? "ok" : "FAILED");
		if (!ok)
			pu_show(locks[i], &r);
		unlink(stats);
		rmdir(dir);
	}
	free(locks);
	return tu_summary("preload_fork");
}
