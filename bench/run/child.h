/* child.h — run a function in a forked process under a watchdog, and read what it sends back.
 *
 * A lock whose waiter spins in a queue, or sleeps on a futex nobody will wake, cannot be
 * cancelled; a lock that crashes takes its process with it. So whatever runs a lock for a
 * measurement runs it in a child process: the runner's points (runner.c) and the handoff probe
 * (probe/handoff.c). This is the one place that forks, watches and kills.
 *
 * The child runs `body` with the write end of a pipe and exits with its return value; it dies
 * with the parent (PR_SET_PDEATHSIG) and takes the default action for SIGINT, SIGTERM and SIGPIPE
 * whatever handlers the parent set. The parent reads the pipe until it closes, calling `watch`
 * every CHILD_TICK_MS; when watch asks for it, the child is killed (SIGKILL) — unless it had
 * already closed the pipe, that is finished, by then.
 */
#ifndef LB_CHILD_H
#define LB_CHILD_H

#include <stddef.h>
#include <stdint.h>

#define CHILD_TICK_MS 50

enum child_verdict {
	CHILD_GO,             /* let it run */
	CHILD_KILL_STUCK,     /* it made no progress: kill it */
	CHILD_KILL_INTERRUPT, /* the user asked to stop: kill it */
};

struct child_spec {
	/* In the child: the work, its result written to fd; returns the exit status. */
	int (*body)(void *arg, int fd);
	/* In the parent, at least every CHILD_TICK_MS while the child runs, with the
	 * CLOCK_MONOTONIC time; NULL: never killed. */
	enum child_verdict (*watch)(void *arg, uint64_t now_ns);
	void *arg;
};

enum child_end {
	CHILD_EXITED,      /* it closed the pipe and was reaped: wait_status says how it ended */
	CHILD_STUCK,       /* killed on CHILD_KILL_STUCK */
	CHILD_INTERRUPTED, /* killed on CHILD_KILL_INTERRUPT */
	CHILD_BROKEN,      /* reading the pipe failed (err); killed */
};

struct child_outcome {
	enum child_end end;
	int wait_status; /* waitpid's status */
	int err;         /* CHILD_BROKEN: the negative errno */
	char *out;       /* what the child wrote (malloc'd, may be NULL when it wrote nothing) */
	size_t out_len;
	const char *start_failed; /* "pipe" or "fork": the call that failed when child_run did */
};

/* Fork, watch, reap. 0 with *o filled, or a negative errno when no child could be started
 * (o->start_failed names the call; the rest of *o is zeroed). Release o->out with
 * child_outcome_free. */
int child_run(const struct child_spec *s, struct child_outcome *o);
void child_outcome_free(struct child_outcome *o);

#endif
