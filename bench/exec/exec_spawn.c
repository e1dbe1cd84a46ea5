/* exec_spawn.c — one run of PROG: fork, its own process group, execve with our environment,
 * the optional tee of one stream, the timeout, and wait4's rusage (exec.h).
 *
 * The end of the run is the exit of PROG itself, seen through a pidfd (poll wakes the moment it
 * exits, so wall_s is not rounded up to a polling tick; kernels before 5.3 fall back to a
 * CHILD_TICK_MS tick). Whatever PROG started and left behind in its group is killed only on a
 * timeout or an interruption: a program that exits normally is done, and its output pipe is
 * drained without waiting for daemons that still hold it.
 *
 * PROG runs in a process group of its own so that a timeout can kill it with everything it
 * forked (kill(-pgid)). Ctrl-C in a terminal reaches lockbench's group only; lockbench ends the
 * run (SIGTERM, then SIGKILL after the grace) and keeps what finished. A program that reads
 * the terminal is in a background group and is stopped by SIGTTIN: give it its input from a file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/exec.h"
#include "results/file.h"
#include "run/child.h"
#include "run/clock.h"
#include "run/runner.h"

extern char **environ;

static char *env_pair(const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;
	char *s = malloc(len);
	if (s)
		snprintf(s, len, "%s=%s", name, value);
	return s;
}

char **exec_env_build(const struct exec_spawn *s)
{
	size_t n = 0;
	while (environ && environ[n])
		n++;
	char **env = calloc(n + 4, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	const char *old_preload = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *e = environ[i];
		if (strncmp(e, "LD_PRELOAD=", 11) == 0) {
			old_preload = e + 11;
			continue;
		}
		/* Ours replace what lockbench inherited: a run without --profile writes none. */
		if (strncmp(e, "LOCKBENCH_LOCK=", 15) == 0 ||
		    strncmp(e, "LOCKBENCH_PROFILE_DIR=", 22) == 0)
			continue;
		if (!(env[k++] = strdup(e)))
			goto oom;
	}
	char *preload;
	if (old_preload && *old_preload) {
		size_t len = strlen(s->preload) + strlen(old_preload) + 2;
		preload = malloc(len);
		if (preload)
			snprintf(preload, len, "%s:%s", s->preload, old_preload);
	} else {
		preload = strdup(s->preload);
	}
	if (!preload)
		goto oom;
	env[k] = env_pair("LD_PRELOAD", preload);
	free(preload);
	if (!env[k++])
		goto oom;
	if (s->lock && *s->lock && !(env[k++] = env_pair("LOCKBENCH_LOCK", s->lock)))
		goto oom;
	if (s->profile_dir && !(env[k++] = env_pair("LOCKBENCH_PROFILE_DIR", s->profile_dir)))
		goto oom;
	env[k] = NULL;
	return env;
oom:
	exec_env_free(env);
	return NULL;
}

void exec_env_free(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

void exec_describe_status(int ws, char *buf, size_t len)
{
	if (WIFEXITED(ws))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(ws));
	else if (WIFSIGNALED(ws))
		snprintf(buf, len, "was killed by SIG%s%s", sigabbrev_np(WTERMSIG(ws))
				   ? sigabbrev_np(WTERMSIG(ws)) : "?",
			 WCOREDUMP(ws) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "ended with wait status 0x%x", (unsigned)ws);
}

/* In the child, between fork and execve: only async-signal-safe calls. execve's errno goes
 * back through `errfd` (close-on-exec: the parent reads end of file when execve succeeded). */
static _Noreturn void in_child(const struct exec_spawn *s, char **env, int out_fd, int errfd,
			       pid_t parent)
{
	setpgid(0, 0);
	/* An ignored signal stays ignored across execve; lockbench ignores SIGPIPE and catches
	 * SIGINT/SIGTERM (caught ones are reset by execve, but the mask is inherited). */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* PROG must not outlive a lockbench that was SIGKILLed (the death signal survives execve
	 * of a program that is not setuid, which exec_check_preloadable made sure of). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int e = 0;
	if (getppid() != parent)
		_exit(127);
	if (out_fd >= 0 && dup2(out_fd, s->capture_stream) < 0)
		e = errno;
	if (!e) {
		execve(s->path, s->argv, env);
		e = errno;
	}
	ssize_t w = write(errfd, &e, sizeof e);
	(void)w;
	_exit(127);
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Copy what the capture pipe holds to our stream and the capture file. 1 at end of file, 0
 * after a read (or nothing there), -errno when the capture file cannot be written. */
static int pump(const struct exec_spawn *s, int fd, struct exec_run *r)
{
	char buf[65536];
	ssize_t got = read(fd, buf, sizeof buf);
	if (got == 0)
		return 1;
	if (got < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	/* Our stream may be closed (a pipe whose reader left): the capture goes on regardless. */
	if (!r->copy_failed && file_write_all(s->capture_stream, buf, (size_t)got) != 0)
		r->copy_failed = true;
	return file_write_all(s->capture_fd, buf, (size_t)got);
}

/* What is left in the capture pipe once PROG has exited, without waiting for a process it left
 * behind that still holds the pipe open. */
static int drain(const struct exec_spawn *s, int fd, struct exec_run *r)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 0) <= 0)
			return 0;
		int rc = pump(s, fd, r);
		if (rc)
			return rc > 0 ? 0 : rc;
	}
}

/* Wait for PROG (pid, its pidfd or -1) while copying the capture pipe (cap, or -1), ending it
 * on the timeout or an interruption. Fills r's times and status. 0, or -errno when the capture
 * file failed (PROG is killed then: its result could not be read). */
static int watch(const struct exec_spawn *s, pid_t pid, int pidfd, int cap, uint64_t t0,
		 struct exec_run *r)
{
	uint64_t deadline = s->timeout_ns ? t0 + s->timeout_ns : 0, kill_at = 0;
	bool termed = false, killed = false;
	int rc = 0;
	struct rusage ru;
	for (;;) {
		struct pollfd p[2];
		nfds_t n = 0;
		if (pidfd >= 0)
			p[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		if (cap >= 0)
			p[n++] = (struct pollfd){ .fd = cap, .events = POLLIN };
		int ready = poll(p, n, CHILD_TICK_MS);
		if (ready < 0 && errno != EINTR)
			return -errno;
		if (cap >= 0 && ready > 0 && (p[n - 1].revents & (POLLIN | POLLHUP | POLLERR))) {
			int got = pump(s, cap, r);
			if (got < 0 && !rc) {
				rc = got;
				kill(-pid, SIGKILL);
			}
			if (got)
				cap = -1; /* end of file, or nowhere to put it: stop reading */
		}
		int ws;
		pid_t w = wait4(pid, &ws, WNOHANG | WUNTRACED, &ru);
		if (w == pid && WIFSTOPPED(ws)) {
			if (WSTOPSIG(ws) == SIGTTIN || WSTOPSIG(ws) == SIGTTOU) {
				r->tty_stopped = true;
				kill(-pid, SIGKILL);
			}
			continue; /* a stop by anyone else is theirs to end */
		}
		if (w == pid) {
			r->wall_s = (double)(mono_ns() - t0) / 1e9;
			r->wait_status = ws;
			break;
		}
		if (w < 0 && errno != EINTR)
			return -errno;
		uint64_t now = mono_ns();
		if (!termed && (runner_interrupted() || (deadline && now >= deadline))) {
			r->interrupted = runner_interrupted();
			r->timed_out = !r->interrupted;
			kill(-pid, SIGTERM);
			termed = true;
			kill_at = now + s->grace_ns;
		}
		if (termed && !killed && now >= kill_at) {
			kill(-pid, SIGKILL);
			killed = true;
		}
	}
	/* A timeout or an interruption ends everything PROG started, not only PROG. */
	if (termed)
		kill(-pid, SIGKILL);
	r->user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	r->sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	r->vcsw = ru.ru_nvcsw;
	r->ivcsw = ru.ru_nivcsw;
	if (cap >= 0) {
		int d = drain(s, cap, r);
		rc = rc ? rc : d;
	}
	return rc;
}

int exec_spawn_run(const struct exec_spawn *s, struct exec_run *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	char **env = exec_env_build(s);
	if (!env) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int errp[2], cap[2] = { -1, -1 };
	if (pipe2(errp, O_CLOEXEC) != 0 || (s->capture_stream && pipe2(cap, O_CLOEXEC) != 0)) {
		int e = errno;
		snprintf(err, errlen, "pipe: %s", strerror(e));
		exec_env_free(env);
		return -e;
	}
	fflush(NULL); /* the child must not inherit unwritten output */
	pid_t parent = getpid();
	uint64_t t0 = mono_ns();
	pid_t pid = fork();
	if (pid == 0) {
		close(errp[0]);
		if (cap[0] >= 0)
			close(cap[0]);
		in_child(s, env, cap[1], errp[1], parent);
	}
	int fork_err = errno;
	exec_env_free(env);
	close(errp[1]);
	if (cap[1] >= 0)
		close(cap[1]);
	if (pid < 0) {
		close(errp[0]);
		if (cap[0] >= 0)
			close(cap[0]);
		snprintf(err, errlen, "fork: %s", strerror(fork_err));
		return -fork_err;
	}
	/* Both sides set the group, so that it exists whichever runs first: a timeout that came
	 * before the child's own setpgid would otherwise miss it. EACCES: it has already exec'd,
	 * after its own setpgid. */
	setpgid(pid, pid);
	int exec_errno = 0;
	ssize_t got;
	while ((got = read(errp[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR)
		;
	close(errp[0]);
	if (got > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (cap[0] >= 0)
			close(cap[0]);
		snprintf(err, errlen, "cannot run '%s': %s", s->path, strerror(exec_errno));
		return -(exec_errno ? exec_errno : EIO);
	}
	int pidfd = pidfd_open_(pid);
	int rc = watch(s, pid, pidfd, cap[0], t0, r);
	if (rc) {
		/* Nothing can be read of it any more: end it and reap it. */
		kill(-pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		snprintf(err, errlen, "while '%s' ran: %s", s->path, strerror(-rc));
	}
	if (pidfd >= 0)
		close(pidfd);
	if (cap[0] >= 0)
		close(cap[0]);
	return rc;
}
