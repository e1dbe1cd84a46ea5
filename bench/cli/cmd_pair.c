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
 * Exit status: 0 every run finished and every target held; 1 a run failed, every pair was
 * skipped, or a pair had no data; 2 usage; 3 every run finished and a target was missed;
 * 130 / 143 interrupted by SIGINT / SIGTERM (finished repetitions reported, --raw written).
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
#include <sys/stat.h>
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

/* Even, so that as many repetitions run A first as B first (ABBA). */
#define PAIR_DEFAULT_REPS 10
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
		"either side did not finish ok or measured 0 Mops/s is left out of its pair's\n"
		"medians and ratio (and counted in the verdict).\n"
		"A ck-* lock in a build without Concurrency Kit skips its pair with a note.\n"
		"Exit status: 0 every run finished and every target held,\n"
		"1 a run failed, every pair was skipped, or a pair had no data, 2 usage,\n"
		"3 every run finished and a target was missed, 130/143 interrupted by\n"
		"SIGINT/SIGTERM (finished repetitions are still reported and --raw written).\n",
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
		return usage_error("pair '%s': --%s", pr->arg, err);
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

/* One run of side S; true when a signal cut it short. */
static bool run_side(struct pair_cmd *c, struct topo *t, struct pair *pr, int s, unsigned rep)
{
	struct pair_side *sd = &pr->side[s];
	struct run_result r;
	/* Its return adds nothing: a harness failure is RUN_ERROR with the detail (runner.h). */
	(void)runner_run_point(t, &sd->p, sd->plan, rep, &r);
	bool cut = r.status == RUN_INTERRUPTED;
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
	return cut;
}

/* Repetition REP of every pair; false when a signal stopped it before its last run finished. */
static bool run_rep(struct pair_cmd *c, struct topo *t, unsigned rep)
{
	fprintf(stderr, "lockbench: pair: repetition %u of %u\n", rep, c->reps);
	int first = rep % 2 ? 0 : 1; /* ABBA */
	for (unsigned i = 0; i < c->npairs; i++) {
		struct pair *pr = &c->pairs[i];
		if (pr->skip)
			continue;
		if (runner_interrupted() || run_side(c, t, pr, first, rep) || runner_interrupted() ||
		    run_side(c, t, pr, !first, rep))
			return false;
	}
	return true;
}

/* Returns the repetitions finished: an interrupted one is left out of every pair, so that each
 * pair is summarised over the same repetitions (its raw rows are still written). One that
 * finished before the signal came is kept. */
static unsigned run_all(struct pair_cmd *c, struct topo *t)
{
	unsigned done = 0;
	while (done < c->reps && !runner_interrupted() && run_rep(c, t, done + 1))
		done++;
	return done;
}

/* The summary table: cells first, printed once every row is known so that each column is as
 * wide as its widest cell (a big figure or a long pair name shifts no other column). */
enum { COL_PAIR, COL_THREADS, COL_MOPS_A, COL_MOPS_B, COL_RATIO, COL_SE, COL_RANGE, COL_JAIN_A,
       COL_JAIN_B, COL_TARGET, COL_VERDICT, NCOL };
#define CELL 64

struct pair_row {
	const char *cell[NCOL];
	char buf[NCOL][CELL];
	char verdict[256];
};

/* Least width (negative: left-aligned) and the gap before each column. */
static const int col_width[NCOL] = { -32, 7, 8, 8, 7, 6, -13, 6, 6, -17, 0 };
static const char *const col_gap[NCOL] = { "", " ", " ", " ", " ", " ", "  ", " ", " ", "  ", " " };

static void fmt(struct pair_row *row, int col, const char *f, double v)
{
	if (isnan(v))
		snprintf(row->buf[col], CELL, "-");
	else
		snprintf(row->buf[col], CELL, f, v);
	row->cell[col] = row->buf[col];
}

static void print_table(struct pair_row *rows, unsigned n)
{
	int width[NCOL];
	for (int k = 0; k < NCOL; k++) {
		int w = abs(col_width[k]);
		for (unsigned i = 0; i < n; i++)
			if ((int)strlen(rows[i].cell[k]) > w)
				w = (int)strlen(rows[i].cell[k]);
		width[k] = col_width[k] < 0 ? -w : w;
	}
	for (unsigned i = 0; i < n; i++) {
		for (int k = 0; k < NCOL - 1; k++)
			printf("%s%*s", col_gap[k], width[k], rows[i].cell[k]);
		printf("%s%s\n", col_gap[NCOL - 1], rows[i].cell[NCOL - 1]);
	}
}

/* The pair's summary row; sets *missed when a target did not hold, *nodata when nothing
 * could be compared. */
static int summarize(struct pair *pr, unsigned done, struct pair_row *row, bool *missed,
		     bool *nodata)
{
	struct pair_side *a = &pr->side[0], *b = &pr->side[1];
	unsigned left_out = 0;
	/* A repetition counts for both sides or for neither, by the rule the ratio uses: the
	 * medians and the ratio are over the same repetitions, and every one dropped is counted. */
	for (unsigned i = 0; i < done; i++)
		if (!stats_paired_usable(a->mops[i], b->mops[i])) {
			a->mops[i] = b->mops[i] = a->jain[i] = b->jain[i] = NAN;
			left_out++;
		}
	struct paired_ratio r, jr;
	if (stats_paired_ratio(a->mops, b->mops, done, &r) ||
	    stats_paired_ratio(a->jain, b->jain, done, &jr))
		return runtime_error("out of memory");
	double ja = stats_median(a->jain, done), jb = stats_median(b->jain, done);
	char *target = row->buf[COL_TARGET], *verdict = row->verdict, why[160] = "";
	size_t vlen = sizeof row->verdict;
	snprintf(target, CELL, "-");
	if (pr->min_text || pr->fair != FAIR_NONE)
		snprintf(target, CELL, "%s%s%s%s%s", pr->min_text ? ">=" : "",
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
		snprintf(verdict, vlen, "NO DATA (no repetition measured on both sides)");
	else if (why[0])
		snprintf(verdict, vlen, "MISS (%s)", why);
	else
		snprintf(verdict, vlen, "%s", strcmp(target, "-") ? "PASS" : "-");
	*nodata |= r.n == 0;
	*missed |= r.n > 0 && why[0];
	if (left_out)
		snprintf(verdict + strlen(verdict), vlen - strlen(verdict),
			 " [%u reps left out: failed or nothing measured]", left_out);
	fmt(row, COL_MOPS_A, "%.3f", stats_median(a->mops, done));
	fmt(row, COL_MOPS_B, "%.3f", stats_median(b->mops, done));
	fmt(row, COL_RATIO, "%.3f", r.median);
	fmt(row, COL_SE, "%.1f", r.se_pct);
	fmt(row, COL_JAIN_A, "%.3f", ja);
	fmt(row, COL_JAIN_B, "%.3f", jb);
	if (isnan(r.min))
		snprintf(row->buf[COL_RANGE], CELL, "-");
	else
		snprintf(row->buf[COL_RANGE], CELL, "%.3f-%.3f", r.min, r.max);
	snprintf(row->buf[COL_THREADS], CELL, "%u", pr->threads);
	row->cell[COL_PAIR] = pr->name;
	row->cell[COL_THREADS] = row->buf[COL_THREADS];
	row->cell[COL_RANGE] = row->buf[COL_RANGE];
	row->cell[COL_TARGET] = target;
	row->cell[COL_VERDICT] = verdict;
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

/* --raw FILE is checked before the runs, not after minutes of runs whose rows would then have
 * nowhere to go: a file name (not a directory, nor ending in '/'), in a writable folder. */
static int raw_check(const char *path)
{
	size_t len = strlen(path);
	if (!len)
		return usage_error("--raw: expected a file name");
	struct stat st;
	if (path[len - 1] == '/' || (stat(path, &st) == 0 && !S_ISREG(st.st_mode)))
		return usage_error("--raw: '%s' is not a regular file name", path);
	char *d = strdup(path);
	int bad = !d || access(dirname(d), W_OK) != 0;
	int err = d ? errno : ENOMEM;
	free(d);
	return bad ? usage_error("--raw: '%s': %s", path, strerror(err)) : 0;
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
		int rc = raw_check(c->raw_path);
		if (rc)
			return rc;
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
	struct pair_row *rows = calloc(c->npairs + 1, sizeof *rows);
	if (!rows)
		return runtime_error("out of memory");
	static const char *const head[NCOL] = { "pair", "threads", "mops_a", "mops_b", "ratio",
		"+-se%", "min-max", "jain_a", "jain_b", "target", "verdict" };
	memcpy(rows[0].cell, head, sizeof head);
	unsigned n = 1;
	for (unsigned i = 0; i < c->npairs; i++)
		if (!c->pairs[i].skip && summarize(&c->pairs[i], done, &rows[n++], &missed, &nodata)) {
			free(rows);
			return LB_EXIT_RUNTIME;
		}
	print_table(rows, n);
	free(rows);
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
			free(pr->side[s].spec);
		}
		free(pr->name);
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
