/* verdict.c — the "what wins where" rule of the report, as a pure function.
 *
 * A lock is named the winner of a cell only when the numbers can tell it apart: its spread (the
 * 95 % CI of the median, or min..max of the repetitions) must not overlap any other lock's. On
 * these shared 2-CPU VMs two locks within a few percent of each other swap places from one run
 * to the next; calling one of them "best" would be reporting noise. Otherwise the cell is a tie
 * and lists every lock whose spread overlaps the leader's.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "report/report.h"
#include "results/metrics.h"

bool verdict_overlap(double alo, double ahi, double blo, double bhi)
{
	return alo <= bhi && blo <= ahi;
}

/* A candidate's spread as a proper interval around its median: missing bounds are the median,
 * and bounds on the wrong side of it (a malformed row) are widened to include it. */
static void spread(const struct verdict_candidate *c, double *lo, double *hi)
{
	*lo = isfinite(c->lo) ? c->lo : c->median;
	*hi = isfinite(c->hi) ? c->hi : c->median;
	if (*lo > c->median)
		*lo = c->median;
	if (*hi < c->median)
		*hi = c->median;
}

/* Is a better than b (for sorting best first)? Equal medians: by name, then by index. */
static bool better(const struct verdict_candidate *c, size_t a, size_t b, enum verdict_goal goal)
{
	if (c[a].median != c[b].median)
		return goal == VERDICT_HIGHER_BETTER ? c[a].median > c[b].median
						     : c[a].median < c[b].median;
	int cmp = strcmp(c[a].name ? c[a].name : "", c[b].name ? c[b].name : "");
	return cmp != 0 ? cmp < 0 : a < b;
}

int verdict_decide(const struct verdict_candidate *c, size_t n, enum verdict_goal goal,
		   struct verdict *v)
{
	size_t order[VERDICT_MAX];
	size_t m = 0;

	memset(v, 0, sizeof *v);
	v->runner_up = SIZE_MAX;
	if (n > VERDICT_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(c[i].median))
			continue;
		/* Insertion sort, best first: n is the number of locks. */
		size_t j = m++;
		while (j > 0 && better(c, i, order[j - 1], goal)) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	v->considered = m;
	if (m == 0)
		return 0;
	if (m > 1)
		v->runner_up = order[1];

	double blo, bhi;
	spread(&c[order[0]], &blo, &bhi);
	v->tied[v->ntied++] = order[0];
	for (size_t k = 1; k < m; k++) {
		double lo, hi;
		spread(&c[order[k]], &lo, &hi);
		if (verdict_overlap(blo, bhi, lo, hi))
			v->tied[v->ntied++] = order[k];
	}
	v->kind = v->ntied == 1 ? VERDICT_WINNER : VERDICT_TIE;
	return 0;
}

const char *report_regime_name(enum report_regime r)
{
	switch (r) {
	case REGIME_UNCONTENDED: return "uncontended";
	case REGIME_CONTENDED: return "contended";
	case REGIME_OVERSUBSCRIBED: return "oversubscribed";
	default: return "?";
	}
}

static const struct report_stat *metric_stat(const struct report_point *p, enum report_metric m)
{
	switch (m) {
	case METRIC_MOPS: return &p->mops;
	case METRIC_P99: return &p->p99;
	case METRIC_FAIRNESS: return &p->fairness;
	default: return &p->cpu;
	}
}

bool report_point_flagged(const struct report_point *p)
{
	return p->disagree || p->noisy || p->busy || strcmp(p->status, "ok") != 0;
}

/* At this point: its cs, and its ncs unless any ncs will do (NAN); never the floor. */
static bool in_cell(const struct report_point *p, enum report_regime regime, double cs_ns,
		    double ncs_ns)
{
	return p->regime == regime && p->cs_ns == cs_ns && p->permits == 1 && !p->floor &&
	       (isnan(ncs_ns) || p->ncs_ns == ncs_ns);
}

int verdict_cell(const struct report_point *pts, size_t n, enum report_regime regime,
		 double cs_ns, enum report_metric metric, struct verdict_cell *cell)
{
	return verdict_cell_at(pts, n, regime, cs_ns, NAN, metric, cell);
}

int verdict_cell_at(const struct report_point *pts, size_t n, enum report_regime regime,
		    double cs_ns, double ncs_ns, enum report_metric metric,
		    struct verdict_cell *cell)
{
	memset(cell, 0, sizeof *cell);
	cell->v.runner_up = SIZE_MAX;
	/* The regime's representative thread count. */
	for (size_t i = 0; i < n; i++) {
		const struct report_point *p = &pts[i];
		if (!in_cell(p, regime, cs_ns, ncs_ns))
			continue;
		if (cell->threads == 0 ||
		    (regime == REGIME_UNCONTENDED ? p->threads < cell->threads
						  : p->threads > cell->threads))
			cell->threads = p->threads;
	}
	if (cell->threads == 0)
		return 0;
	/* max/min says how far apart the best and worst served threads are, which Jain's index
	 * compresses near 1; sets from before it have Jain only. */
	for (size_t i = 0; i < n && metric == METRIC_FAIRNESS; i++)
		if (in_cell(&pts[i], regime, cs_ns, ncs_ns) && pts[i].threads == cell->threads &&
		    isfinite(pts[i].maxmin.median))
			cell->maxmin = true;
	for (size_t i = 0; i < n; i++) {
		const struct report_point *p = &pts[i];
		if (!in_cell(p, regime, cs_ns, ncs_ns) || p->threads != cell->threads)
			continue;
		if (strcmp(p->status, "ok") != 0) {
			if (cell->nexcluded == VERDICT_MAX)
				return -EINVAL;
			cell->excluded[cell->nexcluded++] = p;
			continue;
		}
		if (cell->ncand == VERDICT_MAX)
			return -EINVAL;
		const struct report_stat *s = cell->maxmin ? &p->maxmin : metric_stat(p, metric);
		bool ci = metric == METRIC_MOPS && p->ci95 && isfinite(s->ci_lo) && isfinite(s->ci_hi);
		cell->cand[cell->ncand] = (struct verdict_candidate){
			.name = p->lock,
			.median = s->median,
			.lo = ci ? s->ci_lo : s->min,
			.hi = ci ? s->ci_hi : s->max,
		};
		cell->used_ci[cell->ncand] = ci;
		cell->pt[cell->ncand++] = p;
	}
	/* Which way is better is the metric table's to say. */
	static const char *const column[METRIC_COUNT] = {
		[METRIC_MOPS] = "mops", [METRIC_P99] = "lat_p99_ns", [METRIC_FAIRNESS] = "fairness",
		[METRIC_CPU] = "cpu_ns_per_op",
	};
	const struct metric *d = metric_find(cell->maxmin ? "fairness_maxmin" : column[metric]);
	if (!d)
		return -EINVAL;
	return verdict_decide(cell->cand, cell->ncand,
			      d->higher_better ? VERDICT_HIGHER_BETTER : VERDICT_LOWER_BETTER,
			      &cell->v);
}
