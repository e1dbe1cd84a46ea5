/* report.c — `lockbench report DIR`: check a result set's files, draw its plots with gnuplot and
 * write report.html and report.md (their content is report_doc.c's).
 *
 * Every input file is read in full and checked before anything is drawn or written, so a
 * truncated, garbled or foreign file stops the report with one line naming the file and the line,
 * and a result set of another format version is refused outright. Every output goes to a
 * temporary name in DIR first (results/file.h) and is renamed over the final name only when
 * complete, so an interrupted report never leaves a half-written file behind a good name.
 *
 * `lockbench compare` reads and draws result sets too, and shares two pieces from here
 * (report.h's last section): report_fail and the meta.json format check. The plots are drawn by
 * report_plots.c.
 */
#define _GNU_SOURCE /* qsort_r */
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/plugin.h"
#include "report/doc.h"
#include "report/report_doc.h"
#include "results/file.h"

int report_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

int report_join(char *buf, size_t len, const char *dir, const char *name, char *err,
		 size_t errlen)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len)
		return report_fail(err, errlen, -ENAMETOOLONG, "report: %s/%s: path too long", dir,
				   name);
	return 0;
}

bool report_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* --- reading the result set ---------------------------------------------------------------- */

static int load_meta(struct report_set *s, char *err, size_t errlen)
{
	char path[4096];
	int rc = report_join(path, sizeof path, s->dir, "meta.json", err, errlen);
	if (rc)
		return rc;
	s->complete = -1;
	if (!report_is_file(path))
		return 0; /* the report says meta.json is missing */
	rc = json_read_flat(path, &s->meta, err, errlen);
	if (rc)
		return rc;
	s->have_meta = true;
	for (size_t i = 0; i < s->meta.n; i++) { /* no markers or control characters in the text */
		doc_scrub(s->meta.kv[i].key);
		doc_scrub(s->meta.kv[i].value);
	}
	if ((rc = report_check_meta_format(path, &s->meta, err, errlen)))
		return rc;
	/* The sweep writes sweep.complete; a flat "complete" is accepted too. */
	const char *complete = json_get(&s->meta, "sweep.complete");
	if (!complete)
		complete = json_get(&s->meta, "complete");
	if (complete)
		s->complete = strcmp(complete, "true") == 0;
	return 0;
}

int report_check_meta_format(const char *path, const struct json_flat *meta, char *err,
			     size_t errlen)
{
	const char *format = json_get(meta, "format");
	const char *version = json_get(meta, "format_version");
	int v = version ? atoi(version) : RESULTS_FORMAT_VERSION;
	if (format) {
		int n = -1;
		char tail;
		if (sscanf(format, "lockbench-results v%d%c", &n, &tail) != 1)
			n = -1;
		if (n < RESULTS_FORMAT_OLDEST || n > RESULTS_FORMAT_VERSION)
			return report_fail(err, errlen, -EPROTO,
					   "%s: format '%.60s'; this lockbench reads "
					   "'lockbench-results v%d' to 'v%d' only",
					   path, format, RESULTS_FORMAT_OLDEST, RESULTS_FORMAT_VERSION);
	}
	if (v < RESULTS_FORMAT_OLDEST || v > RESULTS_FORMAT_VERSION)
		return report_fail(err, errlen, -EPROTO,
				   "%s: format_version %.20s; this lockbench reads versions %d to %d "
				   "only",
				   path, version, RESULTS_FORMAT_OLDEST, RESULTS_FORMAT_VERSION);
	return 0;
}

static int get_uint(const struct csv_table *t, size_t r, int c, unsigned *out, char *err,
		    size_t errlen)
{
	double v;
	int rc = csv_double(t, r, c, &v, err, errlen);
	if (rc)
		return rc;
	if (!(v >= 0 && v <= 1e9 && v == floor(v)))
		return report_fail(err, errlen, -EINVAL,
				   "%s:%u: column '%s': '%s' is not a whole number", t->path,
				   t->line[r], t->header[c], t->rows[r][c]);
	*out = (unsigned)v;
	return 0;
}

static int get_flag(const struct csv_table *t, size_t r, int c, bool *out, char *err,
		    size_t errlen)
{
	const char *v = t->rows[r][c];
	if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0 && v[0] != '\0')
		return report_fail(err, errlen, -EINVAL,
				   "%s:%u: column '%s': '%.40s' is not 0 or 1", t->path, t->line[r],
				   t->header[c], v);
	*out = strcmp(v, "1") == 0;
	return 0;
}

/* The summary.csv columns the report reads, in the order of struct report_point's parsing. */
enum {
	C_LOCK, C_INDEX, C_PERMITS, C_THREADS, C_REGIME, C_CS, C_NCS, C_PLACEMENT, C_REPS,
	C_REPS_OK, C_CSW_VOL, C_CSW_INVOL, C_SPREAD, C_DISAGREE, C_NOISY, C_STATUS, C_NOTE,
	C_STATS, /* then 5 statistics × {median, min, max, ci_lo, ci_hi} */
	C_COUNT = C_STATS + 25
};
static const char *const fixed_cols[C_STATS] = {
	"lock", "lock_index", "permits", "threads", "regime", "cs_ns", "ncs_ns", "placement",
	"reps", "reps_ok", "csw_vol_median", "csw_invol_median", "spread", "disagree", "noisy",
	"status", "note",
};
static const char *const stat_prefix[5] = { "mops", "fairness", "lat_p50_ns", "lat_p99_ns",
					    "cpu_ns_per_op" };
static const char *const stat_suffix[5] = { "median", "min", "max", "ci_lo", "ci_hi" };
/* Read when present (NAN / 0 otherwise): sets written before these columns still report. */
enum { O_MAXMIN, O_MAXMIN_MIN, O_MAXMIN_MAX, O_CV, O_UTIL, O_OTHER, O_TIMER_P50, O_TIMER_TICK,
       O_BUSY, O_FAMILY, O_COUNT };
static const char *const opt_cols[O_COUNT] = {
	"fairness_maxmin_median", "fairness_maxmin_min", "fairness_maxmin_max", "fairness_cv_median",
	"worker_util_median", "other_cpu_pct_max", "timer_p50_ns_median", "timer_tick_ns_median",
	"busy", "family",
};

static int parse_point(const struct csv_table *t, size_t r, const int *col, const int *ocol,
		       struct report_point *p, char *err, size_t errlen)
{
	char **f = t->rows[r];
	double v;
	int rc = 0;
	p->line = t->line[r];
	const int text[] = { C_LOCK, C_PLACEMENT, C_STATUS, C_NOTE };
	for (size_t k = 0; k < sizeof text / sizeof text[0]; k++)
		doc_scrub(f[col[text[k]]]); /* no markers or control characters in the text */
	p->lock = f[col[C_LOCK]];
	p->placement = f[col[C_PLACEMENT]];
	p->status = f[col[C_STATUS]][0] ? f[col[C_STATUS]] : "unknown";
	p->note = f[col[C_NOTE]];
	if (!p->lock[0])
		return report_fail(err, errlen, -EINVAL, "%s:%u: column 'lock' is empty", t->path,
				   p->line);
	if ((rc = csv_double(t, r, col[C_INDEX], &v, err, errlen)))
		return rc;
	if (!(v >= 0 && v < 1e6 && v == floor(v)))
		return report_fail(err, errlen, -EINVAL,
				   "%s:%u: column 'lock_index': '%s' is not an index", t->path,
				   p->line, f[col[C_INDEX]]);
	p->lock_index = (long)v;
	if ((rc = get_uint(t, r, col[C_PERMITS], &p->permits, err, errlen)) ||
	    (rc = get_uint(t, r, col[C_THREADS], &p->threads, err, errlen)) ||
	    (rc = get_uint(t, r, col[C_REPS], &p->reps, err, errlen)) ||
	    (rc = get_uint(t, r, col[C_REPS_OK], &p->reps_ok, err, errlen)) ||
	    (rc = csv_double(t, r, col[C_CS], &p->cs_ns, err, errlen)) ||
	    (rc = csv_double(t, r, col[C_NCS], &p->ncs_ns, err, errlen)) ||
	    (rc = csv_double(t, r, col[C_CSW_VOL], &p->csw_vol, err, errlen)) ||
	    (rc = csv_double(t, r, col[C_CSW_INVOL], &p->csw_invol, err, errlen)) ||
	    (rc = get_flag(t, r, col[C_DISAGREE], &p->disagree, err, errlen)) ||
	    (rc = get_flag(t, r, col[C_NOISY], &p->noisy, err, errlen)))
		return rc;
	if (p->threads == 0 || !isfinite(p->cs_ns))
		return report_fail(err, errlen, -EINVAL, "%s:%u: threads and cs_ns must be set",
				   t->path, p->line);
	const char *regime = f[col[C_REGIME]];
	enum report_regime g;
	for (g = 0; g < REGIME_COUNT; g++)
		if (strcmp(regime, report_regime_name(g)) == 0)
			break;
	if (g == REGIME_COUNT)
		return report_fail(err, errlen, -EINVAL,
				   "%s:%u: column 'regime': '%.40s' is not one of uncontended, "
				   "contended, oversubscribed", t->path, p->line, regime);
	p->regime = g;
	const char *spread = f[col[C_SPREAD]];
	if (strcmp(spread, "ci95") != 0 && strcmp(spread, "minmax") != 0)
		return report_fail(err, errlen, -EINVAL,
				   "%s:%u: column 'spread': '%.40s' is not one of minmax, ci95",
				   t->path, p->line, spread);
	p->ci95 = strcmp(spread, "ci95") == 0;
	struct report_stat *stats[5] = { &p->mops, &p->fairness, &p->p50, &p->p99, &p->cpu };
	for (int s = 0; s < 5; s++) {
		double *dst[5] = { &stats[s]->median, &stats[s]->min, &stats[s]->max,
				   &stats[s]->ci_lo, &stats[s]->ci_hi };
		for (int k = 0; k < 5; k++) {
			int c = col[C_STATS + s * 5 + k];
			*dst[k] = NAN;
			if (c >= 0 && (rc = csv_double(t, r, c, dst[k], err, errlen)))
				return rc;
		}
	}
	double *odst[O_BUSY] = { &p->maxmin.median, &p->maxmin.min, &p->maxmin.max, &p->cv,
				 &p->util, &p->other_pct, &p->timer_p50_ns, &p->timer_tick_ns };
	p->maxmin.ci_lo = p->maxmin.ci_hi = NAN;
	for (int k = 0; k < O_BUSY; k++) {
		*odst[k] = NAN;
		if (ocol[k] >= 0 && (rc = csv_double(t, r, ocol[k], odst[k], err, errlen)))
			return rc;
	}
	if (ocol[O_BUSY] >= 0 && (rc = get_flag(t, r, ocol[O_BUSY], &p->busy, err, errlen)))
		return rc;
	p->lock_cost = p->cs_ns == 0 && p->ncs_ns == 0;
	const struct lb_lock_ops *ops = lockset_find(p->lock);
	p->floor = ops && (ops->props & LB_NOT_A_LOCK);
	/* The set's own word for the family, else what this binary's registry says (older sets). */
	p->family = ops ? lb_lock_family(ops) : "";
	if (ocol[O_FAMILY] >= 0 && f[ocol[O_FAMILY]][0]) {
		doc_scrub(f[ocol[O_FAMILY]]);
		p->family = f[ocol[O_FAMILY]];
	}
	return 0;
}

static int cmp_host(const void *a, const void *b, void *arg)
{
	const struct report_set *s = arg;
	const struct report_point *x = a, *y = b;
	size_t hx = 0, hy = 0;
	while (hx < s->nhosts && strcmp(s->hosts[hx], x->host) != 0)
		hx++;
	while (hy < s->nhosts && strcmp(s->hosts[hy], y->host) != 0)
		hy++;
	if (hx != hy)
		return hx < hy ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line); /* stable: file order within a host */
}

/* Several hosts: their points grouped, the first host's first (docs/SWEEP_FILES.md). */
static int group_hosts(struct report_set *s, char *err, size_t errlen)
{
	for (size_t r = 0; r < s->npts; r++) {
		size_t h = 0;
		while (h < s->nhosts && strcmp(s->hosts[h], s->pts[r].host) != 0)
			h++;
		if (h == s->nhosts) {
			if (s->nhosts == REPORT_MAX_HOSTS)
				return report_fail(err, errlen, -E2BIG, "report: more than %d hosts",
						   REPORT_MAX_HOSTS);
			s->hosts[s->nhosts++] = s->pts[r].host;
		}
		s->host_n[h]++;
	}
	if (s->nhosts <= 1)
		return 0;
	qsort_r(s->pts, s->npts, sizeof *s->pts, cmp_host, s);
	for (size_t h = 1; h < s->nhosts; h++)
		s->host_start[h] = s->host_start[h - 1] + s->host_n[h - 1];
	s->npts = s->host_n[0];
	snprintf(s->plot_summary, sizeof s->plot_summary, "hosts/%.60s/summary.csv", s->hosts[0]);
	return 0;
}

static int load_summary(struct report_set *s, char *err, size_t errlen)
{
	char path[4096];
	int col[C_COUNT], ocol[O_COUNT];
	int rc = report_join(path, sizeof path, s->dir, "summary.csv", err, errlen);
	if (rc || (rc = csv_read(path, "summary", &s->summary, err, errlen)))
		return rc;
	const struct csv_table *t = &s->summary;
	for (int c = 0; c < C_STATS; c++)
		if ((col[c] = csv_need_col(t, fixed_cols[c], err, errlen)) < 0)
			return col[c];
	for (int st = 0; st < 5; st++)
		for (int k = 0; k < 5; k++) {
			char name[64];
			snprintf(name, sizeof name, "%s_%s", stat_prefix[st], stat_suffix[k]);
			/* Only throughput has a confidence interval in summary.csv. */
			col[C_STATS + st * 5 + k] = k >= 3 && st != 0 ? csv_col(t, name)
								     : csv_need_col(t, name, err, errlen);
			if (col[C_STATS + st * 5 + k] < 0 && (k < 3 || st == 0))
				return -EINVAL;
		}
	for (int k = 0; k < O_COUNT; k++)
		ocol[k] = csv_col(t, opt_cols[k]);
	int chost = csv_col(t, "host");
	if (t->nrows == 0)
		return report_fail(err, errlen, -EINVAL, "%s: no data rows", path);
	s->timer_res_ns = s->timer_p50_ns = s->timer_tick_ns = NAN;
	s->pts = calloc(t->nrows, sizeof *s->pts);
	if (!s->pts)
		return report_fail(err, errlen, -ENOMEM, "report: out of memory");
	for (size_t r = 0; r < t->nrows; r++) {
		struct report_point *p = &s->pts[s->npts];
		if ((rc = parse_point(t, r, col, ocol, p, err, errlen)))
			return rc;
		p->host = chost >= 0 ? t->rows[r][chost] : "";
		doc_scrub(t->rows[r][chost >= 0 ? chost : 0]);
		s->npts++;
	}
	if ((rc = group_hosts(s, err, errlen)))
		return rc;
	for (size_t r = 0; r < s->npts; r++) {
		const struct report_point *p = &s->pts[r];
		if (p->regime != REGIME_OVERSUBSCRIBED && p->threads > s->cpus)
			s->cpus = p->threads;
		if (isfinite(p->timer_p50_ns) && !(p->timer_p50_ns <= s->timer_p50_ns))
			s->timer_p50_ns = p->timer_p50_ns;
		if (isfinite(p->timer_tick_ns) && !(p->timer_tick_ns <= s->timer_tick_ns))
			s->timer_tick_ns = p->timer_tick_ns;
		/* The coarser of the two is what a latency difference must beat to be real. */
		/* The tick alone: timer_p50_ns is an offset inside every sample, the same for
		 * every lock, so it cancels when two locks are compared; the tick does not. */
		s->timer_res_ns = s->timer_tick_ns;
		/* (cs, ncs) pairs in cs order; at equal cs the lock-cost pair (ncs 0) first. */
		size_t i = 0;
		while (i < s->ncs && (s->cs[i] < p->cs_ns ||
				      (s->cs[i] == p->cs_ns && s->ncs_of[i] < p->ncs_ns)))
			i++;
		if ((i == s->ncs || s->cs[i] != p->cs_ns || s->ncs_of[i] != p->ncs_ns) &&
		    s->ncs < REPORT_MAX_CS) {
			memmove(&s->cs[i + 1], &s->cs[i], (s->ncs - i) * sizeof s->cs[0]);
			memmove(&s->ncs_of[i + 1], &s->ncs_of[i], (s->ncs - i) * sizeof s->ncs_of[0]);
			s->cs[i] = p->cs_ns;
			s->ncs_of[i] = p->ncs_ns;
			s->ncs++;
		}
	}
	return 0;
}

/* The other CSVs: optional, but when present they must be well-formed lockbench v1 files with
 * numbers where numbers belong, so that the plots cannot silently draw garbage. */
static int check_csv(const char *dir, const char *name, const char *kind,
		     const char *const *numeric, char *err, size_t errlen)
{
	char path[4096];
	struct csv_table t;
	int rc = report_join(path, sizeof path, dir, name, err, errlen);
	if (rc || !report_is_file(path))
		return rc;
	if ((rc = csv_read(path, kind, &t, err, errlen)))
		return rc;
	for (size_t i = 0; numeric[i] && !rc; i++) {
		int c = csv_need_col(&t, numeric[i], err, errlen);
		if (c < 0) {
			rc = c;
			break;
		}
		for (size_t r = 0; r < t.nrows && !rc; r++) {
			double v;
			rc = csv_double(&t, r, c, &v, err, errlen);
		}
	}
	csv_free(&t);
	return rc;
}

static int check_other_files(const struct report_set *s, char *err, size_t errlen)
{
	static const char *const cdf[] = { "lock_index", "permits", "threads", "cs_ns",
					   "latency_ns", "cdf", NULL };
	static const char *const c2c[] = { "cpu_a", "cpu_b", "samples", "rtt_ns_median", NULL };
	static const char *const handoff[] = { "lock_index", "cpu_a", "cpu_b", "handoff_ns_median",
					       NULL };
	char path[4096];
	int rc;
	if ((rc = check_csv(s->dir, "latency_cdf.csv", "latency_cdf", cdf, err, errlen)) ||
	    (rc = check_csv(s->dir, "c2c.csv", "c2c", c2c, err, errlen)) ||
	    (rc = check_csv(s->dir, "handoff.csv", "handoff", handoff, err, errlen)) ||
	    (rc = report_join(path, sizeof path, s->dir, "results.csv", err, errlen)))
		return rc;
	/* results.csv can be large and the report does not draw from it: its version is enough. */
	return report_is_file(path) ? csv_check_file(path, "results", err, errlen) : 0;
}

/* --- writing --------------------------------------------------------------------------------- */

static int write_atomic(const char *dir, const char *name, const char *buf, size_t len,
			char *err, size_t errlen)
{
	char final[4096];
	int rc = report_join(final, sizeof final, dir, name, err, errlen);
	if (!rc && (rc = file_replace(final, buf, len)) != 0)
		report_fail(err, errlen, rc, "report: writing %s: %s", final, strerror(-rc));
	return rc;
}

/* Render one document into memory (*buf, to free). */
static int render_doc(const struct report_set *s, const char *name, bool html, char **buf,
		      size_t *len, char *err, size_t errlen)
{
	FILE *f = open_memstream(buf, len);
	if (!f)
		return report_fail(err, errlen, -errno, "report: open_memstream: %s",
				   strerror(errno));
	int rc = html ? report_write_html(s, f, err, errlen) : report_write_md(s, f, err, errlen);
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad)
		rc = rc ? rc : report_fail(err, errlen, -ENOMEM, "report: rendering %s failed",
					   name);
	return rc;
}

/* Both documents are rendered before either is written: a failure to render leaves the old
 * pair as it was. (A failed write of report.md after report.html still leaves a new .html
 * beside an old .md: each is written atomically, the pair is not.) */
static int write_docs(const struct report_set *s, char *err, size_t errlen)
{
	char *html = NULL, *md = NULL;
	size_t hlen = 0, mlen = 0;
	int rc = render_doc(s, "report.html", true, &html, &hlen, err, errlen);
	if (!rc)
		rc = render_doc(s, "report.md", false, &md, &mlen, err, errlen);
	if (!rc)
		rc = write_atomic(s->dir, "report.html", html, hlen, err, errlen);
	if (!rc)
		rc = write_atomic(s->dir, "report.md", md, mlen, err, errlen);
	free(html);
	free(md);
	return rc;
}

/* DIR is a result set: a directory with a summary.csv. */
static int check_set_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	char summary[4096];
	int rc;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return report_fail(err, errlen, -ENOTDIR, "report: '%s' is not a directory", dir);
	if ((rc = report_join(summary, sizeof summary, dir, "summary.csv", err, errlen)))
		return rc;
	if (!report_is_file(summary))
		return report_fail(err, errlen, -ENOTDIR,
				   "report: '%s' is not a result set: it has no summary.csv", dir);
	return 0;
}

int report_print_summary(const char *dir, FILE *out, char *err, size_t errlen)
{
	struct report_set s = { .dir = dir, .complete = -1 };
	int rc = check_set_dir(dir, err, errlen);
	if (!rc && !(rc = load_meta(&s, err, errlen)) && !(rc = load_summary(&s, err, errlen))) {
		struct doc d;
		doc_init(&d, out, false, DOC_MD_PROSE);
		rc = report_summary_section(&d, &s);
		int wrc = doc_finish(&d);
		if (rc == -EINVAL)
			rc = report_fail(err, errlen, rc, "report: more than %d locks at one point",
					 VERDICT_MAX);
		else if (rc)
			rc = report_fail(err, errlen, rc, "report: out of memory");
		else if (wrc)
			rc = report_fail(err, errlen, wrc, "report: writing the summary: %s",
					 strerror(-wrc));
	}
	free(s.pts);
	csv_free(&s.summary);
	json_free(&s.meta);
	return rc;
}

int report_build(const char *dir, char *err, size_t errlen)
{
	struct report_set s = { .dir = dir, .complete = -1 };
	int rc = check_set_dir(dir, err, errlen);
	if (rc)
		return rc;

	if (!(rc = load_meta(&s, err, errlen)) && !(rc = load_summary(&s, err, errlen)) &&
	    !(rc = check_other_files(&s, err, errlen))) {
		const char *scripts = report_plots_dir();
		if (!scripts)
			rc = report_fail(err, errlen, -ENOENT,
					 "report: the gnuplot scripts are not found; "
					 "set LOCKBENCH_PLOTS to lockbench's plots/ folder");
		else
			rc = report_make_plots(&s, scripts, err, errlen);
	}
	if (!rc)
		rc = write_docs(&s, err, errlen);

	free(s.pts);
	csv_free(&s.summary);
	json_free(&s.meta);
	return rc;
}
