/* harness_stats_rank.c — the nearest rank of every reported percentile, for every count from 1
 * to 100000 and for counts near 2^64, against its definition: the smallest r with
 * r / count >= p, checked as r · LB_PCT_DEN >= count · part > (r − 1) · LB_PCT_DEN in 128-bit
 * integers. Then the same through a planted histogram, where one rank too high reads the next
 * value. The negative control runs the same checks on the old floating-point rank,
 * ceil(p / 100 · count), which must fail them (p99.9 at 1000 samples was the max).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "stats/stats.h"
#include "test_util.h"

#define COUNT_MAX 100000u

static const struct {
	const char *name;
	uint32_t part;
	double pct;
} reported[] = {
	{ "p50", LB_P50, 50.0 }, { "p90", LB_P90, 90.0 }, { "p99", LB_P99, 99.0 },
	{ "p99.9", LB_P999, 99.9 }, { "p100", LB_P100, 100.0 },
};
#define NREPORTED (sizeof reported / sizeof reported[0])

typedef uint64_t rank_fn(uint64_t count, uint32_t part, double pct);

static uint64_t rank_integer(uint64_t count, uint32_t part, double pct)
{
	(void)pct;
	return stats_rank(count, part);
}

/* What lat_hist_percentile did before: the negative control. */
static uint64_t rank_float(uint64_t count, uint32_t part, double pct)
{
	(void)part;
	double x = ceil(pct / 100.0 * (double)count);
	/* Near 2^64 the double rounds past the largest uint64_t; converting it would be undefined
	 * (UBSan stops there), so the old code's answer is taken as the count. */
	uint64_t r = x >= 18446744073709551616.0 ? count : (uint64_t)x;
	return r < 1 ? 1 : r;
}

/* 128 bits: count · part overflows 64 for counts near 2^64, the very cases being checked. */
__extension__ typedef unsigned __int128 u128;

static int is_nearest_rank(uint64_t count, uint32_t part, uint64_t r)
{
	u128 want = (u128)count * part;
	return r >= 1 && r <= count && (u128)r * LB_PCT_DEN >= want &&
	       (u128)(r - 1) * LB_PCT_DEN < want;
}

/* Every count 1..COUNT_MAX and a few near 2^64; one CHECK per percentile. */
static void check_ranks(const char *what, rank_fn *rank)
{
	static const uint64_t huge[] = { UINT64_MAX, UINT64_MAX - 1, UINT64_MAX / 3,
					 (uint64_t)1 << 63, 1000000000000000ull };
	for (size_t i = 0; i < NREPORTED; i++) {
		uint64_t bad = 0, first = 0;
		for (uint64_t n = 1; n <= COUNT_MAX; n++)
			if (!is_nearest_rank(n, reported[i].part, rank(n, reported[i].part,
								       reported[i].pct)) && !bad++)
				first = n;
		for (size_t j = 0; j < sizeof huge / sizeof huge[0]; j++)
			if (!is_nearest_rank(huge[j], reported[i].part,
					     rank(huge[j], reported[i].part, reported[i].pct)) &&
			    !bad++)
				first = huge[j];
		printf("  %s rank %-5s: %llu of %u counts wrong", what, reported[i].name,
		       (unsigned long long)bad, COUNT_MAX + (unsigned)(sizeof huge / sizeof huge[0]));
		if (bad)
			printf(", the first at count %llu", (unsigned long long)first);
		printf("\n");
		CHECK(bad == 0);
	}
}

/* h holds `low` samples of 10 ns and count − low of 20 ns. */
static void plant(struct latency_hist *h, uint64_t count, uint64_t low)
{
	lat_hist_init(h);
	h->count = count;
	h->bucket[10] = low;
	h->bucket[20] = count - low;
	h->min_ns = low ? 10 : 20;
	h->max_ns = low < count ? 20 : 10;
}

/* Through the histogram: with exactly rank(count) samples of 10 the percentile reads 10, with
 * one fewer it reads 20. `by_pct` goes through lat_hist_percentile (percent, as callers pass). */
static void check_histogram(int by_pct)
{
	static struct latency_hist h;
	for (size_t i = 0; i < NREPORTED; i++) {
		uint64_t bad = 0, first = 0;
		for (uint64_t n = 1; n <= COUNT_MAX; n += n < 2000 ? 1 : 7) {
			uint64_t r = 0;
			while (!is_nearest_rank(n, reported[i].part, r))
				r++; /* r ≤ n: found by the definition alone */
			double at_r, below_r = 20;
			plant(&h, n, r);
			at_r = by_pct ? lat_hist_percentile(&h, reported[i].pct)
				      : lat_hist_percentile_part(&h, reported[i].part);
			if (r > 1) {
				plant(&h, n, r - 1);
				below_r = by_pct ? lat_hist_percentile(&h, reported[i].pct)
						 : lat_hist_percentile_part(&h, reported[i].part);
			}
			if ((at_r != 10 || below_r != 20) && !bad++)
				first = n;
		}
		printf("  histogram %s %-5s: %llu counts wrong", by_pct ? "(percent)" : "(parts)",
		       reported[i].name, (unsigned long long)bad);
		if (bad)
			printf(", the first at count %llu", (unsigned long long)first);
		printf("\n");
		CHECK(bad == 0);
	}
}

int main(void)
{
	printf("nearest ranks against their definition, counts 1..%u and near 2^64:\n", COUNT_MAX);
	check_ranks("integer", rank_integer);
	CHECK_EQ(stats_rank(1000, LB_P999), 999);
	CHECK_EQ(stats_rank(0, LB_P50), 0);
	CHECK_EQ(stats_rank(1, LB_P50), 1);
	check_histogram(0);
	check_histogram(1);

	printf("negative control: the old ceil(p / 100 * count) in double must fail:\n");
	tu_negative_begin();
	check_ranks("float", rank_float);
	unsigned failed = tu_negative_end();
	CHECK(failed > 0);
	CHECK_EQ(rank_float(1000, LB_P999, 99.9), 1000); /* p99.9 of 1000 samples was the max */
	return tu_summary("harness_stats_rank");
}
