/* harness_pair_ratio.c — stats_paired_ratio (stats/paired.h), what `lockbench pair` prints, on
 * planted values: the median of per-repetition ratios (not the ratio of the medians), the range,
 * failed repetitions left out on both sides, and the standard error from the quartiles of the
 * log ratios. A negative control checks that the ratio of medians, a different answer on the
 * same input, is told apart.
 */
#include <math.h>
#include <stdio.h>

#include "stats/paired.h"
#include "test_util.h"

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

static void test_median_of_ratios(void)
{
	/* Ratios 2, 0.5, 1, 4, 1 → sorted 0.5 1 1 2 4: median 1, range 0.5-4. The medians of the
	 * sides are 4 and 4, so a ratio of medians would also be 1; the ones below tell them apart. */
	const double a[] = { 4, 2, 4, 8, 5 }, b[] = { 2, 4, 4, 2, 5 };
	struct paired_ratio r;
	CHECK(stats_paired_ratio(a, b, 5, &r) == 0);
	printf("ratios 2 0.5 1 4 1: n %zu, median %.3f, %.3f-%.3f, se %.2f%%\n", r.n, r.median, r.min,
	       r.max, r.se_pct);
	CHECK_EQ(r.n, 5);
	CHECK(near(r.median, 1.0) && near(r.min, 0.5) && near(r.max, 4.0));
	/* Nearest-rank quartiles of the sorted logs: ranks ceil(5/4) = 2 and ceil(15/4) = 4, so
	 * log 1 and log 2. se = 100 · 1.2533 · log 2 / 1.349 / sqrt 5. */
	CHECK(near(r.se_pct, 100 * 1.2533 * log(2.0) / 1.349 / sqrt(5.0)));

	/* A slow drift on both sides cancels in each ratio: A is 1.1 B throughout. The ratio of the
	 * medians happens to agree here; on the next input it does not. */
	const double da[] = { 1.1, 2.2, 3.3, 4.4 }, db[] = { 1, 2, 3, 4 };
	CHECK(stats_paired_ratio(da, db, 4, &r) == 0);
	CHECK(near(r.median, 1.1) && near(r.min, 1.1) && near(r.max, 1.1) && near(r.se_pct, 0));

	/* Ratios 3, 1/3, 1 → median 1; medians of the sides: 3 and 1, ratio 3. */
	const double pa[] = { 3, 1, 1 }, pb[] = { 1, 3, 1 };
	CHECK(stats_paired_ratio(pa, pb, 3, &r) == 0);
	CHECK(near(r.median, 1.0));
	tu_negative_begin();
	CHECK(near(r.median, 3.0)); /* the ratio of the medians: must not be what we compute */
	CHECK_EQ(tu_negative_end(), 1);
}

static void test_left_out(void)
{
	/* A failed run (NAN), a run that did nothing (0) and an infinite figure are left out of
	 * their repetition on both sides; ratios left: 2 and 1 → median 1.5. */
	const double a[] = { 2, NAN, 5, 0, 3, INFINITY }, b[] = { 1, 7, NAN, 4, 3, 1 };
	struct paired_ratio r;
	CHECK(stats_paired_ratio(a, b, 6, &r) == 0);
	CHECK_EQ(r.n, 2);
	CHECK(near(r.median, 1.5) && near(r.min, 1.0) && near(r.max, 2.0));
	/* The rule lockbench pair masks its medians by is the one the ratio skips by. */
	size_t usable = 0;
	for (size_t i = 0; i < 6; i++)
		usable += stats_paired_usable(a[i], b[i]);
	CHECK_EQ(usable, r.n);
	CHECK(!stats_paired_usable(0, 1) && !stats_paired_usable(1, 0) && !stats_paired_usable(-1, 1));
	CHECK(!stats_paired_usable(NAN, 1) && !stats_paired_usable(1, INFINITY));
	CHECK(stats_paired_usable(1e-9, 1e9));
	/* One ratio: a median and a range, no spread. */
	CHECK(stats_paired_ratio(a, b, 1, &r) == 0);
	CHECK(r.n == 1 && near(r.median, 2.0) && isnan(r.se_pct));
	/* Nothing usable: every figure NAN. */
	const double none[] = { NAN, 0 };
	CHECK(stats_paired_ratio(none, b, 2, &r) == 0);
	CHECK(r.n == 0 && isnan(r.median) && isnan(r.min) && isnan(r.max) && isnan(r.se_pct));
	CHECK(stats_paired_ratio(a, b, 0, &r) == 0 && r.n == 0 && isnan(r.median));
}

int main(void)
{
	test_median_of_ratios();
	test_left_out();
	return tu_summary("harness_pair_ratio");
}
