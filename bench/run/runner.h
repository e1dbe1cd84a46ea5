/* runner.h — one measurement point (one repetition) in a child process, under a watchdog.
 *
 * runner_run_point forks. The work loop and the clock are calibrated once per process, in the
 * parent at its first point (runner.c says why). The child creates every worker thread (each
 * binds itself to its planned CPU), releases them together, runs the warm-up and the
 * measurement window, stops and joins them, checks exclusion, and writes its run_result
 * (with per-thread operation counts and the latency histogram) back through a pipe. The parent
 * reads the workers' progress counters from memory it shares with the child; when none of them
 * moves for the watchdog period it kills the child and records RUN_STUCK. A lock whose waiter
 * spins in a queue cannot be cancelled, which is why the point runs in a process of its own.
 */
#ifndef LB_RUNNER_H
#define LB_RUNNER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "run/params.h"
#include "run/result.h"
#include "topo/topo.h"

struct topo;

/* Whether the lock can run these parameters (reentry needs LB_REENTRANT, permits > 1 needs
 * LB_COUNTING, …). 0, or -EINVAL with a one-line message naming the option in err. */
int runner_check(const struct run_params *p, char *err, size_t errlen);

/* The watchdog period: --watchdog when given, else max(5 s, 10 × duration). */
uint64_t runner_watchdog_ns(const struct run_params *p);

/* Run repetition `rep` of the point. Always fills *r (status says how it went; r owns
 * thread_ops and lat_hist: release with run_result_free). Returns 0, or -errno when the harness
 * itself failed (mmap, pipe, fork); r->status is RUN_ERROR then too. */
int runner_run_point(struct topo *t, const struct run_params *p, const struct thread_plan *plan,
		     unsigned rep, struct run_result *r);

/* A result with nothing measured: every double NAN, status RUN_ERROR until set. */
void run_result_init(struct run_result *r, unsigned rep);
void run_result_free(struct run_result *r);

/* Async-signal-safe: ask the running point to stop (its result becomes RUN_INTERRUPTED). */
void runner_interrupt(void);
int runner_interrupted(void);

/* Catch SIGINT and SIGTERM: either stops the running point (runner_interrupt) and is kept for
 * runner_interrupt_signal. Without SA_RESTART, so that the watchdog's poll returns to notice.
 * The previous actions go to *old, for runner_restore_signals (old may be NULL). */
struct runner_signals {
	struct sigaction int_action, term_action;
};
void runner_catch_signals(struct runner_signals *old);
void runner_restore_signals(const struct runner_signals *old);
/* The signal runner_catch_signals caught (the last one), or 0. */
int runner_interrupt_signal(void);

#endif
