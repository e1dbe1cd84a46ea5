/* exec_set.h — the "which lock for this program" result set of `lockbench exec --locks`
 * (docs/EXEC.md, "The which-lock run"): results.csv rewritten whole after every run,
 * summary.csv, meta.json, exec.args (what --resume re-reads) and report.html / report.md.
 *
 * Every function returns 0 or a negative errno with one line in err (no "lockbench:" prefix).
 */
#ifndef LB_EXEC_SET_H
#define LB_EXEC_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exec/exec.h"
#include "report/report.h"

#define EXEC_MAX_CANDIDATES 64
/* The candidate that replaces nothing: glibc's own mutex under the same preload library. */
#define EXEC_GLIBC "glibc"
#define EXEC_RESULTS_COLUMNS \
	"lock,rep,order,wall_s,user_s,sys_s,vcsw,ivcsw,exit_status,signal,timed_out,metric,status,note"
#define EXEC_SUMMARY_COLUMNS \
	"lock,runs,ok,failed,timed_out,judged_by,median,min,max,ci95_lo,ci95_hi,wall_s_median," \
	"user_s_median,sys_s_median,vcsw_median,ivcsw_median"

/* One finished run: a row of results.csv. status is "ok", "failed" (non-zero exit, a signal,
 * or --metric found no number: note says which) or "timeout". */
struct exec_row {
	char lock[64];
	unsigned rep, order;
	struct exec_run run;
	double metric;        /* NAN without --metric or when none was found */
	char status[16];
	char note[256];
};

struct exec_set {
	char dir[1024];
	const char *cand[EXEC_MAX_CANDIDATES]; /* EXEC_GLIBC first */
	unsigned ncand, reps;
	uint64_t seed;
	/* What was run, for meta.json, exec.args and the report. */
	const char *program;          /* as resolved (absolute) */
	int argc;                     /* PROG ARGS… */
	char *const *argv;
	const char *metric_regex;     /* NULL: judged by wall_s */
	bool metric_stderr, higher_better;
	uint64_t timeout_ns;
	struct exec_row *rows;
	size_t nrows, cap;
};

/* The rows of DIR/results.csv (a --resume): 0 when there is none yet. Refuses a file of another
 * layout, or rows naming a lock or repetition outside the plan. */
int exec_set_load(struct exec_set *s, char *err, size_t errlen);
/* The (lock, rep) run is in the set already. */
bool exec_set_done(const struct exec_set *s, const char *lock, unsigned rep);
/* Add a finished run and rewrite DIR/results.csv whole (results/file.h). */
int exec_set_add(struct exec_set *s, const struct exec_row *row, char *err, size_t errlen);
void exec_set_free(struct exec_set *s);

/* DIR/exec.args: the options and PROG ARGS… one per line (a newline or backslash inside one
 * escaped as \n, \\), the seed always included, for --resume. exec_args_read gives an argv
 * ("exec" first) whose strings live in *storage; free both. */
int exec_args_write(const char *dir, int argc, char **argv, uint64_t seed);
int exec_args_read(const char *dir, int *argc, char ***argv, char **storage);

/* DIR/meta.json: the machine (results/meta.c) and an "exec" object: program, argv, locks, reps,
 * seed, metric, timeout, state ("running", "complete", "interrupted"), runs done of total. */
int exec_set_write_meta(const struct exec_set *s, const char *state, char *err, size_t errlen);

/* Per candidate: what summary.csv holds, and the verdict over them (report/verdict.c's rule). */
struct exec_summary {
	unsigned runs[EXEC_MAX_CANDIDATES], ok[EXEC_MAX_CANDIDATES];
	unsigned timed_out[EXEC_MAX_CANDIDATES];
	struct verdict_candidate vc[EXEC_MAX_CANDIDATES];
	bool ci[EXEC_MAX_CANDIDATES];     /* vc's spread is the 95 % CI of the median */
	double wall[EXEC_MAX_CANDIDATES], user[EXEC_MAX_CANDIDATES], sys[EXEC_MAX_CANDIDATES];
	double vcsw[EXEC_MAX_CANDIDATES], ivcsw[EXEC_MAX_CANDIDATES];
	struct verdict v;
};
/* Summarise the rows (ok runs only) and decide; write DIR/summary.csv. */
int exec_set_summarize(const struct exec_set *s, struct exec_summary *sum, char *err,
		       size_t errlen);
/* "the winner is X" / "a tie between X, Y" / "no run finished": one sentence into buf. */
void exec_verdict_sentence(const struct exec_set *s, const struct exec_summary *sum, char *buf,
			   size_t len);
/* The locks left out of the verdict because a run failed or timed out, with their counts; ""
 * when none was. */
void exec_verdict_left_out(const struct exec_set *s, const struct exec_summary *sum, char *buf,
			   size_t len);
/* DIR/report.html and DIR/report.md (exec_report.c). */
int exec_set_report(const struct exec_set *s, const struct exec_summary *sum, char *err,
		    size_t errlen);

#endif
