/* report_summary.c — the report's opening: the answer, written from the verdicts (never typed by
 * hand). For each critical section and each regime measured, which lock to use by throughput, or
 * which are indistinguishable by the tie rule (verdict.c) and how many repetitions would separate
 * the leaders at the spread seen; which locks to avoid and by what factor, the collapse once
 * threads outnumber CPUs told by family; and in one sentence the flags that weaken it all. Every
 * figure points at the row of summary.csv it comes from: a link to the row of the table of all
 * points in HTML (ids pt-LINE), "summary.csv:LINE" in Markdown.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_doc.h"

/* --- how many repetitions would separate two medians ----------------------------------------- */

/* The expected range of n normal samples in units of sigma (d2 of quality control tables): the
 * spread of min-max over n repetitions, for n = 2 .. 10. */
static double range_d2(unsigned n)
{
	static const double d2[] = { 0, 0, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970,
				     3.078 };
	return n < 2 ? NAN : n <= 10 ? d2[n] : 3.078 + 0.12 * log((double)n / 10) / log(2);
}

/* The per-repetition standard deviation a spread implies: a 95 % CI of the median is about
 * ±1.96 × 1.2533 σ / √n wide (the median's standard error is √(π/2) σ / √n), min-max about
 * d2(n) σ. NAN when it cannot be told (one repetition, no spread). */
static double spread_sigma(const struct verdict_candidate *c, bool ci, unsigned reps)
{
	if (!isfinite(c->lo) || !isfinite(c->hi) || c->hi < c->lo || reps < 2)
		return NAN;
	if (ci)
		return (c->hi - c->lo) / 2 * sqrt((double)reps) / (1.96 * 1.2533);
	return (c->hi - c->lo) / range_d2(reps);
}

double report_reps_to_separate(const struct verdict_candidate *a, bool a_ci, unsigned a_reps,
			       const struct verdict_candidate *b, bool b_ci, unsigned b_reps)
{
	double sa = spread_sigma(a, a_ci, a_reps), sb = spread_sigma(b, b_ci, b_reps);
	double gap = fabs(a->median - b->median);
	if (!isfinite(sa) || !isfinite(sb))
		return NAN;
	if (!(gap > 0))
		return INFINITY;
	/* Both 95 % CIs of the median must stop short of each other:
	 * 1.96 × 1.2533 (σa + σb) / √n < gap. The CI needs 6 repetitions to exist at all. */
	double n = ceil(pow(1.96 * 1.2533 * (sa + sb) / gap, 2));
	unsigned have = a_reps > b_reps ? a_reps : b_reps;
	if (n < 6)
		n = 6;
	if (n <= have)
		n = have + 1;
	return n;
}

/* --- the pieces of a sentence ------------------------------------------------------------------ */

/* A figure of point p, pointing at its row. */
static void figure(struct doc *d, const struct report_point *p, const char *text)
{
	if (d->html) {
		doc_rawf(d, "<a href=\"#pt-%u\">", p->line);
		doc_text(d, text);
		doc_raw(d, "</a>");
	} else {
		/* Raw: brackets not followed by a (target) are literal Markdown, and escaping them
		 * would show the backslashes. */
		doc_text(d, text);
		doc_rawf(d, " [summary.csv:%u]", p->line);
	}
}

static void mops_figure(struct doc *d, const struct report_point *p, double v)
{
	char buf[64];
	report_fmt_metric(METRIC_MOPS, v, buf, sizeof buf);
	figure(d, p, buf);
}

/* A factor as a reader takes it in: 3.4×, 52×, ~10⁴×. */
static void fmt_factor(double f, char *buf, size_t len)
{
	static const char *const sup[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
	if (!isfinite(f))
		snprintf(buf, len, "∞×");
	else if (f < 10)
		snprintf(buf, len, "%.1f×", f);
	else if (f < 1000)
		snprintf(buf, len, "%.0f×", f);
	else {
		int e = (int)floor(log10(f) + 0.5);
		char exp[32] = "";
		for (char digits[12], *c = (snprintf(digits, sizeof digits, "%d", e), digits); *c; c++)
			strcat(exp, sup[*c - '0']);
		snprintf(buf, len, "~10%s×", exp);
	}
}

static void regime_words(const struct report_set *s, const struct verdict_cell *c,
			 enum report_regime r, size_t k, char *buf, size_t len)
{
	char cs[64];
	if (s->cs[k] == 0 && s->ncs_of[k] == 0)
		snprintf(cs, sizeof cs, "Lock cost (cs 0, ncs 0)");
	else
		snprintf(cs, sizeof cs, "cs %g ns", s->cs[k]);
	if (r == REGIME_UNCONTENDED)
		snprintf(buf, len, "%s, 1 thread", cs);
	else
		snprintf(buf, len, "%s, %u threads on %u CPU%s (%s)", cs, c->threads, s->cpus,
			 s->cpus == 1 ? "" : "s", report_regime_name(r));
}

/* Locks far below the best of the cell (a tenth or less): the ones to avoid there. */
static void avoid_clause(struct doc *d, const struct verdict_cell *c)
{
	size_t best = c->v.tied[0], shown = 0, more = 0;
	double top = c->cand[best].median;
	for (size_t i = 0; i < c->ncand; i++) {
		double m = c->cand[i].median;
		if (!isfinite(m) || !(m * 10 <= top))
			continue;
		if (shown == 3) {
			more++;
			continue;
		}
		char f[32];
		fmt_factor(m > 0 ? top / m : INFINITY, f, sizeof f);
		doc_textf(d, "%s" DOC_B "%s" DOC_B " (%s below: ", shown ? ", " : "; avoid ",
			  c->cand[i].name, f);
		mops_figure(d, c->pt[i], m);
		doc_text(d, ")");
		shown++;
	}
	if (more)
		doc_textf(d, " and %zu more as far below", more);
}

/* One bullet: the answer for critical section k in regime r. */
static void answer(struct doc *d, const struct report_set *s, size_t k, enum report_regime r,
		   const struct verdict_cell *c)
{
	char label[160];
	regime_words(s, c, r, k, label, sizeof label);
	doc_raw(d, d->html ? "<li>" : "- ");
	doc_textf(d, DOC_B "%s" DOC_B ": ", label);
	const struct verdict *v = &c->v;
	bool lock_cost = s->cs[k] == 0 && s->ncs_of[k] == 0;
	if (v->kind == VERDICT_NONE) {
		doc_text(d, "no lock has a measured throughput here.");
	} else if (v->kind == VERDICT_WINNER) {
		size_t w = v->tied[0];
		doc_textf(d, "use " DOC_B "%s" DOC_B ", ", c->cand[w].name);
		mops_figure(d, c->pt[w], c->cand[w].median);
		if (v->runner_up != SIZE_MAX) {
			size_t n = v->runner_up;
			char f[32];
			fmt_factor(c->cand[n].median > 0 ? c->cand[w].median / c->cand[n].median
							 : INFINITY, f, sizeof f);
			doc_textf(d, ", %s the next, %s (", f, c->cand[n].name);
			mops_figure(d, c->pt[n], c->cand[n].median);
			doc_text(d, ")");
		}
		avoid_clause(d, c);
		doc_text(d, ".");
	} else if (v->ntied == v->considered) {
		double lo = INFINITY, hi = -INFINITY;
		size_t ilo = 0, ihi = 0;
		for (size_t t = 0; t < v->ntied; t++) {
			size_t i = v->tied[t];
			if (c->cand[i].median < lo)
				lo = c->cand[i].median, ilo = i;
			if (c->cand[i].median > hi)
				hi = c->cand[i].median, ihi = i;
		}
		doc_textf(d, "all %zu locks tie (medians ", v->ntied);
		mops_figure(d, c->pt[ilo], lo);
		doc_text(d, " to ");
		mops_figure(d, c->pt[ihi], hi);
		if (lock_cost)
			doc_text(d, ", spreads overlap): even the locks' own costs cannot be told apart "
				    "on this machine at these repetitions.");
		else
			doc_text(d, ", spreads overlap): this workload hides the lock; what the locks "
				    "themselves cost is in the lock-cost rows.");
	} else {
		size_t a = v->tied[0], b = v->tied[1];
		doc_textf(d, "no single winner: " DOC_B "%s" DOC_B " (", c->cand[a].name);
		mops_figure(d, c->pt[a], c->cand[a].median);
		doc_textf(d, ") and " DOC_B "%s" DOC_B " (", c->cand[b].name);
		mops_figure(d, c->pt[b], c->cand[b].median);
		doc_text(d, ")");
		if (v->ntied > 2)
			doc_textf(d, " and %zu more are indistinguishable", v->ntied - 2);
		else
			doc_text(d, " are indistinguishable");
		double n = report_reps_to_separate(&c->cand[a], c->used_ci[a], c->pt[a]->reps_ok,
						   &c->cand[b], c->used_ci[b], c->pt[b]->reps_ok);
		unsigned have = c->pt[a]->reps_ok;
		if (isnan(n))
			doc_text(d, " (one repetition each: the spread, and so the repetitions needed, "
				    "cannot be told)");
		else if (isinf(n))
			doc_textf(d, " (equal medians: no number of repetitions separates %s and %s)",
				  c->cand[a].name, c->cand[b].name);
		else if (n > 10000)
			doc_textf(d, " (at the spread seen, separating %s from %s would take more than "
				     "10 000 repetitions: equal in practice)", c->cand[a].name,
				  c->cand[b].name);
		else
			doc_textf(d, " (at the spread seen, separating %s from %s would take about %.0f "
				     "repetitions a point; this set has %u)", c->cand[a].name,
				  c->cand[b].name, n, have);
		avoid_clause(d, c);
		doc_text(d, ".");
	}
	doc_raw(d, d->html ? "</li>\n" : "\n");
}

/* --- the collapse once threads outnumber CPUs, by family ---------------------------------------- */

struct collapse {
	const struct report_point *in, *over; /* within the CPUs, oversubscribed */
	double factor;
};

static int by_factor(const void *a, const void *b)
{
	double x = ((const struct collapse *)a)->factor, y = ((const struct collapse *)b)->factor;
	return (x < y) - (x > y);
}

static const char *family_of(const struct report_point *p)
{
	return p->family && p->family[0] ? p->family : "other";
}

/* Locks whose throughput falls 10x or more from the most threads within the CPUs to the most
 * threads of all, at critical section k: one sentence per family, worst first. */
static int collapse_sentences(struct doc *d, const struct report_set *s, size_t k,
			      struct verdict_cell *in, struct verdict_cell *over)
{
	if (verdict_cell_at(s->pts, s->npts, REGIME_CONTENDED, s->cs[k], s->ncs_of[k], METRIC_MOPS,
			    in) ||
	    verdict_cell_at(s->pts, s->npts, REGIME_OVERSUBSCRIBED, s->cs[k], s->ncs_of[k],
			    METRIC_MOPS, over))
		return -EINVAL;
	if (!in->threads || !over->threads)
		return 0;
	struct collapse col[VERDICT_MAX];
	size_t n = 0;
	for (size_t i = 0; i < in->ncand; i++)
		for (size_t j = 0; j < over->ncand; j++) {
			if (strcmp(in->cand[i].name, over->cand[j].name) != 0)
				continue;
			double a = in->cand[i].median, b = over->cand[j].median;
			if (isfinite(a) && isfinite(b) && a > 0 && b * 10 <= a)
				col[n++] = (struct collapse){ in->pt[i], over->pt[j],
							      b > 0 ? a / b : INFINITY };
		}
	qsort(col, n, sizeof *col, by_factor);
	bool done[VERDICT_MAX] = { false };
	for (size_t i = 0; i < n; i++) {
		if (done[i])
			continue;
		const char *fam = family_of(col[i].in);
		size_t members = 0;
		for (size_t j = i; j < n; j++)
			members += strcmp(family_of(col[j].in), fam) == 0;
		char f[32];
		fmt_factor(col[i].factor, f, sizeof f);
		doc_raw(d, d->html ? "<li>" : "- ");
		if (members > 1) {
			doc_textf(d, "%s locks (", fam);
			for (size_t j = i, first = 1; j < n; j++) {
				if (strcmp(family_of(col[j].in), fam) != 0)
					continue;
				doc_textf(d, "%s" DOC_B "%s" DOC_B, first ? "" : ", ", col[j].in->lock);
				done[j] = true;
				first = 0;
			}
			doc_textf(d, ") fall up to %s", f);
		} else {
			doc_textf(d, DOC_B "%s" DOC_B " (%s) falls %s", col[i].in->lock, fam, f);
			done[i] = true;
		}
		doc_textf(d, " once threads outnumber CPUs at cs %g ns: %s ", s->cs[k], col[i].in->lock);
		mops_figure(d, col[i].in, col[i].in->mops.median);
		doc_textf(d, " at %u threads → ", col[i].in->threads);
		mops_figure(d, col[i].over, col[i].over->mops.median);
		doc_textf(d, " at %u. Avoid %s where threads can outnumber CPUs.", col[i].over->threads,
			  members > 1 ? "them" : "it");
		doc_raw(d, d->html ? "</li>\n" : "\n");
	}
	return 0;
}

/* --- the section ------------------------------------------------------------------------------ */

static void flags_sentence(struct doc *d, const struct report_set *s)
{
	size_t flagged = 0, busy = 0, noisy = 0, disagree = 0, failed = 0;
	for (size_t i = 0; i < s->npts; i++) {
		const struct report_point *p = &s->pts[i];
		flagged += report_point_flagged(p);
		busy += p->busy;
		noisy += p->noisy;
		disagree += p->disagree;
		failed += strcmp(p->status, "ok") != 0;
	}
	doc_para_start(d, flagged ? "warn" : NULL);
	if (!flagged)
		doc_textf(d, "None of the %zu points is flagged: no repetitions disagreed, the machine "
			     "stayed quiet and every run ended ok.", s->npts);
	else
		doc_textf(d, "%zu of %zu points are flagged (busy %zu, noisy %zu, repetitions "
			     "disagree %zu, a failed repetition %zu): an answer resting on them is "
			     "weaker; rerun on a quiet machine (the flags are listed under What wins "
			     "where).", flagged, s->npts, busy, noisy, disagree, failed);
	doc_para_end(d);
}

/* The answers, the collapse and the flags of one host's points (s->pts[0..npts)). */
static int summary_body(struct doc *d, const struct report_set *s, struct verdict_cell *cell)
{
	int rc = 0;
	doc_raw(d, d->html ? "<ul class=\"summary\">\n" : "");
	for (size_t k = 0; k < s->ncs && !rc; k++)
		for (enum report_regime r = 0; r < REGIME_COUNT && !rc; r++) {
			if (verdict_cell_at(s->pts, s->npts, r, s->cs[k], s->ncs_of[k], METRIC_MOPS,
					    cell)) {
				rc = -EINVAL;
				break;
			}
			if (cell->threads)
				answer(d, s, k, r, cell);
		}
	doc_raw(d, d->html ? "</ul>\n" : "\n");
	/* The collapse, when any lock collapses, as its own list. */
	if (!rc) {
		doc_raw(d, d->html ? "<ul class=\"summary\">\n" : "");
		for (size_t k = 0; k < s->ncs && !rc; k++)
			if (!(s->cs[k] == 0 && s->ncs_of[k] == 0))
				rc = collapse_sentences(d, s, k, &cell[0], &cell[1]);
		doc_raw(d, d->html ? "</ul>\n" : "\n");
	}
	if (!rc)
		flags_sentence(d, s);
	return rc;
}

int report_summary_section(struct doc *d, const struct report_set *s)
{
	struct verdict_cell *cell = malloc(2 * sizeof *cell);
	if (!cell)
		return -ENOMEM;
	doc_heading(d, 2, "summary", "Summary");
	doc_para_start(d, "note");
	doc_text(d, "Which lock to use, by throughput, for each critical section and regime this "
		    "set measured; written from the verdicts of What wins where: a lock is named only "
		    "when its spread overlaps no other lock's. Each figure points at its row of "
		    "summary.csv.");
	if (s->nhosts > 1)
		doc_textf(d, " A merged set of %zu hosts: the answer for each host, from its own "
			     "points (a lock's ranking changes with the machine).", s->nhosts);
	doc_para_end(d);
	int rc = 0;
	if (s->nhosts <= 1) {
		rc = summary_body(d, s, cell);
	} else {
		/* Each host through the same code: a view of the set holding its points only, its
		 * own CPU count (the most threads its points do not call oversubscribed). */
		struct report_set *h = malloc(sizeof *h);
		if (!h)
			rc = -ENOMEM;
		for (size_t i = 0; !rc && i < s->nhosts; i++) {
			*h = *s;
			h->pts = s->pts + s->host_start[i];
			h->npts = s->host_n[i];
			h->nhosts = 1;
			h->cpus = 0;
			for (size_t p = 0; p < h->npts; p++)
				if (h->pts[p].regime != REGIME_OVERSUBSCRIBED && h->pts[p].threads > h->cpus)
					h->cpus = h->pts[p].threads;
			char id[96], title[160];
			snprintf(id, sizeof id, "summary-%s", s->hosts[i]);
			snprintf(title, sizeof title, "On %s (%u CPU%s)", s->hosts[i], h->cpus,
				 h->cpus == 1 ? "" : "s");
			doc_heading(d, 3, id, title);
			rc = summary_body(d, h, cell);
		}
		free(h);
	}
	free(cell);
	return rc;
}
