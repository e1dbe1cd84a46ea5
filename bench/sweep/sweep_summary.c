/* sweep_summary.c — from a result set's rows to its summaries: summary.csv (one row per point)
 * and latency_cdf.csv (the CDF point's merged histograms).
 *
 * summary.csv is always recomputed from results.csv (never from memory), so an interrupted,
 * resumed or hand-trimmed result set summarises the same way as one that ran straight through.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse/parse.h"
#include "plugin/plugin.h"
#include "results/csvread.h"
#include "results/file.h"
#include "results/metrics.h"
#include "run/runner.h"
#include "stats/stats.h"
#include "sweep/sweep.h"

/* ---- summary.csv ------------------------------------------------------------------------------ */

/* Summarised metrics summary.csv has room for (metric_summarised's max). */
#define SUM_MAX 16

/* The columns summary.csv reads from results.csv. */
enum rcol {
	RC_LOCK, RC_THREADS, RC_PLACEMENT, RC_OVERSUB, RC_CS, RC_NCS, RC_PERMITS, RC_POINT,
	RC_STATUS, RC_MOPS, RC_FAIRNESS, RC_P50, RC_P99, RC_CPU, RC_CSWV, RC_CSWI, RC_C2C_BEFORE,
	RC_C2C_AFTER, RC_STEAL, RC_OPS_MIN, RC_OPS_MAX, RC_COUNT
};
static const char *const rcol_name[RC_COUNT] = {
	"lock", "threads", "placement", "oversubscribed", "cs_ns", "ncs_ns", "permits", "point",
	"status", "mops", "fairness", "lat_p50_ns", "lat_p99_ns", "cpu_ns_per_op", "csw_vol",
	"csw_invol", "c2c_before_ns", "c2c_after_ns", "steal_pct", "thread_ops_min", "thread_ops_max",
};
/* Read when present: older sets, and sets written before the measuring side added them, lack
 * them, and their summary fields are then empty ("unavailable"). So are the summarised metrics
 * (results/metrics.c) beyond the required ones above. */
enum ocol { OC_OTHER, OC_UTIL, OC_TIMER_P50, OC_TIMER_TICK, OC_HOST /* text: last */, OC_COUNT };
static const char *const ocol_name[OC_COUNT] = {
	"other_cpu_pct", "worker_util", "timer_p50_ns", "timer_tick_ns", "host",
};

/* Where summary.csv's inputs are in results.csv: the columns above, and the summarised
 * metrics' (m[i]'s column at mc[i], -1 when the set lacks it). */
struct sum_cols {
	int c[RC_COUNT], oc[OC_COUNT], mc[SUM_MAX];
	const struct metric *m[SUM_MAX];
	size_t nm;
	long mops, maxmin; /* the rows the note and the fallback need, or -1 */
};

/* The values of one point at stride n: a slot per summarised metric, then these. */
enum xslot { XS_CSWV, XS_CSWI, XS_UTIL, XS_TIMER_P50, XS_TIMER_TICK, XS_COUNT };
#define NVALS (SUM_MAX + XS_COUNT)

bool point_is_busy(unsigned threads, bool oversubscribed, bool spins, double util,
		   double other_pct)
{
	if (isfinite(other_pct) && other_pct > SWEEP_BUSY_OTHER_PCT)
		return true;
	/* The utilisation half is run_is_busy's (the rule `lockbench run` warns by). A row records
	 * whether it was oversubscribed, not how many CPUs were allowed: within the CPUs means at
	 * most `threads` of them, oversubscribed at most threads - 1. */
	unsigned allowed = oversubscribed && threads > 1 ? threads - 1 : threads;
	return run_is_busy(util, threads, allowed, spins);
}

/* max/min of the threads' operation counts; a thread that completed none counts as 1, so the
 * ratio stays finite and is a lower bound (the note says `starved`). */
static double maxmin_of(double ops_min, double ops_max)
{
	if (!isfinite(ops_min) || !isfinite(ops_max) || ops_max <= 0)
		return NAN;
	return ops_max / fmax(ops_min, 1.0);
}

struct spread {
	double median, min, max, lo, hi;
};

static void spread_of(const double *v, size_t n, bool ci, struct spread *s)
{
	s->median = stats_median(v, n);
	s->min = stats_min(v, n);
	s->max = stats_max(v, n);
	s->lo = s->hi = NAN;
	if (ci)
		stats_ci95_median(v, n, &s->lo, &s->hi);
}

static void put(FILE *f, const char *fmt, double v)
{
	fputc(',', f);
	if (isfinite(v))
		fprintf(f, fmt, v);
}

/* The worst status wins: a point with one stuck repetition is not "ok". */
static int status_rank(const char *s)
{
	if (strcmp(s, "ok") == 0)
		return 0;
	if (strcmp(s, "interrupted") == 0)
		return 1;
	if (strcmp(s, "error") == 0)
		return 2;
	if (strcmp(s, "stuck") == 0)
		return 3;
	return 4; /* violation */
}

static long lock_index_of(const char *name, const struct csv_table *t, int col)
{
	for (size_t i = 0; lockset_at(i); i++)
		if (strcmp(lockset_at(i)->name, name) == 0)
			return (long)i;
	/* A lock this binary does not know (a plugin not loaded now): after the registry, in
	 * order of first appearance, so its colour is still stable within the set. */
	long first = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		if (strcmp(t->rows[r][col], name) == 0)
			return 1000 + first;
		first++;
	}
	return 1000;
}

/* What one point's repetitions add up to, besides the values packed in `vals`. */
struct point_acc {
	size_t n, ok;           /* repetitions, good ones */
	const char *worst;      /* the worst status */
	double c2c_lo, c2c_hi, steal_max, other_max, busy_util, busy_other;
	bool busy, starved;
};

/* The machine's readings around one repetition: a field that is there but not a number is an
 * error naming file, line and column, like every other field. */
static int collect_machine(const struct csv_table *t, const struct sum_cols *sc, size_t row,
			   struct point_acc *a, char *err, size_t errlen)
{
	const int *c = sc->c;
	double cb = NAN, ca = NAN, steal = NAN;
	if (csv_double(t, row, c[RC_C2C_BEFORE], &cb, err, errlen) ||
	    csv_double(t, row, c[RC_C2C_AFTER], &ca, err, errlen) ||
	    csv_double(t, row, c[RC_STEAL], &steal, err, errlen))
		return -EINVAL;
	if (isfinite(cb))
		a->c2c_lo = fmin(a->c2c_lo, cb), a->c2c_hi = fmax(a->c2c_hi, cb);
	if (isfinite(ca))
		a->c2c_lo = fmin(a->c2c_lo, ca), a->c2c_hi = fmax(a->c2c_hi, ca);
	if (isfinite(steal))
		a->steal_max = fmax(a->steal_max, steal);
	return 0;
}

/* One good repetition's values, packed at stride a->n into vals at index a->ok. */
static int collect_good_rep(const struct csv_table *t, const struct sum_cols *sc, size_t row,
			    unsigned threads, unsigned oversub, bool spins, double *vals,
			    struct point_acc *a, char *err, size_t errlen)
{
	const size_t n = a->n, ok = a->ok;
	const int *c = sc->c, *oc = sc->oc;
	for (size_t k = 0; k < sc->nm; k++)
		if ((vals[k * n + ok] = NAN, sc->mc[k] >= 0) &&
		    csv_double(t, row, sc->mc[k], &vals[k * n + ok], err, errlen) != 0)
			return -EINVAL;
	double *x = vals + SUM_MAX * n + ok; /* x[XS_... * n] */
	if (csv_double(t, row, c[RC_CSWV], &x[XS_CSWV * n], err, errlen) ||
	    csv_double(t, row, c[RC_CSWI], &x[XS_CSWI * n], err, errlen))
		return -EINVAL;
	double o[OC_COUNT], ops_min = NAN, ops_max = NAN;
	for (int k = 0; k < OC_HOST; k++) /* the numbers; host is text */
		if ((o[k] = NAN, oc[k] >= 0) && csv_double(t, row, oc[k], &o[k], err, errlen) != 0)
			return -EINVAL;
	if (csv_double(t, row, c[RC_OPS_MIN], &ops_min, err, errlen) ||
	    csv_double(t, row, c[RC_OPS_MAX], &ops_max, err, errlen))
		return -EINVAL;
	/* The measuring side's own max/min when it wrote one, else from the counts. */
	if (sc->maxmin >= 0 && !isfinite(vals[(size_t)sc->maxmin * n + ok]))
		vals[(size_t)sc->maxmin * n + ok] = maxmin_of(ops_min, ops_max);
	a->starved |= ops_min == 0 && ops_max > 0;
	x[XS_UTIL * n] = o[OC_UTIL];
	x[XS_TIMER_P50 * n] = o[OC_TIMER_P50];
	x[XS_TIMER_TICK * n] = o[OC_TIMER_TICK];
	if (isfinite(o[OC_OTHER]))
		a->other_max = isfinite(a->other_max) ? fmax(a->other_max, o[OC_OTHER]) : o[OC_OTHER];
	/* Like noisy: one disturbed repetition is enough to read the point with care. */
	if (!a->busy && point_is_busy(threads, oversub, spins, o[OC_UTIL], o[OC_OTHER])) {
		a->busy = true;
		a->busy_util = o[OC_UTIL];
		a->busy_other = o[OC_OTHER];
	}
	a->ok++;
	return 0;
}

/* The flags in words, so the report can show them as they are. */
static void point_note(char *note, size_t size, const struct point_acc *a,
		       const struct spread *sm, bool disagree, bool c2c_shift)
{
	size_t nl = 0;
	note[0] = '\0';
	if (a->ok < a->n)
		nl += (size_t)snprintf(note + nl, size - nl, "%zu of %zu reps %s; ", a->n - a->ok,
				       a->n, a->worst);
	if (disagree && nl < size)
		nl += (size_t)snprintf(note + nl, size - nl, "reps disagree: %.3g..%.3g Mops/s; ",
				       sm->min, sm->max);
	if (c2c_shift && nl < size)
		nl += (size_t)snprintf(note + nl, size - nl, "c2c round trip moved %.0f..%.0f ns; ",
				       a->c2c_lo, a->c2c_hi);
	if (a->steal_max > SWEEP_NOISY_STEAL_PCT && nl < size)
		nl += (size_t)snprintf(note + nl, size - nl, "steal %.1f%%; ", a->steal_max);
	if (a->busy && isfinite(a->busy_other) && a->busy_other > SWEEP_BUSY_OTHER_PCT && nl < size)
		nl += (size_t)snprintf(note + nl, size - nl,
				       "busy: other processes used %.0f%% of the CPUs; ", a->busy_other);
	else if (a->busy && nl < size)
		nl += (size_t)snprintf(note + nl, size - nl,
				       "busy: workers on a CPU %.2f of the window; ", a->busy_util);
	if (a->starved && nl < size)
		nl += (size_t)snprintf(note + nl, size - nl,
				       "starved: a thread completed no operation in a window; ");
	if (nl >= 2 && nl < size)
		note[nl - 2] = '\0';
}

/* A summarised metric's columns, COLUMN_STAT for each of its sum_stats, as values (`v` is NULL)
 * or as the header. The stats skip empty values (an old set's, or a max/min nobody completed an
 * operation for). */
static void put_metric(FILE *f, const struct metric *m, const double *v, size_t ok, bool ci)
{
	const char *stats = m->sum_stats ? m->sum_stats : "median,min,max";
	struct spread sp;
	if (v)
		spread_of(v, ok, ci && strstr(stats, "ci_lo"), &sp);
	for (const char *st = stats; *st; st += *st == ',') {
		size_t len = strcspn(st, ",");
		if (!v) {
			fprintf(f, ",%s_%.*s", m->column, (int)len, st);
		} else {
			double x = strncmp(st, "median", len) == 0 ? sp.median
				 : strncmp(st, "min", len) == 0	   ? sp.min
				 : strncmp(st, "max", len) == 0	   ? sp.max
				 : strncmp(st, "ci_lo", len) == 0  ? sp.lo
								   : sp.hi;
			put(f, m->sum_fmt ? m->sum_fmt : m->csv_fmt, x);
		}
		st += len;
	}
}

/* One summary.csv row from a point's accumulated repetitions (`vals` at stride a->n). */
static void write_point(FILE *f, const struct csv_table *t, const struct sum_cols *cols,
			size_t r0, const struct point_acc *a, double *vals, bool oversub,
			unsigned threads)
{
	const size_t n = a->n, ok = a->ok;
	const int *c = cols->c;
	bool ci = ok >= 6;
	struct spread sm = { NAN, NAN, NAN, NAN, NAN };
	if (cols->mops >= 0)
		spread_of(vals + (size_t)cols->mops * n, ok, false, &sm);
	bool disagree = ok >= 2 && sm.median > 0 &&
			(sm.max - sm.min) / sm.median > SWEEP_DISAGREE_RATIO;
	bool c2c_shift = a->c2c_hi > 0 && isfinite(a->c2c_lo) && a->c2c_lo > 0 &&
			 a->c2c_hi / a->c2c_lo > SWEEP_NOISY_C2C_RATIO;
	bool noisy = c2c_shift || a->steal_max > SWEEP_NOISY_STEAL_PCT;

	const char *const *row = (const char *const *)t->rows[r0];
	const char *regime = oversub ? "oversubscribed" : threads <= 1 ? "uncontended" : "contended";
	fprintf(f, "%s,%ld,%s,%s,%s,%s,%s,%s,%s,%zu,%zu", row[c[RC_LOCK]],
		lock_index_of(row[c[RC_LOCK]], t, c[RC_LOCK]), row[c[RC_PERMITS]],
		row[c[RC_THREADS]], regime, row[c[RC_OVERSUB]], row[c[RC_CS]], row[c[RC_NCS]],
		row[c[RC_PLACEMENT]], n, ok);
	for (size_t k = 0; k < cols->nm; k++)
		put_metric(f, cols->m[k], vals + k * n, ok, ci);
	/* The machine's readings: not figures a lock is judged by, so not the table's. */
	const double *x = vals + SUM_MAX * n;
	put(f, "%.0f", stats_median(x + XS_CSWV * n, ok));
	put(f, "%.0f", stats_median(x + XS_CSWI * n, ok));
	put(f, "%.3f", stats_median(x + XS_UTIL * n, ok)), put(f, "%.2f", a->other_max);
	put(f, "%.1f", stats_median(x + XS_TIMER_P50 * n, ok));
	put(f, "%.1f", stats_median(x + XS_TIMER_TICK * n, ok));
	fprintf(f, ",%s,%d,%d,%d,%s,", ci ? "ci95" : "minmax", disagree, noisy, a->busy, a->worst);
	char note[256];
	point_note(note, sizeof note, a, &sm, disagree, c2c_shift);
	/* The family, for grouping plots: what this binary's registry says of the lock; empty for
	 * a lock it does not know (a plugin not loaded now). host: empty for a set written before
	 * the column (one host, named in meta.json). */
	const struct lb_lock_ops *ops = lockset_find(row[c[RC_LOCK]]);
	fprintf(f, "\"%s\",%s,%s" CSV_VERSION_FIELD "\n", note, ops ? lb_lock_family(ops) : "",
		cols->oc[OC_HOST] >= 0 ? row[cols->oc[OC_HOST]] : "");
}

/* Summarise the n rows `rows` of one point into one summary.csv row. */
static int summarize_point(const struct csv_table *t, const struct sum_cols *sc,
			   const size_t *rows, size_t n, double *vals, FILE *f, char *err,
			   size_t errlen)
{
	const int *c = sc->c;
	const size_t r0 = rows[0];
	const struct lb_lock_ops *ops = lockset_find(t->rows[r0][c[RC_LOCK]]);
	/* A lock that only spins keeps its CPU while it waits; one that may sleep does not. */
	bool spins = ops && (ops->props & LB_SPINS) && !(ops->props & LB_SLEEPS);
	unsigned threads = 0, oversub = 0;
	parse_uint(t->rows[r0][c[RC_THREADS]], 0, 1u << 30, &threads);
	parse_uint(t->rows[r0][c[RC_OVERSUB]], 0, 1, &oversub);
	struct point_acc a = { .n = n, .worst = "ok", .c2c_lo = INFINITY, .other_max = NAN,
			       .busy_util = NAN, .busy_other = NAN };
	int worst = 0;
	/* Only good repetitions are summarised; the status column says what the rest did. */
	for (size_t i = 0; i < n; i++) {
		const char *st = t->rows[rows[i]][c[RC_STATUS]];
		if (status_rank(st) > worst) {
			worst = status_rank(st);
			a.worst = st;
		}
		if (collect_machine(t, sc, rows[i], &a, err, errlen) != 0)
			return -EINVAL;
		if (strcmp(st, "ok") == 0 &&
		    collect_good_rep(t, sc, rows[i], threads, oversub, spins, vals, &a, err,
				     errlen) != 0)
			return -EINVAL;
	}
	write_point(f, t, sc, r0, &a, vals, oversub, threads);
	return 0;
}

/* Every point of results.csv, in order of first appearance; the number of points, or -EINVAL
 * (err says which file, line and column) / -ENOMEM. */
static int summarize_points(const struct csv_table *t, const struct sum_cols *sc, FILE *f,
			    char *err, size_t errlen)
{
	const int *c = sc->c;
	fprintf(f, "lock,lock_index,permits,threads,regime,oversubscribed,cs_ns,ncs_ns,placement,"
		   "reps,reps_ok");
	for (size_t k = 0; k < sc->nm; k++)
		put_metric(f, sc->m[k], NULL, 0, false);
	fprintf(f, ",csw_vol_median,csw_invol_median,worker_util_median,other_cpu_pct_max,"
		   "timer_p50_ns_median,timer_tick_ns_median,spread,disagree,noisy,busy,status,"
		   "note,family,host" CSV_VERSION_HEADER "\n");
	const size_t nr = t->nrows ? t->nrows : 1;
	unsigned char *seen = calloc(nr, 1);
	size_t *rows = calloc(nr, sizeof *rows);
	double *vals = calloc(nr * NVALS, sizeof *vals);
	char **keys = calloc(nr, sizeof *keys);
	int points = 0;
	if (!seen || !rows || !vals || !keys) {
		snprintf(err, errlen, "out of memory");
		points = -ENOMEM;
	}
	/* Old sets' 4-field keys get their ncs_ns, so both kinds group the same way; a merged
	 * set's hosts each have their own points. */
	for (size_t r = 0; points >= 0 && r < t->nrows; r++) {
		char key[256], point[200];
		sweep_normalize_key(point, sizeof point, t->rows[r][c[RC_POINT]],
				    t->rows[r][c[RC_NCS]]);
		snprintf(key, sizeof key, "%s\x1f%s",
			 sc->oc[OC_HOST] >= 0 ? t->rows[r][sc->oc[OC_HOST]] : "", point);
		if (!(keys[r] = strdup(key))) {
			snprintf(err, errlen, "out of memory");
			points = -ENOMEM;
		}
	}
	for (size_t r0 = 0; points >= 0 && r0 < t->nrows; r0++) {
		if (seen[r0])
			continue;
		size_t n = 0;
		for (size_t r = r0; r < t->nrows; r++)
			if (!seen[r] && strcmp(keys[r], keys[r0]) == 0) {
				seen[r] = 1;
				rows[n++] = r;
			}
		int rc = summarize_point(t, sc, rows, n, vals, f, err, errlen);
		points = rc ? rc : points + 1;
	}
	for (size_t r = 0; keys && r < t->nrows; r++)
		free(keys[r]);
	free(keys);
	free(seen);
	free(rows);
	free(vals);
	return points;
}

/* ---- latency_cdf.csv ---------------------------------------------------------------------------- */

struct hist_row {
	const char *lock;
	size_t row;
	double lo, hi, count;
};

static int cmp_hist(const void *a, const void *b)
{
	const struct hist_row *x = a, *y = b;
	int c = strcmp(x->lock, y->lock);
	if (c)
		return c;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

static int write_cdf(const struct csv_table *h, const struct csv_table *res, int res_lock, FILE *f,
		     char *err, size_t errlen)
{
	fprintf(f, "lock,lock_index,permits,threads,cs_ns,latency_ns,cdf" CSV_VERSION_HEADER "\n");
	if (!h || h->nrows == 0)
		return 0;
	int cl = csv_need_col(h, "lock", err, errlen), cp = csv_need_col(h, "permits", err, errlen),
	    ct = csv_need_col(h, "threads", err, errlen), cc = csv_need_col(h, "cs_ns", err, errlen),
	    chi = csv_need_col(h, "bucket_hi_ns", err, errlen),
	    clo = csv_need_col(h, "bucket_lo_ns", err, errlen),
	    cn = csv_need_col(h, "count", err, errlen);
	if (cl < 0 || cp < 0 || ct < 0 || cc < 0 || chi < 0 || clo < 0 || cn < 0)
		return -EINVAL;
	struct hist_row *v = calloc(h->nrows, sizeof *v);
	if (!v)
		return -ENOMEM;
	for (size_t r = 0; r < h->nrows; r++) {
		v[r].lock = h->rows[r][cl];
		v[r].row = r;
		if (csv_double(h, r, clo, &v[r].lo, err, errlen) ||
		    csv_double(h, r, chi, &v[r].hi, err, errlen) ||
		    csv_double(h, r, cn, &v[r].count, err, errlen)) {
			free(v);
			return -EINVAL;
		}
	}
	/* Merge the repetitions: equal buckets of one lock add up. */
	qsort(v, h->nrows, sizeof *v, cmp_hist);
	for (size_t a = 0; a < h->nrows;) {
		size_t b = a;
		double total = 0, cum = 0;
		while (b < h->nrows && strcmp(v[b].lock, v[a].lock) == 0)
			total += isfinite(v[b].count) ? v[b].count : 0, b++;
		const char *const *row = (const char *const *)h->rows[v[a].row];
		long idx = lock_index_of(v[a].lock, res, res_lock);
		for (size_t i = a; i < b; i++) {
			cum += isfinite(v[i].count) ? v[i].count : 0;
			if (i + 1 < b && v[i + 1].hi == v[i].hi)
				continue;
			fprintf(f, "%s,%ld,%s,%s,%s,%.0f,%.6f" CSV_VERSION_FIELD "\n", v[a].lock, idx, row[cp], row[ct],
				row[cc], v[i].hi, total > 0 ? cum / total : 0.0);
		}
		a = b;
	}
	free(v);
	return 0;
}

static int flush_atomic(const char *dir, const char *name, FILE *f, char **text, size_t *len)
{
	if (fclose(f) != 0)
		return -ENOMEM;
	int rc = file_write_atomic(dir, name, *text, *len);
	free(*text);
	*text = NULL;
	return rc;
}

int sweep_summarize(const char *dir, char *err, size_t errlen)
{
	char path[1200];
	struct csv_table t;
	int rc = sweep_read_results(dir, &t, err, errlen);
	if (rc)
		return rc;
	struct sum_cols sc = { .mops = -1, .maxmin = -1 };
	for (int i = 0; i < RC_COUNT; i++)
		if ((sc.c[i] = csv_need_col(&t, rcol_name[i], err, errlen)) < 0) {
			csv_free(&t);
			return -EINVAL;
		}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		csv_free(&t);
		return -ENOMEM;
	}
	for (int i = 0; i < OC_COUNT; i++)
		sc.oc[i] = csv_col(&t, ocol_name[i]);
	sc.nm = metric_summarised(sc.m, SUM_MAX);
	for (size_t k = 0; k < sc.nm; k++) {
		sc.mc[k] = csv_col(&t, sc.m[k]->column);
		if (strcmp(sc.m[k]->column, "mops") == 0)
			sc.mops = (long)k;
		if (strcmp(sc.m[k]->column, "fairness_maxmin") == 0)
			sc.maxmin = (long)k;
	}
	int points = summarize_points(&t, &sc, f, err, errlen);
	if (points < 0) { /* a summary of some points is not written: the error says why */
		fclose(f);
		free(text);
		text = NULL;
		rc = 0;
	} else {
		rc = flush_atomic(dir, "summary.csv", f, &text, &len);
	}
	if (points >= 0 && rc) {
		snprintf(err, errlen, "%s/summary.csv: %s", dir, strerror(-rc));
		points = rc;
	}

	struct csv_table h;
	snprintf(path, sizeof path, "%s/latency_hist.csv", dir);
	bool have_hist = access(path, F_OK) == 0;
	if (points >= 0 && have_hist && (rc = csv_read(path, "latency_hist", &h, err, errlen)) != 0)
		points = rc;
	if (points >= 0) {
		f = open_memstream(&text, &len);
		rc = f ? write_cdf(have_hist ? &h : NULL, &t, sc.c[RC_LOCK], f, err, errlen) : -ENOMEM;
		if (f) {
			int frc = flush_atomic(dir, "latency_cdf.csv", f, &text, &len);
			if (rc == 0 && frc) {
				rc = frc;
				snprintf(err, errlen, "%s/latency_cdf.csv: %s", dir, strerror(-frc));
			}
		}
		if (rc)
			points = rc;
		if (have_hist)
			csv_free(&h);
	}
	csv_free(&t);
	return points;
}
