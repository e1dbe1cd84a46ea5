/* cmd_exec.c — `lockbench exec`: an unmodified program under a registered lock (docs/EXEC.md).
 *
 * One run (--lock NAME, or none: glibc's mutex, counted and with --profile profiled) passes
 * PROG's output through and ends with its outcome; --locks A,B,… runs PROG under each lock and
 * under glibc, repetitions as the outer loop and the order shuffled in each with a recorded
 * seed (the sweep's design: a noisy minute spoils one repetition of every lock, not every
 * repetition of one), into a result set with a verdict. The checks come first, so that a
 * mistake costs one line, not a run: the lock, PROG (found as execvp would, dynamically linked,
 * not setuid), the preload library, --metric's regular expression.
 *
 * Exit status: 0 PROG exited 0 (every run, with --locks); 1 PROG failed, was killed or timed
 * out (said on one line with its status), a run failed, or lockbench itself failed; 2 usage;
 * 130/143 interrupted by SIGINT/SIGTERM (PROG's group killed, finished runs kept).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/exec_cli.h"
#include "exec/exec.h"
#include "exec/exec_set.h"
#include "exec/profile.h"
#include "preload/profile_format.h"
#include "run/runner.h"
#include "sweep/sweep.h"

#define NS_PER_S 1000000000ull

static const struct option exec_options[] = {
	{ "lock", required_argument, NULL, OPT_LOCK },
	{ "locks", required_argument, NULL, OPT_LOCKS },
	{ "reps", required_argument, NULL, OPT_REPS },
	{ "profile", no_argument, NULL, OPT_PROFILE },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "metric", required_argument, NULL, OPT_METRIC },
	{ "metric-stderr", no_argument, NULL, OPT_METRIC_STDERR },
	{ "higher-is-better", no_argument, NULL, OPT_HIGHER },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "resume", optional_argument, NULL, OPT_RESUME },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void exec_usage(FILE *f)
{
	fprintf(f,
		"usage: lockbench exec [--lock NAME] [--profile [--out DIR] [--top N]] [OPTIONS] -- PROG ARGS...\n"
		"       lockbench exec --locks A,B,... [--reps R] [--metric REGEX] [OPTIONS] -- PROG ARGS...\n"
		"       lockbench exec --resume DIR\n"
		"Runs an unmodified, dynamically linked program with liblockbench-preload.so in\n"
		"LD_PRELOAD, so that its pthread mutexes and spinlocks are the lock NAME (docs/EXEC.md).\n"
		"PROG is found as execvp finds it; it runs in a process group of its own, its output\n"
		"passes through, and lockbench ends with its outcome.\n\n"
		"  --lock NAME          the replacement lock (`lockbench list`; `glibc` or none: glibc's\n"
		"                       own mutex stays, the program is only counted and profiled)\n"
		"  --profile            the program writes a lock profile into --out; at the end the\n"
		"                       top --top N mutexes by total wait (default %u) are printed and\n"
		"                       profile.csv / profile.json written (one run only, not --locks)\n"
		"  --locks A,B,...      \"which lock for this program\": run it under each lock and under\n"
		"                       glibc (always a candidate), --reps R times each (default %u),\n"
		"                       repetitions as the outer loop, the order shuffled in each\n"
		"  --metric REGEX       judge by a number the program prints instead of wall seconds:\n"
		"                       POSIX extended syntax, matched line by line; the value is the\n"
		"                       first capture group of the LAST match in its stdout (at most\n"
		"                       its last %u MiB); a run with no match fails, with a note\n"
		"  --metric-stderr      read --metric from stderr instead\n"
		"  --higher-is-better   a higher --metric is better (default: lower is better)\n"
		"  --timeout S          end a run after S (default %llus): SIGTERM to its process\n"
		"                       group, SIGKILL %llus later; the run is recorded as timed out\n"
		"  --seed N             seed of the shuffled order (default: from the clock; recorded)\n"
		"  --out DIR            --locks: the result set (default results/exec-<host>-<UTC time>);\n"
		"                       --profile: where the profile files go (same default)\n"
		"  --resume DIR         finish an interrupted --locks set with its recorded options:\n"
		"                       only the (lock, repetition) runs it lacks, in the recorded order\n"
		"  --help               this text\n\n"
		"--locks writes results.csv (a row per run, rewritten after each), summary.csv (per\n"
		"lock: median and spread of the judged value over ok runs), meta.json, exec.args and\n"
		"report.html / report.md naming the winner by the sweep report's rule (a lock wins only\n"
		"when its spread overlaps no other's, else a tie). A run that exits non-zero, is killed,\n"
		"times out or has no --metric match is recorded as failed and left out of the verdict.\n"
		"Exit: 0 PROG exited 0 (every run); 1 PROG failed, was killed or timed out (its status\n"
		"is printed), or lockbench failed; 2 usage; 130/143 interrupted by SIGINT/SIGTERM\n"
		"(finished runs kept; --resume continues).\n",
		EXEC_DEFAULT_TOP, EXEC_DEFAULT_REPS, EXEC_METRIC_TAIL >> 20,
		EXEC_DEFAULT_TIMEOUT_NS / NS_PER_S, EXEC_KILL_GRACE_NS / NS_PER_S);
}

/* --lock / one of --locks: a registered lock the preload library can load, or glibc. */
static int check_lock(const char *opt, const char *name)
{
	if (strcmp(name, EXEC_GLIBC) == 0)
		return 0;
	const struct lb_lock_ops *ops = lockset_find(name);
	if (!ops)
		return usage_error("%s: '%s' is not a registered lock; try: %s, glibc", opt, name,
				   lockset_names());
	if (lb_lock_find(name) != ops)
		return usage_error("%s: '%s' is a --plugin lock; the preload library knows only the "
				   "built-in registry", opt, name);
	if (ops->props & LB_TEST_ONLY)
		return usage_error("%s: '%s' is a deliberately broken test lock", opt, name);
	return 0;
}

static int parse_locks(const char *arg, struct exec_opts *o)
{
	if (!*arg || arg[0] == ',' || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,"))
		return usage_error("--locks: '%s' is not a comma-separated list of locks", arg);
	char *copy = strdup(arg), *save = NULL;
	if (!copy)
		return runtime_error("out of memory");
	free(o->locks_copy);
	o->locks_copy = copy;
	o->ncand = 0;
	o->cand[o->ncand++] = EXEC_GLIBC;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int rc = check_lock("--locks", tok);
		if (rc)
			return rc;
		bool dup = false;
		for (unsigned i = 0; i < o->ncand; i++)
			dup |= strcmp(o->cand[i], tok) == 0;
		if (dup && strcmp(tok, EXEC_GLIBC) != 0)
			return usage_error("--locks: '%s' is listed twice", tok);
		if (dup)
			continue;
		if (o->ncand == EXEC_MAX_CANDIDATES)
			return usage_error("--locks: more than %d locks", EXEC_MAX_CANDIDATES - 1);
		o->cand[o->ncand++] = tok;
	}
	return 0;
}

static int exec_option(int opt, const char *arg, struct exec_opts *o, bool resuming)
{
	switch (opt) {
	case OPT_LOCK: o->lock = arg; return check_lock("--lock", arg);
	case OPT_LOCKS: o->locks = arg; return parse_locks(arg, o);
	case OPT_REPS:
		o->reps_given = true;
		if (parse_uint(arg, 1, EXEC_MAX_REPS, &o->reps) != 0)
			return usage_error("--reps: '%s' is not an integer in 1..%d", arg,
					   EXEC_MAX_REPS);
		return 0;
	case OPT_TOP:
		o->top_given = true;
		if (parse_uint(arg, 0, 100000, &o->top) != 0)
			return usage_error("--top: '%s' is not an integer in 0..100000", arg);
		return 0;
	case OPT_TIMEOUT:
		if (parse_time_ns(arg, NS_PER_S, EXEC_MAX_TIMEOUT_NS, &o->timeout_ns) != 0 ||
		    o->timeout_ns == 0)
			return usage_error("--timeout: '%s' is not a positive duration such as 30s, "
					   "10m or 1.5 (seconds; at most %llu h)", arg,
					   EXEC_MAX_TIMEOUT_NS / NS_PER_S / 3600);
		return 0;
	case OPT_SEED: {
		char *end;
		errno = 0;
		unsigned long long s = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || !isdigit((unsigned char)arg[0]))
			return usage_error("--seed: '%s' is not an unsigned integer", arg);
		o->seed = s;
		o->seed_given = true;
		return 0;
	}
	case OPT_PROFILE: o->profile = true; return 0;
	case OPT_METRIC: o->metric = arg; return 0;
	case OPT_METRIC_STDERR: o->metric_stderr = true; return 0;
	case OPT_HIGHER: o->higher_better = true; return 0;
	case OPT_OUT:
	case OPT_RESUME:
		if (resuming)
			return usage_error("%s: not allowed in a recorded exec.args",
					   cli_option_name(exec_options, opt));
		if (opt == OPT_RESUME) {
			o->resume = true;
			if (arg)
				o->resume_dir = arg;
			return 0;
		}
		o->out = arg;
		return 0;
	}
	return LB_EXIT_USAGE; /* not reached: getopt returns only exec_options' values */
}

/* Where `--` is: options before, PROG after. Values of options that take one are skipped, so
 * `--metric --` is a regular expression, not the separator. argc when there is none. */
static int find_dashdash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return i;
		if (strncmp(a, "--", 2) != 0 || strchr(a, '='))
			continue;
		for (const struct option *o = exec_options; o->name; o++)
			if (o->has_arg == required_argument && strcmp(a + 2, o->name) == 0)
				i++;
	}
	return argc;
}

/* The combinations: which options go with which mode. */
static int check_combinations(struct exec_opts *o)
{
	if (o->lock && o->locks)
		return usage_error("--lock: cannot be combined with --locks (one run, or the which-lock "
				   "runs)");
	if (!o->locks && (o->reps_given || o->seed_given))
		return usage_error("%s: only with --locks", o->reps_given ? "--reps" : "--seed");
	if (o->profile && o->locks)
		return usage_error("--profile: profiles one run (--lock); the --locks runs are timed "
				   "without it");
	if (!o->profile && !o->locks && o->out)
		return usage_error("--out: only with --profile or --locks");
	if (o->top_given && !o->profile)
		return usage_error("--top: only with --profile");
	if (!o->metric && (o->metric_stderr || o->higher_better))
		return usage_error("%s: only with --metric",
				   o->metric_stderr ? "--metric-stderr" : "--higher-is-better");
	if (o->out && !*o->out)
		return usage_error("--out: expected a directory name");
	return 0;
}

/* Parse argv into *o. Returns 0 to run, -1 after --help, or an exit status after an error. */
int exec_parse(int argc, char **argv, struct exec_opts *o, bool resuming)
{
	int dash = find_dashdash(argc, argv);
	cli_getopt_reset();
	int opt, nopts = 0;
	/* '+': stop at the first non-option, `--resume DIR`'s DIR. */
	while ((opt = getopt_long(dash, argv, "+:", exec_options, NULL)) != -1) {
		nopts++;
		if (opt == OPT_HELP) {
			exec_usage(stdout);
			return -1;
		}
		if (opt == ':' || opt == '?')
			return cli_getopt_error("exec", opt, exec_options, argv);
		int rc = exec_option(opt, optarg, o, resuming);
		if (rc)
			return rc;
		if (opt == OPT_RESUME && !optarg && optind < dash && argv[optind][0] != '-')
			o->resume_dir = argv[optind++];
	}
	if (optind < dash)
		return dash == argc ? usage_error("exec: give the program after --: lockbench exec "
						  "[OPTIONS] -- %s ...", argv[optind])
				    : cli_extra_argument("exec", argv[optind]);
	if (o->resume) {
		if (dash < argc || nopts > (o->out ? 2 : 1) || (o->out && o->resume_dir))
			return usage_error("--resume: takes only the set's directory (the recorded "
					   "options and program are used)");
		if (!o->resume_dir && !o->out)
			return usage_error("--resume: expected the result set's directory (--resume DIR "
					   "or --resume --out DIR)");
		if (!o->resume_dir)
			o->resume_dir = o->out;
		return 0;
	}
	if (dash + 1 >= argc)
		return usage_error("exec: expected -- PROG [ARGS...] after the options; see lockbench "
				   "exec --help");
	o->prog_argc = argc - dash - 1;
	o->prog_argv = argv + dash + 1;
	return check_combinations(o);
}

int exec_prepare(struct exec_opts *o)
{
	char err[PATH_MAX + 256];
	int rc = exec_resolve(o->prog_argv[0], o->path, sizeof o->path, err, sizeof err);
	if (rc == -ENOMEM || rc == -ENAMETOOLONG)
		return runtime_error("exec: %s", err);
	if (rc || (rc = exec_check_preloadable(o->path, err, sizeof err)) != 0)
		return usage_error("exec: %s", err);
	if (exec_preload_path(o->preload, sizeof o->preload, err, sizeof err) != 0)
		return runtime_error("exec: %s", err);
	if (o->metric) {
		if (exec_metric_compile(&o->re, o->metric, err, sizeof err) != 0)
			return usage_error("--metric: %s", err);
		o->have_re = true;
	}
	if (!o->timeout_ns)
		o->timeout_ns = EXEC_DEFAULT_TIMEOUT_NS;
	return 0;
}

/* DIR has a profile file of an earlier run in it. */
static bool holds_profile(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool found = false;
	for (struct dirent *e; !found && (e = readdir(d));) {
		size_t n = strlen(e->d_name), pre = strlen(LBP_FILE_PREFIX),
		       suf = strlen(LBP_FILE_SUFFIX);
		found = n > pre + suf && strncmp(e->d_name, LBP_FILE_PREFIX, pre) == 0 &&
			strcmp(e->d_name + n - suf, LBP_FILE_SUFFIX) == 0;
	}
	closedir(d);
	return found;
}

/* A directory that already holds a result set is refused: a new one would mix with it. */
int exec_make_out_dir(struct exec_opts *o, const char *hint)
{
	if (o->out) {
		snprintf(o->dir, sizeof o->dir, "%s", o->out);
	} else {
		char def[900];
		sweep_default_out_dir(def, sizeof def);
		/* results/HOST-STAMP → results/exec-HOST-STAMP */
		snprintf(o->dir, sizeof o->dir, "results/exec-%s", def + strlen("results/"));
	}
	struct stat st;
	if (stat(o->dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return usage_error("--out: '%s' is not a directory", o->dir);
		char probe[1200];
		snprintf(probe, sizeof probe, "%s/results.csv", o->dir);
		if (access(probe, F_OK) == 0)
			return usage_error("--out: '%s' already holds a result set%s", o->dir, hint);
		if (holds_profile(o->dir))
			return usage_error("--out: '%s' already holds profile files (prof.*.lbp): a new "
					   "profile would be merged with them; choose another --out",
					   o->dir);
	}
	int rc = sweep_mkdir_p(o->dir);
	if (rc)
		return runtime_error("--out: cannot create '%s': %s", o->dir, strerror(-rc));
	return 0;
}

/* One line for the outcome of a single run; the exit status. */
static int single_outcome(const struct exec_opts *o, const struct exec_run *r)
{
	char how[96];
	exec_describe_status(r->wait_status, how, sizeof how);
	if (r->interrupted) {
		int sig = runner_interrupt_signal();
		fprintf(stderr, "lockbench: exec: interrupted by %s: %s ended (its process group was "
			"killed; it %s)\n", sig == SIGTERM ? "SIGTERM" : "SIGINT", o->prog_argv[0], how);
		return 128 + (sig ? sig : SIGINT);
	}
	char limit[32];
	format_time_ns(o->timeout_ns, limit, sizeof limit);
	if (r->timed_out)
		return runtime_error("exec: %s timed out after %s and %s (its process group was "
				     "killed)", o->prog_argv[0], limit, how);
	if (r->tty_stopped)
		return runtime_error("exec: %s was stopped reading the terminal, which it cannot from "
				     "its own process group; it was killed (give it its input from a "
				     "file or a pipe)", o->prog_argv[0]);
	if (!WIFEXITED(r->wait_status) || WEXITSTATUS(r->wait_status) != 0)
		return runtime_error("exec: %s %s", o->prog_argv[0], how);
	return LB_EXIT_OK;
}

/* A file for the captured stream that nobody else sees: unlinked at once. */
static int temp_capture(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/lockbench-exec.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static int profile_report(const struct exec_opts *o, const struct exec_run *r)
{
	char outcome[128], args[4096] = "", limit[32];
	format_time_ns(o->timeout_ns, limit, sizeof limit);
	if (r->timed_out)
		snprintf(outcome, sizeof outcome, "timed out after %s", limit);
	else
		exec_describe_status(r->wait_status, outcome, sizeof outcome);
	for (int i = 0; i < o->prog_argc; i++) {
		size_t n = strlen(args);
		snprintf(args + n, sizeof args - n, "%s%s", i ? " " : "", o->prog_argv[i]);
	}
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	struct profile_meta pm = {
		.program = o->prog_argv[0],
		.args = args,
		.lock = o->lock && strcmp(o->lock, EXEC_GLIBC) != 0 ? o->lock : "",
		.outcome = outcome,
		.exit_code = !r->timed_out && WIFEXITED(r->wait_status) ? WEXITSTATUS(r->wait_status)
									 : -1,
		.wall_s = r->wall_s,
		.host = host,
	};
	char err[1024] = "";
	if (profile_collect(o->dir, &pm, o->top_given ? o->top : EXEC_DEFAULT_TOP, stdout, err,
			    sizeof err) != 0)
		return runtime_error("exec: --profile: %s", err);
	return cli_finish_stdout();
}

static int run_single(struct exec_opts *o)
{
	int rc;
	if (o->profile && (rc = exec_make_out_dir(o, "")) != 0)
		return rc;
	struct exec_spawn sp = {
		.path = o->path, .argv = o->prog_argv, .preload = o->preload,
		.lock = o->lock && strcmp(o->lock, EXEC_GLIBC) != 0 ? o->lock : NULL,
		.profile_dir = o->profile ? o->dir : NULL,
		.timeout_ns = o->timeout_ns, .grace_ns = EXEC_KILL_GRACE_NS, .capture_fd = -1,
	};
	if (o->have_re) {
		sp.capture_stream = o->metric_stderr ? 2 : 1;
		if ((sp.capture_fd = temp_capture()) < 0)
			return runtime_error("exec: a temporary file for --metric: %s", strerror(errno));
	}
	if (o->profile)
		fprintf(stderr, "exec: profiling into %s/\n", o->dir);
	struct runner_signals old;
	runner_catch_signals(&old);
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldpipe;
	sigaction(SIGPIPE, &ign, &oldpipe);
	struct exec_run r;
	char err[PATH_MAX + 256];
	rc = exec_spawn_run(&sp, &r, err, sizeof err);
	sigaction(SIGPIPE, &oldpipe, NULL);
	runner_restore_signals(&old);
	if (rc) {
		if (sp.capture_fd >= 0)
			close(sp.capture_fd);
		return runtime_error("exec: %s", err);
	}
	if (r.copy_failed)
		fprintf(stderr, "lockbench: exec: passing %s's %s through failed (closed?); --metric "
			"still read all of it\n", o->prog_argv[0], sp.capture_stream == 1 ? "stdout"
											   : "stderr");
	int exit_code = single_outcome(o, &r);
	if (o->have_re && !r.interrupted) {
		double v;
		char note[256];
		if (exec_metric_read(&o->re, sp.capture_fd, &v, note, sizeof note) == 0)
			fprintf(stderr, "exec: metric %.9g\n", v);
		else if (runtime_error("exec: %s", note) && exit_code == LB_EXIT_OK)
			exit_code = LB_EXIT_RUNTIME;
	}
	if (sp.capture_fd >= 0)
		close(sp.capture_fd);
	/* Interrupted too: Ctrl-C or SIGTERM is how a server is stopped, and its profile is what
	 * the run was for. The program's group has ended by now; each process's file holds what it
	 * did up to then (profile_format.h). */
	if (o->profile) {
		rc = profile_report(o, &r);
		if (rc && exit_code == LB_EXIT_OK)
			exit_code = rc;
	}
	return exit_code;
}

static void exec_opts_free(struct exec_opts *o)
{
	if (o->have_re)
		regfree(&o->re);
	free(o->locks_copy);
}

int cmd_exec(int argc, char **argv)
{
	struct exec_opts o = { .reps = EXEC_DEFAULT_REPS };
	int rc = exec_parse(argc, argv, &o, false);
	if (rc) {
		exec_opts_free(&o);
		return rc < 0 ? LB_EXIT_OK : rc;
	}
	if (o.resume)
		rc = exec_resume(&o);
	else if ((rc = exec_prepare(&o)) == 0)
		rc = o.locks ? exec_locks_run(&o, argc, argv, false) : run_single(&o);
	exec_opts_free(&o);
	return rc;
}
