/* compare_doc.c — what `lockbench compare` writes: the table (aligned on the terminal, markdown
 * in compare.md), compare.csv and the overlay plot. The points, their matches and verdicts come
 * from compare.c; nothing here decides anything.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "report/compare.h"
#include "report/doc.h"
#include "results/output.h"
#include "report/report.h"

/* --- rendering: one table writer for the terminal (aligned) and compare.md (markdown) -------- */

enum { K_LOCK, K_PERMITS, K_THREADS, K_CS, K_A, K_B, K_RATIO, K_VERDICT, K_NOTE, K_COLS };
#define K_KEY (1u << K_LOCK | 1u << K_PERMITS | 1u << K_THREADS | 1u << K_CS)

static const char *const headings[K_COLS] = { "lock", "permits", "threads", "cs_ns",
					      "A median [spread]", "B median [spread]",
					      "B/A [range]", "verdict", "note" };

/* 4 significant digits, but whole numbers up to 10^9 in full: "900000", not "9e+05". */
static const char *fmt_num(char *buf, size_t len, double v)
{
	snprintf(buf, len, fabs(v) >= 1e4 && fabs(v) < 1e9 ? "%.0f" : "%.4g", v);
	return buf;
}

static void fmt_value(char *buf, size_t len, const struct cmp_point *p)
{
	char x[24], lo[24], hi[24];
	if (!p || isnan(p->median))
		snprintf(buf, len, "-");
	else if (p->lo == p->hi)
		snprintf(buf, len, "%s [no spread]", fmt_num(x, sizeof x, p->median));
	else
		snprintf(buf, len, "%s [%s..%s]", fmt_num(x, sizeof x, p->median),
			 fmt_num(lo, sizeof lo, p->lo), fmt_num(hi, sizeof hi, p->hi));
}

static const char *fmt_ratio(char *buf, size_t len, double v)
{
	if (isinf(v))
		snprintf(buf, len, "inf");
	else
		snprintf(buf, len, v >= 0.01 && v < 100 ? "%.2f" : "%.3g", v);
	return buf;
}

/* "A: reps disagree, noisy; B: stuck" — what makes a point's numbers less trustworthy. */
static void fmt_note(char *buf, size_t len, const struct cmp_row *r)
{
	const struct cmp_point *side[2] = { r->a, r->b };
	size_t o = 0;
	buf[0] = '\0';
	for (int s = 0; s < 2 && o < len; s++) {
		const struct cmp_point *p = side[s];
		bool bad = p && strcmp(p->status, "ok") != 0;
		if (!p || (!p->disagree && !p->noisy && !bad))
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%c:%s%s%s%.20s", o ? "; " : "",
				      s ? 'B' : 'A', p->disagree ? " reps disagree" : "",
				      p->noisy ? (p->disagree ? ", noisy" : " noisy") : "",
				      bad ? (p->disagree || p->noisy ? ", " : " ") : "",
				      bad ? p->status : "");
	}
}

/* The row's cells: the lock's name is the file's (of any length), the rest formatted in k. */
static void fill_cells(char k[K_COLS][96], const char *cells[K_COLS], const struct cmp_row *r)
{
	const struct cmp_point *p = r->a ? r->a : r->b;
	char x[24], lo[24], hi[24];
	for (int c = 0; c < K_COLS; c++)
		cells[c] = k[c];
	cells[K_LOCK] = p->lock;
	snprintf(k[K_PERMITS], 96, "%u", p->permits);
	snprintf(k[K_THREADS], 96, "%u", p->threads);
	if (p->cs_ns == 0 && p->ncs_ns == 0)
		snprintf(k[K_CS], 96, "0 (ncs 0: lock cost)");
	else
		snprintf(k[K_CS], 96, "%g", p->cs_ns);
	fmt_value(k[K_A], 96, r->a);
	fmt_value(k[K_B], 96, r->b);
	if (isnan(r->ratio))
		snprintf(k[K_RATIO], 96, "-");
	else
		snprintf(k[K_RATIO], 96, "%s [%s..%s]", fmt_ratio(x, sizeof x, r->ratio),
			 fmt_ratio(lo, sizeof lo, r->ratio_lo), fmt_ratio(hi, sizeof hi, r->ratio_hi));
	snprintf(k[K_VERDICT], 96, "%s", r->verdict);
	fmt_note(k[K_NOTE], 96, r);
}

static bool right_aligned(int c)
{
	return c == K_PERMITS || c == K_THREADS || c == K_CS;
}

/* One row of the columns in `mask`, aligned to w[] for the terminal. */
static void put_row(FILE *f, const char *const cells[K_COLS], const size_t w[K_COLS],
		    unsigned mask)
{
	char line[1024];
	size_t o = 0;
	for (int c = 0; c < K_COLS && o < sizeof line; c++)
		if (mask & 1u << c)
			o += (size_t)snprintf(line + o, sizeof line - o, "%s%*s",
					      c == 0 ? "" : c <= K_CS ? " " : "  ",
					      right_aligned(c) ? (int)w[c] : -(int)w[c], cells[c]);
	o = o < sizeof line ? o : sizeof line - 1;
	while (o > 0 && line[o - 1] == ' ')
		o--;
	fprintf(f, "%.*s\n", (int)o, line);
}

/* The same row of compare.md: the columns in `mask`, packed. */
static void doc_put_row(struct doc *d, const char *const cells[K_COLS], unsigned mask, bool head)
{
	const char *packed[K_COLS];
	size_t n = 0;
	unsigned right = 0;
	for (int c = 0; c < K_COLS; c++)
		if (mask & 1u << c) {
			right |= (unsigned)right_aligned(c) << n;
			packed[n++] = cells[c];
		}
	if (head)
		doc_table_start(d, NULL, packed, n, right);
	else
		doc_row(d, packed, n, false);
}

/* The points in both sets, then each set's own (without the other set's columns): on the
 * terminal (d NULL) aligned in f, else as compare.md's tables in d. */
static void write_table(FILE *f, struct doc *d, const struct cmp_set *a, const struct cmp_set *b,
			const struct cmp_row *rows, size_t n)
{
	static const unsigned masks[3] = { (1u << K_COLS) - 1, K_KEY | 1u << K_A | 1u << K_NOTE,
					   K_KEY | 1u << K_B | 1u << K_NOTE };
	size_t w[K_COLS];
	char k[K_COLS][96];
	const char *cells[K_COLS];
	for (int c = 0; c < K_COLS; c++)
		w[c] = strlen(headings[c]);
	for (size_t i = 0; i < n; i++) {
		fill_cells(k, cells, &rows[i]);
		for (int c = 0; c < K_COLS; c++)
			w[c] = strlen(cells[c]) > w[c] ? strlen(cells[c]) : w[c];
	}
	for (int pass = 0; pass < 3; pass++) {
		bool any = false;
		for (size_t i = 0; i < n; i++) {
			const struct cmp_row *r = &rows[i];
			if (pass == 0 ? !(r->a && r->b) : pass == 1 ? r->b != NULL : r->a != NULL)
				continue;
			if (!any && pass && d) {
				char title[256];
				snprintf(title, sizeof title, "Only in %s (%s)", pass == 1 ? "A" : "B",
					 pass == 1 ? a->label : b->label);
				doc_heading(d, 2, pass == 1 ? "only-a" : "only-b", title);
			} else if (!any && pass) {
				fprintf(f, "\nonly in %s (%s):\n", pass == 1 ? "A" : "B",
					pass == 1 ? a->label : b->label);
			}
			if (!any)
				d ? doc_put_row(d, headings, masks[pass], true)
				  : put_row(f, headings, w, masks[pass]);
			any = true;
			fill_cells(k, cells, r);
			d ? doc_put_row(d, cells, masks[pass], false) : put_row(f, cells, w, masks[pass]);
		}
		if (any && d)
			doc_table_end(d);
		if (!any && pass == 0 && d)
			doc_raw(d, "no point is in both sets\n");
		else if (!any && pass == 0)
			fputs("no point is in both sets\n", f);
	}
}

/* "6 points in both: 2 faster, 1 slower, 3 no difference; 1 only in A, 2 only in B" */
static void counts(char *buf, size_t len, const struct cmp_row *rows, size_t n,
		   const struct cmp_metric *m)
{
	size_t both = 0, better = 0, worse = 0, same = 0, only_a = 0, only_b = 0;
	for (size_t i = 0; i < n; i++) {
		const char *v = rows[i].verdict;
		only_a += !rows[i].b;
		only_b += !rows[i].a;
		both += rows[i].a && rows[i].b;
		better += v == m->better;
		worse += v == m->worse;
		same += v == cmp_no_difference;
	}
	char unmeasured[64] = "";
	if (both - better - worse - same)
		snprintf(unmeasured, sizeof unmeasured, ", %zu not measured",
			 both - better - worse - same);
	snprintf(buf, len, "%zu points in both: %zu %s, %zu %s, %zu %s%s; %zu only in A, %zu only in B",
		 both, better, m->better, worse, m->worse, same, cmp_no_difference, unmeasured, only_a,
		 only_b);
}

/* "mops (Mops/s; higher is better), B relative to A" */
static void what_text(char *buf, size_t len, const struct cmp_metric *m)
{
	snprintf(buf, len, "%s (%s%s%s is better), B relative to A", m->what, m->unit,
		 *m->unit ? "; " : "", m->goal == VERDICT_HIGHER_BETTER ? "higher" : "lower");
}

/* How to read the table, in two lines: a line break on the terminal, a soft break inside a
 * markdown paragraph. */
static const char spread_line[] =
	"spread: the 95 % CI of the median where the set has one, else min..max of the repetitions;";
static const char ratio_line[] = "B/A [range]: B's median over A's [B.lo/A.hi..B.hi/A.lo]; \"%s\" "
				 "when the two spreads overlap";

/* The terminal's text. */
void cmp_write_text(FILE *f, const struct cmp_set *a, const struct cmp_set *b,
		    const struct cmp_row *rows, size_t n, const struct cmp_metric *m)
{
	char buf[512];
	what_text(buf, sizeof buf, m);
	fprintf(f, "compare: %s\n  A = %s  (%s: %s)\n  B = %s  (%s: %s)\n", buf, a->label, a->dir,
		a->about, b->label, b->dir, b->about);
	fprintf(f, "%s\n", spread_line);
	fprintf(f, ratio_line, cmp_no_difference);
	fputs("\n\n", f);
	write_table(f, NULL, a, b, rows, n);
	counts(buf, sizeof buf, rows, n, m);
	fprintf(f, "\n%s\n", buf);
}

void cmp_write_csv(FILE *f, const struct cmp_row *rows, size_t n, const struct cmp_metric *m)
{
	fprintf(f, "lock,lock_index,permits,threads,cs_ns,ncs_ns,metric,a_median,a_lo,a_hi,b_median,b_lo,"
		   "b_hi,ratio,ratio_lo,ratio_hi,verdict,note" CSV_VERSION_HEADER "\n");
	for (size_t i = 0; i < n; i++) {
		const struct cmp_row *r = &rows[i];
		const struct cmp_point *p = r->a ? r->a : r->b;
		const double v[] = { r->a ? r->a->median : NAN, r->a ? r->a->lo : NAN,
				     r->a ? r->a->hi : NAN,     r->b ? r->b->median : NAN,
				     r->b ? r->b->lo : NAN,     r->b ? r->b->hi : NAN,
				     r->ratio,                  r->ratio_lo,
				     r->ratio_hi };
		char note[96];
		fmt_note(note, sizeof note, r);
		output_csv_field(f, p->lock);
		fprintf(f, ",%ld,%u,%u,%g,", p->lock_index, p->permits, p->threads, p->cs_ns);
		if (!isnan(p->ncs_ns))
			fprintf(f, "%g", p->ncs_ns);
		fprintf(f, ",%s", m->name);
		for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
			if (isnan(v[j]))
				fputc(',', f);
			else if (isinf(v[j]))
				fputs(",inf", f);
			else
				fprintf(f, ",%.6g", v[j]);
		fputc(',', f);
		output_csv_field(f, r->verdict);
		fputc(',', f);
		output_csv_field(f, note);
		fputs(CSV_VERSION_FIELD "\n", f);
	}
}

/* DOC_CODE path DOC_CODE, the path's own control characters (markers among them) scrubbed. */
static void code_span(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, DOC_CODE "%s", path);
	doc_scrub(buf + 1);
	snprintf(buf + strlen(buf), len - strlen(buf), DOC_CODE);
}

/* compare.md: the terminal's text as markdown, with the plot. */
void cmp_write_md(FILE *f, const struct cmp_set *a, const struct cmp_set *b,
		  const struct cmp_row *rows, size_t n, const struct cmp_metric *m,
		  const char *no_plot)
{
	static const char *const head[] = { "", "set", "path", "machine" };
	struct doc d;
	char buf[512], adir[PATH_MAX + 2], bdir[PATH_MAX + 2];
	doc_init(&d, f, false, DOC_MD_CELLS);
	/* `<`, `>` and `&` in the other sets' names and meta.json are entities, even here. */
	what_text(buf, sizeof buf, m);
	doc_raw(&d, "# lockbench compare: ");
	doc_text(&d, buf);
	doc_raw(&d, "\n\n");
	code_span(adir, sizeof adir, a->dir);
	code_span(bdir, sizeof bdir, b->dir);
	doc_table_start(&d, NULL, head, 4, 0);
	doc_row(&d, (const char *[]){ "A", a->label, adir, a->about }, 4, false);
	doc_row(&d, (const char *[]){ "B", b->label, bdir, b->about }, 4, false);
	doc_table_end(&d);
	doc_text(&d, spread_line);
	doc_raw(&d, "\n");
	doc_textf(&d, ratio_line, cmp_no_difference);
	doc_raw(&d, "\n\n**");
	counts(buf, sizeof buf, rows, n, m);
	doc_text(&d, buf);
	doc_raw(&d, "**\n\n");
	if (no_plot)
		doc_textf(&d, "No plot: %s.", no_plot);
	else
		doc_rawf(&d, "![%s vs threads: A solid, B dashed](compare.png)", m->what);
	doc_raw(&d, "\n\n");
	write_table(f, &d, a, b, rows, n);
	/* A failed write leaves f's error flag set, which the caller checks before renaming. */
	doc_finish(&d);
}

/* --- the plot -------------------------------------------------------------------------------- */

int cmp_draw_plots(const struct cmp_set *a, const struct cmp_set *b,
		   const struct cmp_metric *m, const char *out, char *err, size_t errlen)
{
	const char *scripts = report_plots_dir();
	char script[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	struct stat st;
	if (!scripts)
		return report_fail(err, errlen, -ENOENT,
				   "compare: the gnuplot scripts are not found; set LOCKBENCH_PLOTS "
				   "to lockbench's plots/ folder");
	snprintf(script, sizeof script, "%s/compare.gp", scripts);
	if (stat(script, &st) != 0)
		return report_fail(err, errlen, -ENOENT, "compare: %s is missing", script);
	for (int e = 0; e < 2; e++) {
		const char *ext = e ? "svg" : "png";
		if ((size_t)snprintf(tmp, sizeof tmp, "%s/.partial-compare.%s", out, ext) >=
			    sizeof tmp ||
		    (size_t)snprintf(final, sizeof final, "%s/compare.%s", out, ext) >= sizeof final)
			return report_fail(err, errlen, -ENAMETOOLONG,
					   "compare: '%s': path too long", out);
		char *argv[] = { "gnuplot", "-c", script, (char *)a->summary, (char *)b->summary, tmp,
				 (char *)a->label, (char *)b->label, (char *)m->name, NULL };
		int rc = report_run_gnuplot("compare", argv, tmp, final, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}
