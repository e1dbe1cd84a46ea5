/* exec_cli.h — `lockbench exec`'s options, shared by cmd_exec.c (parsing, checks, one run) and
 * exec_locks.c (the which-lock runs and --resume). */
#ifndef LB_EXEC_CLI_H
#define LB_EXEC_CLI_H

#include <limits.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "exec/exec_set.h"

#define EXEC_DEFAULT_REPS 5
#define EXEC_MAX_REPS 1000
#define EXEC_DEFAULT_TOP 20
#define EXEC_MAX_TIMEOUT_NS (7ull * 24 * 3600 * 1000000000ull)

enum exec_opt {
	OPT_LOCK = 256, OPT_LOCKS, OPT_REPS, OPT_PROFILE, OPT_OUT, OPT_TIMEOUT, OPT_METRIC,
	OPT_METRIC_STDERR, OPT_HIGHER, OPT_SEED, OPT_RESUME, OPT_TOP, OPT_HELP,
};

struct exec_opts {
	const char *lock, *locks, *out, *metric, *resume_dir;
	const char *cand[EXEC_MAX_CANDIDATES]; /* --locks: glibc, then the locks given */
	unsigned ncand;
	char *locks_copy;                       /* the strings cand[] points into */
	unsigned reps, top;
	bool reps_given, top_given, seed_given, profile, metric_stderr, higher_better, resume;
	uint64_t timeout_ns, seed;
	int prog_argc;
	char **prog_argv;
	/* Decided by the checks. */
	char path[PATH_MAX];
	char preload[PATH_MAX];
	char dir[1024];
	regex_t re;
	bool have_re;
};

/* 0 to run, -1 after --help, or an exit status after printing the error. */
int exec_parse(int argc, char **argv, struct exec_opts *o, bool resuming);
/* PROG, the preload library and --metric checked: 0 or an exit status after one line. */
int exec_prepare(struct exec_opts *o);
/* o->dir from --out or the default, created; `hint` ends the "already a result set" error. */
int exec_make_out_dir(struct exec_opts *o, const char *hint);
/* The which-lock runs into o->dir (resuming: the set is there already). An exit status. */
int exec_locks_run(struct exec_opts *o, int argc, char **argv, bool resuming);
/* --resume DIR: the recorded options, then the runs the set lacks. An exit status. */
int exec_resume(struct exec_opts *o);

#endif
