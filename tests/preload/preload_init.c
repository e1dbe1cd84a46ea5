/* preload_init.c — the interposer's start-up: a pthread call before its constructor, and the
 * library loaded twice.
 *
 * This program links preload_early, whose constructor locks and unlocks a mutex before the
 * interposer's constructor has run, and starts a thread that contends with main on another mutex
 * under mcs (a per-thread context for a thread older than our constructor). The first call must
 * initialise the library lazily; the counter must come out exact and every call counted as ours
 * (LOCKBENCH_PRELOAD_STATS: interposed = 2 + 4 x EARLY_ITERS, real 0). Then
 * the same with two copies of the library in LD_PRELOAD: the second copy must stay idle — one
 * stats line, the same counts, and the program still works.
 */
#include "preload_util.h"

#include <pthread.h>
#include <sys/stat.h>

#include "preload_early.h"

static int child(void)
{
	CHECK(pu_interposed());
	CHECK_EQ(preload_early_rc, 0);
	CHECK(preload_early_started);
	preload_early_count(); /* against the early thread's same loop */
	if (preload_early_started)
		pthread_join(preload_early_thread, NULL);
	CHECK_EQ(preload_early_counter, 2 * EARLY_ITERS);
	return tu_summary("preload_init child");
}

static int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	int ok = in && out;
	char buf[65536];
	size_t n;
	while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
		ok = fwrite(buf, 1, n, out) == n;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		ok = 0;
	return ok;
}

static int stats_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	(void)argc;
	if (getenv("LBP_TEST_CHILD"))
		return child();
	if (preload_early_started) /* the parent has the early thread too: not a leak */
		pthread_join(preload_early_thread, NULL);
	const char *lib = pu_lib("preload_init");
	char dir[256], stats[512], copy[512], both[1100], e2[600];
	pu_tmpdir(dir, sizeof dir, "init");
	snprintf(stats, sizeof stats, "%s/stats", dir);
	snprintf(copy, sizeof copy, "%s/liblockbench-preload-copy.so", dir);
	snprintf(e2, sizeof e2, "LOCKBENCH_PRELOAD_STATS=%s", stats);
	CHECK(copy_file(lib, copy));
	snprintf(both, sizeof both, "%s:%s", lib, copy);
	const char *env[] = {"LOCKBENCH_LOCK=mcs", e2, "LBP_TEST_CHILD=1", "LOCKBENCH_PROFILE_DIR=",
			     NULL};
	char *args[] = {argv[0], NULL};
	const char *libs[] = {lib, both};
	static struct pu_result r;
	for (int i = 0; i < 2; i++) {
		unlink(stats);
		pu_run(libs[i], args, env, 60, &r);
		unsigned long long gi = 0, gr = 0;
		int ok = CHECK_EQ(pu_exit_code(&r), 0);
		ok &= CHECK(pu_stats(stats, 0, &gi, &gr));
		ok &= CHECK_EQ(stats_lines(stats), 1);
		ok &= CHECK_EQ(gi, 2 + 4 * EARLY_ITERS);
		ok &= CHECK_EQ(gr, 0);
		printf("  %s: interposed=%llu real=%llu, %d stats line(s) %s\n",
		       i ? "loaded twice" : "call before our constructor", gi, gr, stats_lines(stats),
		       ok ? "ok" : "FAILED");
		if (!ok)
			pu_show("child", &r);
	}
	unlink(stats);
	unlink(copy);
	rmdir(dir);
	return tu_summary("preload_init");
}
