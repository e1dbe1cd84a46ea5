/* sweep_plan.c — what a sweep runs: its options, the default thread counts and critical
 * sections, the list of points, and the shuffled order of each repetition. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sweep/sweep.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

enum sweep_opt {
	OPT_LOCKS = 256, OPT_THREADS, OPT_CS, OPT_NCS, OPT_REPS, OPT_DURATION, OPT_WARMUP,
	OPT_PLACEMENT, OPT_PERMITS, OPT_QUICK, OPT_OUT, OPT_RESUME, OPT_SEED, OPT_NO_REPORT,
	OPT_NO_PROBE, OPT_NO_LOCK_COST, OPT_CDF_THREADS, OPT_HELP,
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
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};


void sweep_usage(FILE *f)
{
	fprintf(f,
		"usage: lockbench sweep [OPTIONS]\n"
		"Runs every registered lock over thread counts and two critical sections, and at cs 0\n"
		"(the lock-cost points, `null` beside them as the floor: its only use in a sweep),\n"
		"several repetitions each, into results/<host>-<UTC time>/ with plots and a report.\n\n"
		"  --locks NAME,...     locks to run (default: every lock but not-a-lock ones)\n"
		"  --threads N,...      thread counts (default: 1..CPUs, CPUs+1, 2xCPUs; powers of two\n"
		"                       in between past 8 CPUs; oversubscription is always included)\n"
		"  --cs NS,...          critical sections (default: %uns,%uns; --quick: %uns)\n"
		"  --ncs NS             work between acquisitions (default: %uns)\n"
		"  --reps R             repetitions of every point (default: %u; --quick: %u)\n"
		"  --duration S         measured window per run (default: %llums; --quick: %llums)\n"
		"  --warmup S           warm-up per run (default: %llums; --quick: %llums)\n"
		"  --placement P        compact, scatter or none (default: compact)\n"
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
		"  --out DIR            result set directory (default: results/<host>-<UTC time>)\n"
		"  --resume DIR         finish an interrupted result set with its recorded options\n"
		"  --no-report          skip plots and report (lockbench report DIR builds them later)\n"
		"  --no-probe           skip the c2c probe around each point\n"
		"  --help               this text\n"
		"Exit: 0 ok; 1 when a point was stuck, violated exclusion or failed; 2 usage;\n"
		"130/143 interrupted by SIGINT/SIGTERM (finished points kept; --resume continues).\n",
		SWEEP_DEFAULT_CS_SHORT_NS, SWEEP_DEFAULT_CS_LONG_NS, SWEEP_DEFAULT_CS_SHORT_NS, SWEEP_DEFAULT_NCS_NS,
		SWEEP_DEFAULT_REPS, SWEEP_QUICK_REPS, SWEEP_DEFAULT_DURATION_NS / NS_PER_MS,
		SWEEP_QUICK_DURATION_NS / NS_PER_MS, SWEEP_DEFAULT_WARMUP_NS / NS_PER_MS,
		SWEEP_QUICK_WARMUP_NS / NS_PER_MS, SWEEP_LOCK_COST_DURATION_NS / NS_PER_MS,
		SWEEP_LOCK_COST_WARMUP_NS / NS_PER_MS);
}

static const char *sweep_opt_name(int val)
{
	static char name[32];
	for (const struct option *o = sweep_options; o->name; o++)
		if (o->val == val)
			snprintf(name, sizeof name, "--%s", o->name);
	return name;
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

/* Parse argv into *o. `resuming` rejects --resume/--out inside a recorded sweep.args. Returns
 * -1 after printing (exit 2), 1 after --help, 0 to run. */
int sweep_parse(int argc, char **argv, struct sweep_opts *o, bool resuming)
{
	bool locks_given = false, threads_given = false, cs_given = false, reps_given = false,
	     duration_given = false, warmup_given = false;
	optind = 0;
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, ":", sweep_options, NULL)) != -1) {
		unsigned u;
		switch (opt) {
		case OPT_LOCKS:
			if (parse_locks(optarg, o))
				return -1;
			locks_given = true;
			break;
		case OPT_THREADS:
			if (parse_uint_list(optarg, 1, LB_MAX_THREADS, o->threads, MAX_SWEEP_THREADS,
					    &o->nthreads) != 0)
				return usage_error("--threads: '%s' is not a list of thread counts in "
						   "1..%d such as 1,2,4", optarg, LB_MAX_THREADS), -1;
			threads_given = true;
			break;
		case OPT_CS:
			if (parse_cs_list(optarg, o))
				return -1;
			cs_given = true;
			break;
		case OPT_NCS:
			if (parse_time_ns(optarg, 1, NS_PER_S, &o->ncs_ns) != 0)
				return usage_error("--ncs: '%s' is not a duration such as 100ns (at "
						   "most 1s)", optarg), -1;
			break;
		case OPT_REPS:
			if (parse_uint(optarg, 1, 1000, &o->reps) != 0)
				return usage_error("--reps: '%s' is not an integer in 1..1000", optarg), -1;
			reps_given = true;
			break;
		case OPT_DURATION:
			if (opt_time(opt, optarg, NS_PER_S, 600 * NS_PER_S, &o->duration_ns))
				return -1;
			duration_given = true;
			break;
		case OPT_WARMUP:
			if (opt_time(opt, optarg, NS_PER_S, 600 * NS_PER_S, &o->warmup_ns))
				return -1;
			warmup_given = true;
			break;
		case OPT_PLACEMENT:
			if (placement_parse(optarg, &o->placement) != 0 ||
			    o->placement == PLACEMENT_LIST)
				return usage_error("--placement: '%s' is not one of compact, scatter, "
						   "none", optarg), -1;
			break;
		case OPT_PERMITS:
			if (parse_uint(optarg, 1, 1024, &o->permits) != 0)
				return usage_error("--permits: '%s' is not an integer in 1..1024", optarg), -1;
			break;
		case OPT_QUICK: o->quick = true; break;
		case OPT_NO_REPORT: o->no_report = true; break;
		case OPT_NO_PROBE: o->no_probe = true; break;
		case OPT_NO_LOCK_COST: o->no_lock_cost = true; break;
		case OPT_CDF_THREADS:
			if (parse_uint(optarg, 1, LB_MAX_THREADS, &u) != 0)
				return usage_error("--cdf-threads: '%s' is not an integer in 1..%d",
						   optarg, LB_MAX_THREADS), -1;
			o->cdf_threads = u;
			break;
		case OPT_SEED: {
			char *end;
			errno = 0;
			unsigned long long s = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || !isdigit((unsigned char)optarg[0]))
				return usage_error("--seed: '%s' is not an unsigned integer", optarg), -1;
			o->seed = s;
			o->seed_given = true;
			break;
		}
		case OPT_OUT:
		case OPT_RESUME:
			if (resuming)
				return usage_error("%s: not allowed in a recorded sweep.args",
						   sweep_opt_name(opt)), -1;
			if (!*optarg || strlen(optarg) >= sizeof o->out)
				return usage_error("%s: '%s' is not a usable directory name",
						   sweep_opt_name(opt), optarg), -1;
			snprintf(opt == OPT_OUT ? o->out : o->resume, sizeof o->out, "%s", optarg);
			break;
		case OPT_HELP: sweep_usage(stdout); return 1;
		case ':':
			return usage_error("%s: expected a value", argv[optind - 1]), -1;
		default:
			return usage_error("sweep: '%s' is not an option; see lockbench sweep --help",
					   argv[optind - 1]), -1;
		}
	}
	if (optind < argc)
		return usage_error("sweep: unexpected argument '%s'", argv[optind]), -1;
	if (o->resume[0] && o->out[0])
		return usage_error("--resume: cannot be combined with --out (it resumes in place)"), -1;
	if (o->resume[0] && argc > 3)
		return usage_error("--resume: takes no other options (the recorded ones are used)"), -1;

	if (!locks_given) {
		o->nlocks = 0;
		for (size_t i = 0; lockset_at(i); i++) {
			const struct lb_lock_ops *ops = lockset_at(i);
			if (ops->props & (LB_NOT_A_LOCK | LB_TEST_ONLY))
				continue;
			if (o->nlocks < MAX_SWEEP_LOCKS)
				o->locks[o->nlocks++] = ops;
		}
	}
	if (!cs_given) {
		o->cs_ns[0] = SWEEP_DEFAULT_CS_SHORT_NS;
		o->cs_ns[1] = SWEEP_DEFAULT_CS_LONG_NS;
		o->ncs = o->quick ? 1 : 2;
	}
	if (!reps_given)
		o->reps = o->quick ? SWEEP_QUICK_REPS : SWEEP_DEFAULT_REPS;
	if (!duration_given)
		o->duration_ns = o->quick ? SWEEP_QUICK_DURATION_NS : SWEEP_DEFAULT_DURATION_NS;
	if (!warmup_given)
		o->warmup_ns = o->quick ? SWEEP_QUICK_WARMUP_NS : SWEEP_DEFAULT_WARMUP_NS;
	if (!threads_given)
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

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return (x > y) - (x < y);
}

/* 1 .. CPUs on small machines, powers of two in between on large ones, then CPUs + 1 and
 * 2 × CPUs so oversubscription is always in the picture; --quick keeps 1, CPUs, 2 × CPUs. */
void sweep_default_threads(struct sweep_opts *o, unsigned ncpus)
{
	unsigned *t = o->threads, n = 0;
	t[n++] = 1;
	if (!o->quick) {
		if (ncpus <= 8)
			for (unsigned i = 2; i <= ncpus; i++)
				t[n++] = i;
		else
			for (unsigned i = 2; i < ncpus && n < MAX_SWEEP_THREADS - 3; i *= 2)
				t[n++] = i;
	}
	t[n++] = ncpus;
	if (!o->quick)
		t[n++] = ncpus + 1;
	t[n++] = 2 * ncpus > LB_MAX_THREADS ? LB_MAX_THREADS : 2 * ncpus;
	qsort(t, n, sizeof *t, cmp_unsigned);
	unsigned u = 0;
	for (unsigned i = 0; i < n; i++)
		if (u == 0 || t[u - 1] != t[i])
			t[u++] = t[i];
	o->nthreads = u;
}

void sweep_point_key(char *buf, size_t len, const char *lock, unsigned permits, unsigned threads,
		     unsigned long long cs_ns, unsigned long long ncs_ns)
{
	snprintf(buf, len, "%s/%u/%u/%llu/%llu", lock, permits, threads, cs_ns, ncs_ns);
}

void sweep_normalize_key(char *buf, size_t len, const char *key, const char *ncs_ns)
{
	size_t slashes = 0;
	for (const char *c = key; *c; c++)
		slashes += *c == '/';
	if (slashes == 3)
		snprintf(buf, len, "%s/%s", key, ncs_ns);
	else
		snprintf(buf, len, "%s", key);
}

size_t sweep_max_points(const struct sweep_opts *o)
{
	/* Two permits variants per lock; lock-cost: two thread counts per lock and for null. */
	return (size_t)o->nlocks * 2 * o->ncs * o->nthreads + ((size_t)o->nlocks + 1) * 2;
}

static void add_point(struct sweep_point *pts, size_t *n, const struct lb_lock_ops *ops,
		      unsigned permits, unsigned threads, uint64_t cs_ns, uint64_t ncs_ns,
		      const struct sweep_opts *o, bool lock_cost)
{
	char key[sizeof pts->key];
	sweep_point_key(key, sizeof key, ops->name, permits, threads, (unsigned long long)cs_ns,
			(unsigned long long)ncs_ns);
	/* A user's own --cs 0 --ncs 0 point is already the lock-cost point: run it once. */
	for (size_t i = 0; i < *n; i++)
		if (strcmp(pts[i].key, key) == 0)
			return;
	struct sweep_point *p = &pts[(*n)++];
	p->lock = ops;
	p->permits = permits;
	p->threads = threads;
	p->cs_ns = cs_ns;
	p->ncs_ns = ncs_ns;
	p->lock_cost = lock_cost;
	/* Never longer than the user asked for: --duration 5ms stays a 5 ms sweep. */
	p->duration_ns = lock_cost && o->duration_ns > SWEEP_LOCK_COST_DURATION_NS
				 ? SWEEP_LOCK_COST_DURATION_NS : o->duration_ns;
	p->warmup_ns = lock_cost && o->warmup_ns > SWEEP_LOCK_COST_WARMUP_NS
			       ? SWEEP_LOCK_COST_WARMUP_NS : o->warmup_ns;
	snprintf(p->key, sizeof p->key, "%s", key);
}

size_t sweep_build_points(const struct sweep_opts *o, struct sweep_point *pts)
{
	size_t n = 0;
	for (unsigned li = 0; li < o->nlocks; li++) {
		const struct lb_lock_ops *ops = o->locks[li];
		unsigned variants[2] = { 1, o->permits };
		unsigned nvar = (o->permits > 1 && (ops->props & LB_COUNTING)) ? 2 : 1;
		for (unsigned v = 0; v < nvar; v++)
			for (unsigned ci = 0; ci < o->ncs; ci++)
				for (unsigned ti = 0; ti < o->nthreads; ti++)
					add_point(pts, &n, ops, variants[v], o->threads[ti],
						  o->cs_ns[ci], o->ncs_ns, o, false);
	}
	if (o->no_lock_cost)
		return n;
	/* At most the harness's thread limit, as for the default thread counts: a 200-CPU box
	 * still gets its lock-cost points rather than a refused plan. */
	unsigned cost_n = o->ncpus ? o->ncpus : 1;
	unsigned cost_threads[2] = { 1, cost_n > LB_MAX_THREADS ? LB_MAX_THREADS : cost_n };
	unsigned ncost = cost_threads[1] > 1 ? 2 : 1;
	const struct lb_lock_ops *floor_ops = NULL;
	for (size_t i = 0; lockset_at(i) && !floor_ops; i++)
		if (lockset_at(i)->props & LB_NOT_A_LOCK)
			floor_ops = lockset_at(i);
	for (unsigned li = 0; li <= o->nlocks; li++) {
		const struct lb_lock_ops *ops = li < o->nlocks ? o->locks[li] : floor_ops;
		if (!ops)
			continue;
		for (unsigned ti = 0; ti < ncost; ti++)
			add_point(pts, &n, ops, 1, cost_threads[ti], 0, 0, o, true);
	}
	return n;
}

double sweep_estimate_ns(const struct sweep_point *pts, size_t npts, unsigned reps,
			 const unsigned char *done)
{
	double ns = 0;
	for (size_t i = 0; i < npts; i++)
		for (unsigned r = 0; r < reps; r++)
			if (!done || !done[i * reps + r])
				ns += (double)(pts[i].warmup_ns + pts[i].duration_ns +
					       SWEEP_EST_OVERHEAD_NS);
	return ns;
}

/* splitmix64: a recorded seed gives the same order on every machine. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sweep_shuffle(size_t *idx, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(next_rand(&seed) % i);
		size_t tmp = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = tmp;
	}
}

void sweep_opts_init(struct sweep_opts *o)
{
	memset(o, 0, sizeof *o);
	o->ncs_ns = SWEEP_DEFAULT_NCS_NS;
	o->permits = 1;
	o->placement = PLACEMENT_COMPACT;
}
