/* harness_spawn.h — run the lockbench executable as a user would and keep what it printed: exit
 * status, stdout, stderr. Optionally pinned to one CPU first, which is what `taskset -c N`
 * does: the affinity mask is inherited across exec.
 *
 * Header-only and `static`, for the harness_cli_* tests that check commands end to end.
 */
#ifndef LB_HARNESS_SPAWN_H
#define LB_HARNESS_SPAWN_H

#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before the first #include (sched_setaffinity, CPU_SET)"
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct spawned {
	int status; /* exit status, or 128 + signal */
	char out[65536];
	char err[8192];
};

static void spawn_slurp_(FILE *f, char *buf, size_t len)
{
	rewind(f);
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* argv[0] is the path of the program. pin_cpu >= 0 restricts the child to that CPU before
 * exec. stdout_path, when not NULL, is opened for the child's stdout instead of capturing it
 * (e.g. "/dev/full"). Returns 0, or -errno when the child could not be started. */
static int spawn_capture(char *const argv[], int pin_cpu, const char *stdout_path,
			 struct spawned *r)
{
	FILE *out = tmpfile(), *err = tmpfile();
	if (!out || !err)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = stdout_path ? open(stdout_path, O_WRONLY) : fileno(out);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fileno(err), 2) < 0)
			_exit(126);
		if (pin_cpu >= 0) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET((unsigned)pin_cpu, &one);
			if (sched_setaffinity(0, sizeof one, &one) != 0)
				_exit(126);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	spawn_slurp_(out, r->out, sizeof r->out);
	spawn_slurp_(err, r->err, sizeof r->err);
	return 0;
}

/* Exactly one line, "lockbench: ...". */
static bool spawn_one_error_line(const char *err)
{
	const char *nl = strchr(err, '\n');
	return strncmp(err, "lockbench: ", 11) == 0 && nl && nl[1] == '\0';
}

#endif
