/* harness_child.c — run/child.c on its own: what the child sends arrives whole, its exit status
 * and its death by a signal come back, the watchdog's verdicts kill it, a child that finished
 * before the verdict is not killed, and the child does not inherit the parent's handling of
 * SIGINT. No lock, no measurement: each child does one small thing, and each watchdog gives its
 * verdict at its first or second tick, so the whole test takes well under a second.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/child.h"
#include "test_util.h"

#define BIG_LEN (300u * 1024u) /* more than the reader's first buffer: it must grow */

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int body_big(void *arg, int fd)
{
	(void)arg;
	char *buf = malloc(BIG_LEN);
	if (!buf)
		return 9;
	for (size_t i = 0; i < BIG_LEN; i++)
		buf[i] = (char)(i * 7 + 3);
	return write_all(fd, buf, BIG_LEN) ? 8 : 0;
}

static int body_exit7(void *arg, int fd)
{
	(void)arg;
	(void)fd;
	return 7;
}

static int body_hang(void *arg, int fd)
{
	(void)arg;
	(void)fd;
	for (;;)
		pause();
	return 0;
}

static int body_raise_sigint(void *arg, int fd)
{
	(void)arg;
	(void)fd;
	raise(SIGINT);
	return 0;
}

/* Sends its pid through shared memory, then one line, then exits. */
static int body_send_pid(void *arg, int fd)
{
	atomic_int *pid = arg;
	atomic_store_explicit(pid, (int)getpid(), memory_order_release);
	return write_all(fd, "done\n", 5) ? 8 : 0;
}

static enum child_verdict watch_stuck(void *arg, uint64_t now_ns)
{
	(void)arg;
	(void)now_ns;
	return CHILD_KILL_STUCK;
}

static enum child_verdict watch_interrupt(void *arg, uint64_t now_ns)
{
	(void)arg;
	(void)now_ns;
	return CHILD_KILL_INTERRUPT;
}

/* Once the child has sent its line: wait until it has exited (without reaping it), then ask
 * for the kill. The verdict comes after the end, always: it must not be carried out. */
static enum child_verdict watch_after_exit(void *arg, uint64_t now_ns)
{
	(void)now_ns;
	atomic_int *pid = arg;
	int p = atomic_load_explicit(pid, memory_order_acquire);
	if (p == 0)
		return CHILD_GO;
	siginfo_t info;
	while (waitid(P_PID, (id_t)p, &info, WEXITED | WNOWAIT) != 0)
		;
	return CHILD_KILL_STUCK;
}

static void run(const struct child_spec *s, struct child_outcome *o)
{
	if (!CHECK_EQ(child_run(s, o), 0))
		exit(1);
}

static void test_output_and_status(void)
{
	struct child_outcome o;
	run(&(struct child_spec){ .body = body_big }, &o);
	CHECK_EQ(o.end, CHILD_EXITED);
	CHECK(WIFEXITED(o.wait_status) && WEXITSTATUS(o.wait_status) == 0);
	CHECK_EQ(o.out_len, BIG_LEN);
	bool same = o.out_len == BIG_LEN;
	for (size_t i = 0; same && i < BIG_LEN; i++)
		same = o.out[i] == (char)(i * 7 + 3);
	CHECK(same);
	child_outcome_free(&o);
	printf("  %u bytes sent arrive whole\n", BIG_LEN);

	run(&(struct child_spec){ .body = body_exit7 }, &o);
	CHECK_EQ(o.end, CHILD_EXITED);
	CHECK(WIFEXITED(o.wait_status) && WEXITSTATUS(o.wait_status) == 7);
	CHECK_EQ(o.out_len, 0);
	child_outcome_free(&o);
	printf("  the body's return is the exit status\n");
}

static void test_verdicts(void)
{
	struct child_outcome o;
	run(&(struct child_spec){ .body = body_hang, .watch = watch_stuck }, &o);
	CHECK_EQ(o.end, CHILD_STUCK);
	CHECK(WIFSIGNALED(o.wait_status) && WTERMSIG(o.wait_status) == SIGKILL);
	child_outcome_free(&o);
	run(&(struct child_spec){ .body = body_hang, .watch = watch_interrupt }, &o);
	CHECK_EQ(o.end, CHILD_INTERRUPTED);
	CHECK(WIFSIGNALED(o.wait_status) && WTERMSIG(o.wait_status) == SIGKILL);
	child_outcome_free(&o);
	printf("  a hanging child is killed on the stuck and the interrupt verdicts\n");

	atomic_int *pid = mmap(NULL, sizeof *pid, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(pid != MAP_FAILED))
		return;
	atomic_init(pid, 0);
	run(&(struct child_spec){ .body = body_send_pid, .watch = watch_after_exit, .arg = pid },
	    &o);
	CHECK_EQ(o.end, CHILD_EXITED);
	CHECK(WIFEXITED(o.wait_status) && WEXITSTATUS(o.wait_status) == 0);
	CHECK(o.out_len == 5 && memcmp(o.out, "done\n", 5) == 0);
	child_outcome_free(&o);
	munmap(pid, sizeof *pid);
	printf("  a child that finished before the verdict keeps its result\n");
}

static void test_signals(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old);
	struct child_outcome o;
	run(&(struct child_spec){ .body = body_raise_sigint }, &o);
	sigaction(SIGINT, &old, NULL);
	CHECK_EQ(o.end, CHILD_EXITED);
	CHECK(WIFSIGNALED(o.wait_status) && WTERMSIG(o.wait_status) == SIGINT);
	child_outcome_free(&o);
	printf("  the child dies of SIGINT though the parent ignores it\n");
}

int main(void)
{
	test_output_and_status();
	test_verdicts();
	test_signals();
	return tu_summary("harness_child");
}
