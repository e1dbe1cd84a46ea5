/* report_winners.c — the report's "what wins where" table and the lock-cost ranking: for each
 * regime and critical section, which lock is best and whether its lead is real (the verdict rule
 * in verdict.c), then every lock's cost per lock + unlock against the harness's floor.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_doc.h"

/* --- the "what wins where" table ----------------------------------------------------------- */

/* The cell's text into f, a memory stream: as long as it needs to be (20 tied locks). */
static void cell_text(const struct verdict_cell *c, enum report_metric m, double timer_res_ns,
		      FILE *f)
{
	char v[160];
	/* Max/min: lower is fairer; say which figure it is, Jain's index reads the other way. */
	const char *what = m == METRIC_FAIRNESS && c->maxmin ? "max/min " : "";
#define ADD(...) fprintf(f, __VA_ARGS__)
	if (c->threads == 0) {
		ADD("not measured");
		return;
	}
	if (c->v.kind == VERDICT_NONE) {
		ADD("no data");
	} else if (c->v.kind == VERDICT_WINNER) {
		size_t w = c->v.tied[0];
		report_fmt_with_spread(m, &c->cand[w], c->used_ci[w], v, sizeof v);
		ADD(DOC_B "%s" DOC_B " %s%s", c->cand[w].name, what, v);
		if (c->v.runner_up != SIZE_MAX) {
			size_t r = c->v.runner_up;
			report_fmt_with_spread(m, &c->cand[r], c->used_ci[r], v, sizeof v);
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
		const char *unit = report_fmt_scaled(m, lo, hi, a, sizeof a);
		report_fmt_scaled(m, hi, hi, b, sizeof b);
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
				report_fmt_with_spread(m, &c->cand[i], c->used_ci[i], v, sizeof v);
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
		snprintf(buf, len, "contended: %u threads on %u CPU%s", threads, s->cpus,
			 s->cpus == 1 ? "" : "s");
	else
		snprintf(buf, len, "oversubscribed: %u threads on %u CPU%s", threads, s->cpus,
			 s->cpus == 1 ? "" : "s");
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

/* One row of the "what wins where" table: critical section k in regime r. */
static int verdict_row(struct doc *d, const struct report_set *s, size_t k,
		       enum report_regime r, struct verdict_cell *cell)
{
	char label[2][REPORT_CELL];
	char *text[METRIC_COUNT] = { NULL };
	size_t len;
	int rc = 0;
	unsigned threads = 0;
	cs_label(s, k, label[0], sizeof label[0]);
	for (enum report_metric m = 0; m < METRIC_COUNT && !rc; m++) {
		if (verdict_cell_at(s->pts, s->npts, r, s->cs[k], s->ncs_of[k], m, cell) != 0) {
			rc = -EINVAL;
			break;
		}
		threads = cell->threads;
		FILE *f = open_memstream(&text[m], &len);
		if (!f)
			rc = -ENOMEM;
		else {
			cell_text(cell, m, s->timer_res_ns, f);
			if (fclose(f) != 0)
				rc = -ENOMEM;
		}
	}
	/* The lock-cost points run at 1 thread and the CPUs only: no empty rows. */
	if (!rc && (threads || s->cs[k] != 0 || s->ncs_of[k] != 0)) {
		if (threads)
			regime_label(s, r, threads, label[1], sizeof label[1]);
		else
			snprintf(label[1], sizeof label[1], "%s: not measured (%u CPU%s)",
				 report_regime_name(r), s->cpus, s->cpus == 1 ? "" : "s");
		const char *cells[6] = { label[0], label[1] };
		for (enum report_metric m = 0; m < METRIC_COUNT; m++)
			cells[2 + m] = text[m];
		doc_row(d, cells, 6, false);
	}
	for (enum report_metric m = 0; m < METRIC_COUNT; m++)
		free(text[m]);
	return rc;
}

int report_verdict_section(struct doc *d, const struct report_set *s, char *err, size_t errlen)
{
	static const char *const head[] = { "critical section", "regime", "best throughput",
					    "best p99 latency", "fairest",
					    "cheapest CPU per acquisition" };
	struct verdict_cell *cell = malloc(sizeof *cell);
	if (!cell) {
		snprintf(err, errlen, "report: out of memory");
		return -ENOMEM;
	}
	doc_table_start(d, "verdict", head, 6, 0);
	int rc = 0;
	for (size_t k = 0; k < s->ncs && !rc; k++)
		for (enum report_regime r = 0; r < REGIME_COUNT && !rc; r++)
			rc = verdict_row(d, s, k, r, cell);
	doc_table_end(d);
	free(cell);
	if (rc == -EINVAL)
		snprintf(err, errlen, "report: more than %d locks at one point", VERDICT_MAX);
	else if (rc)
		snprintf(err, errlen, "report: out of memory");
	if (rc)
		return rc;
	doc_para_start(d, "note");
	doc_text(d, "A lock is named only when its spread does not overlap any other lock's at that "
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
	doc_para_end(d);
	doc_para_start(d, "note");
	if (isfinite(s->timer_res_ns)) {
		char pair[64] = "unavailable";
		if (isfinite(s->timer_p50_ns))
			snprintf(pair, sizeof pair, "%.3g ns", s->timer_p50_ns);
		doc_textf(d, "Timer resolution: %.3g ns, the clock's tick (timer_tick_ns, the largest seen "
			 "at any point); p99 latency differences below it are marked as ties in "
			 "practice. Every latency also includes the timestamp pair itself "
			 "(timer_p50_ns: %s): a figure near it is mostly the timer, the same for "
			 "every lock.", s->timer_res_ns, pair);
	}
	else
		doc_text(d, "Timer resolution: unavailable (this result set has no timer_p50_ns or "
			"timer_tick_ns columns: it predates them), so latency differences are not "
			"checked against it.");
	doc_para_end(d);
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

/* The ranking: each lock at 1 thread, the floor subtracted, and per thread at `many` threads. */
static void cost_table(struct doc *d, const struct report_set *s,
		       const struct verdict_candidate *c, size_t m, double f1, bool have_floor,
		       unsigned many)
{
	char fl[64], hd[64];
	report_fmt_ns(f1, fl, sizeof fl);
	snprintf(hd, sizeof hd, "at %u threads (per thread)", many);
	const char *head[] = { "rank", "lock", "1 thread: ns per lock+unlock (min–max)",
			       "floor (null)", "minus floor", hd };
	doc_table_start(d, "points", head, 6, 0);
	for (size_t k = 0; k < m; k++) {
		char cells[6][REPORT_CELL], a[64], b[64], e[64];
		snprintf(cells[0], sizeof cells[0], "%zu", k + 1);
		report_fmt_ns(c[k].median, a, sizeof a);
		report_fmt_ns(c[k].lo, b, sizeof b);
		report_fmt_ns(c[k].hi, e, sizeof e);
		if (isfinite(c[k].median))
			snprintf(cells[2], sizeof cells[2], "%s (%s – %s)", a, b, e);
		else
			snprintf(cells[2], sizeof cells[2], "not measured");
		snprintf(cells[3], sizeof cells[3], "%s", have_floor ? fl : "unavailable");
		report_fmt_ns(c[k].median - f1, cells[4], sizeof cells[4]);
		/* Per thread: threads × wall time / operations of all threads. */
		const struct report_point *pn = cost_point(s, c[k].name, many);
		double nmed = NAN, nlo, nhi;
		if (pn && many > 1 && strcmp(pn->status, "ok") == 0)
			ns_per_op(pn, &nmed, &nlo, &nhi);
		report_fmt_ns(nmed * many, cells[5], sizeof cells[5]);
		const char *row[6] = { cells[0], c[k].name, cells[2], cells[3], cells[4], cells[5] };
		doc_row(d, row, 6, false);
	}
	doc_table_end(d);
}

/* null's own figures under the table: at 1 thread, at `many`, and how much its repetitions spread. */
static void floor_note(struct doc *d, const struct report_point *floor1,
		       const struct report_point *floorn, unsigned many)
{
	double f1 = NAN, f1lo = NAN, f1hi = NAN, fn = NAN, fnlo, fnhi;
	char fl[64], fa[64], fb[64];
	ns_per_op(floor1, &f1, &f1lo, &f1hi);
	if (floorn)
		ns_per_op(floorn, &fn, &fnlo, &fnhi);
	report_fmt_ns(f1, fl, sizeof fl);
	doc_para_start(d, "note");
	report_fmt_ns(fn * many, fb, sizeof fb);
	doc_textf(d, "Floor: null at 1 thread %s per operation", fl);
	if (isfinite(fn) && many > 1)
		doc_textf(d, ", at %u threads %s per operation per thread", many, fb);
	report_fmt_ns(f1hi - f1lo, fa, sizeof fa);
	doc_textf(d, " (its repetitions spread over %s).", fa);
	doc_para_end(d);
}

/* Every lock at cs 0, ncs 0, ranked by ns per lock + unlock at 1 thread; null's figure beside
 * it and subtracted, which leaves what the lock itself costs. */
int report_lock_cost_section(struct doc *d, const struct report_set *s)
{
	doc_heading(d, 2, "lock-cost", "Lock cost: ns per lock + unlock (cs 0, ncs 0)");
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
		doc_para_start(d, "note");
		doc_text(d, "Not measured for this result set (no points at cs 0 and ncs 0: it predates "
			"the lock-cost points, or the sweep ran with --no-lock-cost).");
		doc_para_end(d);
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
	double f1 = NAN, f1lo, f1hi;
	if (floor1)
		ns_per_op(floor1, &f1, &f1lo, &f1hi);
	struct verdict v;
	verdict_decide(c, m < VERDICT_MAX ? m : VERDICT_MAX, VERDICT_LOWER_BETTER, &v);
	doc_para_start(d, "note");
	doc_text(d, "Each lock alone (1 thread) and at the CPUs, with no work inside or between "
		"acquisitions: the time of one lock + unlock, 1000 / Mops of the window (wall time of "
		"exactly counted operations; CPU time per operation is coarser). The floor is null, "
		"the same loop with no lock; the last column subtracts it, leaving the lock's own cost.");
	if (v.kind == VERDICT_WINNER)
		doc_textf(d, " Cheapest uncontended: " DOC_B "%s" DOC_B " (its min–max overlaps no other "
			 "lock's).", c[v.tied[0]].name);
	else if (v.kind == VERDICT_TIE)
		doc_textf(d, " Cheapest uncontended: a tie of %zu (min–max spreads overlap the leader's).",
		      v.ntied);
	doc_para_end(d);
	cost_table(d, s, c, m, f1, floor1 != NULL, many);
	if (floor1)
		floor_note(d, floor1, floorn, many);
	free(c);
	return 0;
}
