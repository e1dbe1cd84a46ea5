/* cmd_pair.c — `lockbench pair`: "is lock A as fast as lock B?", as ratios taken side by side.
 *
 * Each pair A:B@THREADS runs A and B at THREADS threads, one repetition of each per round. The
 * machine is shared and noisy, so only ratios taken side by side mean anything: repetitions are
 * the outer loop and pairs the inner one, so a noisy minute spoils one repetition of every pair
 * rather than every repetition of one; inside a repetition the order alternates (A B, then B A:
 * ABBA), which cancels a steady drift. Everything runs in this one process, so the work loop is
 * calibrated once (runner.c) and A and B do the same work for the same --cs.
 *
 * The workload options are `lockbench run`'s, parsed by cli_parse_run itself: the common ones
 * from the command line, then each side's own (`futex+no-timing`, `tas+cs=1us`) after them, so
 * a side's option wins. The figures are stats/paired.h's: the median of the per-repetition
 * ratios A/B, their range and the median's standard error.
 *
 * Exit status: 0 every run finished and every target held; 1 a run failed (or every pair was
 * skipped); 2 usage; 3 every run finished and a target was missed; 130 / 143 interrupted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/pair.h"
#include "results/file.h"
#include "results/output.h"
#include "run/runner.h"
#include "stats/paired.h"
#include "stats/stats.h"
#include "sweep/sweep.h"
#include "topo/topo.h"

enum { PAIR_EXIT_MISSED = 3 };

#define PAIR_DEFAULT_REPS 9
#define PAIR_MAX_REPS 1000
#define PAIR_DEFAULT_DURATION "500ms"
/* "Jain no worse than B": the median of Jain(A)/Jain(B) over the repetitions reaches this. Paired
 * like the throughput, so a preemption that spoils one run's index spoils one ratio. */
#define PAIR_JAIN_REF_MIN 0.99
/* Fewer repetitions than this make a verdict indicative only (docs/PERFORMANCE.md). */
#define PAIR_REPS_FOR_VERDICT 7

struct pair_cmd {
	unsigned reps;
	const char *raw_path;
	char **common;                  /* run options for both sides */
	unsigned ncommon;
	struct pair *pairs;
	unsigned npairs;
	FILE *raw;                      /* a memstream: written to raw_path at the end */
	char *raw_text;
	size_t raw_len;
	bool run_failed;
};

static void pair_usage(FILE *f)
{
	fprintf(f,
		"usage: lockbench pair [OPTIONS] A:B@THREADS[>=MIN][,jain>=B|,jain>=X]...\n"
		"\n"
		"Runs lock A and lock B side by side at THREADS threads, repetitions as the outer\n"
		"loop and the pairs inside it, A first in odd repetitions and B first in even ones\n"
		"(ABBA), all in one process with one calibration of the work. Prints per pair the\n"
		"median Mops/s of A and of B, the median of the per-repetition ratios A/B with its\n"
		"standard error (+-se%%) and min-max, both locks' median Jain fairness, and whether\n"
		"the target held.\n"
		"\n"
		"  A, B               a lock (`lockbench list`), optionally followed by run options\n"
		"                     for that side only: +OPTION or +OPTION=VALUE, e.g.\n"
		"                     futex:futex+no-timing@2 (timing on against off), tas+cs=1us\n"
		"  >=MIN              target: the median ratio A/B must be at least MIN (a number)\n"
		"  ,jain>=B           and A's fairness no worse than B's: the median of\n"
		"                     Jain(A)/Jain(B) at least %.2f\n"
		"  ,jain>=X           and A's median Jain index at least X (0..1)\n"
		"  --reps N           repetitions of each pair, 1..%u (default %u; verdicts want\n"
		"                     %u or more)\n"
		"  --raw FILE         also write every run as a CSV row (pair, threads, rep, side,\n"
		"                     lock, mops, fairness, worker_util, status), in the order run\n"
		"  --help             this text\n"
		"  any option of `lockbench run` except --lock, --threads, --reps and --format\n"
		"                     (--cs, --ncs, --duration, --warmup, --placement, --cpus,\n"
		"                     --no-timing, ...), for both sides, with run's defaults except\n"
		"                     --duration (default %s here)\n"
		"\n"
		"Columns: pair threads mops_a mops_b ratio +-se%% min-max jain_a jain_b target\n"
		"verdict; verdict is PASS, MISS (why), or - without a target. A repetition where\n"
		"either side did not finish ok is left out of its pair (and said so).\n"
		"A ck-* lock in a build without Concurrency Kit skips its pair with a note.\n"
		"Exit status: 0 every run finished and every target held, 1 a run failed,\n"
		"2 usage, 3 every run finished and a target was missed.\n",
		PAIR_JAIN_REF_MIN, PAIR_MAX_REPS, PAIR_DEFAULT_REPS, PAIR_REPS_FOR_VERDICT,
		PAIR_DEFAULT_DURATION);
}

/* argv[*i], an argument starting with "--": one of pair's own, or run's passed through. 0 when
 * taken, an exit status after an error, -1 when neither pair nor run has it. */
static int pair_option(struct pair_cmd *c, int argc, char **argv, int *i)
{
	char *a = argv[*i];
	size_t len = strcspn(a + 2, "=");
	const char *val = a[2 + len] == '=' ? a + 3 + len : NULL;
	bool reps = len == 4 && strncmp(a + 2, "reps", 4) == 0;
	if (reps || (len == 3 && strncmp(a + 2, "raw", 3) == 0)) {
		if (!val && *i + 1 >= argc)
			return usage_error("%.*s: expected a value", (int)len + 2, a);
		val = val ? val : argv[++*i];
		if (!reps)
			c->raw_path = val;
		else if (parse_uint(val, 1, PAIR_MAX_REPS, &c->reps) != 0)
			return usage_error("--reps: '%s' is not an integer in 1..%u", val,
					   PAIR_MAX_REPS);
		return 0;
	}
	if (pair_owns_option(a + 2, len))
		return usage_error("%.*s: not an option of pair (the pairs name the locks and "
				   "threads); see lockbench pair --help", (int)len + 2, a);
	int arity = cli_run_option_arity(a);
	if (arity < 0)
		return -1;
	c->common[c->ncommon++] = a;
	if (arity > 0) {
		if (*i + 1 >= argc)
			return usage_error("%s: expected a value", a);
		c->common[c->ncommon++] = argv[++*i];
	}
	return 0;
}

/* The pair's own options, the pairs, and run's options passed through to c->common. */
static int parse_args(int argc, char **argv, struct pair_cmd *c)
{
	c->reps = PAIR_DEFAULT_REPS;
	c->common = calloc((size_t)argc + 2, sizeof *c->common);
	c->pairs = calloc((size_t)argc, sizeof *c->pairs);
	if (!c->common || !c->pairs)
		return runtime_error("out of memory");
	/* First, so that a --duration on the command line comes later and wins. */
	c->common[c->ncommon++] = (char *)"--duration=" PAIR_DEFAULT_DURATION;
	bool positional = false;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (positional || a[0] != '-') {
			int rc = pair_spec_parse(&c->pairs[c->npairs++], a);
			if (rc)
				return rc;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			positional = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			pair_usage(stdout);
			return -1;
		}
		int rc = a[1] == '-' ? pair_option(c, argc, argv, &i) : -1;
		if (rc < 0)
			return usage_error("pair: unknown option '%s'; see lockbench pair --help", a);
		if (rc > 0)
			return rc;
	}
	if (!c->npairs)
		return usage_error("pair: give at least one pair A:B@THREADS[>=MIN]; see lockbench "
				   "pair --help");
	return 0;
}

/* One side's run_params through run's own parser: the common options, then the side's. */
static int side_params(const struct pair_cmd *c, const struct pair *pr, struct pair_side *sd)
{
	char threads[16];
	snprintf(threads, sizeof threads, "%u", pr->threads);
	char **argv = calloc(c->ncommon + sd->nopts + 6, sizeof *argv);
	if (!argv)
		return runtime_error("out of memory");
	int argc = 0;
	argv[argc++] = (char *)"pair";
	argv[argc++] = (char *)"--lock";
	argv[argc++] = (char *)sd->lock;
	argv[argc++] = (char *)"--threads";
	argv[argc++] = threads;
	for (unsigned i = 0; i < c->ncommon; i++)
		argv[argc++] = c->common[i];
	for (unsigned i = 0; i < sd->nopts; i++)
		argv[argc++] = sd->opts[i];
	int rc = cli_parse_run(argc, argv, &sd->p);
	free(argv);
	if (rc) /* printed; --help cannot reach it */
		return LB_EXIT_USAGE;
	char err[512];
	if (runner_check(&sd->p, err, sizeof err) != 0)
		return usage_error("pair '%s': %s", pr->arg, err);
	sd->p.reps = c->reps;
	return 0;
}

static int side_plan(struct topo *t, struct pair_side *sd, unsigned reps)
{
	static int cpus[LB_MAX_CPUS];
	unsigned ncpus = 0;
	char err[512];
	if (sd->p.cpus[0] && parse_cpulist(sd->p.cpus, LB_MAX_CPUS - 1, cpus, LB_MAX_CPUS, &ncpus))
		return usage_error("--cpus: '%s' is not a CPU list like 0,2,4-7", sd->p.cpus);
	sd->plan = malloc(sizeof *sd->plan);
	sd->mops = malloc(reps * sizeof *sd->mops);
	sd->jain = malloc(reps * sizeof *sd->jain);
	if (!sd->plan || !sd->mops || !sd->jain)
		return runtime_error("out of memory");
	for (unsigned i = 0; i < reps; i++)
		sd->mops[i] = sd->jain[i] = NAN;
	if (topo_plan(t, sd->p.threads, sd->p.placement, cpus, ncpus, sd->plan, err, sizeof err))
		return sd->p.placement == PLACEMENT_LIST
			       ? usage_error("--cpus: %s", err)
			       : runtime_error("placement %s: %s", placement_name(sd->p.placement), err);
	return 0;
}

static void raw_row(struct pair_cmd *c, const struct pair *pr, int s, const struct run_result *r)
{
	if (!c->raw)
		return;
	output_csv_field(c->raw, pr->name);
	fprintf(c->raw, ",%u,%u,%c,", pr->threads, r->rep, s ? 'B' : 'A');
	output_csv_field(c->raw, pr->side[s].spec);
	/* NAN (unmeasured) is an empty field, as in every lockbench CSV. */
	if (isnan(r->mops))
		fputs(",", c->raw);
	else
		fprintf(c->raw, ",%.6f", r->mops);
	if (isnan(r->fairness))
		fputs(",", c->raw);
	else
		fprintf(c->raw, ",%.6f", r->fairness);
	if (isnan(r->worker_util))
		fputs(",", c->raw);
	else
		fprintf(c->raw, ",%.4f", r->worker_util);
	fprintf(c->raw, ",%s\n", run_status_name(r->status));
}

static void run_side(struct pair_cmd *c, struct topo *t, struct pair *pr, int s, unsigned rep)
{
	struct pair_side *sd = &pr->side[s];
	struct run_result r;
	int rc = runner_run_point(t, &sd->p, sd->plan, rep, &r);
	if (rc && r.status == RUN_OK)
		fprintf(stderr, "lockbench: pair: %s, rep %u: %s\n", sd->spec, rep, strerror(-rc));
	if (r.status == RUN_OK) {
		sd->mops[rep - 1] = r.mops;
		sd->jain[rep - 1] = r.fairness;
	} else if (r.status != RUN_INTERRUPTED) {
		c->run_failed = true;
		fprintf(stderr, "lockbench: pair: %s at %u threads, rep %u: %s: %s\n", sd->spec,
			pr->threads, rep, run_status_name(r.status), r.status_detail);
	}
	raw_row(c, pr, s, &r);
	run_result_free(&r);
}

/* Returns the repetitions finished: an interrupted one is left out of every pair, so that each
 * pair is summarised over the same repetitions (its raw rows are still written). */
static unsigned run_all(struct pair_cmd *c, struct topo *t)
{
	unsigned rep = 0;
	while (rep < c->reps && !runner_interrupted()) {
		rep++;
		fprintf(stderr, "lockbench: pair: repetition %u of %u\n", rep, c->reps);
		for (unsigned i = 0; i < c->npairs && !runner_interrupted(); i++) {
			struct pair *pr = &c->pairs[i];
			if (pr->skip)
				continue;
			int first = rep % 2 ? 0 : 1; /* ABBA */
			run_side(c, t, pr, first, rep);
			if (!runner_interrupted())
				run_side(c, t, pr, !first, rep);
		}
	}
	return runner_interrupted() && rep ? rep - 1 : rep;
}

static void fmt(char *buf, size_t len, const char *f, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, f, v);
}

/* The pair's summary line; sets *missed when a target did not hold, *nodata when nothing
 * could be compared. */
static int summarize(struct pair *pr, unsigned done, bool *missed, bool *nodata)
{
	struct pair_side *a = &pr->side[0], *b = &pr->side[1];
	unsigned failed = 0;
	/* A repetition counts for both sides or for neither: the figures stay paired. */
	for (unsigned i = 0; i < done; i++)
		if (isnan(a->mops[i]) || isnan(b->mops[i])) {
			a->mops[i] = b->mops[i] = a->jain[i] = b->jain[i] = NAN;
			failed++;
		}
	struct paired_ratio r, jr;
	if (stats_paired_ratio(a->mops, b->mops, done, &r) ||
	    stats_paired_ratio(a->jain, b->jain, done, &jr))
		return runtime_error("out of memory");
	double ja = stats_median(a->jain, done), jb = stats_median(b->jain, done);
	char target[64] = "-", why[160] = "", verdict[224];
	if (pr->min_text || pr->fair != FAIR_NONE)
		snprintf(target, sizeof target, "%s%s%s%s%s", pr->min_text ? ">=" : "",
			 pr->min_text ? pr->min_text : "", pr->min_text && pr->fair ? "," : "",
			 pr->fair ? "jain>=" : "",
			 pr->fair == FAIR_REF ? "B" : pr->fair ? pr->jain_text : "");
	if (!isnan(pr->min_ratio) && r.median < pr->min_ratio)
		snprintf(why, sizeof why, "ratio %.3f < %s", r.median, pr->min_text);
	if (pr->fair == FAIR_REF && !(jr.median >= PAIR_JAIN_REF_MIN))
		snprintf(why + strlen(why), sizeof why - strlen(why), "%sjain ratio %.3f < %.2f",
			 why[0] ? "; " : "", jr.median, PAIR_JAIN_REF_MIN);
	if (pr->fair == FAIR_FLOOR && !(ja >= pr->jain_min))
		snprintf(why + strlen(why), sizeof why - strlen(why), "%sjain %.3f < %s",
			 why[0] ? "; " : "", ja, pr->jain_text);
	if (r.n == 0)
		snprintf(verdict, sizeof verdict, "NO DATA (no repetition finished on both sides)");
	else if (why[0])
		snprintf(verdict, sizeof verdict, "MISS (%s)", why);
	else
		snprintf(verdict, sizeof verdict, "%s", strcmp(target, "-") ? "PASS" : "-");
	*nodata |= r.n == 0;
	*missed |= r.n > 0 && why[0];
	if (failed)
		snprintf(verdict + strlen(verdict), sizeof verdict - strlen(verdict),
			 " [%u failed reps left out]", failed);
	char ma[16], mb[16], ratio[16], se[16], lo[16], hi[16], fa[16], fb[16], range[40];
	fmt(ma, sizeof ma, "%.3f", stats_median(a->mops, done));
	fmt(mb, sizeof mb, "%.3f", stats_median(b->mops, done));
	fmt(ratio, sizeof ratio, "%.3f", r.median);
	fmt(se, sizeof se, "%.1f", r.se_pct);
	fmt(lo, sizeof lo, "%.3f", r.min);
	fmt(hi, sizeof hi, "%.3f", r.max);
	fmt(fa, sizeof fa, "%.3f", ja);
	fmt(fb, sizeof fb, "%.3f", jb);
	snprintf(range, sizeof range, "%s-%s", lo, hi);
	printf("%-32s %7u %8s %8s %7s %6s  %-13s %6s %6s  %-17s %s\n", pr->name, pr->threads, ma,
	       mb, ratio, se, range, fa, fb, target, verdict);
	return 0;
}

/* --raw FILE: whole or not at all (temp-then-rename), with what finished even on a failure. */
static int raw_write(struct pair_cmd *c)
{
	if (!c->raw)
		return 0;
	int bad = fclose(c->raw) != 0;
	c->raw = NULL;
	if (bad || !c->raw_text)
		return runtime_error("--raw: out of memory");
	int rc = file_replace(c->raw_path, c->raw_text, c->raw_len);
	if (rc)
		return runtime_error("--raw: '%s': %s", c->raw_path, strerror(-rc));
	return 0;
}

static int prepare(struct pair_cmd *c, struct topo *t)
{
	unsigned live = 0;
	for (unsigned i = 0; i < c->npairs; i++) {
		struct pair *pr = &c->pairs[i];
		for (int s = 0; s < 2 && !pr->skip; s++) {
			int rc = side_params(c, pr, &pr->side[s]);
			rc = rc ? rc : side_plan(t, &pr->side[s], c->reps);
			if (rc)
				return rc;
		}
		live += !pr->skip;
	}
	if (!live)
		return runtime_error("pair: nothing to run (every pair was skipped)");
	if (c->raw_path) {
		if (!c->raw_path[0])
			return usage_error("--raw: expected a file name");
		/* Said now, not after minutes of runs whose rows would then have nowhere to go. */
		char *d = strdup(c->raw_path);
		int bad = !d || access(dirname(d), W_OK) != 0;
		free(d);
		if (bad)
			return usage_error("--raw: '%s': %s", c->raw_path, strerror(d ? errno : ENOMEM));
		c->raw = open_memstream(&c->raw_text, &c->raw_len);
		if (!c->raw)
			return runtime_error("--raw: %s", strerror(errno));
		fputs("pair,threads,rep,side,lock,mops,fairness,worker_util,status\n", c->raw);
	}
	return 0;
}

static int report(struct pair_cmd *c, unsigned done)
{
	bool missed = false, nodata = false;
	printf("%-32s %7s %8s %8s %7s %6s  %-13s %6s %6s  %-17s %s\n", "pair", "threads",
	       "mops_a", "mops_b", "ratio", "+-se%", "min-max", "jain_a", "jain_b", "target",
	       "verdict");
	for (unsigned i = 0; i < c->npairs; i++)
		if (!c->pairs[i].skip && summarize(&c->pairs[i], done, &missed, &nodata))
			return LB_EXIT_RUNTIME;
	int rc = raw_write(c);
	if (rc)
		return rc;
	if (runner_interrupted()) {
		runtime_error("pair: interrupted after %u of %u repetitions", done, c->reps);
		return runner_interrupt_signal() ? 128 + runner_interrupt_signal() : LB_EXIT_RUNTIME;
	}
	if (c->reps < PAIR_REPS_FOR_VERDICT)
		fprintf(stderr, "lockbench: pair: fewer than %u repetitions: verdicts are indicative "
				"only\n", PAIR_REPS_FOR_VERDICT);
	if (c->run_failed || nodata)
		return LB_EXIT_RUNTIME;
	return missed ? PAIR_EXIT_MISSED : LB_EXIT_OK;
}

static void pair_cmd_free(struct pair_cmd *c)
{
	if (c->raw)
		fclose(c->raw);
	free(c->raw_text);
	for (unsigned i = 0; c->pairs && i < c->npairs; i++) {
		struct pair *pr = &c->pairs[i];
		for (int s = 0; s < 2; s++) {
			for (unsigned k = 0; k < pr->side[s].nopts; k++)
				free(pr->side[s].opts[k]);
			free(pr->side[s].plan);
			free(pr->side[s].mops);
			free(pr->side[s].jain);
		}
		free(pr->buf);
	}
	free(c->pairs);
	free(c->common);
}

static int pair_main(struct pair_cmd *c, int argc, char **argv)
{
	int rc = parse_args(argc, argv, c);
	if (rc)
		return rc < 0 ? LB_EXIT_OK : rc;
	struct topo *t;
	char err[512];
	if (topo_open_system(&t, err, sizeof err) != 0)
		return runtime_error("hwloc topology: %s", err);
	rc = prepare(c, t);
	if (!rc) {
		/* Ctrl-C ends the current run and reports what is done. */
		struct runner_signals old;
		runner_catch_signals(&old);
		rc = report(c, run_all(c, t));
		runner_restore_signals(&old);
	}
	topo_close(t);
	return rc;
}

int cmd_pair(int argc, char **argv)
{
	struct pair_cmd c = { 0 };
	int rc = pair_main(&c, argc, argv);
	pair_cmd_free(&c);
	return rc;
}
