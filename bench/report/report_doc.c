/* report_doc.c — the content of report.html and report.md: machine and parameters, the "what
 * wins where" table, the plots, every point, and the notes a reader needs to trust them.
 *
 * Both documents come from the same calls: a tiny writer (struct doc) renders headings,
 * paragraphs and tables either as HTML (escaped, plots embedded as base64 data URIs, so the file
 * is self-contained) or as GitHub-flavoured Markdown (escaped, plots as relative links, for
 * pasting into a ticket). Text may carry DOC_B around words to set them in bold.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "results/csvread.h"
#include "report/report.h"
#include "version.h"

#define DOC_B "\x01" /* toggles bold */

struct doc {
	FILE *f;
	bool html;
	bool bold;
};

/* Escaped text; DOC_B toggles bold. */
static void text(struct doc *d, const char *s)
{
	for (; *s; s++) {
		char c = *s;
		if (c == '\x01') {
			fputs(d->html ? (d->bold ? "</b>" : "<b>") : "**", d->f);
			d->bold = !d->bold;
		} else if (d->html && c == '<') {
			fputs("&lt;", d->f);
		} else if (d->html && c == '>') {
			fputs("&gt;", d->f);
		} else if (d->html && c == '&') {
			fputs("&amp;", d->f);
		} else if (d->html && c == '"') {
			fputs("&quot;", d->f);
		} else if (!d->html && strchr("\\|*_`<>[]#", c)) {
			fputc('\\', d->f);
			fputc(c, d->f);
		} else if (c == '\n' || c == '\r' || c == '\t') {
			fputc(' ', d->f);
		} else {
			fputc(c, d->f);
		}
	}
}

static void textf(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void textf(struct doc *d, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	text(d, buf);
}

static void heading(struct doc *d, int level, const char *id, const char *title)
{
	if (d->html) {
		fprintf(d->f, "<h%d id=\"%s\">", level, id);
		text(d, title);
		fprintf(d->f, "</h%d>\n", level);
	} else {
		fprintf(d->f, "\n%.*s ", level, "######");
		text(d, title);
		fputs("\n\n", d->f);
	}
}

/* A paragraph; `cls` styles it in HTML ("note", "warn"). */
static void para_start(struct doc *d, const char *cls)
{
	if (d->html)
		fprintf(d->f, cls ? "<p class=\"%s\">" : "<p>", cls);
	else if (cls && strcmp(cls, "warn") == 0)
		fputs("> **Note:** ", d->f);
}

static void para_end(struct doc *d)
{
	fputs(d->html ? "</p>\n" : "\n\n", d->f);
}

/* `cls` names the table's style in HTML ("points": one line per row), or NULL. */
static void table_start(struct doc *d, const char *cls, const char *const *head, size_t n)
{
	if (d->html) {
		fprintf(d->f, "<div class=\"scroll\"><table%s%s%s>\n<thead><tr>", cls ? " class=\"" : "",
			cls ? cls : "", cls ? "\"" : "");
		for (size_t i = 0; i < n; i++) {
			fputs("<th>", d->f);
			text(d, head[i]);
			fputs("</th>", d->f);
		}
		fputs("</tr></thead>\n<tbody>\n", d->f);
	} else {
		fputs("|", d->f);
		for (size_t i = 0; i < n; i++) {
			fputc(' ', d->f);
			text(d, head[i]);
			fputs(" |", d->f);
		}
		fputs("\n|", d->f);
		for (size_t i = 0; i < n; i++)
			fputs("---|", d->f);
		fputc('\n', d->f);
	}
}

static void row(struct doc *d, char cells[][512], size_t n, bool flagged)
{
	fputs(d->html ? (flagged ? "<tr class=\"flag\">" : "<tr>") : "|", d->f);
	for (size_t i = 0; i < n; i++) {
		fputs(d->html ? "<td>" : " ", d->f);
		text(d, cells[i]);
		fputs(d->html ? "</td>" : " |", d->f);
	}
	fputs(d->html ? "</tr>\n" : "\n", d->f);
}

static void table_end(struct doc *d)
{
	fputs(d->html ? "</tbody></table></div>\n" : "\n", d->f);
}

/* --- numbers ------------------------------------------------------------------------------- */

static void fmt_ns(double ns, char *buf, size_t len)
{
	if (!isfinite(ns))
		snprintf(buf, len, "–");
	else if (ns < 1e3)
		snprintf(buf, len, "%.3g ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.3g µs", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3g s", ns / 1e9);
}

static void fmt_metric(enum report_metric m, double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "–");
	else if (m == METRIC_MOPS)
		snprintf(buf, len, "%.3g Mops/s", v);
	else if (m == METRIC_FAIRNESS)
		snprintf(buf, len, "%.3f", v);
	else
		fmt_ns(v, buf, len);
}

/* A value in the unit that suits `scale_of` (ns, µs, ms, s for times): "%.3g" and the unit. */
static const char *scaled(enum report_metric m, double v, double scale_of, char *buf, size_t len)
{
	static const struct {
		double div;
		const char *unit;
	} t[] = { { 1, "ns" }, { 1e3, "µs" }, { 1e6, "ms" }, { 1e9, "s" } };
	size_t k = 0;
	if (m == METRIC_MOPS || m == METRIC_FAIRNESS) {
		snprintf(buf, len, m == METRIC_MOPS ? "%.3g" : "%.3f", v);
		return m == METRIC_MOPS ? "Mops/s" : "";
	}
	while (k + 1 < sizeof t / sizeof t[0] && fabs(scale_of) >= t[k + 1].div)
		k++;
	snprintf(buf, len, "%.3g", v / t[k].div);
	return t[k].unit;
}

/* "12.3 Mops/s (CI 11.9–12.8)": a value with its spread, named for what it is. */
static void fmt_with_spread(enum report_metric m, const struct verdict_candidate *c, bool ci,
			    char *buf, size_t len)
{
	char v[64], lo[64], hi[64];
	if (!isfinite(c->median)) {
		snprintf(buf, len, "–");
		return;
	}
	const char *unit = scaled(m, c->median, c->median, v, sizeof v);
	if (!isfinite(c->lo) || !isfinite(c->hi)) {
		snprintf(buf, len, "%s%s%s", v, *unit ? " " : "", unit);
		return;
	}
	scaled(m, c->lo, c->median, lo, sizeof lo);
	scaled(m, c->hi, c->median, hi, sizeof hi);
	snprintf(buf, len, "%s%s%s (%s %s–%s)", v, *unit ? " " : "", unit, ci ? "CI" : "min–max",
		 lo, hi);
}

/* --- the "what wins where" table ----------------------------------------------------------- */

static void cell_text(const struct verdict_cell *c, enum report_metric m, double timer_res_ns,
		      char *out, size_t len)
{
	char v[160];
	/* Max/min: lower is fairer; say which figure it is, Jain's index reads the other way. */
	const char *what = m == METRIC_FAIRNESS && c->maxmin ? "max/min " : "";
	size_t o = 0;
	out[0] = '\0';
#define ADD(...) (o += (size_t)snprintf(out + o, o < len ? len - o : 0, __VA_ARGS__), o = o < len ? o : len - 1)
	if (c->threads == 0) {
		ADD("not measured");
		return;
	}
	if (c->v.kind == VERDICT_NONE) {
		ADD("no data");
	} else if (c->v.kind == VERDICT_WINNER) {
		size_t w = c->v.tied[0];
		fmt_with_spread(m, &c->cand[w], c->used_ci[w], v, sizeof v);
		ADD(DOC_B "%s" DOC_B " %s%s", c->cand[w].name, what, v);
		if (c->v.runner_up != SIZE_MAX) {
			size_t r = c->v.runner_up;
			fmt_with_spread(m, &c->cand[r], c->used_ci[r], v, sizeof v);
			ADD("; next: %s %s%s", c->cand[r].name, what, v);
			if (m == METRIC_P99 && isfinite(timer_res_ns) &&
			    fabs(c->cand[r].median - c->cand[w].median) < timer_res_ns)
				ADD(" (the difference is below the timer's resolution, %.3g ns: a tie "
				    "in practice)", timer_res_ns);
		}
	} else if (c->v.ntied == c->v.considered && c->v.considered > 3) {
		double lo = INFINITY, hi = -INFINITY;
		for (size_t k = 0; k < c->v.ntied; k++) {
			lo = fmin(lo, c->cand[c->v.tied[k]].median);
			hi = fmax(hi, c->cand[c->v.tied[k]].median);
		}
		char a[64], b[64];
		const char *unit = scaled(m, lo, hi, a, sizeof a);
		scaled(m, hi, hi, b, sizeof b);
		if (strcmp(a, b) == 0)
			ADD("tie: all %zu locks (all %s%s%s%s)", c->v.ntied, what, a, *unit ? " " : "",
			    unit);
		else
			ADD("tie: all %zu locks (medians %s%s–%s%s%s, spreads overlap)", c->v.ntied,
			    what, a, b, *unit ? " " : "", unit);
		if (m == METRIC_P99 && isfinite(timer_res_ns) && hi - lo < timer_res_ns)
			ADD("; all within the timer's resolution (%.3g ns)", timer_res_ns);
	} else {
		/* The first three with their numbers; the rest by name, so a cell stays readable
		 * with 20 locks and still lists every tied one. */
		ADD("tie of %zu: ", c->v.ntied);
		for (size_t k = 0; k < c->v.ntied; k++) {
			size_t i = c->v.tied[k];
			if (k < 3) {
				fmt_with_spread(m, &c->cand[i], c->used_ci[i], v, sizeof v);
				ADD("%s%s %s%s", k ? ", " : "", c->cand[i].name, what, v);
			} else {
				ADD("%s%s", k == 3 ? "; also " : ", ", c->cand[i].name);
			}
		}
	}
	for (size_t k = 0; k < c->nexcluded; k++)
		ADD("%s%s (%s)", k ? ", " : "; left out: ", c->excluded[k]->lock,
		    c->excluded[k]->status);
#undef ADD
}

static const char *regime_label(const struct report_set *s, enum report_regime r, unsigned threads,
				char *buf, size_t len)
{
	if (r == REGIME_UNCONTENDED)
		snprintf(buf, len, "uncontended: %u thread", threads);
	else if (r == REGIME_CONTENDED)
		snprintf(buf, len, "contended: %u threads on %u CPUs", threads, s->cpus);
	else
		snprintf(buf, len, "oversubscribed: %u threads on %u CPUs", threads, s->cpus);
	return buf;
}

/* The row label of a (cs, ncs) pair: the ncs only where the set has more than one. */
static void cs_label(const struct report_set *s, size_t k, char *buf, size_t len)
{
	bool several = false;
	for (size_t i = 0; i < s->ncs; i++)
		several |= s->ncs_of[i] != s->ncs_of[k];
	if (s->cs[k] == 0 && s->ncs_of[k] == 0)
		snprintf(buf, len, "0 ns, ncs 0 (lock cost)");
	else if (several)
		snprintf(buf, len, "%g ns (ncs %g ns)", s->cs[k], s->ncs_of[k]);
	else
		snprintf(buf, len, "%g ns", s->cs[k]);
}

static int verdict_table(struct doc *d, const struct report_set *s, char *err, size_t errlen)
{
	static const char *const head[] = { "critical section", "regime", "best throughput",
					    "best p99 latency", "fairest",
					    "cheapest CPU per acquisition" };
	struct verdict_cell *cell = malloc(sizeof *cell);
	if (!cell) {
		snprintf(err, errlen, "report: out of memory");
		return -ENOMEM;
	}
	table_start(d, "verdict", head, 6);
	for (size_t k = 0; k < s->ncs; k++)
		for (enum report_regime r = 0; r < REGIME_COUNT; r++) {
			char cells[6][512];
			cs_label(s, k, cells[0], sizeof cells[0]);
			unsigned threads = 0;
			for (enum report_metric m = 0; m < METRIC_COUNT; m++) {
				if (verdict_cell_at(s->pts, s->npts, r, s->cs[k], s->ncs_of[k], m,
						    cell) != 0) {
					free(cell);
					snprintf(err, errlen, "report: more than %d locks at one point",
						 VERDICT_MAX);
					return -EINVAL;
				}
				threads = cell->threads;
				cell_text(cell, m, s->timer_res_ns, cells[2 + m], sizeof cells[0]);
			}
			/* The lock-cost points run at 1 thread and the CPUs only: no empty rows. */
			if (!threads && s->cs[k] == 0 && s->ncs_of[k] == 0)
				continue;
			if (threads)
				regime_label(s, r, threads, cells[1], sizeof cells[1]);
			else
				snprintf(cells[1], sizeof cells[1], "%s: not measured (%u CPU%s)",
					 report_regime_name(r), s->cpus, s->cpus == 1 ? "" : "s");
			row(d, cells, 6, false);
		}
	table_end(d);
	free(cell);
	para_start(d, "note");
	text(d, "A lock is named only when its spread does not overlap any other lock's at that "
		"point (in particular the runner-up's); otherwise the cell says tie and lists every "
		"lock whose spread overlaps the leader's. Spreads are called what they are: CI is the "
		"95 % confidence interval of the median (summary.csv spread = ci95, enough good "
		"repetitions; only throughput has one), min–max the range of the repetitions. Only "
		"mutual exclusion (permits = 1) competes, and points whose status is not ok are left "
		"out. Each regime is judged at one thread count: 1, the most threads within the CPUs, "
		"and the most threads of all. Fairest: the lowest max/min of the threads' operation "
		"counts where the set has it (a starved thread counts as 1 operation), else the highest "
		"Jain index (sets from before max/min). null, the harness's loop without a lock, is "
		"the lock-cost floor and never competes.");
	para_end(d);
	para_start(d, "note");
	if (isfinite(s->timer_res_ns)) {
		char pair[64] = "unavailable";
		if (isfinite(s->timer_p50_ns))
			snprintf(pair, sizeof pair, "%.3g ns", s->timer_p50_ns);
		textf(d, "Timer resolution: %.3g ns, the clock's tick (timer_tick_ns, the largest seen "
			 "at any point); p99 latency differences below it are marked as ties in "
			 "practice. Every latency also includes the timestamp pair itself "
			 "(timer_p50_ns: %s): a figure near it is mostly the timer, the same for "
			 "every lock.", s->timer_res_ns, pair);
	}
	else
		text(d, "Timer resolution: unavailable (this result set has no timer_p50_ns or "
			"timer_tick_ns columns: it predates them), so latency differences are not "
			"checked against it.");
	para_end(d);
	return 0;
}

/* --- the lock-cost table ------------------------------------------------------------------- */

/* ns per lock + unlock from throughput: 1e3 / Mops at one thread is the wall time of one
 * operation of the window (lock, unlock, the loop), whose clock and count are exact; CPU time
 * per operation comes from per-thread CPU clocks read around the window and is coarser. */
static void ns_per_op(const struct report_point *p, double *med, double *lo, double *hi)
{
	*med = p->mops.median > 0 ? 1e3 / p->mops.median : NAN;
	*lo = p->mops.max > 0 ? 1e3 / p->mops.max : *med;
	*hi = p->mops.min > 0 ? 1e3 / p->mops.min : *med;
}

static const struct report_point *cost_point(const struct report_set *s, const char *lock,
					      unsigned threads)
{
	for (size_t i = 0; i < s->npts; i++)
		if (s->pts[i].lock_cost && s->pts[i].permits == 1 && s->pts[i].threads == threads &&
		    strcmp(s->pts[i].lock, lock) == 0)
			return &s->pts[i];
	return NULL;
}

static int cost_cmp(const void *a, const void *b)
{
	const struct verdict_candidate *x = a, *y = b;
	if (isnan(x->median) != isnan(y->median))
		return isnan(x->median) ? 1 : -1;
	if (x->median != y->median)
		return x->median < y->median ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Every lock at cs 0, ncs 0, ranked by ns per lock + unlock at 1 thread; null's figure beside
 * it and subtracted, which leaves what the lock itself costs. */
static int lock_cost_section(struct doc *d, const struct report_set *s)
{
	heading(d, 2, "lock-cost", "Lock cost: ns per lock + unlock (cs 0, ncs 0)");
	const struct report_point *floor1 = NULL, *floorn = NULL;
	size_t n = 0;
	unsigned many = 1; /* the lock-cost points' other thread count: the CPUs, or the limit */
	for (size_t i = 0; i < s->npts; i++) {
		const struct report_point *p = &s->pts[i];
		if (p->lock_cost && p->permits == 1 && p->threads == 1)
			n++;
		if (p->lock_cost && p->permits == 1 && p->threads > many &&
		    p->regime != REGIME_OVERSUBSCRIBED)
			many = p->threads;
	}
	if (n == 0) {
		para_start(d, "note");
		text(d, "Not measured for this result set (no points at cs 0 and ncs 0: it predates "
			"the lock-cost points, or the sweep ran with --no-lock-cost).");
		para_end(d);
		return 0;
	}
	struct verdict_candidate *c = calloc(n, sizeof *c);
	if (!c)
		return -ENOMEM;
	size_t m = 0;
	for (size_t i = 0; i < s->npts; i++) {
		const struct report_point *p = &s->pts[i];
		if (!p->lock_cost || p->permits != 1 || p->threads != 1)
			continue;
		if (p->floor) {
			floor1 = p;
			floorn = cost_point(s, p->lock, many);
			continue;
		}
		c[m].name = p->lock;
		ns_per_op(p, &c[m].median, &c[m].lo, &c[m].hi);
		if (strcmp(p->status, "ok") != 0)
			c[m].median = NAN;
		m++;
	}
	qsort(c, m, sizeof *c, cost_cmp);
	double f1 = NAN, f1lo = NAN, f1hi = NAN, fn = NAN, fnlo, fnhi;
	if (floor1)
		ns_per_op(floor1, &f1, &f1lo, &f1hi);
	if (floorn)
		ns_per_op(floorn, &fn, &fnlo, &fnhi);
	struct verdict v;
	verdict_decide(c, m < VERDICT_MAX ? m : VERDICT_MAX, VERDICT_LOWER_BETTER, &v);
	para_start(d, "note");
	text(d, "Each lock alone (1 thread) and at the CPUs, with no work inside or between "
		"acquisitions: the time of one lock + unlock, 1000 / Mops of the window (wall time of "
		"exactly counted operations; CPU time per operation is coarser). The floor is null, "
		"the same loop with no lock; the last column subtracts it, leaving the lock's own cost.");
	if (v.kind == VERDICT_WINNER)
		textf(d, " Cheapest uncontended: " DOC_B "%s" DOC_B " (its min–max overlaps no other "
			 "lock's).", c[v.tied[0]].name);
	else if (v.kind == VERDICT_TIE)
		textf(d, " Cheapest uncontended: a tie of %zu (min–max spreads overlap the leader's).",
		      v.ntied);
	para_end(d);
	char fl[64], hd[64];
	fmt_ns(f1, fl, sizeof fl);
	snprintf(hd, sizeof hd, "at %u threads (per thread)", many);
	const char *head[] = { "rank", "lock", "1 thread: ns per lock+unlock (min–max)",
			       "floor (null)", "minus floor", hd };
	table_start(d, "points", head, 6);
	for (size_t k = 0; k < m; k++) {
		char cells[6][512], a[64], b[64], e[64];
		snprintf(cells[0], sizeof cells[0], "%zu", k + 1);
		snprintf(cells[1], sizeof cells[1], "%s", c[k].name);
		fmt_ns(c[k].median, a, sizeof a);
		fmt_ns(c[k].lo, b, sizeof b);
		fmt_ns(c[k].hi, e, sizeof e);
		if (isfinite(c[k].median))
			snprintf(cells[2], sizeof cells[2], "%s (%s – %s)", a, b, e);
		else
			snprintf(cells[2], sizeof cells[2], "not measured");
		snprintf(cells[3], sizeof cells[3], "%s", floor1 ? fl : "unavailable");
		fmt_ns(c[k].median - f1, cells[4], sizeof cells[4]);
		/* Per thread: threads × wall time / operations of all threads. */
		const struct report_point *pn = cost_point(s, c[k].name, many);
		double nmed = NAN, nlo, nhi;
		if (pn && many > 1 && strcmp(pn->status, "ok") == 0)
			ns_per_op(pn, &nmed, &nlo, &nhi);
		fmt_ns(nmed * many, cells[5], sizeof cells[5]);
		row(d, cells, 6, false);
	}
	table_end(d);
	if (floor1) {
		para_start(d, "note");
		char fa[64], fb[64];
		fmt_ns(fn * many, fb, sizeof fb);
		textf(d, "Floor: null at 1 thread %s per operation", fl);
		if (isfinite(fn) && many > 1)
			textf(d, ", at %u threads %s per operation per thread", many, fb);
		fmt_ns(f1hi - f1lo, fa, sizeof fa);
		textf(d, " (its repetitions spread over %s).", fa);
		para_end(d);
	}
	free(c);
	return 0;
}

/* --- the rest ------------------------------------------------------------------------------ */

static size_t count_flagged(const struct report_set *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->npts; i++)
		n += report_point_flagged(&s->pts[i]);
	return n;
}

static void incomplete_note(struct doc *d, const struct report_set *s)
{
	if (s->complete == 0) {
		para_start(d, "warn");
		const char *state = json_get(&s->meta, "sweep.state");
		const char *done = json_get(&s->meta, "sweep.runs_done");
		const char *total = json_get(&s->meta, "sweep.runs_total");
		textf(d, "This result set is incomplete (meta.json: state %s, %s of %s runs done). "
			 "Points the sweep did not reach are missing from the tables and plots; "
			 "lockbench sweep --resume DIR finishes it.",
		      state ? state : "not complete", done ? done : "?", total ? total : "?");
		para_end(d);
	}
}

static void flag_notes(struct doc *d, const struct report_set *s)
{
	size_t flagged = count_flagged(s), shown = 0;
	if (!flagged)
		return;
	para_start(d, "warn");
	textf(d, "%zu of %zu points are flagged (highlighted in the table of all points, ringed in "
		 "the plots); read them with care:", flagged, s->npts);
	para_end(d);
	fputs(d->html ? "<ul class=\"flags\">\n" : "", d->f);
	for (size_t i = 0; i < s->npts && shown < 12; i++) {
		const struct report_point *p = &s->pts[i];
		bool bad = strcmp(p->status, "ok") != 0;
		if (!report_point_flagged(p))
			continue;
		shown++;
		fputs(d->html ? "<li>" : "- ", d->f);
		textf(d, "%s, %u threads, cs %g ns, ncs %g ns:", p->lock, p->threads, p->cs_ns,
		      p->ncs_ns);
		if (p->disagree) {
			char lo[64], hi[64], med[64];
			fmt_metric(METRIC_MOPS, p->mops.min, lo, sizeof lo);
			fmt_metric(METRIC_MOPS, p->mops.max, hi, sizeof hi);
			fmt_metric(METRIC_MOPS, p->mops.median, med, sizeof med);
			textf(d, " repetitions disagree (throughput %s to %s around %s);", lo, hi, med);
		}
		if (p->noisy)
			text(d, " the machine changed under the run (core-to-core time or steal);");
		if (p->busy && !strstr(p->note, "busy"))
			text(d, " busy (results/README.md);");
		if (bad)
			textf(d, " status %s (%u of %u repetitions ok);", p->status, p->reps_ok, p->reps);
		if (p->note[0])
			textf(d, " %s", p->note);
		fputs(d->html ? "</li>\n" : "\n", d->f);
	}
	if (flagged > shown) {
		fputs(d->html ? "<li>" : "- ", d->f);
		textf(d, "and %zu more", flagged - shown);
		fputs(d->html ? "</li>\n" : "\n", d->f);
	}
	fputs(d->html ? "</ul>\n" : "\n", d->f);
}

/* meta.json's keys under `prefix` ("machine"), or the top-level ones (NULL), as table rows. */
static bool meta_rows(struct doc *d, const struct report_set *s, const char *prefix, bool started)
{
	static const char *const head[] = { "what", "value" };
	size_t plen = prefix ? strlen(prefix) : 0;
	for (size_t i = 0; i < s->meta.n; i++) {
		const char *k = s->meta.kv[i].key;
		if (prefix ? strncmp(k, prefix, plen) != 0 || k[plen] != '.' : strchr(k, '.') != NULL)
			continue;
		if (!started)
			table_start(d, "kv", head, 2);
		started = true;
		char cells[2][512];
		snprintf(cells[0], sizeof cells[0], "%s", k + (prefix ? plen + 1 : 0));
		snprintf(cells[1], sizeof cells[1], "%s", s->meta.kv[i].value);
		row(d, cells, 2, false);
	}
	return started;
}

/* One section of meta.json: a heading and one table of the keys under the given prefixes. */
static void meta_section(struct doc *d, const struct report_set *s, const char *id,
			 const char *title, const char *const *prefixes, size_t n)
{
	if (d->html)
		fputs("<section>", d->f);
	heading(d, 3, id, title);
	bool started = false;
	for (size_t i = 0; i < n; i++)
		started = meta_rows(d, s, prefixes[i], started);
	if (started)
		table_end(d);
	else {
		para_start(d, "note");
		text(d, "(not in meta.json)");
		para_end(d);
	}
	if (d->html)
		fputs("</section>\n", d->f);
}

static bool is_known_group(const char *k)
{
	static const char *const groups[] = { "meta.", "machine.", "sweep.", "params.",
					      "parameters.", NULL };
	for (size_t i = 0; groups[i]; i++)
		if (strncmp(k, groups[i], strlen(groups[i])) == 0)
			return true;
	return !strchr(k, '.');
}

/* Machine (with the top-level facts: host, dates, completeness), parameters, then any other
 * group of meta.json (build, ...), side by side in HTML. */
static void meta_sections(struct doc *d, const struct report_set *s)
{
	/* The sweep writes "meta" (machine, build) and "sweep" (its parameters and state). */
	static const char *const machine[] = { NULL, "meta", "machine" };
	static const char *const params[] = { "sweep", "params", "parameters" };
	heading(d, 2, "setup", "Machine and parameters");
	if (!s->have_meta) {
		para_start(d, "warn");
		text(d, "This result set has no meta.json: the machine and the parameters are unknown.");
		para_end(d);
		return;
	}
	if (d->html)
		fputs("<div class=\"meta\">\n", d->f);
	meta_section(d, s, "machine", "Machine", machine, 3);
	meta_section(d, s, "parameters", "Parameters", params, 3);
	for (size_t i = 0; i < s->meta.n; i++) {
		const char *k = s->meta.kv[i].key;
		if (is_known_group(k))
			continue;
		char group[64];
		size_t n = (size_t)(strchr(k, '.') - k);
		snprintf(group, sizeof group, "%.*s", (int)(n < 63 ? n : 63), k);
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strncmp(s->meta.kv[j].key, group, n) == 0 && s->meta.kv[j].key[n] == '.';
		if (!seen) {
			const char *one[] = { group };
			meta_section(d, s, group, group, one, 1);
		}
	}
	if (d->html)
		fputs("</div>\n", d->f);
}

static int points_cmp_key(const struct report_point *a, const struct report_point *b)
{
	if (a->cs_ns != b->cs_ns)
		return a->cs_ns < b->cs_ns ? -1 : 1;
	if (a->lock_index != b->lock_index)
		return a->lock_index < b->lock_index ? -1 : 1;
	if (a->permits != b->permits)
		return a->permits < b->permits ? -1 : 1;
	return a->threads < b->threads ? -1 : a->threads > b->threads;
}

static int points_cmp(const void *a, const void *b)
{
	return points_cmp_key(*(const struct report_point *const *)a,
			      *(const struct report_point *const *)b);
}

static int all_points(struct doc *d, const struct report_set *s)
{
	static const char *const head[] = { "lock", "permits", "threads", "regime", "cs / ncs",
					    "reps ok", "throughput (spread)",
					    "fairness: Jain, max/min, cv", "p50",
					    "p99", "CPU / acquisition", "flags", "note" };
	const struct report_point **order = malloc((s->npts ? s->npts : 1) * sizeof *order);
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < s->npts; i++)
		order[i] = &s->pts[i];
	qsort(order, s->npts, sizeof *order, points_cmp);
	table_start(d, "points", head, 13);
	for (size_t i = 0; i < s->npts; i++) {
		const struct report_point *p = order[i];
		char c[13][512];
		bool ci = p->ci95 && isfinite(p->mops.ci_lo) && isfinite(p->mops.ci_hi);
		struct verdict_candidate m = { p->lock, p->mops.median, ci ? p->mops.ci_lo : p->mops.min,
					       ci ? p->mops.ci_hi : p->mops.max };
		snprintf(c[0], sizeof c[0], "%s", p->lock);
		snprintf(c[1], sizeof c[1], "%u", p->permits);
		snprintf(c[2], sizeof c[2], "%u", p->threads);
		snprintf(c[3], sizeof c[3], "%s", report_regime_name(p->regime));
		snprintf(c[4], sizeof c[4], "%g / %g ns", p->cs_ns, p->ncs_ns);
		snprintf(c[5], sizeof c[5], "%u/%u", p->reps_ok, p->reps);
		fmt_with_spread(METRIC_MOPS, &m, ci, c[6], sizeof c[6]);
		char jain[32], mm[32] = "–", cv[32] = "–";
		fmt_metric(METRIC_FAIRNESS, p->fairness.median, jain, sizeof jain);
		if (isfinite(p->maxmin.median))
			snprintf(mm, sizeof mm, "%.3g", p->maxmin.median);
		if (isfinite(p->cv))
			snprintf(cv, sizeof cv, "%.3g", p->cv);
		snprintf(c[7], sizeof c[7], "%s, %s, %s", jain, mm, cv);
		fmt_ns(p->p50.median, c[8], sizeof c[8]);
		fmt_ns(p->p99.median, c[9], sizeof c[9]);
		fmt_ns(p->cpu.median, c[10], sizeof c[10]);
		snprintf(c[11], sizeof c[11], "%s%s%s%s%s%s", p->disagree ? "disagree " : "",
			 p->noisy ? "noisy " : "", p->busy ? "busy " : "",
			 strcmp(p->status, "ok") ? p->status : "", p->floor ? "floor " : "",
			 report_point_flagged(p) || p->floor ? "" : "–");
		snprintf(c[12], sizeof c[12], "%s", p->note);
		row(d, c, 13, report_point_flagged(p));
	}
	table_end(d);
	free(order);
	return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The file's bytes as base64 into f. */
static int embed_base64(FILE *f, const char *path)
{
	FILE *in = fopen(path, "rb");
	if (!in)
		return -errno;
	unsigned char buf[3 * 1024];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
		for (size_t i = 0; i < n; i += 3) {
			unsigned v = (unsigned)buf[i] << 16;
			if (i + 1 < n)
				v |= (unsigned)buf[i + 1] << 8;
			if (i + 2 < n)
				v |= buf[i + 2];
			char q[4] = { b64[v >> 18 & 63], b64[v >> 12 & 63],
				      i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };
			fwrite(q, 1, 4, f);
		}
		if (n % 3)
			break; /* only the last read can end mid-group */
	}
	int bad = ferror(in);
	fclose(in);
	return bad ? -EIO : 0;
}

static int plots(struct doc *d, const struct report_set *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->nplots; i++) {
		const struct report_plot *p = &s->plots[i];
		heading(d, 3, p->name, p->title);
		if (!p->made) {
			para_start(d, "note");
			textf(d, "Not drawn: %s.", p->why);
			para_end(d);
			continue;
		}
		if (d->html) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s.png", s->dir, p->name);
			fputs("<figure>", d->f);
			fprintf(d->f, "<img alt=\"%s\" src=\"data:image/png;base64,", p->title);
			int rc = embed_base64(d->f, path);
			if (rc) {
				snprintf(err, errlen, "report: embedding %s: %s", path, strerror(-rc));
				return rc;
			}
			fputs("\">\n<figcaption>", d->f);
			text(d, p->caption);
			fprintf(d->f, " <a href=\"%s.svg\">SVG</a></figcaption></figure>\n", p->name);
		} else {
			fprintf(d->f, "![%s](%s.png)\n\n", p->title, p->name);
			text(d, p->caption);
			fprintf(d->f, " ([SVG](%s.svg))\n\n", p->name);
		}
	}
	return 0;
}

/* --- the physical floor -------------------------------------------------------------------- */

struct floor_row {
	const char *lock;
	double median, min, max, half_rtt;
};

static int floor_cmp(const void *a, const void *b)
{
	const struct floor_row *x = a, *y = b;
	if (isnan(x->median) != isnan(y->median))
		return isnan(x->median) ? 1 : -1;
	return (x->median > y->median) - (x->median < y->median);
}

/* Each lock's strict two-thread handoff next to half the c2c round trip probed just before it
 * (handoff.csv): how far the lock is from what the hardware allows. */
static void floor_section(struct doc *d, const struct report_set *s)
{
	heading(d, 2, "floor", "The physical floor: handoff cost vs the core-to-core round trip");
	char path[1200], err[512];
	snprintf(path, sizeof path, "%s/handoff.csv", s->dir);
	para_start(d, "note");
	if (access(path, F_OK) != 0) {
		text(d, "Not measured for this result set (no handoff.csv: the sweep ran with "
			"--no-probe, or it was interrupted before the end).");
		para_end(d);
		return;
	}
	struct csv_table t;
	if (csv_read(path, "handoff", &t, err, sizeof err) != 0) {
		textf(d, "Not shown: %s", err);
		para_end(d);
		return;
	}
	if (t.nrows == 0) {
		text(d, "Unavailable: only one CPU is allowed, so there is no pair to hand over "
			"between.");
		para_end(d);
		csv_free(&t);
		return;
	}
	text(d, "Handoff: half the round trip of a strict two-thread ping-pong through the lock "
		"(A releases, B acquires, B releases, A acquires …), pinned to two CPUs. Floor: half "
		"a core-to-core cache-line round trip between the same CPUs, probed just before each "
		"lock, because these machines switch between round-trip regimes within seconds. A "
		"lock that moves one line per handoff cannot beat the floor; its turn word and data "
		"make about 1.5–2× the floor the best seen in practice.");
	para_end(d);
	int cl = csv_col(&t, "lock"), cm = csv_col(&t, "handoff_ns_median"),
	    cn = csv_col(&t, "handoff_ns_min"), cx = csv_col(&t, "handoff_ns_max"),
	    ch = csv_col(&t, "c2c_half_rtt_ns");
	struct floor_row *rows = calloc(t.nrows, sizeof *rows);
	if (cl < 0 || cm < 0 || cn < 0 || cx < 0 || ch < 0 || !rows) {
		para_start(d, "note");
		text(d, "Not shown: handoff.csv lacks the expected columns.");
		para_end(d);
		free(rows);
		csv_free(&t);
		return;
	}
	for (size_t r = 0; r < t.nrows; r++) {
		rows[r].lock = t.rows[r][cl];
		if (csv_double(&t, r, cm, &rows[r].median, err, sizeof err) ||
		    csv_double(&t, r, cn, &rows[r].min, err, sizeof err) ||
		    csv_double(&t, r, cx, &rows[r].max, err, sizeof err) ||
		    csv_double(&t, r, ch, &rows[r].half_rtt, err, sizeof err))
			rows[r].median = rows[r].min = rows[r].max = rows[r].half_rtt = NAN;
	}
	qsort(rows, t.nrows, sizeof *rows, floor_cmp);
	static const char *const head[] = { "lock", "handoff (median)", "min–max",
					    "floor: ½ c2c round trip", "× floor" };
	table_start(d, NULL, head, 5);
	for (size_t r = 0; r < t.nrows; r++) {
		char cells[5][512];
		snprintf(cells[0], sizeof cells[0], "%s", rows[r].lock);
		if (isnan(rows[r].median)) {
			snprintf(cells[1], sizeof cells[1], "not measured (no handoff in time)");
			cells[2][0] = '\0';
		} else {
			fmt_ns(rows[r].median, cells[1], sizeof cells[1]);
			char lo[64], hi[64];
			fmt_ns(rows[r].min, lo, sizeof lo);
			fmt_ns(rows[r].max, hi, sizeof hi);
			snprintf(cells[2], sizeof cells[2], "%s – %s", lo, hi);
		}
		if (isnan(rows[r].half_rtt))
			snprintf(cells[3], sizeof cells[3], "unavailable");
		else
			fmt_ns(rows[r].half_rtt, cells[3], sizeof cells[3]);
		if (isfinite(rows[r].median) && isfinite(rows[r].half_rtt) && rows[r].half_rtt > 0)
			snprintf(cells[4], sizeof cells[4], "%.1f×", rows[r].median / rows[r].half_rtt);
		else
			cells[4][0] = '\0';
		row(d, cells, 5, false);
	}
	table_end(d);
	free(rows);
	csv_free(&t);
}

/* --- the whole document -------------------------------------------------------------------- */

static const char css[] =
	"body{font:15px/1.45 'DejaVu Sans',system-ui,sans-serif;max-width:1120px;margin:1.5em auto;"
	"padding:0 1em;color:#222}"
	"h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}"
	"table{border-collapse:collapse;font-size:13px;margin:.6em 0}"
	"th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}"
	"th{background:#f2f2f2}tr.flag td{background:#fff4cc}"
	"table.points td{white-space:nowrap}table.points td:last-child{white-space:normal;min-width:12em}"
	".scroll{overflow-x:auto}.note{color:#555;font-size:13px}"
	".warn{background:#fff4cc;border-left:4px solid #e0a800;padding:.4em .8em}"
	"ul.flags{font-size:13px}figure{margin:1em 0}"
	".meta{display:flex;flex-wrap:wrap;gap:0 2em;align-items:flex-start}.meta>section{flex:1 1 400px;max-width:540px}.meta h3{margin:.4em 0}"
	"img{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;font-size:13px}";

static int document(struct doc *d, const struct report_set *s, char *err, size_t errlen)
{
	const char *host = s->have_meta ? json_get(&s->meta, "meta.host") : NULL;
	if (!host && s->have_meta)
		host = json_get(&s->meta, "host");
	char title[512];
	snprintf(title, sizeof title, "lockbench report: %s", host ? host : s->dir);
	if (d->html) {
		fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<title>", d->f);
		text(d, title);
		fprintf(d->f, "</title>\n<style>%s</style>\n</head><body>\n<h1>", css);
		text(d, title);
		fputs("</h1>\n", d->f);
	} else {
		fputs("# ", d->f);
		text(d, title);
		fputs("\n\n", d->f);
	}
	incomplete_note(d, s);
	meta_sections(d, s);
	heading(d, 2, "verdict", "What wins where");
	int rc = verdict_table(d, s, err, errlen);
	if (rc)
		return rc;
	if ((rc = lock_cost_section(d, s))) {
		snprintf(err, errlen, "report: out of memory");
		return rc;
	}
	flag_notes(d, s);
	heading(d, 2, "plots", "Plots");
	if ((rc = plots(d, s, err, errlen)))
		return rc;
	floor_section(d, s);
	heading(d, 2, "points", "All points");
	para_start(d, "note");
	text(d, "Medians across repetitions. Highlighted rows are flagged: disagree = the "
		"repetitions' throughput spread exceeds 25 % of the median; noisy = the machine "
		"changed under the point; busy = other processes took a share of the CPUs or the "
		"workers were off the CPU (results/README.md); a status other than ok = a repetition "
		"failed. Fairness: Jain's index, max/min of the threads' operation counts, and their "
		"stddev/mean (– where the set does not have it).");
	para_end(d);
	if ((rc = all_points(d, s))) {
		snprintf(err, errlen, "report: out of memory");
		return rc;
	}
	para_start(d, "note");
	textf(d, "Written by lockbench %s report from the files next to this one: summary.csv, "
		 "results.csv, latency_cdf.csv, c2c.csv, handoff.csv, meta.json (formats: docs/SWEEP_FILES.md).",
	      LB_VERSION);
	para_end(d);
	if (d->html)
		fputs("</body></html>\n", d->f);
	return 0;
}

int report_write_html(const struct report_set *s, FILE *f, char *err, size_t errlen)
{
	struct doc d = { .f = f, .html = true };
	return document(&d, s, err, errlen);
}

int report_write_md(const struct report_set *s, FILE *f)
{
	struct doc d = { .f = f, .html = false };
	char err[256];
	return document(&d, s, err, sizeof err);
}
