/* cmd_run.c — `lockbench run`: one measurement point, --reps repetitions, each in a process of
 * its own (runner.c), written as a table, CSV or JSON on stdout. Diagnostics go to stderr.
 *
 * Exit status: 0 when every repetition is ok; 1 when any was stuck, violated exclusion, failed
 * (the rows that did finish are still written); 130 / 143 when SIGINT / SIGTERM interrupted
 * it; 2 on a usage error.
 *
 * What an interrupted run promises: every repetition that finished before the signal is written
 * whole with its own status, and stderr says `run: interrupted after N of R repetitions`, N
 * counting exactly those rows. When the signal fell inside a repetition, one more row follows
 * them, the last, with status `interrupted`; when it fell between two repetitions, or after a
 * repetition's measuring process had already sent its result, there is no such row: a finished
 * measurement is kept, not thrown away.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "results/output.h"
#include "run/runner.h"
#include "stats/stats.h"
#include "topo/topo.h"

static int write_error(int err)
{
	return runtime_error("writing the results: %s", strerror(-err));
}

static int emit_row(const struct run_params *p, const struct thread_plan *plan,
		    const struct run_result *r)
{
	switch (p->format) {
	case FORMAT_CSV:
		return output_csv_row(stdout, p, plan, r);
	case FORMAT_TABLE:
		return output_table_row(stdout, p, r);
	case FORMAT_JSON:
		break; /* written whole at the end */
	}
	return 0;
}

/* One line when a repetition's workers got too little of their CPUs (run_is_busy: the rule is
 * stats.h's, shared with whoever else asks). */
static void warn_busy(const struct run_params *p, const struct thread_plan *plan,
		      const struct run_result *res, unsigned n)
{
	unsigned busy = 0;
	double low = 1.0;
	for (unsigned i = 0; i < n; i++)
		if (run_is_busy(res[i].worker_util, p->threads, plan->allowed_cpus,
				(p->lock->props & LB_SPINS) && !(p->lock->props & LB_SLEEPS))) {
			busy++;
			low = res[i].worker_util < low ? res[i].worker_util : low;
		}
	if (busy)
		fprintf(stderr, "lockbench: run: warning: %u of %u repetitions ran on a busy machine "
				"(worker_util down to %.2f, under %.2f): other processes took the "
				"workers' CPU time, so the figures are not the lock's alone\n",
			busy, n, low, LB_BUSY_UTIL_MIN);
}

static int run_reps(struct topo *t, struct run_params *p, const struct thread_plan *plan)
{
	struct run_result *res = calloc(p->reps, sizeof *res);
	struct run_meta meta;
	int err = 0;
	unsigned done = 0, finished = 0, bad = 0;
	if (!res)
		return runtime_error("out of memory");
	meta_collect(&meta, t);
	if (p->format == FORMAT_CSV)
		err = output_csv_header(stdout);
	else if (p->format == FORMAT_TABLE)
		err = output_table_header(stdout, p, plan);
	for (unsigned rep = 1; !err && rep <= p->reps && !runner_interrupted(); rep++) {
		struct run_result *r = &res[done++];
		int rc = runner_run_point(t, p, plan, rep, r);
		if (rc && r->status == RUN_OK) /* otherwise the status line below says it */
			fprintf(stderr, "lockbench: run: rep %u: %s\n", rep, strerror(-rc));
		if (r->status != RUN_INTERRUPTED)
			finished++;
		if (r->status != RUN_OK && r->status != RUN_INTERRUPTED) {
			bad++;
			fprintf(stderr, "lockbench: run: %s, rep %u: %s: %s\n", p->lock->name, rep,
				run_status_name(r->status), r->status_detail);
		}
		err = emit_row(p, plan, r);
	}
	if (!err && done) {
		snprintf(meta.hw_counters, sizeof meta.hw_counters, "%s", res[0].hw_counters);
		if (p->format == FORMAT_TABLE)
			err = output_table_footer(stdout, p, res, done);
		else if (p->format == FORMAT_JSON)
			err = output_json(stdout, &meta, p, plan, res, done);
	}
	if (!err && !runner_interrupted()) /* then the one error line is all there is to say */
		warn_busy(p, plan, res, done);
	for (unsigned i = 0; i < done; i++)
		run_result_free(&res[i]);
	free(res);
	if (err)
		return write_error(err);
	if (runner_interrupted()) {
		/* 128 + the signal, as a shell reports a process the signal ended: 130 / 143. */
		runtime_error("run: interrupted after %u of %u repetitions", finished, p->reps);
		return runner_interrupt_signal() ? 128 + runner_interrupt_signal() : LB_EXIT_RUNTIME;
	}
	if (bad)
		fprintf(stderr, "lockbench: run: %u of %u repetitions did not finish ok\n", bad,
			done);
	return bad ? LB_EXIT_RUNTIME : LB_EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
	struct run_params p;
	int rc = cli_parse_run(argc, argv, &p);
	if (rc < 0)
		return LB_EXIT_USAGE;
	if (rc > 0)
		return LB_EXIT_OK;
	char err[512];
	if (runner_check(&p, err, sizeof err) != 0)
		return usage_error("%s", err);

	static int cpus[LB_MAX_CPUS];
	unsigned ncpus = 0;
	if (p.cpus[0]) {
		if (parse_cpulist(p.cpus, LB_MAX_CPUS - 1, cpus, LB_MAX_CPUS, &ncpus) != 0)
			return usage_error("--cpus: '%s' is not a CPU list like 0,2,4-7", p.cpus);
		p.placement = PLACEMENT_LIST;
	}
	struct topo *t;
	if (topo_open_system(&t, err, sizeof err) != 0)
		return runtime_error("hwloc topology: %s", err);
	static struct thread_plan plan;
	if (topo_plan(t, p.threads, p.placement, cpus, ncpus, &plan, err, sizeof err) != 0) {
		topo_close(t);
		if (p.placement == PLACEMENT_LIST)
			return usage_error("--cpus: %s", err);
		return runtime_error("placement %s: %s", placement_name(p.placement), err);
	}

	/* Ctrl-C ends the current repetition (its row says interrupted) and writes what is done. */
	struct runner_signals old;
	runner_catch_signals(&old);
	rc = run_reps(t, &p, &plan);
	runner_restore_signals(&old);
	topo_close(t);
	return rc;
}
