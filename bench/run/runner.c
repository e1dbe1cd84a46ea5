/* runner.c — the parent's side of a measurement point: the child process, the watchdog, and
 * the result coming back through a pipe. What happens inside the child is measure.c.
 *
 * The watchdog reads the workers' operation counters (struct runner_progress, in memory
 * shared with the child) every 50 ms. Progress is any counter moving; the period is counted
 * from the workers' release (or from fork, while setting up). When nothing moves for it the
 * child is killed (SIGKILL: a thread spinning in a queue, or asleep on a futex no one will
 * wake, cannot be cancelled) and the result says which threads were still waiting. A child
 * that dies of a signal is an error naming the signal. Either way the caller goes on.
 */
#define _GNU_SOURCE
#include "run/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/prctl.h>

#include "run/measure.h"
#include "stats/stats.h"
#include "run/workload.h"

static volatile sig_atomic_t interrupt_requested;

void runner_interrupt(void)
{
	interrupt_requested = 1;
}

int runner_interrupted(void)
{
	return interrupt_requested != 0;
}

void run_result_init(struct run_result *r, unsigned rep)
{
	memset(r, 0, sizeof *r);
	r->rep = rep;
	r->status = RUN_ERROR;
	r->duration_s = r->mops = r->fairness = NAN;
	r->lat_p50_ns = r->lat_p90_ns = r->lat_p99_ns = r->lat_p999_ns = r->lat_max_ns = NAN;
	r->lat_p9999_ns = NAN;
	r->timing_overhead_ns = r->cpu_ns_per_op = r->cache_misses_per_op = NAN;
	r->fairness_maxmin = r->fairness_cv = r->worker_util = NAN;
	r->timer_p50_ns = r->timer_tick_ns = NAN;
	snprintf(r->hw_counters, sizeof r->hw_counters, "not measured");
}

void run_result_free(struct run_result *r)
{
	free(r->thread_ops);
	free(r->lat_hist);
	r->thread_ops = NULL;
	r->lat_hist = NULL;
}

uint64_t runner_watchdog_ns(const struct run_params *p)
{
	if (p->watchdog_ns)
		return p->watchdog_ns;
	uint64_t ten = p->duration_ns > UINT64_MAX / 10 ? UINT64_MAX : 10 * p->duration_ns;
	return ten > 5000000000ull ? ten : 5000000000ull;
}

int runner_check(const struct run_params *p, char *err, size_t errlen)
{
	const struct lb_lock_ops *ops = p->lock;
	if (!ops) {
		snprintf(err, errlen, "--lock: no lock given");
		return -EINVAL;
	}
	if (p->threads < 1 || p->threads > LB_MAX_THREADS) {
		snprintf(err, errlen, "--threads: %u is not in 1..%d", p->threads, LB_MAX_THREADS);
		return -EINVAL;
	}
	if (p->instances < 1 || p->instances > p->threads) {
		snprintf(err, errlen, "--instances: %u is not in 1..%u (the thread count)",
			 p->instances, p->threads);
		return -EINVAL;
	}
	if (p->permits < 1 || (p->permits > 1 && !(ops->props & LB_COUNTING))) {
		snprintf(err, errlen,
			 "--permits: '%s' is not a counting semaphore; it takes only --permits 1",
			 ops->name);
		return -EINVAL;
	}
	if (p->reentry < 1 || (p->reentry > 1 && !(ops->props & LB_REENTRANT))) {
		snprintf(err, errlen, "--reentry: '%s' is not reentrant; it takes only --reentry 1",
			 ops->name);
		return -EINVAL;
	}
	if (p->duration_ns == 0) {
		snprintf(err, errlen, "--duration: must be greater than 0");
		return -EINVAL;
	}
	return 0;
}

/* "0-3,5,7": the indices i < n with set[i], as ranges. */
static void index_list(const unsigned char *set, unsigned n, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		if (!set[i])
			continue;
		unsigned j = i;
		while (j + 1 < n && set[j + 1])
			j++;
		int k = j > i ? snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", i, j)
			      : snprintf(buf + used, len - used, "%s%u", used ? "," : "", i);
		if (k < 0 || (size_t)k >= len - used) {
			if (len > 4)
				snprintf(buf + (len - 4), 4, "...");
			return;
		}
		used += (size_t)k;
		i = j;
	}
}

static const char *phase_name(int phase)
{
	static const char *const names[] = { "while starting threads", "in the warm-up",
					     "in the measurement window", "after the window",
					     "after the window, joining threads" };
	return phase >= 0 && phase <= PH_STOP ? names[phase] : "?";
}

static void describe_stuck(struct run_result *r, const struct run_params *p,
			   struct runner_shared *sh, uint64_t wd_ns)
{
	unsigned n = p->threads, waiting = 0;
	unsigned char *wait = calloc(n, 1), *never = calloc(n, 1);
	char wl[96] = "?", nl[96] = "";
	if (wait && never) {
		for (unsigned i = 0; i < n; i++) {
			int st = atomic_load_explicit(&sh->thread[i].state, memory_order_relaxed);
			uint64_t ops = atomic_load_explicit(&sh->thread[i].ops, memory_order_relaxed);
			wait[i] = st != WS_DONE && st != WS_FAILED;
			never[i] = wait[i] && ops == 0;
			waiting += wait[i];
		}
		index_list(wait, n, wl, sizeof wl);
		index_list(never, n, nl, sizeof nl);
	}
	int phase = atomic_load_explicit(&sh->phase, memory_order_relaxed);
	run_result_note(r, "lock %s: no thread made progress for %.1f s (%s); %u of %u threads "
			   "still waiting: %s%s%s",
			p->lock->name, (double)wd_ns / 1e9, phase_name(phase), waiting, n, wl,
			nl[0] ? "; never acquired it once: " : "", nl);
	free(wait);
	free(never);
}

/* What the child sends: this header, the run_result, thread_ops[threads], the histogram. */
struct wire_header {
	uint32_t magic, threads, has_hist, result_size;
};
#define WIRE_MAGIC 0x4c42524eu /* "LBRN" */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_result(int fd, const struct run_result *r, unsigned threads)
{
	struct wire_header h = { WIRE_MAGIC, threads, r->lat_hist != NULL, sizeof *r };
	int err = write_all(fd, &h, sizeof h);
	if (!err)
		err = write_all(fd, r, sizeof *r);
	if (!err)
		err = r->thread_ops ? write_all(fd, r->thread_ops, threads * sizeof(uint64_t)) : -EINVAL;
	if (!err && r->lat_hist)
		err = write_all(fd, r->lat_hist, sizeof *r->lat_hist);
	return err;
}

static int decode_result(const char *buf, size_t len, unsigned threads, struct run_result *r)
{
	struct wire_header h;
	if (len < sizeof h)
		return -EPROTO;
	memcpy(&h, buf, sizeof h);
	size_t need = sizeof h + sizeof *r + threads * sizeof(uint64_t) +
		      (h.has_hist ? sizeof(struct latency_hist) : 0);
	if (h.magic != WIRE_MAGIC || h.threads != threads || h.result_size != sizeof *r ||
	    len != need)
		return -EPROTO;
	unsigned rep = r->rep;
	memcpy(r, buf + sizeof h, sizeof *r);
	r->rep = rep;
	r->thread_ops = malloc(threads * sizeof(uint64_t));
	r->lat_hist = h.has_hist ? malloc(sizeof *r->lat_hist) : NULL;
	if (!r->thread_ops || (h.has_hist && !r->lat_hist)) {
		run_result_free(r);
		return -ENOMEM;
	}
	memcpy(r->thread_ops, buf + sizeof h + sizeof *r, threads * sizeof(uint64_t));
	if (h.has_hist)
		memcpy(r->lat_hist, buf + sizeof h + sizeof *r + threads * sizeof(uint64_t),
		       sizeof *r->lat_hist);
	return 0;
}

static void child_process(struct topo *t, const struct run_params *p,
			  const struct thread_plan *plan, const struct measure_calib *cal,
			  unsigned rep, struct runner_shared *sh, int fd, pid_t parent)
{
	/* The parent may catch SIGINT to stop between points; the child just dies with it. And it
	 * must not outlive a parent that was killed: its workers may spin for ever. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(4); /* the parent died before the request took effect */
	struct run_result r;
	run_result_init(&r, rep);
	measure_point(t, p, plan, cal, sh, &r);
	int err = send_result(fd, &r, p->threads);
	_exit(err ? 3 : 0);
}

static void note_exit(struct run_result *r, int ws)
{
	if (WIFSIGNALED(ws)) {
		int sig = WTERMSIG(ws);
		const char *abbrev = sigabbrev_np(sig);
		run_result_note(r, "the measuring process was killed by SIG%s (%s)",
				abbrev ? abbrev : "?", strsignal(sig));
	} else if (WIFEXITED(ws)) {
		run_result_note(r, "the measuring process exited with status %d without a result",
				WEXITSTATUS(ws));
	}
}

/* The calibration every point of this process uses: measured at the first point, in the parent,
 * and inherited by each child through fork. Once, not in every child: it costs about 45 ms (a
 * third of a default sweep point, whose window and warm-up are 130 ms), and every point of a
 * sweep then does the same work for the same --cs, so points compare like for like. 0 until
 * measured, 1 measured, a negative errno when it failed. */
static struct measure_calib run_calib;
static int run_calib_state;

int runner_run_point(struct topo *t, const struct run_params *p, const struct thread_plan *plan,
		     unsigned rep, struct run_result *r)
{
	run_result_init(r, rep);
	if (run_calib_state == 0) {
		int rc = measure_calibrate(&run_calib);
		run_calib_state = rc ? rc : 1;
	}
	if (run_calib_state < 0) {
		run_result_note(r, "calibration failed: %s", strerror(-run_calib_state));
		return 0; /* the machine's failure, not the harness's: r->status is RUN_ERROR */
	}
	const unsigned n = p->threads;
	size_t shsize = sizeof(struct runner_shared) + n * sizeof(struct runner_progress);
	struct runner_shared *sh =
		mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		int err = -errno;
		run_result_note(r, "mmap: %s", strerror(-err));
		return err;
	}
	/* Fresh anonymous memory is zero: phase INIT, every counter 0, every state STARTING. */
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		int err = -errno;
		run_result_note(r, "pipe: %s", strerror(-err));
		munmap(sh, shsize);
		return err;
	}
	fflush(NULL); /* the child must not inherit unwritten output */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		run_result_note(r, "fork: %s", strerror(-err));
		close(fds[0]);
		close(fds[1]);
		munmap(sh, shsize);
		return err;
	}
	if (pid == 0) {
		close(fds[0]);
		child_process(t, p, plan, &run_calib, rep, sh, fds[1], parent);
	}
	close(fds[1]);

	const uint64_t wd_ns = runner_watchdog_ns(p);
	uint64_t *last = calloc(n, sizeof *last);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int last_phase = PH_INIT, harness_err = 0;
	enum { READING, KILLED_STUCK, KILLED_INTERRUPT, BROKEN } how = READING;
	uint64_t last_change = lb_mono_ns();
	while (how == READING) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		int ready = poll(&pfd, 1, 50);
		if (ready < 0 && errno != EINTR) {
			harness_err = -errno;
			how = BROKEN;
			break;
		}
		if (ready > 0) {
			if (len == cap) {
				char *bigger = buf ? realloc(buf, cap * 2) : NULL;
				if (!bigger) {
					harness_err = -ENOMEM;
					how = BROKEN;
					break;
				}
				buf = bigger;
				cap *= 2;
			}
			ssize_t got = buf ? read(fds[0], buf + len, cap - len) : -1;
			if (got == 0)
				break; /* EOF: the child is done, one way or another */
			if (got < 0 && errno != EINTR) {
				harness_err = buf ? -errno : -ENOMEM;
				how = BROKEN;
				break;
			}
			if (got > 0)
				len += (size_t)got;
		}
		if (runner_interrupted()) {
			/* A child that already sent its whole result is not killed for it: what is
			 * in the pipe is read without waiting, and its end means the measurement is
			 * finished and kept (the promise cmd_run.c states). */
			bool eof = false;
			while (buf && len < cap) {
				struct pollfd now = { .fd = fds[0], .events = POLLIN };
				if (poll(&now, 1, 0) <= 0)
					break;
				ssize_t got = read(fds[0], buf + len, cap - len);
				if (got <= 0) {
					eof = got == 0;
					break;
				}
				len += (size_t)got;
			}
			if (eof)
				break;
			how = KILLED_INTERRUPT;
			break;
		}
		/* Progress: any worker's counter moved. The period starts again when the workers
		 * are released (setup, which may create a thousand threads, is not waiting). */
		uint64_t now = lb_mono_ns();
		int phase = atomic_load_explicit(&sh->phase, memory_order_relaxed);
		if (phase != last_phase) {
			if (last_phase == PH_INIT)
				last_change = now;
			last_phase = phase;
		}
		for (unsigned i = 0; last && i < n; i++) {
			/* Relaxed: a counter only ever grows; any newer value means progress. */
			uint64_t ops = atomic_load_explicit(&sh->thread[i].ops, memory_order_relaxed);
			if (ops != last[i]) {
				last[i] = ops;
				last_change = now;
			}
		}
		if (now - last_change >= wd_ns)
			how = KILLED_STUCK;
	}
	if (how != READING)
		kill(pid, SIGKILL);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	close(fds[0]);

	/* Ctrl-C on a terminal, and `timeout`, signal the whole process group: the child may die of
	 * the signal before this loop notices the parent got it too. That is an interruption, not
	 * a failed measurement. */
	if (how == READING && WIFSIGNALED(ws) && runner_interrupted())
		how = KILLED_INTERRUPT;
	if (how == KILLED_STUCK) {
		r->status = RUN_STUCK;
		describe_stuck(r, p, sh, wd_ns);
	} else if (how == KILLED_INTERRUPT) {
		r->status = RUN_INTERRUPTED;
		run_result_note(r, "interrupted by a signal");
	} else if (how == BROKEN) {
		r->status = RUN_ERROR;
		run_result_note(r, "reading the result: %s", strerror(-harness_err));
	} else if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0 &&
		   decode_result(buf, len, n, r) == 0) {
		/* r now holds the child's result. */
	} else {
		r->status = RUN_ERROR;
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
			run_result_note(r, "the measuring process sent a malformed result");
		else
			note_exit(r, ws);
	}
	free(buf);
	free(last);
	munmap(sh, shsize);
	return harness_err;
}
