/* harness_stats.c — the latency histogram against exact percentiles of known distributions,
 * merging, Jain's index on known vectors, the summaries across repetitions, and the rule that a
 * percentile from too few samples is empty.
 *
 * The distributions come from a fixed-seed PRNG, so every run checks the same numbers; the
 * exact percentiles come from sorting the very same values (nearest rank, as the histogram).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/result.h"
#include "stats/stats.h"
#include "test_util.h"

#define N 200000

static uint64_t rng_state;

/* splitmix64: a fixed sequence for a fixed seed. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rng_unit(void) /* (0, 1] */
{
	return ((double)(rng_next() >> 11) + 1.0) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t exact_percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

/* Compare every percentile of h with the exact one of v (scaled by `skew`, which the negative
 * control sets away from 1 to show the comparison can fail). */
static void check_percentiles(const char *name, const struct latency_hist *h, uint64_t *v,
			      size_t n, double skew)
{
	static const double ps[] = { 1, 10, 50, 90, 99, 99.9, 99.99, 100 };
	qsort(v, n, sizeof *v, cmp_u64);
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
		double exact = (double)exact_percentile(v, n, ps[i]) * skew;
		double got = lat_hist_percentile(h, ps[i]);
		double err = fabs(got - exact) / (exact > 0 ? exact : 1);
		char what[128];
		snprintf(what, sizeof what, ": %s p%g: histogram %.1f, exact %.1f, error %.3f%%", name,
			 ps[i], got, exact, 100 * err);
		if (!tu_negative_depth)
			printf("    %s\n", what + 2);
		tu_check_(err <= LAT_HIST_REL_ERROR + 1e-12, __FILE__, __LINE__,
			  "relative error <= LAT_HIST_REL_ERROR", what);
	}
}

static void fill(struct latency_hist *h, uint64_t *v, size_t n, int kind)
{
	lat_hist_init(h);
	for (size_t i = 0; i < n; i++) {
		double x;
		switch (kind) {
		case 0: x = 1 + rng_unit() * 1e6; break;                /* uniform 1 ns .. 1 ms */
		case 1: x = -800.0 * log(rng_unit()); break;            /* exponential, mean 800 ns */
		case 2: x = pow(10.0, 1 + 9 * rng_unit()); break;       /* log-uniform 10 ns .. 10 s */
		default: x = (double)(rng_next() % 200); break;         /* small: the exact range */
		}
		v[i] = (uint64_t)x;
		lat_hist_record(h, v[i]);
	}
}

static void test_accuracy(struct latency_hist *h, uint64_t *v)
{
	static const char *const names[] = { "uniform", "exponential", "log-uniform", "small" };
	printf("histogram accuracy (bound %.3f%% relative):\n", 100 * LAT_HIST_REL_ERROR);
	for (int kind = 0; kind < 4; kind++) {
		rng_state = 42 + (uint64_t)kind;
		fill(h, v, N, kind);
		CHECK_EQ(h->count, N);
		check_percentiles(names[kind], h, v, N, 1.0);
	}
	/* Negative control: the same comparison against values 3 % off must fail. */
	rng_state = 43;
	fill(h, v, N, 1);
	tu_negative_begin();
	check_percentiles("exponential, exact skewed by 3%", h, v, N, 1.03);
	unsigned failed = tu_negative_end();
	printf("  negative control: %u of 8 percentiles caught 3%% off\n", failed);
	CHECK(failed >= 6);
}

static void test_buckets(void)
{
	unsigned bad = 0, wide = 0;
	rng_state = 7;
	for (int i = 0; i < 1000000; i++) {
		uint64_t v = rng_next() >> (rng_next() % 64);
		unsigned idx = lat_hist_index(v);
		uint64_t lo, hi;
		lat_hist_bucket_range(idx, &lo, &hi);
		bad += idx >= LAT_HIST_BUCKETS || v < lo || v > hi;
		/* Below LAT_HIST_EXACT a bucket is one value wide: exact. */
		if (idx >= LAT_HIST_EXACT && idx < LAT_HIST_BUCKETS - 1)
			wide += (double)(hi - lo + 1) / (double)lo > 1.0 / LAT_HIST_SUB + 1e-12;
	}
	printf("bucket ranges: 1000000 values, %u outside their bucket, %u buckets too wide\n", bad,
	       wide);
	CHECK_EQ(bad, 0);
	CHECK_EQ(wide, 0);
	/* Neighbouring buckets tile the line with no gap. */
	unsigned gaps = 0;
	for (unsigned i = 1; i < LAT_HIST_BUCKETS; i++) {
		uint64_t lo0, hi0, lo1, hi1;
		lat_hist_bucket_range(i - 1, &lo0, &hi0);
		lat_hist_bucket_range(i, &lo1, &hi1);
		gaps += lo1 != hi0 + 1;
	}
	CHECK_EQ(gaps, 0);
	printf("  memory: %zu bytes per histogram, whatever the run length\n",
	       sizeof(struct latency_hist));
}

static void test_merge(uint64_t *v)
{
	struct latency_hist *a = malloc(sizeof *a), *b = malloc(sizeof *b), *all = malloc(sizeof *all);
	if (!a || !b || !all)
		tu_die("harness_stats", "malloc", 12);
	rng_state = 99;
	fill(all, v, N, 2);
	lat_hist_init(a);
	lat_hist_init(b);
	for (size_t i = 0; i < N; i++)
		lat_hist_record(i % 3 ? a : b, v[i]);
	lat_hist_merge(a, b);
	CHECK_EQ(a->count, all->count);
	CHECK_EQ(a->min_ns, all->min_ns);
	CHECK_EQ(a->max_ns, all->max_ns);
	CHECK(memcmp(a->bucket, all->bucket, sizeof a->bucket) == 0);
	CHECK(lat_hist_percentile(a, 99.9) == lat_hist_percentile(all, 99.9));
	/* Merging an empty histogram changes nothing; percentiles of an empty one are NAN. */
	lat_hist_init(b);
	lat_hist_merge(a, b);
	CHECK_EQ(a->count, all->count);
	CHECK_EQ(a->min_ns, all->min_ns);
	CHECK(isnan(lat_hist_percentile(b, 50)));
	printf("merge: thirds recorded apart and merged equal the whole\n");
	free(a);
	free(b);
	free(all);
}

static void test_min_samples(void)
{
	struct latency_hist *h = malloc(sizeof *h);
	struct run_result r;
	if (!h)
		tu_die("harness_stats", "malloc", 12);
	static const unsigned counts[] = { 0, 5, 50, 500, 2000, 20000 };
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		lat_hist_init(h);
		for (unsigned k = 0; k < counts[i]; k++)
			lat_hist_record(h, 100 + k);
		memset(&r, 0, sizeof r);
		run_result_fill_latency(&r, h);
		unsigned n = counts[i];
		printf("min samples: %4u samples -> p50 %s p99 %s p99.9 %s max %s; \"%s\"\n", n,
		       isnan(r.lat_p50_ns) ? "empty" : "set", isnan(r.lat_p99_ns) ? "empty" : "set",
		       isnan(r.lat_p999_ns) ? "empty" : "set", isnan(r.lat_max_ns) ? "empty" : "set",
		       r.status_detail);
		CHECK_EQ(r.lat_samples, n);
		CHECK(isnan(r.lat_p50_ns) == (n < LB_MIN_SAMPLES_P90));
		CHECK(isnan(r.lat_p90_ns) == (n < LB_MIN_SAMPLES_P90));
		CHECK(isnan(r.lat_p99_ns) == (n < LB_MIN_SAMPLES_P99));
		CHECK(isnan(r.lat_p999_ns) == (n < LB_MIN_SAMPLES_P999));
		CHECK(isnan(r.lat_p9999_ns) == (n < LB_MIN_SAMPLES_P9999));
		CHECK(isnan(r.lat_max_ns) == (n == 0));
		/* An empty percentile always comes with the reason. */
		CHECK((n >= LB_MIN_SAMPLES_P9999) == (r.status_detail[0] == '\0'));
	}
	memset(&r, 0, sizeof r);
	run_result_fill_latency(&r, NULL);
	CHECK(isnan(r.lat_p50_ns) && isnan(r.lat_max_ns) && r.lat_samples == 0);
	free(h);
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-3;
}

static void test_jain(void)
{
	const uint64_t equal[] = { 5, 5, 5, 5 }, one[] = { 9, 0, 0, 0 }, ramp[] = { 1, 2, 3, 4 },
		       zeros[] = { 0, 0 }, two[] = { 3, 1 };
	printf("jain: equal %.4f, one of four %.4f, 1..4 %.4f, {3,1} %.4f\n", stats_jain(equal, 4),
	       stats_jain(one, 4), stats_jain(ramp, 4), stats_jain(two, 2));
	CHECK(near(stats_jain(equal, 4), 1.0));
	CHECK(near(stats_jain(one, 4), 0.25));
	CHECK(near(stats_jain(ramp, 4), 100.0 / 120.0));
	CHECK(near(stats_jain(two, 2), 16.0 / 20.0));
	CHECK(isnan(stats_jain(zeros, 2)));
	CHECK(isnan(stats_jain(equal, 0)));
}

static void test_summaries(void)
{
	const double v[] = { 5, NAN, 1, 4, 2, 3 };
	double lo, hi;
	CHECK(near(stats_median(v, 6), 3));
	CHECK(near(stats_min(v, 6), 1));
	CHECK(near(stats_max(v, 6), 5));
	CHECK(near(stats_mean(v, 6), 3));
	const double even[] = { 4, 1, 3, 2 };
	CHECK(near(stats_median(even, 4), 2.5));
	/* The nearest-rank p50 of the same four is an observed value, not the midpoint. */
	const double sorted[] = { 1, 2, 3, 4 };
	CHECK(stats_percentile_sorted(sorted, 4, LB_P50) == 2);
	CHECK(stats_percentile_sorted(sorted, 4, LB_P90) == 4);
	CHECK(stats_percentile_sorted(sorted, 4, LB_PCT(10, 0)) == 1);
	CHECK(isnan(stats_percentile_sorted(sorted, 0, LB_P50)));
	CHECK(isnan(stats_percentile_sorted(sorted, 4, 0)));
	const double none[] = { NAN, NAN };
	CHECK(isnan(stats_median(none, 2)) && isnan(stats_min(none, 2)) && isnan(stats_mean(none, 2)));
	/* Mean of 1..5: 3 ± t(0.975, 4) · s/√5 = 3 ± 2.776 · 1.5811 / 2.2361. */
	CHECK_EQ(stats_ci95_mean(v, 6, &lo, &hi), 0);
	printf("ci95 mean of 1..5: [%.4f, %.4f]\n", lo, hi);
	CHECK(near(lo, 3 - 1.9629) && near(hi, 3 + 1.9629));
	CHECK_EQ(stats_ci95_mean(v, 1, &lo, &hi), -EDOM);
	/* The median's interval needs 6 values (then it is [min, max], 96.9 %). */
	CHECK_EQ(stats_ci95_median(v, 6, &lo, &hi), -EDOM); /* five finite values */
	const double six[] = { 6, 1, 5, 2, 4, 3 };
	CHECK_EQ(stats_ci95_median(six, 6, &lo, &hi), 0);
	CHECK(near(lo, 1) && near(hi, 6));
	double many[20];
	for (int i = 0; i < 20; i++)
		many[i] = 20 - i;
	CHECK_EQ(stats_ci95_median(many, 20, &lo, &hi), 0);
	printf("ci95 median of 1..20: [%g, %g]\n", lo, hi);
	CHECK(near(lo, 6) && near(hi, 15)); /* ranks 6 and 15 for n = 20 */
}

int main(void)
{
	uint64_t *v = malloc(N * sizeof *v);
	struct latency_hist *h = malloc(sizeof *h);
	if (!v || !h)
		tu_die("harness_stats", "malloc", 12);
	test_accuracy(h, v);
	test_buckets();
	test_merge(v);
	test_min_samples();
	test_jain();
	test_summaries();
	free(v);
	free(h);
	return tu_summary("harness_stats");
}
