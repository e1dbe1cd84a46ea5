/* runner.c — the parent's side of a measurement point: the calibration, the watchdog, and the
 * result coming back through a pipe. child.c forks and kills; what happens inside the child is
 * window.c and worker.c.
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
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/child.h"
#include "run/window.h"
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

static volatile sig_atomic_t caught_signal;

static void on_stop_signal(int sig)
{
	caught_signal = sig;
	runner_interrupt();
}

void runner_catch_signals(struct runner_signals *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, old ? &old->int_action : NULL);
	sigaction(SIGTERM, &sa, old ? &old->term_action : NULL);
}

void runner_restore_signals(const struct runner_signals *old)
{
	sigaction(SIGINT, &old->int_action, NULL);
	sigaction(SIGTERM, &old->term_action, NULL);
}

int runner_interrupt_signal(void)
{
	return caught_signal;
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
		snprintf(err, errlen, "lock: no lock given");
		return -EINVAL;
	}
	if (p->threads < 1 || p->threads > LB_MAX_THREADS) {
		snprintf(err, errlen, "threads: %u is not in 1..%d", p->threads, LB_MAX_THREADS);
		return -EINVAL;
	}
	if (p->instances < 1 || p->instances > p->threads) {
		snprintf(err, errlen, "instances: %u is not in 1..%u (the thread count)",
			 p->instances, p->threads);
		return -EINVAL;
	}
	if (p->permits < 1 || (p->permits > 1 && !(ops->props & LB_COUNTING))) {
		snprintf(err, errlen,
			 "permits: '%s' is not a counting semaphore; it takes only 1 permit",
			 ops->name);
		return -EINVAL;
	}
	if (p->reentry < 1 || (p->reentry > 1 && !(ops->props & LB_REENTRANT))) {
		snprintf(err, errlen, "reentry: '%s' is not reentrant; it takes only a depth of 1",
			 ops->name);
		return -EINVAL;
	}
	if (p->duration_ns == 0) {
		snprintf(err, errlen, "duration: must be greater than 0");
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
static struct window_calib run_calib;
static int run_calib_state;

/* One point's run, seen from both sides of the fork: the child measures, the parent's
 * watchdog reads the progress counters. */
struct point_run {
	struct topo *t;
	const struct run_params *p;
	const struct thread_plan *plan;
	unsigned rep;
	struct runner_shared *sh;
	/* The watchdog's: the counters as last seen, and when one last moved. */
	uint64_t *last, wd_ns, last_change;
	int last_phase;
};

static int point_child(void *arg, int fd)
{
	struct point_run *pr = arg;
	struct run_result r;
	run_result_init(&r, pr->rep);
	window_measure_point(pr->t, pr->p, pr->plan, &run_calib, pr->sh, &r);
	return send_result(fd, &r, pr->p->threads) ? 3 : 0;
}

/* Progress: any worker's counter moved. The period starts again when the workers are released
 * (setup, which may create a thousand threads, is not waiting). */
static enum child_verdict point_watch(void *arg, uint64_t now)
{
	struct point_run *pr = arg;
	if (runner_interrupted())
		return CHILD_KILL_INTERRUPT;
	int phase = atomic_load_explicit(&pr->sh->phase, memory_order_relaxed);
	if (phase != pr->last_phase) {
		if (pr->last_phase == PH_INIT)
			pr->last_change = now;
		pr->last_phase = phase;
	}
	for (unsigned i = 0; i < pr->p->threads; i++) {
		/* Relaxed: a counter only ever grows; any newer value means progress. */
		uint64_t ops = atomic_load_explicit(&pr->sh->thread[i].ops, memory_order_relaxed);
		if (ops != pr->last[i]) {
			pr->last[i] = ops;
			pr->last_change = now;
		}
	}
	return now - pr->last_change >= pr->wd_ns ? CHILD_KILL_STUCK : CHILD_GO;
}

/* The result from how the child ended; 0, or the harness's -errno (reading the pipe). */
static int take_outcome(struct point_run *pr, const struct child_outcome *o, struct run_result *r)
{
	int ws = o->wait_status;
	enum child_end end = o->end;
	/* Ctrl-C on a terminal, and `timeout`, signal the whole process group: the child may die of
	 * the signal before the watchdog notices the parent got it too. That is an interruption,
	 * not a failed measurement. */
	if (end == CHILD_EXITED && WIFSIGNALED(ws) && runner_interrupted())
		end = CHILD_INTERRUPTED;
	if (end == CHILD_STUCK) {
		r->status = RUN_STUCK;
		describe_stuck(r, pr->p, pr->sh, pr->wd_ns);
	} else if (end == CHILD_INTERRUPTED) {
		r->status = RUN_INTERRUPTED;
		run_result_note(r, "interrupted by a signal");
	} else if (end == CHILD_BROKEN) {
		r->status = RUN_ERROR;
		run_result_note(r, "reading the result: %s", strerror(-o->err));
		return o->err;
	} else if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0 &&
		   decode_result(o->out, o->out_len, pr->p->threads, r) == 0) {
		/* r now holds the child's result. */
	} else {
		r->status = RUN_ERROR;
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
			run_result_note(r, "the measuring process sent a malformed result");
		else
			note_exit(r, ws);
	}
	return 0;
}

int runner_run_point(struct topo *t, const struct run_params *p, const struct thread_plan *plan,
		     unsigned rep, struct run_result *r)
{
	run_result_init(r, rep);
	if (run_calib_state == 0) {
		int rc = window_calibrate(&run_calib);
		run_calib_state = rc ? rc : 1;
	}
	if (run_calib_state < 0) {
		run_result_note(r, "calibration failed: %s", strerror(-run_calib_state));
		return 0; /* the machine's failure, not the harness's: r->status is RUN_ERROR */
	}
	struct point_run pr = { .t = t, .p = p, .plan = plan, .rep = rep,
				.wd_ns = runner_watchdog_ns(p), .last_phase = PH_INIT };
	/* Before the fork: a watchdog without its counters would see no progress and kill a
	 * healthy point as stuck. Failing here is the harness's failure, said once. */
	pr.last = calloc(p->threads, sizeof *pr.last);
	if (!pr.last) {
		run_result_note(r, "out of memory for the watchdog's progress counters");
		return -ENOMEM;
	}
	size_t shsize = sizeof(struct runner_shared) + p->threads * sizeof(struct runner_progress);
	/* Fresh anonymous memory is zero: phase INIT, every counter 0, every state STARTING. */
	pr.sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pr.sh == MAP_FAILED) {
		int err = -errno;
		run_result_note(r, "mmap: %s", strerror(-err));
		free(pr.last);
		return err;
	}
	const struct child_spec spec = { .body = point_child, .watch = point_watch, .arg = &pr };
	struct child_outcome o;
	pr.last_change = mono_ns();
	int err = child_run(&spec, &o);
	if (err)
		run_result_note(r, "%s: %s", o.start_failed, strerror(-err));
	else
		err = take_outcome(&pr, &o, r);
	child_outcome_free(&o);
	free(pr.last);
	munmap(pr.sh, shsize);
	return err;
}
