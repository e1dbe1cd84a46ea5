/* stats.c — histogram, percentiles, fairness, and summaries across repetitions. See stats.h. */
#include "stats/stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lat_hist_init(struct latency_hist *h)
{
	memset(h, 0, sizeof *h);
	h->min_ns = UINT64_MAX;
}

void lat_hist_bucket_range(unsigned index, uint64_t *lo, uint64_t *hi)
{
	if (index < LAT_HIST_EXACT) {
		*lo = *hi = index;
		return;
	}
	unsigned j = index - LAT_HIST_EXACT;
	unsigned e = 7u + j / LAT_HIST_SUB;
	uint64_t m = LAT_HIST_SUB + j % LAT_HIST_SUB;
	unsigned shift = e - 6u;
	*lo = m << shift;
	*hi = ((m + 1) << shift) - 1;
	if (index == LAT_HIST_BUCKETS - 1)
		*hi = UINT64_MAX; /* the last bucket also holds everything past 2^48 */
}

void lat_hist_merge(struct latency_hist *dst, const struct latency_hist *src)
{
	for (unsigned i = 0; i < LAT_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

uint64_t stats_rank(uint64_t count, uint32_t part)
{
	if (count == 0 || part == 0)
		return 0;
	/* count = q·DEN + r: q·part is exact, and r·part < DEN² fits, so nothing overflows. */
	uint64_t q = count / LB_PCT_DEN, r = count % LB_PCT_DEN;
	uint64_t rank = q * part + (r * part + LB_PCT_DEN - 1) / LB_PCT_DEN;
	return rank < 1 ? 1 : rank;
}

double lat_hist_percentile(const struct latency_hist *h, double p)
{
	if (!(p > 0.0) || p > 100.0)
		return NAN;
	return lat_hist_percentile_part(h, (uint32_t)llround(p * (LB_PCT_DEN / 100)));
}

double lat_hist_percentile_part(const struct latency_hist *h, uint32_t part)
{
	if (h->count == 0 || part == 0 || part > LB_PCT_DEN)
		return NAN;
	uint64_t rank = stats_rank(h->count, part);
	if (rank > h->count)
		rank = h->count;
	uint64_t seen = 0;
	for (unsigned i = 0; i < LAT_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t lo, hi;
			lat_hist_bucket_range(i, &lo, &hi);
			/* Clamping to the exact extremes keeps the error bound and makes p100 exact. */
			if (lo < h->min_ns)
				lo = h->min_ns;
			if (hi > h->max_ns)
				hi = h->max_ns;
			return ((double)lo + (double)hi) / 2.0;
		}
	}
	return (double)h->max_ns; /* not reached: the counts sum to count */
}

double stats_jain(const uint64_t *x, size_t n)
{
	long double sum = 0, sumsq = 0;
	for (size_t i = 0; i < n; i++) {
		sum += (long double)x[i];
		sumsq += (long double)x[i] * (long double)x[i];
	}
	if (n == 0 || sumsq == 0)
		return NAN;
	return (double)(sum * sum / ((long double)n * sumsq));
}

double stats_fairness_maxmin(const uint64_t *x, size_t n)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (x[i] < lo)
			lo = x[i];
		if (x[i] > hi)
			hi = x[i];
	}
	if (n == 0 || hi == 0)
		return NAN;
	return lo == 0 ? INFINITY : (double)hi / (double)lo;
}

double stats_fairness_cv(const uint64_t *x, size_t n)
{
	if (n == 0)
		return NAN;
	long double sum = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		sum += (long double)x[i];
	long double mean = sum / (long double)n;
	if (mean == 0)
		return NAN;
	/* Two passes: Σx² − n·mean² cancels badly for equal shares of a billion operations. */
	for (size_t i = 0; i < n; i++)
		ss += ((long double)x[i] - mean) * ((long double)x[i] - mean);
	return (double)(sqrtl(ss / (long double)n) / mean);
}

double stats_worker_util(double cpu_ns, double window_ns, unsigned threads, unsigned cpus)
{
	unsigned usable = threads < cpus ? threads : cpus;
	if (isnan(cpu_ns) || !(window_ns > 0) || usable == 0)
		return NAN;
	return cpu_ns / ((double)usable * window_ns);
}

bool run_is_busy(double worker_util, unsigned threads, unsigned allowed_cpus, bool spins)
{
	if (isnan(worker_util) || !(worker_util < LB_BUSY_UTIL_MIN))
		return false;
	return threads == 1 || (spins && threads <= allowed_cpus);
}

uint64_t stats_counter_delta(uint64_t before, uint64_t after)
{
	return after > before ? after - before : 0;
}

/* The non-NAN values of v, sorted ascending, in a new array (NULL when none or out of memory). */
static double *sorted_finite(const double *v, size_t n, size_t *m)
{
	*m = 0;
	double *s = malloc((n ? n : 1) * sizeof *s);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			s[(*m)++] = v[i];
	if (*m == 0) {
		free(s);
		return NULL;
	}
	/* Insertion sort: repetitions are few. */
	for (size_t i = 1; i < *m; i++) {
		double x = s[i];
		size_t j = i;
		for (; j > 0 && s[j - 1] > x; j--)
			s[j] = s[j - 1];
		s[j] = x;
	}
	return s;
}

double stats_min(const double *v, size_t n)
{
	double m = NAN;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]) && (isnan(m) || v[i] < m))
			m = v[i];
	return m;
}

double stats_max(const double *v, size_t n)
{
	double m = NAN;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]) && (isnan(m) || v[i] > m))
			m = v[i];
	return m;
}

/* Sum and count of the non-NAN values. */
static size_t sum_finite(const double *v, size_t n, double *sum)
{
	size_t m = 0;
	*sum = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i])) {
			*sum += v[i];
			m++;
		}
	return m;
}

double stats_mean(const double *v, size_t n)
{
	double sum;
	size_t m = sum_finite(v, n, &sum);
	return m ? sum / (double)m : NAN;
}

double stats_median(const double *v, size_t n)
{
	size_t m;
	double *s = sorted_finite(v, n, &m);
	if (!s)
		return NAN;
	double med = m % 2 ? s[m / 2] : (s[m / 2 - 1] + s[m / 2]) / 2.0;
	free(s);
	return med;
}

double stats_percentile_sorted(const double *sorted, size_t n, uint32_t part)
{
	uint64_t rank = stats_rank(n, part);
	if (rank == 0)
		return NAN;
	return sorted[(rank > n ? n : rank) - 1];
}

/* P(X <= k) for X ~ Binomial(n, 1/2). */
static double binom_half_cdf(size_t n, size_t k)
{
	double p = 0;
	for (size_t i = 0; i <= k && i <= n; i++)
		p += exp(lgamma((double)n + 1) - lgamma((double)i + 1) - lgamma((double)(n - i) + 1) -
			 (double)n * log(2.0));
	return p;
}

int stats_ci95_median(const double *v, size_t n, double *lo, double *hi)
{
	*lo = *hi = NAN;
	size_t m;
	double *s = sorted_finite(v, n, &m);
	if (!s)
		return -EDOM;
	/* [x_(k), x_(m-k+1)] (1-based) covers the median with probability 1 - 2·P(X <= k-1); take
	 * the largest k that keeps that at least 95 %. */
	size_t k = 0;
	while (k + 1 <= m / 2 && binom_half_cdf(m, k) <= 0.025)
		k++;
	if (k == 0) {
		free(s);
		return -EDOM;
	}
	*lo = s[k - 1];
	*hi = s[m - k];
	free(s);
	return 0;
}

/* Two-sided 95 % quantiles of Student's t, t_{0.975, df}, df = 1..30. */
static const double t975[30] = {
	12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
};

static double t_quantile_975(size_t df)
{
	if (df >= 1 && df <= 30)
		return t975[df - 1];
	/* Cornish–Fisher expansion around the normal quantile; within 1e-3 for df > 30. */
	double z = 1.959964, d = (double)df;
	return z + (z * z * z + z) / (4 * d) + (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * d * d);
}

int stats_ci95_mean(const double *v, size_t n, double *lo, double *hi)
{
	*lo = *hi = NAN;
	double sum;
	size_t m = sum_finite(v, n, &sum);
	if (m < 2)
		return -EDOM;
	double mean = sum / (double)m, ss = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			ss += (v[i] - mean) * (v[i] - mean);
	double half = t_quantile_975(m - 1) * sqrt(ss / (double)(m - 1)) / sqrt((double)m);
	*lo = mean - half;
	*hi = mean + half;
	return 0;
}
