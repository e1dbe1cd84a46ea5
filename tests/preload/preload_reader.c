/* preload_reader.c — what the interposer writes, `lockbench exec`'s reader reads.
 *
 * The child counts under mcs with LOCKBENCH_PROFILE_DIR set (two threads, ITERS lock/unlock pairs
 * each, one static mutex); the parent runs bench/exec's profile_collect on the directory, which
 * validates, merges and symbolises the file, and checks profile.csv's row for that mutex: kind,
 * the static flag and the acquisitions made. Control: a directory with no profile file is refused.
 */
#include "preload_util.h"

#include <pthread.h>

#include "exec/profile.h"

#define ITERS 3000

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static int child(void)
{
	pu_two_threads_pairs(&m, ITERS);
	printf("m=%p\n", (void *)&m);
	return 0;
}

/* The field `col` (0-based) of the CSV row whose 4th field is `mutex`, unquoted fields only. */
static int csv_field(const char *path, const char *mutex, int col, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[4096];
	int found = 0;
	while (!found && fgets(line, sizeof line, f)) {
		char *fields[32];
		int n = 0;
		char *save = NULL;
		for (char *p = strtok_r(line, ",", &save); p && n < 32; p = strtok_r(NULL, ",", &save))
			fields[n++] = p;
		if (n > col && n > 3 && strcmp(fields[0], "mutex") == 0 &&
		    strcmp(fields[3], mutex) == 0) {
			snprintf(out, len, "%s", fields[col]);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	(void)argc;
	if (getenv("LBP_TEST_CHILD"))
		return child();
	const char *lib = pu_lib("preload_reader");
	char dir[256], e3[600], csv[600], err[512], mutex[64] = "";
	pu_tmpdir(dir, sizeof dir, "reader");
	snprintf(e3, sizeof e3, "LOCKBENCH_PROFILE_DIR=%s", dir);
	const char *env[] = {"LOCKBENCH_LOCK=mcs", e3, "LBP_TEST_CHILD=1", NULL};
	char *args[] = {argv[0], NULL};
	static struct pu_result r;
	pu_run(lib, args, env, 120, &r);
	void *addr = NULL;
	CHECK_EQ(pu_exit_code(&r), 0);
	CHECK(sscanf(r.out, "m=%p", &addr) == 1);
	snprintf(mutex, sizeof mutex, "%p", addr);
	FILE *sink = fopen("/dev/null", "w");
	int rc = profile_collect(dir, NULL, 5, sink ? sink : stdout, err, sizeof err);
	if (sink)
		fclose(sink);
	if (!CHECK_EQ(rc, 0))
		printf("  profile_collect: %s\n", err);
	snprintf(csv, sizeof csv, "%s/profile.csv", dir);
	char kind[32] = "", flags[64] = "", acq[32] = "";
	CHECK(csv_field(csv, mutex, 4, kind, sizeof kind));
	CHECK(csv_field(csv, mutex, 5, flags, sizeof flags));
	CHECK(csv_field(csv, mutex, 6, acq, sizeof acq));
	CHECK(strcmp(kind, "normal") == 0);
	CHECK(strstr(flags, "static") != NULL);
	CHECK_EQ(strtoll(acq, NULL, 10), 2 * ITERS);
	printf("  reader's row for %s: kind=%s flags=%s acquisitions=%s (want %d)\n", mutex, kind,
	       flags, acq, 2 * ITERS);
	/* control: no profile file at all is an error, not an empty success */
	char empty[256];
	pu_tmpdir(empty, sizeof empty, "reader-empty");
	CHECK(profile_collect(empty, NULL, 5, stdout, err, sizeof err) != 0);
	printf("  an empty directory is refused: %s\n", err);
	rmdir(empty);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("  (could not remove %s)\n", dir);
	return tu_summary("preload_reader");
}
