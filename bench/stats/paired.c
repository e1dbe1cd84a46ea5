/* paired.c — per-repetition ratios of side-by-side measurements. See paired.h. */
#include "stats/paired.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "stats/stats.h"

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

bool stats_paired_usable(double a, double b)
{
	return isfinite(a) && a > 0 && isfinite(b) && b > 0;
}

int stats_paired_ratio(const double *a, const double *b, size_t n, struct paired_ratio *out)
{
	out->n = 0;
	out->median = out->min = out->max = out->se_pct = NAN;
	double *r = malloc((n ? n : 1) * sizeof *r);
	if (!r)
		return -ENOMEM;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (stats_paired_usable(a[i], b[i]))
			r[m++] = a[i] / b[i];
	if (m) {
		out->n = m;
		out->median = stats_median(r, m);
		out->min = stats_min(r, m);
		out->max = stats_max(r, m);
	}
	if (m >= 2) {
		/* The log makes a ratio of 2 and one of 1/2 equally far from parity. */
		for (size_t i = 0; i < m; i++)
			r[i] = log(r[i]);
		qsort(r, m, sizeof *r, cmp_double);
		double q1 = stats_percentile_sorted(r, m, LB_PCT(25, 0));
		double q3 = stats_percentile_sorted(r, m, LB_PCT(75, 0));
		out->se_pct = 100.0 * 1.2533 * (q3 - q1) / 1.349 / sqrt((double)m);
	}
	free(r);
	return 0;
}
