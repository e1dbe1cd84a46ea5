/* cmd_sweep.c — `lockbench sweep`'s command line: its options into struct sweep_opts, the
 * options a --resume finds recorded in sweep.args, and the sweep's outcome (sweep/sweep.c) as
 * one line and an exit status. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "sweep/sweep.h"
#include "topo/topo.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

enum sweep_opt {
	OPT_LOCKS = 256, OPT_THREADS, OPT_CS, OPT_NCS, OPT_REPS, OPT_DURATION, OPT_WARMUP,
	OPT_PLACEMENT, OPT_PERMITS, OPT_QUICK, OPT_OUT, OPT_RESUME, OPT_SEED, OPT_NO_REPORT,
	OPT_NO_PROBE, OPT_NO_LOCK_COST, OPT_CDF_THREADS, OPT_READ_PCT, OPT_HELP, OPT_PLAN,
	OPT_PLAN_FILE, OPT_SHARD, OPT_SHARDS, OPT_HOST, OPT_SYNTHETIC, OPT_XML,
};

static const struct option sweep_options[] = {
	{ "locks", required_argument, NULL, OPT_LOCKS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "cs", required_argument, NULL, OPT_CS },
	{ "ncs", required_argument, NULL, OPT_NCS },
	{ "reps", required_argument, NULL, OPT_REPS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "placement", required_argument, NULL, OPT_PLACEMENT },
	{ "permits", required_argument, NULL, OPT_PERMITS },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "no-report", no_argument, NULL, OPT_NO_REPORT },
	{ "no-probe", no_argument, NULL, OPT_NO_PROBE },
	{ "no-lock-cost", no_argument, NULL, OPT_NO_LOCK_COST },
	{ "cdf-threads", required_argument, NULL, OPT_CDF_THREADS },
	{ "read-pct", required_argument, NULL, OPT_READ_PCT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "plan", no_argument, NULL, OPT_PLAN },
	{ "plan-file", required_argument, NULL, OPT_PLAN_FILE },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "shards", required_argument, NULL, OPT_SHARDS },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "synthetic", required_argument, NULL, OPT_SYNTHETIC },
	{ "xml", required_argument, NULL, OPT_XML },
	{ NULL, 0, NULL, 0 },
};

/* The plan options: what they ask for, checked together once argv is read. */
struct sweep_plan_args {
	bool plan;
	const char *plan_file, *synthetic, *xml;
	unsigned shards;      /* --shards N: --plan prints N slices' estimates */
	unsigned shard_i, shard_n;
	int changing_opt;     /* the first option given that changes the plan (0: none) */
	bool seed_given;
};
static struct sweep_plan_args plan_args;

static void sweep_usage(FILE *f)
{
	char choices[96];
	placement_choices(choices, sizeof choices, " or ");
	fprintf(f,
		"usage: lockbench sweep [OPTIONS]\n"
		"Runs every registered lock over thread counts and two critical sections, and at cs 0\n"
		"(the lock-cost points, `null` beside them as the floor: its only use in a sweep),\n"
		"several repetitions each, into results/<host>-<UTC time>/ with plots and a report.\n\n"
		"  --locks NAME,...     locks to run, or `all` for every mutual-exclusion lock (default:\n"
		"                       18 locks, one or more of each family); with --read-pct: the\n"
		"                       rwlocks and pthread-mutex, `all` the same\n"
		"  --threads N,...      thread counts (default: 1..CPUs, CPUs+1, 2xCPUs; powers of two\n"
		"                       in between past 8 CPUs; oversubscription is always included)\n"
		"  --cs NS,...          critical sections (default: %uns,%uns; --quick: %uns)\n"
		"  --ncs NS             work between acquisitions (default: %uns)\n"
		"  --reps R             repetitions of every point (default: %u; --quick: %u)\n"
		"  --duration S         measured window per run (default: %llums; --quick: %llums)\n"
		"  --warmup S           warm-up per run (default: %llums; --quick: %llums)\n"
		"  --placement P        %s (default: %s)\n"
		"  --permits N          also run the counting semaphores with N permits, labelled\n"
		"                       (default: 1 only, so every point is mutual exclusion)\n"
		"  --quick              fewer points: threads 1, CPUs, 2xCPUs; one critical section\n"
		"  --no-lock-cost       skip the lock-cost points. By default every lock (of --locks,\n"
		"                       when given) also runs at cs 0 and ncs 0, at 1 thread and at\n"
		"                       CPUs threads (window %llums, warm-up %llums), with `null` (no\n"
		"                       lock: the harness's own loop) beside them as the floor; the\n"
		"                       report ranks the locks there by ns per lock+unlock\n"
		"  --cdf-threads N      thread count of the latency-distribution plot (default: CPUs)\n"
		"  --seed S             seed of the shuffled order (default: from the clock; recorded)\n"
		"  --read-pct P         reader-writer sweep: reads are P%% of operations, 0..100; the\n"
		"                       default locks become the reader-writer ones and pthread-mutex\n"
		"                       (taking reads exclusively) as the baseline. Without it the\n"
		"                       default locks leave the reader-writer ones out\n"
		"  --out DIR            result set directory (default: results/<host>-<UTC time>)\n"
		"  --resume DIR         finish an interrupted result set with its recorded options\n"
		"  --no-report          skip plots and report (lockbench report DIR builds them later)\n"
		"  --no-probe           skip the c2c probe around each point\n"
		"  --host NAME          the host name the set records (meta.json, the host column;\n"
		"                       default: this machine's): [A-Za-z0-9._-], at most 63\n"
		"Sharding (docs/SWEEP_FILES.md, docs/FLEET.md):\n"
		"  --plan               print the plan as JSON (points, reps, seed, estimated times,\n"
		"                       its hash) and exit without running anything\n"
		"  --synthetic DESC     with --plan: plan for an hwloc synthetic topology\n"
		"                       (\"pack:2 numa:2 core:32 pu:1\"), as lockbench topo accepts\n"
		"  --xml FILE           with --plan: plan for an hwloc XML topology\n"
		"  --shards N           with --plan: add N slices' estimated times\n"
		"  --plan-file FILE     run that plan (made by --plan; for this machine's CPU count);\n"
		"                       only --out, --host, --shard, --no-report, --no-probe go with it\n"
		"  --shard I/N          with --plan-file: run only the I-th of N slices (1 <= I <= N)\n"
		"                       of its (point, rep) pairs; lockbench merge joins the slices\n"
		"  --help               this text\n"
		"Exit: 0 ok; 1 when a point was stuck, violated exclusion or failed; 2 usage;\n"
		"130/143 interrupted by SIGINT/SIGTERM (finished points kept; --resume continues).\n",
		SWEEP_DEFAULT_CS_SHORT_NS, SWEEP_DEFAULT_CS_LONG_NS, SWEEP_DEFAULT_CS_SHORT_NS, SWEEP_DEFAULT_NCS_NS,
		SWEEP_DEFAULT_REPS, SWEEP_QUICK_REPS, SWEEP_DEFAULT_DURATION_NS / NS_PER_MS,
		SWEEP_QUICK_DURATION_NS / NS_PER_MS, SWEEP_DEFAULT_WARMUP_NS / NS_PER_MS,
		SWEEP_QUICK_WARMUP_NS / NS_PER_MS, choices, placement_name(PLACEMENT_COMPACT),
		SWEEP_LOCK_COST_DURATION_NS / NS_PER_MS,
		SWEEP_LOCK_COST_WARMUP_NS / NS_PER_MS);
}

static const char *sweep_opt_name(int val)
{
	return cli_option_name(sweep_options, val);
}

static int parse_locks(const char *arg, struct sweep_opts *o)
{
	char *copy = strdup(arg), *save = NULL;
	if (!copy)
		return runtime_error("out of memory");
	o->nlocks = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct lb_lock_ops *ops = lockset_find(tok);
		if (!ops) {
			usage_error("--locks: '%s' is not a registered lock; try: %s", tok,
				    lockset_names());
			free(copy);
			return -1;
		}
		for (unsigned i = 0; i < o->nlocks; i++)
			if (o->locks[i] == ops) {
				usage_error("--locks: '%s' is listed twice", tok);
				free(copy);
				return -1;
			}
		if (o->nlocks == MAX_SWEEP_LOCKS) {
			usage_error("--locks: more than %d locks", MAX_SWEEP_LOCKS);
			free(copy);
			return -1;
		}
		o->locks[o->nlocks++] = ops;
	}
	free(copy);
	if (o->nlocks == 0 || arg[0] == ',' || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,"))
		return usage_error("--locks: '%s' is not a comma-separated list of locks", arg), -1;
	return 0;
}

static int parse_cs_list(const char *arg, struct sweep_opts *o)
{
	char *copy = strdup(arg), *save = NULL;
	if (!copy)
		return runtime_error("out of memory");
	o->ncs = 0;
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t ns;
		if (o->ncs == MAX_SWEEP_CS) {
			rc = usage_error("--cs: at most %d critical sections", MAX_SWEEP_CS);
			break;
		}
		if (parse_time_ns(tok, 1, NS_PER_S, &ns) != 0) {
			rc = usage_error("--cs: '%s' is not a duration such as 50ns, 1us or 2.5us "
					 "(at most 1s)", tok);
			break;
		}
		o->cs_ns[o->ncs++] = ns;
	}
	free(copy);
	if (rc == 0 && (o->ncs == 0 || arg[0] == ',' || arg[strlen(arg) - 1] == ',' ||
			strstr(arg, ",,")))
		rc = usage_error("--cs: '%s' is not a comma-separated list of durations", arg);
	return rc ? -1 : 0;
}

static int opt_time(int opt, const char *arg, uint64_t bare, uint64_t max, uint64_t *out)
{
	int rc = parse_time_ns(arg, bare, max, out);
	if (rc == 0 && *out > 0)
		return 0;
	char maxs[32];
	format_time_ns(max, maxs, sizeof maxs);
	usage_error("%s: '%s' is not a positive duration such as 100ms or 2s (at most %s)",
		    sweep_opt_name(opt), arg, maxs);
	return -1;
}

static int opt_seed(const char *arg, struct sweep_opts *o)
{
	char *end;
	errno = 0;
	unsigned long long s = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || !isdigit((unsigned char)arg[0]))
		return usage_error("--seed: '%s' is not an unsigned integer", arg), -1;
	o->seed = s;
	o->seed_given = true;
	return 0;
}

static int opt_dir(int opt, const char *arg, struct sweep_opts *o, bool resuming)
{
	if (resuming)
		return usage_error("%s: not allowed in a recorded sweep.args", sweep_opt_name(opt)), -1;
	if (!*arg || strlen(arg) >= sizeof o->out)
		return usage_error("%s: '%s' is not a usable directory name", sweep_opt_name(opt),
				   arg), -1;
	snprintf(opt == OPT_OUT ? o->out : o->resume, sizeof o->out, "%s", arg);
	return 0;
}

/* I/N with 1 <= I <= N: a Slurm array task id maps to I. */
static int opt_shard(const char *arg)
{
	unsigned i, n;
	char tail;
	if (sscanf(arg, "%u/%u%c", &i, &n, &tail) != 2 || !isdigit((unsigned char)arg[0]) ||
	    n < 1 || n > 4096 || i < 1 || i > n)
		return usage_error("--shard: '%s' is not I/N with 1 <= I <= N <= 4096 (e.g. 2/3)",
				   arg), -1;
	plan_args.shard_i = i;
	plan_args.shard_n = n;
	return 0;
}

/* The options that change what a plan holds: refused beside --plan-file. */
static bool changes_plan(int opt)
{
	switch (opt) {
	case OPT_LOCKS: case OPT_THREADS: case OPT_CS: case OPT_NCS: case OPT_REPS:
	case OPT_DURATION: case OPT_WARMUP: case OPT_PLACEMENT: case OPT_PERMITS: case OPT_QUICK:
	case OPT_NO_LOCK_COST: case OPT_CDF_THREADS: case OPT_SYNTHETIC: case OPT_XML:
	case OPT_SHARDS: case OPT_PLAN: case OPT_READ_PCT:
		return true;
	}
	return false;
}

/* The options a user left out, so the defaults can follow --quick wherever it appears. */
struct sweep_given {
	bool locks, all_locks, threads, cs, reps, duration, warmup;
};

/* One option into *o: 0, or -1 after printing why not. */
static int sweep_option(int opt, const char *arg, struct sweep_opts *o, struct sweep_given *g,
			bool resuming)
{
	switch (opt) {
	case OPT_LOCKS:
		g->locks = true;
		if (strcmp(arg, "all") == 0)
			return g->all_locks = true, 0;
		return g->all_locks = false, parse_locks(arg, o) ? -1 : 0;
	case OPT_THREADS:
		g->threads = true;
		if (parse_uint_list(arg, 1, LB_MAX_THREADS, o->threads, MAX_SWEEP_THREADS,
				    &o->nthreads) != 0)
			return usage_error("--threads: '%s' is not a list of thread counts in 1..%d "
					   "such as 1,2,4", arg, LB_MAX_THREADS), -1;
		return 0;
	case OPT_CS: return g->cs = true, parse_cs_list(arg, o) ? -1 : 0;
	case OPT_NCS:
		if (parse_time_ns(arg, 1, NS_PER_S, &o->ncs_ns) != 0)
			return usage_error("--ncs: '%s' is not a duration such as 100ns (at most 1s)",
					   arg), -1;
		return 0;
	case OPT_REPS:
		g->reps = true;
		if (parse_uint(arg, 1, 1000, &o->reps) != 0)
			return usage_error("--reps: '%s' is not an integer in 1..1000", arg), -1;
		return 0;
	case OPT_DURATION:
		g->duration = true;
		return opt_time(opt, arg, NS_PER_S, 600 * NS_PER_S, &o->duration_ns);
	case OPT_WARMUP:
		g->warmup = true;
		return opt_time(opt, arg, NS_PER_S, 600 * NS_PER_S, &o->warmup_ns);
	case OPT_PLACEMENT: return cli_parse_placement(arg, &o->placement, NULL) ? -1 : 0;
	case OPT_PERMITS:
		if (parse_uint(arg, 1, 1024, &o->permits) != 0)
			return usage_error("--permits: '%s' is not an integer in 1..1024", arg), -1;
		return 0;
	case OPT_QUICK: o->quick = true; return 0;
	case OPT_NO_REPORT: o->no_report = true; return 0;
	case OPT_NO_PROBE: o->no_probe = true; return 0;
	case OPT_NO_LOCK_COST: o->no_lock_cost = true; return 0;
	case OPT_CDF_THREADS:
		if (parse_uint(arg, 1, LB_MAX_THREADS, &o->cdf_threads) != 0)
			return usage_error("--cdf-threads: '%s' is not an integer in 1..%d", arg,
					   LB_MAX_THREADS), -1;
		return 0;
	case OPT_SEED: return plan_args.seed_given = true, opt_seed(arg, o);
	case OPT_READ_PCT:
		if (parse_uint(arg, 0, 100, &o->read_pct) != 0)
			return usage_error("--read-pct: '%s' is not an integer in 0..100", arg), -1;
		o->read_pct_given = true;
		return 0;
	case OPT_OUT:
	case OPT_RESUME: return opt_dir(opt, arg, o, resuming);
	case OPT_PLAN: plan_args.plan = true; return 0;
	case OPT_PLAN_FILE: plan_args.plan_file = arg; return 0;
	case OPT_SYNTHETIC: plan_args.synthetic = arg; return 0;
	case OPT_XML: plan_args.xml = arg; return 0;
	case OPT_SHARDS:
		if (parse_uint(arg, 1, 4096, &plan_args.shards) != 0)
			return usage_error("--shards: '%s' is not an integer in 1..4096", arg), -1;
		return 0;
	case OPT_SHARD: return opt_shard(arg);
	case OPT_HOST:
		if (!sweep_host_ok(arg))
			return usage_error("--host: '%s' is not a host name of 1..%d letters, digits, "
					   "'.', '_' or '-'", arg, SWEEP_HOST_MAX - 1), -1;
		snprintf(o->host, sizeof o->host, "%s", arg);
		return 0;
	}
	return -1; /* not reached: getopt returns only the values of sweep_options */
}

/* What the user left out, from --quick and the lock set. */
static int sweep_defaults(struct sweep_opts *o, const struct sweep_given *g)
{
	if (!g->locks || g->all_locks) {
		o->nlocks = 0;
		for (size_t i = 0; lockset_at(i); i++) {
			const struct lb_lock_ops *ops = lockset_at(i);
			if (ops->props & (LB_NOT_A_LOCK | LB_TEST_ONLY))
				continue;
			/* Without --locks: the default set (sweep_plan.c), or with --read-pct the
			 * rwlocks below; --locks all: every lock of the mode (mutual-exclusion locks
			 * without --read-pct, rwlocks and pthread-mutex with it). */
			bool in_default = false;
			for (const char *const *n = sweep_default_locks; *n; n++)
				in_default |= strcmp(*n, ops->name) == 0;
			if (!g->all_locks && !o->read_pct_given && !in_default)
				continue;
			/* Reader-writer locks with --read-pct (and pthread-mutex, the baseline), and
			 * only then. */
			const bool rw = (ops->props & LB_RW) != 0;
			if (o->read_pct_given ? !rw && strcmp(ops->name, "pthread-mutex") != 0 : rw)
				continue;
			if (o->nlocks < MAX_SWEEP_LOCKS)
				o->locks[o->nlocks++] = ops;
		}
	}
	if (!g->cs) {
		o->cs_ns[0] = SWEEP_DEFAULT_CS_SHORT_NS;
		o->cs_ns[1] = SWEEP_DEFAULT_CS_LONG_NS;
		o->ncs = o->quick ? 1 : 2;
	}
	if (!g->reps)
		o->reps = o->quick ? SWEEP_QUICK_REPS : SWEEP_DEFAULT_REPS;
	if (!g->duration)
		o->duration_ns = o->quick ? SWEEP_QUICK_DURATION_NS : SWEEP_DEFAULT_DURATION_NS;
	if (!g->warmup)
		o->warmup_ns = o->quick ? SWEEP_QUICK_WARMUP_NS : SWEEP_DEFAULT_WARMUP_NS;
	if (!g->threads)
		o->nthreads = 0; /* filled from the topology */
	if (o->permits > 1) {
		bool any = false;
		for (unsigned i = 0; i < o->nlocks; i++)
			any |= (o->locks[i]->props & LB_COUNTING) != 0;
		if (!any)
			return usage_error("--permits: %u needs a counting lock (LB_COUNTING) among "
					   "--locks", o->permits), -1;
	}
	return 0;
}

/* The plan options' combinations, one line each. A resumed --plan-file run's sweep.args
 * carries the seed, which the plan then overrides with its own (the same one). */
static int check_plan_args(const struct sweep_opts *o, bool resuming)
{
	const struct sweep_plan_args *a = &plan_args;
	if (a->synthetic && a->xml)
		return usage_error("--synthetic: cannot be combined with --xml (one topology)"), -1;
	if ((a->synthetic || a->xml) && !a->plan)
		return usage_error("%s: only with --plan (a sweep runs on this machine)",
				   a->synthetic ? "--synthetic" : "--xml"), -1;
	if (a->shards && !a->plan)
		return usage_error("--shards: only with --plan (--shard I/N runs one slice)"), -1;
	if (a->shard_n && !a->plan_file)
		return usage_error("--shard: needs --plan-file (the plan the slices are cut from)"),
		       -1;
	if (a->plan && a->plan_file)
		return usage_error("--plan: cannot be combined with --plan-file"), -1;
	if (a->plan && (o->out[0] || o->resume[0]))
		return usage_error("--plan: prints the plan on stdout; it takes no %s",
				   o->out[0] ? "--out" : "--resume"), -1;
	if (a->plan_file && a->changing_opt)
		return usage_error("%s: cannot be combined with --plan-file (the plan decides it)",
				   sweep_opt_name(a->changing_opt)), -1;
	if (a->plan_file && a->seed_given && !resuming)
		return usage_error("--seed: cannot be combined with --plan-file (the plan decides "
				   "it)"), -1;
	if (a->plan_file && o->resume[0])
		return usage_error("--resume: cannot be combined with --plan-file (the set's "
				   "sweep.args names its plan)"), -1;
	return 0;
}

/* Parse argv into *o (sweep_opts_init first). `resuming` rejects --resume/--out inside a
 * recorded sweep.args. Returns -1 after printing (exit 2), 1 after --help, 0 to run. */
static int sweep_parse(int argc, char **argv, struct sweep_opts *o, bool resuming)
{
	struct sweep_given given = { 0 };
	plan_args = (struct sweep_plan_args){ 0 };
	cli_getopt_reset();
	int opt;
	while ((opt = getopt_long(argc, argv, ":", sweep_options, NULL)) != -1) {
		if (opt == OPT_HELP) {
			sweep_usage(stdout);
			return 1;
		}
		if (opt == ':' || opt == '?')
			return cli_getopt_error("sweep", opt, sweep_options, argv), -1;
		if (changes_plan(opt) && !plan_args.changing_opt)
			plan_args.changing_opt = opt;
		if (sweep_option(opt, optarg, o, &given, resuming))
			return -1;
	}
	if (optind < argc)
		return cli_extra_argument("sweep", argv[optind]), -1;
	if (check_plan_args(o, resuming))
		return -1;
	if (o->resume[0] && o->out[0])
		return usage_error("--resume: cannot be combined with --out (it resumes in place)"), -1;
	if (o->resume[0] && argc > 3)
		return usage_error("--resume: takes no other options (the recorded ones are used)"), -1;
	return sweep_defaults(o, &given);
}

static int load_plan(struct sweep_opts *o, const char *path);

/* A --resume: the options recorded in DIR/sweep.args replace the command line's. */
static int parse_resumed(struct sweep_opts *o, char ***rargv, char **storage)
{
	int rargc = 0;
	char dir[1024];
	snprintf(dir, sizeof dir, "%s", o->resume);
	int rc = sweep_read_args(dir, &rargc, rargv, storage);
	if (rc)
		return usage_error("--resume: '%s' is not a sweep result set (no readable "
				   "sweep.args: %s)", dir, strerror(-rc));
	sweep_opts_init(o);
	if (sweep_parse(rargc, *rargv, o, true) != 0)
		return usage_error("--resume: %s/sweep.args holds options this lockbench does not "
				   "accept (above)", dir);
	/* A slice resumes from the plan it kept, wherever the original file went. */
	if (plan_args.plan_file) {
		char path[1200];
		snprintf(path, sizeof path, "%s/plan.json", dir);
		int rc = load_plan(o, path);
		if (rc)
			return rc;
		o->plan_text_path[0] = '\0'; /* already in the set */
	}
	snprintf(o->out, sizeof o->out, "%s", dir);
	return 0;
}

/* The outcome as the exit status: the failure first, then an interruption, then runs that
 * failed; the set's directory on stdout whenever it was summarised. */
static int sweep_exit(const struct sweep_opts *o, int rc, const struct sweep_outcome *res,
		      const char *err)
{
	int exit_code = LB_EXIT_OK;
	/* A signal after meta.json said "complete" stopped only the report (whose failure, a
	 * killed gnuplot, is the signal's doing): said from the state written, not as a stopped
	 * sweep. A report built in spite of it is not interrupted at all. */
	if (res->stop_signal && res->complete && !res->reported && !o->no_report) {
		fprintf(stderr, "lockbench: sweep: runs complete; the report was interrupted by %s: "
				"lockbench report %s builds it\n",
			res->stop_signal == SIGINT ? "SIGINT" : "SIGTERM", o->out);
		if (res->summarized && (printf("%s/\n", o->out) < 0 || fflush(stdout) != 0))
			return runtime_error("sweep: writing to stdout: %s", strerror(errno));
		return 128 + res->stop_signal;
	}
	if (rc)
		exit_code = res->user_error ? usage_error("%s", err) : runtime_error("%s", err);
	if (res->stop_signal && !res->complete) {
		fprintf(stderr, "lockbench: sweep: interrupted by %s after %zu of %zu runs; the "
				"finished ones are in %s/ (marked incomplete); finish with: "
				"lockbench sweep --resume %s\n",
			res->stop_signal == SIGINT ? "SIGINT" : "SIGTERM", res->ndone, res->total,
			o->out, o->out);
		return 128 + res->stop_signal;
	}
	if (exit_code == LB_EXIT_OK && res->failures) {
		fprintf(stderr, "lockbench: sweep: %u runs were stuck, violated exclusion or failed "
				"(status column of %s/results.csv)\n", res->failures, o->out);
		exit_code = LB_EXIT_RUNTIME;
	}
	if (res->summarized) {
		if (printf("%s/\n", o->out) < 0 || fflush(stdout) != 0)
			exit_code = runtime_error("sweep: writing to stdout: %s", strerror(errno));
		if (!o->no_report && exit_code == LB_EXIT_OK)
			fprintf(stderr, "sweep: %.0f s; report: %s/report.html (and report.md)\n",
				res->elapsed_s, o->out);
	}
	return exit_code;
}

/* --plan: the plan for this machine or a described one, on stdout. */
static int print_plan(struct sweep_opts *o)
{
	const struct sweep_plan_args *a = &plan_args;
	struct topo *t = NULL;
	char err[1024];
	int rc = a->synthetic ? topo_open_synthetic(&t, a->synthetic, err, sizeof err)
		 : a->xml     ? topo_open_xml(&t, a->xml, err, sizeof err)
			      : topo_open_system(&t, err, sizeof err);
	if (rc) {
		if (a->synthetic || a->xml)
			return usage_error("%s: %s", a->synthetic ? "--synthetic" : "--xml", err);
		return runtime_error("sweep: %s", err);
	}
	sweep_plan_decide(o, t);
	char topology[256], hash[SWEEP_PLAN_HASH_LEN + 1];
	topo_summary(t, topology, sizeof topology);
	topo_close(t);
	char *text = NULL;
	size_t len = 0;
	if (sweep_plan_render(o, topology, a->shards, &text, &len, hash) != 0)
		return runtime_error("sweep: --plan: out of memory");
	rc = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? LB_EXIT_OK
		: runtime_error("sweep: writing the plan to stdout: %s", strerror(errno));
	free(text);
	return rc;
}

/* --plan-file: the plan's options replace the defaults; --shard picks the slice. */
static int load_plan(struct sweep_opts *o, const char *path)
{
	char topology[256], err[1024];
	if (sweep_plan_read(path, o, topology, sizeof topology, err, sizeof err) != 0)
		return usage_error("%s", err);
	o->shard_i = plan_args.shard_i;
	o->shard_n = plan_args.shard_n;
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_opts o;
	sweep_opts_init(&o);
	int rc = sweep_parse(argc, argv, &o, false);
	if (rc)
		return rc < 0 ? LB_EXIT_USAGE : LB_EXIT_OK;
	if (plan_args.plan)
		return print_plan(&o);
	if (plan_args.plan_file && (rc = load_plan(&o, plan_args.plan_file)) != 0)
		return rc;
	bool resuming = o.resume[0] != '\0';
	char *storage = NULL, **rargv = NULL;
	if (resuming && (rc = parse_resumed(&o, &rargv, &storage)) != 0) {
		free(rargv);
		free(storage);
		return rc;
	}
	struct sweep_outcome res;
	char err[1024] = "";
	rc = sweep_run(&o, resuming, argc, argv, &res, err, sizeof err);
	free(rargv);
	free(storage);
	return sweep_exit(&o, rc, &res, err);
}
