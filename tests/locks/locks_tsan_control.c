/* locks_tsan_control.c — ThreadSanitizer does catch a lock without acquire/release orders.
 *
 * Built and registered only in a -Db_sanitize=thread build. The parent re-executes this binary
 * (/proc/self/exe) as a child that runs the exclusion checker of locks_stress on one lock, with
 * TSAN_OPTIONS=halt_on_error=1:exitcode=66, and reads the child's stderr:
 * - relaxed-tas (tas with relaxed orders): the child must exit 66 and report
 *   "ThreadSanitizer: data race": this is the negative control showing that the TSan run of
 *   locks_stress can fail;
 * - tas (acquire exchange, release store): the same child must exit 0 with no report.
 * Usage: locks_tsan_control [--child LOCK]
 */
#include <sys/wait.h>
#include <unistd.h>

#include "broken_locks.h"
#include "exclusion_check.h"
#include "test_util.h"

#define TSAN_EXIT 66

static const struct lb_lock_ops *find_any(const char *name)
{
	for (const struct lb_lock_ops *const *p = lb_plugin_locks; *p; p++)
		if (strcmp((*p)->name, name) == 0)
			return *p;
	return lb_lock_find(name);
}

static int child(const char *name)
{
	const struct lb_lock_ops *ops = find_any(name);
	if (!ops) {
		fprintf(stderr, "locks_tsan_control: --child: no lock '%s'\n", name);
		return 2;
	}
	struct excl_result r;
	excl_check(ops, 4, 2000, &r);
	printf("child %s: ops=%llu violations=%llu\n", name, (unsigned long long)r.expected,
	       (unsigned long long)r.violations);
	return excl_failed(&r) ? 1 : 0;
}

struct child_result {
	int status;        /* exit status, or 128 + signal */
	int data_race;     /* stderr has "ThreadSanitizer: data race" */
	int any_report;    /* stderr has "ThreadSanitizer" */
};

static void run_child(const char *self, const char *name, struct child_result *res)
{
	char errpath[] = "/tmp/locks_tsan_control.XXXXXX";
	int fd = mkstemp(errpath);
	if (fd < 0)
		tu_die("locks_tsan_control", "mkstemp", errno);
	unlink(errpath);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		tu_die("locks_tsan_control", "fork", errno);
	if (pid == 0) {
		dup2(fd, STDERR_FILENO);
		setenv("TSAN_OPTIONS", "halt_on_error=1:exitcode=66", 1);
		execl(self, self, "--child", name, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	static char buf[1 << 16];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	res->data_race = strstr(buf, "ThreadSanitizer: data race") != NULL;
	res->any_report = strstr(buf, "ThreadSanitizer") != NULL;
	printf("  %-18s child exit %d, %s\n", name, res->status,
	       res->data_race ? "TSan reported a data race"
	       : res->any_report ? "TSan reported something else"
				 : "no TSan report");
	if (res->any_report && !res->data_race)
		printf("%s", buf);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--child") == 0)
		return child(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: locks_tsan_control [--child LOCK]\n");
		return 2;
	}
	printf("locks_tsan_control: TSan must report relaxed-tas and stay quiet on tas%s\n",
	       TU_TSAN ? "" : " (NOT a TSan build: nothing to check)");
	if (!TU_TSAN)
		return TU_SKIP;

	struct child_result bad, good;
	run_child("/proc/self/exe", relaxed_tas_ops.name, &bad);
	CHECK_EQ(bad.status, TSAN_EXIT);
	CHECK(bad.data_race);
	run_child("/proc/self/exe", "tas", &good);
	CHECK_EQ(good.status, 0);
	CHECK(!good.any_report);
	return tu_summary("locks_tsan_control");
}
