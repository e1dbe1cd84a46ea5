/* compare.c — `lockbench compare A B`: two result sets side by side, point by point. This file
 * reads the two sets, matches their points and gives each match its verdict; compare_doc.c writes
 * the table, compare.csv, compare.md and the plot.
 *
 * A and B are result sets (docs/SWEEP_FILES.md) from two machines, two kernels or two versions
 * of a lock. Points are matched on (lock, permits, threads, cs_ns, ncs_ns); for each one the table gives
 * B's median over A's and the range the two spreads allow, B.lo / A.hi .. B.hi / A.lo. A
 * difference is named only when the two spreads do not overlap — the report's tie rule,
 * verdict_overlap — because on these shared VMs two medians a few percent apart swap places from
 * one run to the next, and calling one of them "faster" would be reporting noise. A side's spread
 * is the one its plots draw: the 95 % CI of the median where summary.csv has one (spread = ci95),
 * else min..max of the repetitions.
 *
 * Both sets are read in full and checked before anything is written, and a set of another format
 * version is refused. compare.csv, compare.md and the overlay plot (plots/compare.gp, PNG and
 * SVG) go to --out, by default B/compare-<name of A>/, each through a temporary name and a rename.
 * The table is printed and compare.csv rendered before gnuplot runs, and both files are
 * rendered before either is written, so a missing gnuplot costs only the plot and a failure to
 * render leaves the old pair.
 *
 * Its command line is cli/cmd_compare.c.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/compare.h"
#include "report/doc.h"
#include "results/csvread.h"
#include "results/file.h"
#include "results/jsonread.h"
#include "results/metrics.h"
#include "report/report.h"

/* compare's view of the metric table's compared rows (results/metrics.c): the direction and
 * the words come from there; filled on first use. */
static struct cmp_metric metrics[16];
static size_t nmetrics;

static void load_metrics(void)
{
	static bool loaded;
	if (loaded)
		return;
	loaded = true;
	for (size_t i = 0; i < metric_count; i++) {
		const struct metric *d = &metric_table[i];
		if (!d->compared || nmetrics == sizeof metrics / sizeof metrics[0])
			continue;
		metrics[nmetrics++] = (struct cmp_metric){
			d->column, d->what, d->unit,
			d->higher_better ? VERDICT_HIGHER_BETTER : VERDICT_LOWER_BETTER, d->better,
			d->worse
		};
	}
}

const char cmp_no_difference[] = "no difference";

/* --- reading a result set -------------------------------------------------------------------- */

static int load_meta(struct cmp_set *s, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof path, "%s/meta.json", s->dir);
	if (stat(path, &st) != 0) {
		snprintf(s->about, sizeof s->about, "no meta.json");
		return 0;
	}
	struct json_flat j = { 0 };
	int rc = json_read_flat(path, &j, err, errlen);
	if (rc)
		return rc;
	rc = report_check_meta_format(path, &j, err, errlen);
	/* The sweep writes meta.*; the older flat layout is read too. */
	static const char *const keys[][2] = {
		{ "meta.host", "host" },
		{ "meta.cpu_model", "machine.cpu_model" },
		{ "meta.kernel", "machine.kernel" },
		{ "meta.lockbench_version", "build.lockbench_version" },
		{ "meta.git_revision", "build.git_revision" },
		{ "meta.date_utc", "started_utc" },
	};
	size_t o = 0;
	for (size_t k = 0; k < sizeof keys / sizeof keys[0] && o < sizeof s->about; k++) {
		const char *v = json_get(&j, keys[k][0]);
		v = v ? v : json_get(&j, keys[k][1]);
		o += (size_t)snprintf(s->about + o, sizeof s->about - o, "%s%s%s",
				      k ? "; " : "", k == 3 ? "lockbench " : "", v ? v : "?");
	}
	const char *complete = json_get(&j, "sweep.complete");
	if (complete && strcmp(complete, "true") != 0 && o < sizeof s->about)
		snprintf(s->about + o, sizeof s->about - o, "; INCOMPLETE result set");
	doc_scrub(s->about);
	json_free(&j);
	return rc;
}

static int get_count(const struct csv_table *t, size_t r, int c, double max, double *out,
		     char *err, size_t errlen)
{
	int rc = csv_double(t, r, c, out, err, errlen);
	if (rc)
		return rc;
	if (!(*out >= 0 && *out <= max && *out == floor(*out)))
		return report_fail(err, errlen, -EINVAL,
				   "%s:%u: column '%s': '%s' is not a whole number%s", t->path,
				   t->line[r], t->header[c], t->rows[r][c],
				   isnan(*out) ? " (it is empty)" : "");
	return 0;
}

/* Order of points for matching: the key (lock, permits, cs_ns, ncs_ns, threads). ncs_ns keeps a
 * lock-cost point (cs 0, ncs 0) apart from a user's own --cs 0. */
static int key_cmp(const struct cmp_point *x, const struct cmp_point *y)
{
	int c = strcmp(x->lock, y->lock);
	if (c)
		return c;
	if (x->permits != y->permits)
		return x->permits < y->permits ? -1 : 1;
	if (x->cs_ns != y->cs_ns)
		return x->cs_ns < y->cs_ns ? -1 : 1;
	if (!isnan(x->ncs_ns) && !isnan(y->ncs_ns) && x->ncs_ns != y->ncs_ns)
		return x->ncs_ns < y->ncs_ns ? -1 : 1;
	if (x->threads != y->threads)
		return x->threads < y->threads ? -1 : 1;
	return 0;
}

static int key_qsort(const void *x, const void *y)
{
	return key_cmp(x, y);
}

enum { C_LOCK, C_INDEX, C_PERMITS, C_THREADS, C_CS, C_DISAGREE, C_NOISY, C_STATUS, C_SPREAD,
       C_MEDIAN, C_MIN, C_MAX, C_NEED };

static int load_points(struct cmp_set *s, const struct cmp_metric *m, char *err, size_t errlen)
{
	const struct csv_table *t = &s->t;
	const char *fixed[] = { "lock", "lock_index", "permits", "threads", "cs_ns", "disagree",
				"noisy", "status", "spread" };
	int col[C_NEED];
	char name[64];
	for (int i = 0; i < C_NEED; i++) {
		if (i < C_MEDIAN)
			snprintf(name, sizeof name, "%s", fixed[i]);
		else
			snprintf(name, sizeof name, "%s_%s", m->name,
				 i == C_MEDIAN ? "median" : i == C_MIN ? "min" : "max");
		if ((col[i] = csv_need_col(t, name, err, errlen)) < 0)
			return -EINVAL;
	}
	snprintf(name, sizeof name, "%s_ci_lo", m->name);
	int ci_lo = csv_col(t, name);
	snprintf(name, sizeof name, "%s_ci_hi", m->name);
	int ci_hi = csv_col(t, name);
	int cncs = csv_col(t, "ncs_ns");
	int chost = csv_col(t, "host");
	if (s->host && chost < 0)
		return report_fail(err, errlen, -ENOTDIR, "compare: --host: %s has no host column "
				   "(not a merged set)", t->path);

	s->pts = calloc(t->nrows ? t->nrows : 1, sizeof *s->pts);
	if (!s->pts)
		return report_fail(err, errlen, -ENOMEM, "compare: out of memory");
	for (size_t r = 0; r < t->nrows; r++) {
		if (s->host && strcmp(t->rows[r][chost], s->host) != 0)
			continue;
		struct cmp_point *p = &s->pts[s->n++];
		double idx, permits, threads, min, max, lo = NAN, hi = NAN;
		int rc;
		p->line = t->line[r];
		doc_scrub(t->rows[r][col[C_LOCK]]); /* no markers or control characters in text */
		doc_scrub(t->rows[r][col[C_STATUS]]);
		p->lock = t->rows[r][col[C_LOCK]];
		p->status = t->rows[r][col[C_STATUS]];
		if (!*p->lock)
			return report_fail(err, errlen, -EINVAL, "%s:%u: column 'lock' is empty",
					   t->path, p->line);
		if ((rc = get_count(t, r, col[C_INDEX], 1e6, &idx, err, errlen)) ||
		    (rc = get_count(t, r, col[C_PERMITS], 1e9, &permits, err, errlen)) ||
		    (rc = get_count(t, r, col[C_THREADS], 1e9, &threads, err, errlen)) ||
		    (rc = csv_double(t, r, col[C_CS], &p->cs_ns, err, errlen)) ||
		    (rc = csv_double(t, r, col[C_MEDIAN], &p->median, err, errlen)) ||
		    (rc = csv_double(t, r, col[C_MIN], &min, err, errlen)) ||
		    (rc = csv_double(t, r, col[C_MAX], &max, err, errlen)) ||
		    (ci_lo >= 0 && (rc = csv_double(t, r, ci_lo, &lo, err, errlen))) ||
		    (ci_hi >= 0 && (rc = csv_double(t, r, ci_hi, &hi, err, errlen))))
			return rc;
		p->ncs_ns = NAN;
		if (cncs >= 0 && (rc = csv_double(t, r, cncs, &p->ncs_ns, err, errlen)))
			return rc;
		if (isnan(p->cs_ns))
			return report_fail(err, errlen, -EINVAL, "%s:%u: column 'cs_ns' is empty",
					   t->path, p->line);
		p->lock_index = (long)idx;
		p->permits = (unsigned)permits;
		p->threads = (unsigned)threads;
		p->disagree = strcmp(t->rows[r][col[C_DISAGREE]], "1") == 0;
		p->noisy = strcmp(t->rows[r][col[C_NOISY]], "1") == 0;
		bool ci = strcmp(t->rows[r][col[C_SPREAD]], "ci95") == 0 && !isnan(lo) && !isnan(hi);
		p->lo = ci ? lo : min;
		p->hi = ci ? hi : max;
		/* A bound that is missing, or on the wrong side of the median, is the median. */
		if (!(p->lo <= p->median))
			p->lo = p->median;
		if (!(p->hi >= p->median))
			p->hi = p->median;
	}
	if (s->host && s->n == 0)
		return report_fail(err, errlen, -ENOTDIR, "compare: --host: '%s' is not a host of "
				   "%s", s->host, t->path);
	qsort(s->pts, s->n, sizeof *s->pts, key_qsort);
	for (size_t i = 1; i < s->n; i++)
		if (key_cmp(&s->pts[i - 1], &s->pts[i]) == 0) {
			const struct cmp_point *p = &s->pts[i];
			unsigned first = s->pts[i - 1].line < p->line ? s->pts[i - 1].line : p->line;
			unsigned second = s->pts[i - 1].line < p->line ? p->line : s->pts[i - 1].line;
			return report_fail(err, errlen, -EINVAL,
					   "%s:%u: point %s/%u/%u/%g/%g appears again "
					   "(first on line %u)%s", t->path, second, p->lock, p->permits,
					   p->threads, p->cs_ns, p->ncs_ns, first,
					   chost >= 0 && !s->host ? "; a set of several hosts: "
						"compare two of them with --host A --host B" : "");
		}
	return 0;
}

/* The set's name: the last component of its path ("results/x/" and "." name well too). */
static void set_label(struct cmp_set *s)
{
	char buf[PATH_MAX];
	if (!realpath(s->dir, buf))
		snprintf(buf, sizeof buf, "%s", s->dir);
	snprintf(s->name, sizeof s->name, "%s", basename(buf));
	doc_scrub(s->name); /* shown in compare.md and the plot: no control characters */
	if (s->host) /* two hosts of one set: the hosts name them */
		snprintf(s->name, sizeof s->name, "%s", s->host);
	snprintf(s->label, sizeof s->label, "%s", s->name);
}

/* A result set: -ENOTDIR (a usage problem: not a result set), -EPROTO (another format version),
 * -EINVAL (a malformed file), other -errno (unreadable). */
static int load_set(struct cmp_set *s, const struct cmp_metric *m, char *err, size_t errlen)
{
	struct stat st;
	if (stat(s->dir, &st) != 0)
		return report_fail(err, errlen, -ENOTDIR, "compare: '%s': %s", s->dir,
				   strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return report_fail(err, errlen, -ENOTDIR,
				   "compare: '%s' is not a directory (expected a result set)",
				   s->dir);
	if ((size_t)snprintf(s->summary, sizeof s->summary, "%s/summary.csv", s->dir) >=
	    sizeof s->summary)
		return report_fail(err, errlen, -ENOTDIR, "compare: '%s': path too long", s->dir);
	/* A merged set keeps each host's summary in hosts/NAME/: the plot draws that one. */
	char host_summary[PATH_MAX];
	if (s->host &&
	    (size_t)snprintf(host_summary, sizeof host_summary, "%s/hosts/%s/summary.csv", s->dir,
			     s->host) < sizeof host_summary &&
	    stat(host_summary, &st) == 0)
		snprintf(s->summary, sizeof s->summary, "%s", host_summary);
	if (stat(s->summary, &st) != 0 && errno == ENOENT)
		return report_fail(err, errlen, -ENOTDIR,
				   "compare: '%s' is not a result set: it has no summary.csv",
				   s->dir);
	set_label(s);
	int rc = csv_read(s->summary, "summary", &s->t, err, errlen);
	if (!rc)
		rc = load_meta(s, err, errlen);
	if (!rc)
		rc = load_points(s, m, err, errlen);
	return rc;
}

static void free_set(struct cmp_set *s)
{
	free(s->pts);
	csv_free(&s->t);
}

/* --- matching and the verdict ---------------------------------------------------------------- */

static void judge(struct cmp_row *r, const struct cmp_metric *m)
{
	const struct cmp_point *a = r->a, *b = r->b;
	r->ratio = r->ratio_lo = r->ratio_hi = NAN;
	if (!a || !b) {
		r->verdict = a ? "only in A" : "only in B";
		return;
	}
	if (isnan(a->median) || isnan(b->median)) {
		r->verdict = "not measured";
		return;
	}
	if (a->median > 0) {
		r->ratio = b->median / a->median;
		r->ratio_lo = b->lo / a->hi;
		r->ratio_hi = a->lo > 0 ? b->hi / a->lo : INFINITY;
	}
	if (verdict_overlap(a->lo, a->hi, b->lo, b->hi))
		r->verdict = cmp_no_difference;
	else if ((b->median > a->median) == (m->goal == VERDICT_HIGHER_BETTER))
		r->verdict = m->better;
	else
		r->verdict = m->worse;
}

/* Table order: the registry's (lock_index, as the plots' colours), then the key. */
static int row_qsort(const void *x, const void *y)
{
	const struct cmp_row *rx = x, *ry = y;
	const struct cmp_point *px = rx->a ? rx->a : rx->b, *py = ry->a ? ry->a : ry->b;
	if (px->lock_index != py->lock_index)
		return px->lock_index < py->lock_index ? -1 : 1;
	return key_cmp(px, py);
}

/* Every point of A with its match in B, then B's points that A lacks. */
static struct cmp_row *match(struct cmp_set *a, struct cmp_set *b, const struct cmp_metric *m,
			     size_t *nrows)
{
	struct cmp_row *rows = calloc(a->n + b->n + 1, sizeof *rows);
	size_t n = 0;
	if (!rows)
		return NULL;
	for (size_t i = 0; i < a->n; i++) {
		struct cmp_point *pb = bsearch(&a->pts[i], b->pts, b->n, sizeof *b->pts, key_qsort);
		rows[n].a = &a->pts[i];
		rows[n].b = pb;
		if (pb)
			pb->matched = true;
		judge(&rows[n++], m);
	}
	for (size_t i = 0; i < b->n; i++)
		if (!b->pts[i].matched) {
			rows[n].b = &b->pts[i];
			judge(&rows[n++], m);
		}
	qsort(rows, n, sizeof *rows, row_qsort);
	*nrows = n;
	return rows;
}


/* Close the memory stream f of *buf: 0, or -ENOMEM if any write to it failed. */
static int rendered(FILE *f, const char *name, char *err, size_t errlen)
{
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad)
		return report_fail(err, errlen, -ENOMEM, "compare: rendering %s: out of memory", name);
	return 0;
}

static int save(const char *dir, const char *name, const char *buf, size_t len, char *err,
		size_t errlen)
{
	int rc = file_write_atomic(dir, name, buf, len);
	if (rc)
		return report_fail(err, errlen, rc, "compare: writing %s/%s: %s", dir, name,
				   strerror(-rc));
	return 0;
}

static int compare(struct cmp_set *a, struct cmp_set *b, const struct cmp_metric *m,
		   const char *out_opt, char *err, size_t errlen)
{
	int rc = load_set(a, m, err, errlen);
	if (rc || (rc = load_set(b, m, err, errlen)))
		return rc;
	if (!strcmp(a->name, b->name)) {
		snprintf(a->label, sizeof a->label, "%s (A)", a->name);
		snprintf(b->label, sizeof b->label, "%s (B)", b->name);
	}
	size_t n;
	struct cmp_row *rows = match(a, b, m, &n);
	if (!rows)
		return report_fail(err, errlen, -ENOMEM, "compare: out of memory");
	cmp_write_text(stdout, a, b, rows, n, m);
	fflush(stdout);

	char out[PATH_MAX], plot_err[512] = "", *csv = NULL, *md = NULL;
	size_t csv_len = 0, md_len = 0, olen;
	FILE *f = NULL;
	struct stat st;
	if (out_opt)
		olen = (size_t)snprintf(out, sizeof out, "%s", out_opt);
	else if (a->host)
		olen = (size_t)snprintf(out, sizeof out, "%s/compare-%s-vs-%s", b->dir, a->name,
					b->name);
	else
		olen = (size_t)snprintf(out, sizeof out, "%s/compare-%s", b->dir, a->name);
	if (olen >= sizeof out)
		rc = report_fail(err, errlen, -ENAMETOOLONG, "compare: '%s': path too long",
				 b->dir);
	else if (mkdir(out, 0755) != 0 && errno != EEXIST)
		rc = report_fail(err, errlen, -errno, "compare: cannot create %s: %s", out,
				 strerror(errno));
	else if (stat(out, &st) != 0 || !S_ISDIR(st.st_mode))
		rc = report_fail(err, errlen, -ENOTDIR, "compare: --out: '%s' is not a directory",
				 out);
	else if (!(f = open_memstream(&csv, &csv_len)))
		rc = report_fail(err, errlen, -errno, "compare: open_memstream: %s",
				 strerror(errno));
	if (!rc) {
		cmp_write_csv(f, rows, n, m);
		rc = rendered(f, "compare.csv", err, errlen);
	}
	/* The plot is drawn before either file is written (compare.md says whether it was), and
	 * both are rendered first: a failure to render leaves the old pair. (The two renames are
	 * not one: a failed write of compare.md still leaves a new compare.csv.) */
	int plot_rc = rc ? 0 : cmp_draw_plots(a, b, m, out, plot_err, sizeof plot_err);
	if (!rc && !(f = open_memstream(&md, &md_len)))
		rc = report_fail(err, errlen, -errno, "compare: open_memstream: %s",
				 strerror(errno));
	if (!rc) {
		cmp_write_md(f, a, b, rows, n, m, plot_rc ? plot_err + strlen("compare: ") : NULL);
		rc = rendered(f, "compare.md", err, errlen);
	}
	if (!rc)
		rc = save(out, "compare.csv", csv, csv_len, err, errlen);
	if (!rc)
		rc = save(out, "compare.md", md, md_len, err, errlen);
	free(csv);
	free(md);
	free(rows);
	if (!rc && plot_rc)
		return report_fail(err, errlen, plot_rc,
				   "%s (compare.csv and compare.md are in %s)", plot_err, out);
	if (!rc)
		printf("wrote %s/compare.csv, compare.md, compare.png, compare.svg\n", out);
	return rc;
}

const struct cmp_metric *cmp_metric_find(const char *name)
{
	load_metrics();
	for (size_t i = 0; i < nmetrics; i++)
		if (name && strcmp(name, metrics[i].name) == 0)
			return &metrics[i];
	return NULL;
}

void cmp_metric_names(char *buf, size_t len, const char *sep)
{
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	load_metrics();
	for (size_t i = 0; i < nmetrics && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? sep : "", metrics[i].name);
		if (w < 0)
			return;
		used += (size_t)w;
	}
}

int compare_sets(const char *dir_a, const char *dir_b, const struct cmp_metric *m,
		 const char *out, char *err, size_t errlen)
{
	struct cmp_set a = { .dir = dir_a }, b = { .dir = dir_b };
	int rc = compare(&a, &b, m ? m : cmp_metric_find("mops"), out, err, errlen);
	free_set(&a);
	free_set(&b);
	return rc;
}

int compare_hosts(const char *dir, const char *host_a, const char *host_b,
		  const struct cmp_metric *m, const char *out, char *err, size_t errlen)
{
	struct cmp_set a = { .dir = dir, .host = host_a }, b = { .dir = dir, .host = host_b };
	int rc = compare(&a, &b, m ? m : cmp_metric_find("mops"), out, err, errlen);
	free_set(&a);
	free_set(&b);
	return rc;
}
