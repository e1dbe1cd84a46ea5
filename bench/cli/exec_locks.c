/* exec_locks.c — `lockbench exec --locks`: "which lock for this program", and its --resume.
 *
 * Repetitions are the outer loop; in each, the candidates (glibc first, then --locks) run in the
 * order sweep_shuffle draws from seed + repetition, the sweep's own rule, so a recorded seed
 * gives the same order on every machine and a --resume runs what is missing in that order.
 * results.csv is rewritten after every run: Ctrl-C loses only the run it stopped, which stays
 * pending for --resume.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exec_cli.h"
#include "exec/exec.h"
#include "exec/exec_set.h"
#include "run/runner.h"
#include "sweep/sweep.h"

/* The output of one run, kept in DIR/output/ when --metric reads it. */
static int open_capture(const struct exec_opts *o, const char *lock, unsigned rep, char *err,
			size_t errlen)
{
	char path[1400];
	snprintf(path, sizeof path, "%s/output/%s.%u.%s", o->dir, lock, rep,
		 o->metric_stderr ? "stderr" : "stdout");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return fd;
}

/* What the run's outcome makes of the row: ok, failed or timeout, with the note saying why. */
static void judge(const struct exec_opts *o, struct exec_row *row, int capture_fd)
{
	char how[96], note[256] = "";
	exec_describe_status(row->run.wait_status, how, sizeof how);
	bool exited0 = WIFEXITED(row->run.wait_status) && WEXITSTATUS(row->run.wait_status) == 0;
	int mrc = 0;
	if (o->have_re)
		mrc = exec_metric_read(&o->re, capture_fd, &row->metric, note, sizeof note);
	char limit[32];
	format_time_ns(o->timeout_ns, limit, sizeof limit);
	if (row->run.timed_out) {
		snprintf(row->status, sizeof row->status, "timeout");
		snprintf(row->note, sizeof row->note, "timed out after %s and %s", limit, how);
	} else if (row->run.tty_stopped) {
		snprintf(row->status, sizeof row->status, "failed");
		snprintf(row->note, sizeof row->note, "stopped reading the terminal (give it its input "
			 "from a file); killed");
	} else if (!exited0) {
		snprintf(row->status, sizeof row->status, "failed");
		snprintf(row->note, sizeof row->note, "%s", how);
	} else if (mrc) {
		snprintf(row->status, sizeof row->status, "failed");
		snprintf(row->note, sizeof row->note, "%s", note);
	} else {
		snprintf(row->status, sizeof row->status, "ok");
	}
}

/* One run of candidate c in repetition rep at position order. 1 when a signal stopped it (not
 * recorded), 0 when recorded, or an exit status after a harness failure. */
static int run_one(struct exec_opts *o, struct exec_set *s, unsigned c, unsigned rep,
		   unsigned order, unsigned *nfailed)
{
	char err[PATH_MAX + 512];
	struct exec_spawn sp = {
		.path = o->path, .argv = o->prog_argv, .preload = o->preload,
		.lock = strcmp(s->cand[c], EXEC_GLIBC) != 0 ? s->cand[c] : NULL,
		.timeout_ns = o->timeout_ns, .grace_ns = EXEC_KILL_GRACE_NS, .capture_fd = -1,
	};
	if (o->have_re) {
		sp.capture_stream = o->metric_stderr ? 2 : 1;
		if ((sp.capture_fd = open_capture(o, s->cand[c], rep, err, sizeof err)) < 0)
			return runtime_error("exec: %s", err);
	}
	struct exec_row row = { .rep = rep, .order = order, .metric = NAN };
	snprintf(row.lock, sizeof row.lock, "%s", s->cand[c]);
	int rc = exec_spawn_run(&sp, &row.run, err, sizeof err);
	if (rc) {
		if (sp.capture_fd >= 0)
			close(sp.capture_fd);
		return runtime_error("exec: %s", err);
	}
	if (row.run.interrupted) {
		if (sp.capture_fd >= 0)
			close(sp.capture_fd);
		return 1;
	}
	judge(o, &row, sp.capture_fd);
	if (sp.capture_fd >= 0)
		close(sp.capture_fd);
	fprintf(stderr, "exec: rep %u/%u, %u/%u %s: %.3f s", rep, s->reps, order, s->ncand,
		row.lock, row.run.wall_s);
	if (isfinite(row.metric))
		fprintf(stderr, ", metric %.6g", row.metric);
	fprintf(stderr, ", %s%s%s\n", row.status, row.note[0] ? ": " : "", row.note);
	*nfailed += strcmp(row.status, "ok") != 0;
	if (exec_set_add(s, &row, err, sizeof err) != 0)
		return runtime_error("exec: %s", err);
	return 0;
}

/* Every missing (lock, rep) in the recorded order. 0, 1 when interrupted, -1 after a harness
 * failure (said). */
static int run_all(struct exec_opts *o, struct exec_set *s, unsigned *nfailed)
{
	size_t idx[EXEC_MAX_CANDIDATES];
	for (unsigned rep = 1; rep <= s->reps; rep++) {
		sweep_shuffle(idx, s->ncand, s->seed + rep);
		for (unsigned k = 0; k < s->ncand; k++) {
			unsigned c = (unsigned)idx[k];
			if (exec_set_done(s, s->cand[c], rep))
				continue;
			if (runner_interrupted())
				return 1;
			int rc = run_one(o, s, c, rep, k + 1, nfailed);
			if (rc == 1)
				return 1;
			if (rc)
				return -1;
		}
	}
	return 0;
}

/* The set's files after the runs, and the exit status they make. */
static int finish(struct exec_set *s, int ran, unsigned nfailed)
{
	char err[1200], line[1024];
	struct exec_summary sum;
	size_t total = (size_t)s->ncand * s->reps;
	bool interrupted = ran == 1;
	const char *state = s->nrows == total ? "complete" : interrupted ? "interrupted" : "failed";
	int rc = exec_set_summarize(s, &sum, err, sizeof err);
	if (!rc)
		rc = exec_set_write_meta(s, state, err, sizeof err);
	if (!rc)
		rc = exec_set_report(s, &sum, err, sizeof err);
	if (rc)
		return runtime_error("exec: %s", err);
	exec_verdict_sentence(s, &sum, line, sizeof line);
	fprintf(stderr, "exec: %s%s\n", s->nrows < total ? "so far, " : "", line);
	exec_verdict_left_out(s, &sum, line, sizeof line);
	if (line[0])
		fprintf(stderr, "exec: left out of the verdict: %s\n", line);
	if (printf("%s/\n", s->dir) < 0 || fflush(stdout) != 0)
		return runtime_error("exec: writing to stdout: %s", strerror(errno));
	if (interrupted) {
		int sig = runner_interrupt_signal();
		fprintf(stderr, "lockbench: exec: interrupted by %s after %zu of %zu runs; the "
			"finished ones are in %s/; finish with: lockbench exec --resume %s\n",
			sig == SIGTERM ? "SIGTERM" : "SIGINT", s->nrows, total, s->dir, s->dir);
		return 128 + (sig ? sig : SIGINT);
	}
	if (ran < 0)
		return LB_EXIT_RUNTIME;
	if (nfailed)
		return runtime_error("exec: %u runs failed or timed out (status and note columns of "
				     "%s/results.csv); they are left out of the verdict", nfailed,
				     s->dir);
	fprintf(stderr, "exec: report: %s/report.html (and report.md)\n", s->dir);
	return LB_EXIT_OK;
}

/* argv to record in exec.args: a relative PROG with a '/' becomes absolute, so that a --resume
 * from another directory runs the same program (a bare name is looked up in PATH again). */
static char **recorded_argv(const struct exec_opts *o, int argc, char **argv)
{
	char **v = calloc((size_t)argc + 1, sizeof *v);
	if (!v)
		return NULL;
	memcpy(v, argv, (size_t)argc * sizeof *v);
	int prog = (int)(o->prog_argv - argv);
	if (prog > 0 && prog < argc && strchr(v[prog], '/') && v[prog][0] != '/')
		v[prog] = (char *)o->path;
	return v;
}

int exec_locks_run(struct exec_opts *o, int argc, char **argv, bool resuming)
{
	int rc;
	if (!resuming && (rc = exec_make_out_dir(o, "; finish it with --resume, or choose another "
					     "--out")) != 0)
		return rc;
	struct exec_set s = {
		.ncand = o->ncand, .reps = o->reps, .program = o->path, .argc = o->prog_argc,
		.argv = o->prog_argv, .metric_regex = o->metric, .metric_stderr = o->metric_stderr,
		.higher_better = o->higher_better, .timeout_ns = o->timeout_ns,
		.seed = o->seed_given ? o->seed : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32),
	};
	memcpy(s.cand, o->cand, sizeof s.cand);
	snprintf(s.dir, sizeof s.dir, "%s", o->dir);
	char err[1400];
	if (resuming) {
		if (exec_set_load(&s, err, sizeof err) != 0)
			return usage_error("--resume: %s", err);
	} else {
		char **rec = recorded_argv(o, argc, argv);
		rc = rec ? exec_args_write(s.dir, argc, rec, s.seed) : -ENOMEM;
		free(rec);
		if (rc)
			return runtime_error("exec: writing %s/exec.args: %s", s.dir, strerror(-rc));
	}
	if (o->have_re) {
		char out[1100];
		snprintf(out, sizeof out, "%s/output", s.dir);
		if ((rc = sweep_mkdir_p(out)) != 0)
			return runtime_error("exec: cannot create %s: %s", out, strerror(-rc));
	}
	if (exec_set_write_meta(&s, "running", err, sizeof err) != 0) {
		exec_set_free(&s);
		return runtime_error("exec: %s", err);
	}
	size_t total = (size_t)s.ncand * s.reps;
	fprintf(stderr, "exec: glibc and %u locks x %u reps = %zu runs%s; seed %llu; into %s/\n",
		s.ncand - 1, s.reps, total,
		resuming ? " (resuming)" : "", (unsigned long long)s.seed, s.dir);
	if (resuming)
		fprintf(stderr, "exec: %zu of %zu runs are done; running the rest\n", s.nrows, total);
	struct runner_signals old;
	runner_catch_signals(&old);
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldpipe;
	sigaction(SIGPIPE, &ign, &oldpipe);
	unsigned nfailed = 0;
	for (size_t i = 0; i < s.nrows; i++)
		nfailed += strcmp(s.rows[i].status, "ok") != 0;
	int ran = run_all(o, &s, &nfailed);
	sigaction(SIGPIPE, &oldpipe, NULL);
	runner_restore_signals(&old);
	rc = finish(&s, ran, nfailed);
	exec_set_free(&s);
	return rc;
}

int exec_resume(struct exec_opts *o)
{
	int rargc = 0;
	char **rargv = NULL, *storage = NULL;
	int rc = exec_args_read(o->resume_dir, &rargc, &rargv, &storage);
	if (rc)
		return usage_error("--resume: '%s' is not an exec result set (no readable exec.args: "
				   "%s)", o->resume_dir, strerror(-rc));
	struct exec_opts r = { .reps = EXEC_DEFAULT_REPS };
	rc = exec_parse(rargc, rargv, &r, true);
	if (rc == 0 && !r.locks)
		rc = usage_error("--resume: %s/exec.args has no --locks", o->resume_dir);
	if (rc) {
		rc = usage_error("--resume: %s/exec.args holds options this lockbench does not "
				 "accept (above)", o->resume_dir);
	} else {
		snprintf(r.dir, sizeof r.dir, "%s", o->resume_dir);
		rc = exec_prepare(&r);
		if (!rc)
			rc = exec_locks_run(&r, rargc, rargv, true);
	}
	if (r.have_re)
		regfree(&r.re);
	free(r.locks_copy);
	free(rargv);
	free(storage);
	return rc;
}
