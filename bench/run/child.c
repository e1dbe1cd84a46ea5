/* child.c — fork, watchdog, and the child's output: see child.h.
 *
 * The parent waits on the pipe, not on the process: the child closing its end (by exiting) is
 * what "finished" means, and poll on the pipe wakes at once for it while still letting the
 * watchdog run every tick. The child is reaped afterwards either way.
 */
#define _GNU_SOURCE /* pipe2 */
#include "run/child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/clock.h"

#define CHILD_READ_START (1u << 16)

/* In the child. The parent may catch SIGINT and SIGTERM to stop between measurements, or
 * ignore SIGPIPE; the child just dies of them. And it must not outlive a parent that was
 * killed: its threads may spin for ever. */
static _Noreturn void in_child(const struct child_spec *s, int fd, pid_t parent)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(4); /* the parent died before the request took effect */
	int rc = s->body(s->arg, fd);
	/* End of file now, not when the kernel gets round to closing our files: tearing down the
	 * address space comes first and can take longer than the watchdog's tick, and a kill asked
	 * for in between would otherwise find the pipe open and throw a complete result away. */
	close(fd);
	/* _exit, not exit: the caller's stdio buffers and atexit handlers are the caller's. */
	_exit(rc);
}

struct reader {
	int fd;
	char *buf;
	size_t len, cap;
};

/* One read of what is there: 1 at end of file, 0 after reading (or EINTR), or -errno. */
static int read_some(struct reader *rd)
{
	if (rd->len == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : CHILD_READ_START;
		char *bigger = realloc(rd->buf, cap);
		if (!bigger)
			return -ENOMEM;
		rd->buf = bigger;
		rd->cap = cap;
	}
	ssize_t got = read(rd->fd, rd->buf + rd->len, rd->cap - rd->len);
	if (got == 0)
		return 1;
	if (got < 0)
		return errno == EINTR ? 0 : -errno;
	rd->len += (size_t)got;
	return 0;
}

/* What the child has sent so far, read without waiting. Whether the pipe is closed: a child
 * that finished before the watchdog decided is not killed for it (its result is complete). */
static bool drained_to_eof(struct reader *rd)
{
	for (;;) {
		struct pollfd p = { .fd = rd->fd, .events = POLLIN };
		if (poll(&p, 1, 0) <= 0)
			return false;
		int rc = read_some(rd);
		if (rc)
			return rc > 0;
	}
}

static enum child_end read_and_watch(const struct child_spec *s, struct reader *rd, int *err)
{
	for (;;) {
		struct pollfd p = { .fd = rd->fd, .events = POLLIN };
		int ready = poll(&p, 1, CHILD_TICK_MS);
		if (ready < 0 && errno != EINTR) {
			*err = -errno;
			return CHILD_BROKEN;
		}
		if (ready > 0) {
			int rc = read_some(rd);
			if (rc > 0)
				return CHILD_EXITED;
			if (rc < 0) {
				*err = rc;
				return CHILD_BROKEN;
			}
		}
		enum child_verdict v = s->watch ? s->watch(s->arg, mono_ns()) : CHILD_GO;
		if (v == CHILD_GO)
			continue;
		if (drained_to_eof(rd))
			return CHILD_EXITED;
		return v == CHILD_KILL_STUCK ? CHILD_STUCK : CHILD_INTERRUPTED;
	}
}

int child_run(const struct child_spec *s, struct child_outcome *o)
{
	memset(o, 0, sizeof *o);
	int fds[2];
	/* O_CLOEXEC: a program another thread of the caller execs must not hold the write end
	 * open (fork keeps it, which is what the child needs), or the end would never be seen. */
	if (pipe2(fds, O_CLOEXEC) != 0) {
		o->start_failed = "pipe";
		return -errno;
	}
	fflush(NULL); /* the child must not inherit unwritten output */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		o->start_failed = "fork";
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0) {
		close(fds[0]);
		in_child(s, fds[1], parent);
	}
	close(fds[1]);
	struct reader rd = { .fd = fds[0] };
	o->end = read_and_watch(s, &rd, &o->err);
	if (o->end != CHILD_EXITED)
		kill(pid, SIGKILL);
	while (waitpid(pid, &o->wait_status, 0) < 0 && errno == EINTR)
		;
	close(fds[0]);
	o->out = rd.buf;
	o->out_len = rd.len;
	return 0;
}

void child_outcome_free(struct child_outcome *o)
{
	free(o->out);
	o->out = NULL;
	o->out_len = 0;
}
