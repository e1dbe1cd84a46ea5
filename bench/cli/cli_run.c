/* cli_run.c — `lockbench run`'s command line → struct run_params.
 *
 * The options are long-only, numbered from 256 (as in dav1d's CLI), so that the option table is
 * the single place an option is named; every error message takes the name from it. Each value
 * is checked when it is read; combinations (a --permits the lock cannot take, --cpus with
 * --placement) are checked once all are read. --cpus is checked for syntax only here: whether
 * each CPU may be used needs the topology, and topo_plan says.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define NS_PER_S 1000000000ull

enum run_opt {
	OPT_LOCK = 256, OPT_THREADS, OPT_DURATION, OPT_WARMUP, OPT_CS, OPT_NCS, OPT_CS_LINES,
	OPT_INSTANCES, OPT_PERMITS, OPT_REENTRY, OPT_PLACEMENT, OPT_CPUS, OPT_REPS, OPT_FORMAT,
	OPT_NO_TIMING, OPT_TIMING_EVERY, OPT_WATCHDOG, OPT_READ_PCT, OPT_HELP,
};

static const struct option run_options[] = {
	{ "lock", required_argument, NULL, OPT_LOCK },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "cs", required_argument, NULL, OPT_CS },
	{ "ncs", required_argument, NULL, OPT_NCS },
	{ "cs-lines", required_argument, NULL, OPT_CS_LINES },
	{ "instances", required_argument, NULL, OPT_INSTANCES },
	{ "permits", required_argument, NULL, OPT_PERMITS },
	{ "reentry", required_argument, NULL, OPT_REENTRY },
	{ "placement", required_argument, NULL, OPT_PLACEMENT },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "reps", required_argument, NULL, OPT_REPS },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "no-timing", no_argument, NULL, OPT_NO_TIMING },
	{ "timing-every", required_argument, NULL, OPT_TIMING_EVERY },
	{ "watchdog", required_argument, NULL, OPT_WATCHDOG },
	{ "read-pct", required_argument, NULL, OPT_READ_PCT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Bounds of `lockbench run`'s options. */
#define MAX_WINDOW_NS (3600 * NS_PER_S) /* --duration, --warmup, --watchdog */
#define MAX_WORK_NS NS_PER_S            /* --cs, --ncs */
#define MAX_CS_LINES 1024
#define MAX_REENTRY 1000
#define MAX_REPS 1000
#define MAX_TIMING_EVERY 1000000

static const char *opt_name(int val)
{
	return cli_option_name(run_options, val);
}

static int opt_uint(int opt, const char *arg, unsigned min, unsigned max, unsigned *out)
{
	if (parse_uint(arg, min, max, out) == 0)
		return 0;
	usage_error("%s: '%s' is not an integer in %u..%u", opt_name(opt), arg, min, max);
	return -1;
}

static int opt_time(int opt, const char *arg, uint64_t bare_unit_ns, uint64_t max_ns,
		    bool zero_ok, uint64_t *out)
{
	char max[32];
	format_time_ns(max_ns, max, sizeof max);
	int rc = parse_time_ns(arg, bare_unit_ns, max_ns, out);
	if (rc == -ERANGE) {
		usage_error("%s: '%s' is out of range (at most %s)", opt_name(opt), arg, max);
		return -1;
	}
	if (rc) {
		usage_error("%s: '%s' is not a duration (e.g. 500ms, 2s; units ns, us, ms, s, m, h; "
			    "a bare number is in %s)",
			    opt_name(opt), arg, bare_unit_ns == NS_PER_S ? "seconds" : "nanoseconds");
		return -1;
	}
	if (*out == 0 && !zero_ok) {
		usage_error("%s: '%s' must be more than zero", opt_name(opt), arg);
		return -1;
	}
	return 0;
}

/* "a, b" of the names of every lock with all of `props`, for "try one of" hints. */
static void lock_names_with(unsigned props, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; lockset_at(i); i++) {
		const struct lb_lock_ops *o = lockset_at(i);
		if ((o->props & props) != props || used >= len)
			continue;
		int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", o->name);
		used += w > 0 ? (size_t)w : 0;
	}
	if (!buf[0])
		snprintf(buf, len, "none is registered");
}

static void run_usage(FILE *f)
{
	struct run_params d;
	char dur[32], warm[32], cs[32], ncs[32];
	run_params_defaults(&d);
	format_time_ns(d.duration_ns, dur, sizeof dur);
	format_time_ns(d.warmup_ns, warm, sizeof warm);
	format_time_ns(d.cs_ns, cs, sizeof cs);
	format_time_ns(d.ncs_ns, ncs, sizeof ncs);
	fprintf(f,
		"usage: lockbench run --lock NAME --threads N [OPTIONS]\n"
		"\n"
		"One measurement point: N threads take the lock in a loop, each acquisition doing\n"
		"--cs of work inside and --ncs outside. Prints throughput next to fairness, latency\n"
		"percentiles and CPU cost; checks mutual exclusion on every run.\n"
		"\n"
		"  --lock NAME        the lock to measure (required; `lockbench list` shows them)\n"
		"  --threads N        worker threads, 1..%u (required)\n"
		"  --duration TIME    the measured window (default %s)\n"
		"  --warmup TIME      run this long before the window opens (default %s; 0 = none)\n"
		"  --cs TIME          calibrated work inside each critical section (default %s)\n"
		"  --ncs TIME         calibrated work between acquisitions (default %s; with 0 a\n"
		"                     2-thread figure mostly measures one thread re-acquiring)\n"
		"  --cs-lines K       shared cache lines written in each critical section, 1..%u\n"
		"                     (default %u)\n"
		"  --instances M      lock instances; thread i uses instance i %% M, M <= N\n"
		"                     (default %u)\n"
		"  --permits N        permits of a counting lock (default %u = mutual exclusion)\n"
		"  --reentry D        take a reentrant lock D times nested per acquisition, 1..%u\n"
		"                     (default %u)\n"
		"  --placement P      compact (fill cores in order, sharing caches first), scatter\n"
		"                     (spread over packages, NUMA nodes, caches) or none (the OS\n"
		"                     decides) (default %s)\n"
		"  --cpus LIST        put threads round-robin on these CPUs (e.g. 0,2,4-7); this is\n"
		"                     a placement of its own: giving --placement too is an error\n"
		"                     (default: not given)\n"
		"  --reps R           repetitions of the point, 1..%u (default %u)\n"
		"  --format F         table, csv or json (default table)\n"
		"  --no-timing        do not time acquisitions (default: time a sample of them)\n"
		"  --timing-every K   time one acquisition in K, 1..%u (default: chosen so that\n"
		"                     timing costs under 2%% of an operation)\n"
		"  --watchdog TIME    give up when no thread makes progress for TIME\n"
		"                     (default max(5s, 10 x duration))\n"
		"  --read-pct P       reader-writer locks: each operation is a read (shared mode,\n"
		"                     reading the critical section's lines) with probability P%%,\n"
		"                     0..100 (default 0: every operation exclusive)\n"
		"  --help             this text\n"
		"\n"
		"TIME takes a unit: ns, us, ms, s, m, h (500ms, 1.5us). A bare number is seconds\n"
		"for --duration, --warmup and --watchdog, nanoseconds for --cs and --ncs.\n"
		"Threads are bound to CPUs the process may use (taskset and cgroup cpusets are\n"
		"followed); more threads than CPUs is allowed and reported as oversubscribed.\n"
		"Exit status: 0 ok, 1 the run failed (exclusion violated, stuck, error), 2 usage.\n",
		LB_MAX_THREADS, dur, warm, cs, ncs, MAX_CS_LINES, d.cs_lines, d.instances, d.permits,
		MAX_REENTRY, d.reentry, placement_name(d.placement), MAX_REPS, d.reps,
		MAX_TIMING_EVERY);
}

static int parse_format(const char *arg, enum out_format *out)
{
	static const char *const names[] = { [FORMAT_TABLE] = "table", [FORMAT_CSV] = "csv",
					     [FORMAT_JSON] = "json" };
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(arg, names[i]) == 0) {
			*out = (enum out_format)i;
			return 0;
		}
	}
	usage_error("--format: '%s' is not one of table, csv, json", arg);
	return -1;
}

/* One option's value into *p; -1 after printing the error. */
static int run_option(int opt, const char *arg, struct run_params *p, bool *placement_given,
		      bool *timing_every_given)
{
	switch (opt) {
	case OPT_LOCK:
		p->lock = lockset_find(arg);
		if (!p->lock) {
			usage_error("--lock: '%s' is not a registered lock; try: %s", arg,
				    lockset_names());
			return -1;
		}
		return 0;
	case OPT_THREADS: return opt_uint(opt, arg, 1, LB_MAX_THREADS, &p->threads);
	case OPT_DURATION:
		return opt_time(opt, arg, NS_PER_S, MAX_WINDOW_NS, false, &p->duration_ns);
	case OPT_WARMUP: return opt_time(opt, arg, NS_PER_S, MAX_WINDOW_NS, true, &p->warmup_ns);
	case OPT_CS: return opt_time(opt, arg, 1, MAX_WORK_NS, true, &p->cs_ns);
	case OPT_NCS: return opt_time(opt, arg, 1, MAX_WORK_NS, true, &p->ncs_ns);
	case OPT_CS_LINES: return opt_uint(opt, arg, 1, MAX_CS_LINES, &p->cs_lines);
	case OPT_INSTANCES: return opt_uint(opt, arg, 1, LB_MAX_THREADS, &p->instances);
	case OPT_PERMITS: return opt_uint(opt, arg, 1, LB_MAX_THREADS, &p->permits);
	case OPT_REENTRY: return opt_uint(opt, arg, 1, MAX_REENTRY, &p->reentry);
	case OPT_PLACEMENT:
		if (cli_parse_placement(arg, &p->placement, " (a list is given with --cpus)"))
			return -1;
		*placement_given = true;
		return 0;
	case OPT_CPUS: {
		static int cpus[LB_MAX_CPUS];
		unsigned n;
		char why[96];
		if (strlen(arg) >= sizeof p->cpus) {
			usage_error("--cpus: the list is longer than %zu characters",
				    sizeof p->cpus - 1);
			return -1;
		}
		if (parse_cpulist_why(arg, LB_MAX_CPUS - 1, cpus, LB_MAX_CPUS, &n, why, sizeof why)) {
			usage_error("--cpus: '%s' is not a CPU list (%s; e.g. 0,2,4-7)", arg, why);
			return -1;
		}
		snprintf(p->cpus, sizeof p->cpus, "%s", arg);
		return 0;
	}
	case OPT_REPS: return opt_uint(opt, arg, 1, MAX_REPS, &p->reps);
	case OPT_FORMAT: return parse_format(arg, &p->format);
	case OPT_NO_TIMING: p->timing = false; return 0;
	case OPT_TIMING_EVERY:
		*timing_every_given = true;
		return opt_uint(opt, arg, 1, MAX_TIMING_EVERY, &p->timing_every);
	case OPT_WATCHDOG:
		return opt_time(opt, arg, NS_PER_S, MAX_WINDOW_NS, false, &p->watchdog_ns);
	case OPT_READ_PCT: return opt_uint(opt, arg, 0, 100, &p->read_pct);
	}
	return -1;
}

/* Combinations that each option alone cannot see. */
static int run_check(struct run_params *p, bool placement_given, bool timing_every_given)
{
	char names[1024];
	if (!p->lock) {
		usage_error("run: --lock NAME is required; try: %s", lockset_names());
		return -1;
	}
	if (!p->threads) {
		usage_error("run: --threads N is required (1..%u)", LB_MAX_THREADS);
		return -1;
	}
	if (p->instances > p->threads) {
		usage_error("--instances: '%u' is more than --threads %u (thread i uses instance "
			    "i %% instances, so some instances would have no thread)",
			    p->instances, p->threads);
		return -1;
	}
	if (p->permits > 1 && !(p->lock->props & LB_COUNTING)) {
		lock_names_with(LB_COUNTING, names, sizeof names);
		usage_error("--permits: '%u' needs a counting lock and '%s' is not one; "
			    "counting locks: %s", p->permits, p->lock->name, names);
		return -1;
	}
	if (p->reentry > 1 && !(p->lock->props & LB_REENTRANT)) {
		lock_names_with(LB_REENTRANT, names, sizeof names);
		usage_error("--reentry: '%u' needs a reentrant lock and '%s' is not one (taking it "
			    "again would deadlock); reentrant locks: %s",
			    p->reentry, p->lock->name, names);
		return -1;
	}
	if (p->read_pct > 0 && !(p->lock->props & LB_RW)) {
		lock_names_with(LB_RW, names, sizeof names);
		usage_error("--read-pct: '%u' needs a reader-writer lock and '%s' is not one; "
			    "reader-writer locks: %s", p->read_pct, p->lock->name, names);
		return -1;
	}
	if (p->cpus[0]) {
		/* --cpus is a placement of its own. Letting one of the two silently win would
		 * leave a result whose `placement` column says something the user did not ask. */
		if (placement_given) {
			usage_error("--cpus: cannot be combined with --placement %s (--cpus places "
				    "threads round-robin over its list)",
				    placement_name(p->placement));
			return -1;
		}
		p->placement = PLACEMENT_LIST;
	}
	if (!p->timing && timing_every_given) {
		usage_error("--timing-every: cannot be combined with --no-timing");
		return -1;
	}
	return 0;
}

int cli_run_option_arity(const char *arg)
{
	if (strncmp(arg, "--", 2) != 0)
		return -1;
	arg += 2;
	size_t len = strcspn(arg, "=");
	for (const struct option *o = run_options; o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, arg, len) == 0)
			return arg[len] == '=' || o->has_arg == no_argument ? 0 : 1;
	return -1;
}

int cli_parse_run(int argc, char **argv, struct run_params *p)
{
	bool placement_given = false, timing_every_given = false;
	run_params_defaults(p);
	cli_getopt_reset();
	for (;;) {
		int opt = getopt_long(argc, argv, ":h", run_options, NULL);
		if (opt == -1)
			break;
		if (opt == 'h' || opt == OPT_HELP) {
			run_usage(stdout);
			return 1;
		}
		if (opt == ':' || opt == '?') {
			cli_getopt_error("run", opt, run_options, argv);
			return -1;
		}
		if (run_option(opt, optarg, p, &placement_given, &timing_every_given))
			return -1;
	}
	if (optind < argc) {
		cli_extra_argument("run", argv[optind]);
		return -1;
	}
	return run_check(p, placement_given, timing_every_given);
}
