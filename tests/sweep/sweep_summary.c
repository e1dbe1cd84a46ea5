/* sweep_summary.c — summary.csv arithmetic on planted results: medians, min–max spreads, the
 * 95 % CI switch, the repetition-disagreement flag, the noise flag, the worst status, and the
 * merged latency CDF. Each planted case has a known answer computed by hand below. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results/csvread.h"
#include "results/metrics.h"
#include "results/output.h"
#include "stats/stats.h"
#include "sweep/sweep.h"
#include "test_util.h"

#define CHECK_MSG(cond, ...) \
	do { \
		if (!CHECK(cond)) \
			fprintf(stderr, "    " __VA_ARGS__), fputc('\n', stderr); \
	} while (0)

#define SWEEP_COLS ",point,order,seed,c2c_before_ns,c2c_after_ns,steal_pct,other_cpu_pct"

struct planted {
	const char *lock;
	unsigned threads, oversub, cs;
	const char *status;
	double mops, fairness, p99, c2c_before, c2c_after, steal;
};

/* Write one row with every column of the header; the ones we do not plant are empty or fixed. */
static void write_row(FILE *f, char **cols, size_t ncols, const struct planted *p, unsigned rep)
{
	for (size_t i = 0; i < ncols; i++) {
		const char *c = cols[i];
		char v[128] = "";
		if (!strcmp(c, "lock")) snprintf(v, sizeof v, "%s", p->lock);
		else if (!strcmp(c, "threads")) snprintf(v, sizeof v, "%u", p->threads);
		else if (!strcmp(c, "placement")) snprintf(v, sizeof v, "compact");
		else if (!strcmp(c, "oversubscribed")) snprintf(v, sizeof v, "%u", p->oversub);
		else if (!strcmp(c, "cs_ns")) snprintf(v, sizeof v, "%u", p->cs);
		else if (!strcmp(c, "ncs_ns")) snprintf(v, sizeof v, "100");
		else if (!strcmp(c, "permits")) snprintf(v, sizeof v, "1");
		else if (!strcmp(c, "rep")) snprintf(v, sizeof v, "%u", rep);
		else if (!strcmp(c, "status")) snprintf(v, sizeof v, "%s", p->status);
		else if (!strcmp(c, "mops") && isfinite(p->mops)) snprintf(v, sizeof v, "%g", p->mops);
		else if (!strcmp(c, "fairness") && isfinite(p->fairness)) snprintf(v, sizeof v, "%g", p->fairness);
		else if (!strcmp(c, "lat_p50_ns") && isfinite(p->p99)) snprintf(v, sizeof v, "%g", p->p99 / 2);
		else if (!strcmp(c, "lat_p99_ns") && isfinite(p->p99)) snprintf(v, sizeof v, "%g", p->p99);
		else if (!strcmp(c, "lat_p9999_ns") && isfinite(p->p99)) snprintf(v, sizeof v, "%g", 3 * p->p99);
		else if (!strcmp(c, "cpu_ns_per_op") && isfinite(p->mops)) snprintf(v, sizeof v, "%g", 1000 / p->mops);
		else if (!strcmp(c, "csw_vol") || !strcmp(c, "csw_invol")) snprintf(v, sizeof v, "3");
		else if (!strcmp(c, "format_version")) snprintf(v, sizeof v, "1");
		else if (!strcmp(c, "point"))
			snprintf(v, sizeof v, "%s/1/%u/%u", p->lock, p->threads, p->cs);
		else if (!strcmp(c, "c2c_before_ns")) snprintf(v, sizeof v, "%g", p->c2c_before);
		else if (!strcmp(c, "c2c_after_ns")) snprintf(v, sizeof v, "%g", p->c2c_after);
		else if (!strcmp(c, "steal_pct")) snprintf(v, sizeof v, "%g", p->steal);
		fprintf(f, "%s%s", i ? "," : "", v);
	}
	fputc('\n', f);
}

static char **split_header(char *h, size_t *n)
{
	char **cols = calloc(128, sizeof *cols);
	*n = 0;
	for (char *save = NULL, *t = strtok_r(h, ",", &save); t; t = strtok_r(NULL, ",", &save))
		cols[(*n)++] = t;
	return cols;
}

static const char *field(const struct csv_table *t, const char *lock, unsigned threads,
			 const char *col)
{
	int cl = csv_col(t, "lock"), ct = csv_col(t, "threads"), cc = csv_col(t, col);
	char th[16];
	snprintf(th, sizeof th, "%u", threads);
	for (size_t r = 0; r < t->nrows; r++)
		if (!strcmp(t->rows[r][cl], lock) && !strcmp(t->rows[r][ct], th))
			return cc >= 0 ? t->rows[r][cc] : NULL;
	return NULL;
}

static double num(const struct csv_table *t, const char *lock, unsigned threads, const char *col)
{
	const char *s = field(t, lock, threads, col);
	return s && *s ? atof(s) : NAN;
}

/* A row of the busy / max-min set: the columns that rule reads, the rest empty or fixed. */
struct planted_load {
	const char *lock, *key;
	unsigned threads, oversub;
	double other, util, ops_min, ops_max, maxmin_col;
};

static void write_load_row(FILE *f, char **cols, size_t ncols, const struct planted_load *p)
{
	for (size_t i = 0; i < ncols; i++) {
		const char *c = cols[i];
		char v[128] = "";
#define DBL(name, x) else if (!strcmp(c, name) && isfinite(x)) snprintf(v, sizeof v, "%.17g", x)
		if (!strcmp(c, "lock")) snprintf(v, sizeof v, "%s", p->lock);
		else if (!strcmp(c, "threads")) snprintf(v, sizeof v, "%u", p->threads);
		else if (!strcmp(c, "placement")) snprintf(v, sizeof v, "compact");
		else if (!strcmp(c, "oversubscribed")) snprintf(v, sizeof v, "%u", p->oversub);
		else if (!strcmp(c, "cs_ns")) snprintf(v, sizeof v, "50");
		else if (!strcmp(c, "ncs_ns")) snprintf(v, sizeof v, "100");
		else if (!strcmp(c, "permits")) snprintf(v, sizeof v, "1");
		else if (!strcmp(c, "rep")) snprintf(v, sizeof v, "1");
		else if (!strcmp(c, "status")) snprintf(v, sizeof v, "ok");
		else if (!strcmp(c, "point")) snprintf(v, sizeof v, "%s", p->key);
		else if (!strcmp(c, "mops") || !strcmp(c, "fairness")) snprintf(v, sizeof v, "1");
		DBL("other_cpu_pct", p->other);
		DBL("worker_util", p->util);
		DBL("thread_ops_min", p->ops_min);
		DBL("thread_ops_max", p->ops_max);
		DBL("fairness_maxmin", p->maxmin_col);
		else if (!strcmp(c, "timer_p50_ns") && !strcmp(p->lock, "ttas")) snprintf(v, sizeof v, "18");
		else if (!strcmp(c, "timer_tick_ns") && !strcmp(p->lock, "ttas")) snprintf(v, sizeof v, "10");
		else if (!strcmp(c, "fairness_cv") && !strcmp(p->lock, "ttas")) snprintf(v, sizeof v, "0.25");
#undef DBL
		fprintf(f, "%s%s", i ? "," : "", v);
	}
	fputc('\n', f);
}

/* The busy rule and max/min fairness on planted rows, each a hair either side of its threshold,
 * in a set that also has the measuring side's worker_util and fairness_maxmin columns and mixes
 * old 4-field point keys with new ones. */
static void busy_and_maxmin(const char *dir)
{
	printf("busy flag and max/min fairness on planted rows:\n");
	const double eps = 1e-3;
	char path[256];
	snprintf(path, sizeof path, "%s/results.csv", dir);
	FILE *f = fopen(path, "w");
	/* The measuring side's columns, in the order it appends them. */
	char header[] = OUTPUT_CSV_HEADER SWEEP_COLS
		",timer_p50_ns,timer_tick_ns,worker_util,fairness_maxmin,fairness_cv";
	fprintf(f, "# lockbench-results v1 results\n%s\n", header);
	char hcopy[sizeof header];
	memcpy(hcopy, header, sizeof header);
	size_t ncols;
	char **cols = split_header(hcopy, &ncols);
	const double lo = SWEEP_BUSY_OTHER_PCT - eps, hi = SWEEP_BUSY_OTHER_PCT + eps;
	const double ulo = LB_BUSY_UTIL_MIN - eps, uat = LB_BUSY_UTIL_MIN;
	const struct planted_load rows[] = {
		/* other processes: just under, just over the share */
		{ "tas", "tas/1/1/50", 1, 0, lo, NAN, 100, 100, NAN },       /* old key */
		{ "tas", "tas/1/1/50/100", 1, 0, lo, NAN, 100, 100, NAN },   /* same point, new key */
		{ "ticket", "ticket/1/1/50/100", 1, 0, hi, NAN, 100, 100, NAN },
		/* utilisation of a spinning lock within the CPUs: just under, exactly at */
		{ "tas", "tas/1/2/50/100", 2, 0, NAN, ulo, 100, 150, NAN },
		{ "mcs", "mcs/1/2/50/100", 2, 0, NAN, uat, 0, 500, NAN },
		/* a sleeping lock above 1 thread is not judged by utilisation; at 1 thread it is */
		{ "futex", "futex/1/2/50/100", 2, 0, NAN, 0.5, 100, 100, NAN },
		{ "futex", "futex/1/1/50/100", 1, 0, NAN, ulo, 100, 100, NAN },
		/* oversubscribed: threads share CPUs by definition */
		{ "tas", "tas/1/4/50/100", 4, 1, NAN, 0.5, 100, 100, NAN },
		/* the measuring side's own max/min wins over the counts */
		{ "ttas", "ttas/1/2/50/100", 2, 0, NAN, NAN, 100, 100, 2.5 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		write_load_row(f, cols, ncols, &rows[i]);
	fclose(f);
	free(cols);
	snprintf(path, sizeof path, "%s/latency_hist.csv", dir);
	unlink(path);

	char err[512];
	int points = sweep_summarize(dir, err, sizeof err);
	CHECK_MSG(points == 8, "sweep_summarize returned %d (%s): old and new keys of one point "
		  "should be one point", points, err);
	struct csv_table t;
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	CHECK_MSG(csv_read(path, "summary", &t, err, sizeof err) == 0, "%s", err);
	CHECK(num(&t, "tas", 1, "reps") == 2);
	CHECK_MSG(num(&t, "tas", 1, "busy") == 0, "other %.3f%% <= %.0f%%: not busy", lo,
		  SWEEP_BUSY_OTHER_PCT);
	CHECK_MSG(num(&t, "ticket", 1, "busy") == 1, "other %.3f%% > %.0f%%: busy", hi,
		  SWEEP_BUSY_OTHER_PCT);
	CHECK(strstr(field(&t, "ticket", 1, "note"), "busy: other processes") != NULL);
	CHECK(fabs(num(&t, "ticket", 1, "other_cpu_pct_max") - hi) < 0.01);
	CHECK_MSG(num(&t, "tas", 2, "busy") == 1, "spinning, util %.3f < %.1f: busy", ulo,
		  LB_BUSY_UTIL_MIN);
	CHECK_MSG(num(&t, "mcs", 2, "busy") == 0, "util exactly %.1f: not busy", uat);
	CHECK_MSG(num(&t, "futex", 2, "busy") == 0, "sleeping lock at 2 threads: util not judged");
	CHECK_MSG(num(&t, "futex", 1, "busy") == 1, "any lock at 1 thread, util %.3f: busy", ulo);
	CHECK_MSG(num(&t, "tas", 4, "busy") == 0, "oversubscribed: util not judged");
	CHECK(fabs(num(&t, "tas", 2, "worker_util_median") - ulo) < 1e-3);
	CHECK(num(&t, "tas", 1, "fairness_maxmin_median") == 1);
	CHECK(num(&t, "tas", 2, "fairness_maxmin_median") == 1.5);
	CHECK_MSG(num(&t, "mcs", 2, "fairness_maxmin_median") == 500,
		  "a starved thread (min 0) counts as 1 operation: max/min = max");
	CHECK(strstr(field(&t, "mcs", 2, "note"), "starved") != NULL);
	CHECK(num(&t, "ttas", 2, "fairness_maxmin_median") == 2.5);
	CHECK(isnan(num(&t, "tas", 1, "fairness_cv_median"))); /* empty: unavailable */
	CHECK(isnan(num(&t, "tas", 1, "timer_p50_ns_median")));
	CHECK(num(&t, "ttas", 2, "timer_p50_ns_median") == 18);
	CHECK(num(&t, "ttas", 2, "timer_tick_ns_median") == 10);
	CHECK(num(&t, "ttas", 2, "fairness_cv_median") == 0.25);
	csv_free(&t);

	/* The rule itself, NAN meaning "not measured". */
	CHECK(!point_is_busy(1, false, true, NAN, NAN));
	CHECK(point_is_busy(1, false, false, ulo, NAN));
	CHECK(!point_is_busy(1, false, false, uat, NAN));
	CHECK(point_is_busy(8, true, false, NAN, hi));
	CHECK(!point_is_busy(8, true, true, 0.1, lo));
	CHECK(!point_is_busy(2, false, false, 0.1, NAN));
	CHECK(point_is_busy(2, false, true, 0.1, NAN));
}

/* summary.csv's header, built here from the metric table: the non-metric columns, then each
 * summarised row's COLUMN_STAT in sum_at order (0 last), then the machine's columns. */
static void expected_header(char *h, size_t size)
{
	size_t o = (size_t)snprintf(h, size, "lock,lock_index,permits,threads,regime,oversubscribed,"
				    "cs_ns,ncs_ns,placement,reps,reps_ok");
	for (unsigned at = 1; at <= 256; at++)
		for (size_t i = 0; i < metric_count; i++) {
			const struct metric *m = &metric_table[i];
			if (!m->summarised || (m->sum_at ? m->sum_at : 256u) != at)
				continue;
			char stats[64];
			snprintf(stats, sizeof stats, "%s", m->sum_stats ? m->sum_stats : "median,min,max");
			for (char *st = strtok(stats, ","); st; st = strtok(NULL, ","))
				o += (size_t)snprintf(h + o, size - o, ",%s_%s", m->column, st);
		}
	snprintf(h + o, size - o, ",csw_vol_median,csw_invol_median,worker_util_median,"
		 "other_cpu_pct_max,timer_p50_ns_median,timer_tick_ns_median,spread,disagree,noisy,"
		 "busy,status,note,family,host" CSV_VERSION_HEADER "\n");
}

/* The first line of summary.csv is the table's header, byte for byte, and today's table makes
 * the documented header: the one from before the table drove it, plus lat_p9999_ns_*. */
static void header_from_table(const char *path)
{
	static const char before[] =
		"lock,lock_index,permits,threads,regime,oversubscribed,cs_ns,ncs_ns,placement,"
		"reps,reps_ok,mops_median,mops_min,mops_max,mops_ci_lo,mops_ci_hi,"
		"fairness_median,fairness_min,fairness_max,fairness_maxmin_median,"
		"fairness_maxmin_min,fairness_maxmin_max,fairness_cv_median,"
		"lat_p50_ns_median,lat_p50_ns_min,"
		"lat_p50_ns_max,lat_p99_ns_median,lat_p99_ns_min,lat_p99_ns_max,"
		"cpu_ns_per_op_median,cpu_ns_per_op_min,cpu_ns_per_op_max,"
		"lat_p9999_ns_median,lat_p9999_ns_min,lat_p9999_ns_max,csw_vol_median,"
		"csw_invol_median,worker_util_median,other_cpu_pct_max,timer_p50_ns_median,"
		"timer_tick_ns_median,spread,disagree,noisy,busy,status,note,family,host" CSV_VERSION_HEADER "\n";
	char want[4096], got[4096] = "";
	expected_header(want, sizeof want);
	FILE *f = fopen(path, "r");
	CHECK_MSG(f && fgets(got, sizeof got, f), "cannot read %s", path);
	if (f)
		fclose(f);
	CHECK_MSG(strcmp(got, want) == 0, "summary.csv header\n      got  %s      want %s", got, want);
	CHECK_MSG(strcmp(want, before) == 0, "the table's summary header changed:\n      %s", want);
}

int main(void)
{
	char dir[] = "/tmp/lb-sweep-summary-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256];
	snprintf(path, sizeof path, "%s/results.csv", dir);
	FILE *f = fopen(path, "w");
	char header[] = OUTPUT_CSV_HEADER SWEEP_COLS;
	fprintf(f, "# lockbench-results v1 results\n%s\n", header);
	char hcopy[sizeof header];
	memcpy(hcopy, header, sizeof header);
	size_t ncols;
	char **cols = split_header(hcopy, &ncols);

	/* steady: 3 reps 10, 11, 12 → median 11, min 10, max 12; agree (2/11 < 25 %), quiet. */
	const struct planted steady[] = {
		{ "tas", 1, 0, 50, "ok", 10, 1, 100, 60, 60, 0 },
		{ "tas", 1, 0, 50, "ok", 12, 1, 120, 60, 61, 0 },
		{ "tas", 1, 0, 50, "ok", 11, 1, 110, 59, 60, 0 },
	};
	/* wild: 4, 8, 6 → median 6, spread 4/6 = 67 % > 25 %: disagree; c2c 55 → 350: noisy. */
	const struct planted wild[] = {
		{ "tas", 2, 0, 50, "ok", 4, 0.9, 500, 55, 350, 0 },
		{ "tas", 2, 0, 50, "ok", 8, 0.8, 400, 55, 56, 0 },
		{ "tas", 2, 0, 50, "ok", 6, 0.7, 450, 56, 55, 0 },
	};
	/* one stuck repetition: summarised from the two good ones, status stuck; steal 9 %: noisy. */
	const struct planted stuck[] = {
		{ "ticket", 4, 1, 50, "ok", 0.002, 0.5, NAN, 60, 60, 9 },
		{ "ticket", 4, 1, 50, "stuck", NAN, NAN, NAN, 60, 60, 0 },
		{ "ticket", 4, 1, 50, "ok", 0.004, 0.6, NAN, 60, 60, 0 },
	};
	/* eight reps 1..8: enough for the distribution-free CI of the median (ranks 1 and 8). */
	struct planted many[8];
	for (unsigned i = 0; i < 8; i++)
		many[i] = (struct planted){ "mcs", 2, 0, 50, "ok", 1.0 + i, 0.99, 200, 60, 60, 0 };
	for (unsigned r = 0; r < 3; r++) {
		write_row(f, cols, ncols, &steady[r], r);
		write_row(f, cols, ncols, &wild[r], r);
		write_row(f, cols, ncols, &stuck[r], r);
	}
	for (unsigned r = 0; r < 8; r++)
		write_row(f, cols, ncols, &many[r], r);
	fclose(f);

	/* A latency histogram of two reps: buckets [0,10]: 1+1, [11,20]: 2+0, [21,40]: 0+4. */
	snprintf(path, sizeof path, "%s/latency_hist.csv", dir);
	f = fopen(path, "w");
	fprintf(f, "# lockbench-results v1 latency_hist\n"
		   "lock,permits,threads,cs_ns,rep,bucket_lo_ns,bucket_hi_ns,count\n"
		   "tas,1,2,50,0,0,10,1\ntas,1,2,50,0,11,20,2\n"
		   "tas,1,2,50,1,0,10,1\ntas,1,2,50,1,21,40,4\n");
	fclose(f);

	char err[512];
	int points = sweep_summarize(dir, err, sizeof err);
	CHECK_MSG(points == 4, "sweep_summarize returned %d (%s)", points, err);

	struct csv_table t;
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	CHECK_MSG(csv_read(path, "summary", &t, err, sizeof err) == 0, "%s", err);
	header_from_table(path);

	CHECK(num(&t, "tas", 1, "mops_median") == 11);
	CHECK(num(&t, "tas", 1, "mops_min") == 10);
	CHECK(num(&t, "tas", 1, "mops_max") == 12);
	CHECK(isnan(num(&t, "tas", 1, "mops_ci_lo")));
	CHECK(!strcmp(field(&t, "tas", 1, "spread"), "minmax"));
	CHECK(!strcmp(field(&t, "tas", 1, "regime"), "uncontended"));
	CHECK(num(&t, "tas", 1, "lat_p99_ns_median") == 110);
	CHECK(num(&t, "tas", 1, "lat_p9999_ns_median") == 330);
	CHECK(num(&t, "tas", 1, "lat_p9999_ns_max") == 3 * num(&t, "tas", 1, "lat_p99_ns_max"));
	CHECK(num(&t, "tas", 1, "disagree") == 0);
	CHECK(num(&t, "tas", 1, "noisy") == 0);

	CHECK(num(&t, "tas", 2, "mops_median") == 6);
	CHECK(num(&t, "tas", 2, "disagree") == 1);
	CHECK(num(&t, "tas", 2, "noisy") == 1);
	CHECK(!strcmp(field(&t, "tas", 2, "regime"), "contended"));
	CHECK(num(&t, "tas", 2, "fairness_median") == 0.8);

	CHECK(!strcmp(field(&t, "ticket", 4, "status"), "stuck"));
	CHECK(num(&t, "ticket", 4, "reps") == 3);
	CHECK(num(&t, "ticket", 4, "reps_ok") == 2);
	CHECK(fabs(num(&t, "ticket", 4, "mops_median") - 0.003) < 1e-9);
	CHECK(isnan(num(&t, "ticket", 4, "lat_p99_ns_median"))); /* empty stays empty */
	CHECK(isnan(num(&t, "ticket", 4, "lat_p9999_ns_median")));
	CHECK(num(&t, "ticket", 4, "noisy") == 1);
	CHECK(!strcmp(field(&t, "ticket", 4, "regime"), "oversubscribed"));

	CHECK(!strcmp(field(&t, "mcs", 2, "spread"), "ci95"));
	CHECK(num(&t, "mcs", 2, "mops_median") == 4.5);
	CHECK(num(&t, "mcs", 2, "mops_ci_lo") == 1);
	CHECK(num(&t, "mcs", 2, "mops_ci_hi") == 8);
	csv_free(&t);

	snprintf(path, sizeof path, "%s/latency_cdf.csv", dir);
	CHECK_MSG(csv_read(path, "latency_cdf", &t, err, sizeof err) == 0, "%s", err);
	CHECK(t.nrows == 3);
	if (t.nrows == 3) {
		int cl = csv_col(&t, "latency_ns"), cc = csv_col(&t, "cdf");
		/* 8 samples: ≤10: 2/8, ≤20: 4/8, ≤40: 8/8. */
		CHECK(atof(t.rows[0][cl]) == 10 && fabs(atof(t.rows[0][cc]) - 0.25) < 1e-6);
		CHECK(atof(t.rows[1][cl]) == 20 && fabs(atof(t.rows[1][cc]) - 0.5) < 1e-6);
		CHECK(atof(t.rows[2][cl]) == 40 && fabs(atof(t.rows[2][cc]) - 1.0) < 1e-6);
	}
	csv_free(&t);

	/* A c2c or steal reading that is not a number is an error naming its column, as every
	 * other field's is: it used to be taken as not measured, and the point summarised. */
	static const char *const machine_cols[] = { "c2c_before_ns", "c2c_after_ns", "steal_pct" };
	for (size_t k = 0; k < 3; k++) {
		snprintf(path, sizeof path, "%s/results.csv", dir);
		f = fopen(path, "w");
		fprintf(f, "# lockbench-results v1 results\n%s\n", header);
		struct planted bad = steady[0];
		bad.c2c_before = k == 0 ? 12345.5 : 60;
		bad.c2c_after = k == 1 ? 12345.5 : 60;
		bad.steal = k == 2 ? 12345.5 : 0;
		write_row(f, cols, ncols, &bad, 1);
		fclose(f);
		char text[8192] = "";
		f = fopen(path, "r");
		size_t len = f ? fread(text, 1, sizeof text - 1, f) : 0;
		if (f)
			fclose(f);
		text[len] = '\0';
		char *at = strstr(text, "12345.5");
		CHECK(at != NULL);
		if (at) {
			at[1] = 'x'; /* 1x345.5: not a number */
			f = fopen(path, "w");
			fputs(text, f);
			fclose(f);
		}
		err[0] = '\0';
		CHECK(sweep_summarize(dir, err, sizeof err) == -EINVAL);
		CHECK_MSG(strstr(err, machine_cols[k]) && strstr(err, "'1x345.5' is not a number"),
			  "message: %s", err);
	}
	printf("a c2c_before_ns, c2c_after_ns or steal_pct that is not a number: refused, named\n");

	/* A results.csv of another format version is refused, not summarised. */
	snprintf(path, sizeof path, "%s/results.csv", dir);
	f = fopen(path, "w");
	fprintf(f, "# lockbench-results v99 results\n%s\n", header);
	fclose(f);
	CHECK(sweep_summarize(dir, err, sizeof err) < 0);
	CHECK_MSG(strstr(err, "v99") || strstr(err, "version"), "message: %s", err);

	busy_and_maxmin(dir);

	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cols);
	return tu_summary("sweep_summary");
}
