/* harness_stats_measures.c — the per-run measures beside the latency figures, on planted values:
 * the two fairness figures next to Jain's index, worker utilisation and the busy rule (flagged
 * exactly when LB_BUSY_UTIL_MIN is crossed, and only where the rule applies), a counter delta
 * that must not wrap, and the warm-up probe's fallback sampling rate. Each group has a negative
 * control: the same check on a planted wrong answer must fail.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "run/window.h"
#include "stats/stats.h"
#include "test_util.h"

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

static void test_fairness(void)
{
	/* The case: two threads 1.38x apart, which Jain's index calls 0.974. */
	const uint64_t pair[] = { 1380000, 1000000 }, equal[] = { 7, 7, 7, 7 },
		       idle[] = { 5, 0, 3 }, none[] = { 0, 0 }, one[] = { 42 }, ramp[] = { 1, 2, 3, 4 };
	double jain = stats_jain(pair, 2), mm = stats_fairness_maxmin(pair, 2),
	       cv = stats_fairness_cv(pair, 2);
	printf("fairness {1.38M, 1M}: jain %.4f, maxmin %.4f, cv %.4f\n", jain, mm, cv);
	CHECK(near(mm, 1.38));
	CHECK(near(cv, 0.19 / 1.19)); /* population sd 0.19M, mean 1.19M */
	CHECK(near(jain, 1.0 / (1.0 + cv * cv))); /* the identity that ties the three together */
	CHECK(near(stats_fairness_maxmin(equal, 4), 1.0) && stats_fairness_cv(equal, 4) == 0.0);
	CHECK(near(stats_fairness_maxmin(one, 1), 1.0) && stats_fairness_cv(one, 1) == 0.0);
	/* Population sd of 1..4 is sqrt(1.25), mean 2.5. */
	CHECK(near(stats_fairness_cv(ramp, 4), sqrt(1.25) / 2.5));
	CHECK(near(stats_fairness_maxmin(ramp, 4), 4.0));
	CHECK(isinf(stats_fairness_maxmin(idle, 3)));
	CHECK(isnan(stats_fairness_maxmin(none, 2)) && isnan(stats_fairness_cv(none, 2)));
	CHECK(isnan(stats_fairness_maxmin(pair, 0)) && isnan(stats_fairness_cv(pair, 0)));
	/* Equal shares of 2^40: a one-pass Σx² − n·mean² would not come out exactly 0. */
	const uint64_t big[] = { 1ull << 40, 1ull << 40, 1ull << 40 };
	CHECK(stats_fairness_cv(big, 3) == 0.0);
	tu_negative_begin();
	CHECK(near(stats_fairness_maxmin(pair, 2), 1.0 / 1.38)); /* min/max, the wrong way up */
	CHECK(near(stats_fairness_cv(ramp, 4), sqrt(5.0 / 3.0) / 2.5)); /* sample sd, not ours */
	CHECK_EQ(tu_negative_end(), 2);
}

static void test_util(void)
{
	/* 2 threads on 2 CPUs for 1 s with 1.8 s of CPU: 0.9; 4 threads on 2 CPUs: still /2. */
	CHECK(near(stats_worker_util(1.8e9, 1e9, 2, 2), 0.9));
	CHECK(near(stats_worker_util(1.8e9, 1e9, 4, 2), 0.9));
	CHECK(near(stats_worker_util(0.5e9, 1e9, 1, 2), 0.5));
	CHECK(isnan(stats_worker_util(NAN, 1e9, 1, 1)) && isnan(stats_worker_util(1, 0, 1, 1)) &&
	      isnan(stats_worker_util(1, 1e9, 1, 0)));
}

static void test_busy(void)
{
	const double below = nextafter(LB_BUSY_UTIL_MIN, 0), at = LB_BUSY_UTIL_MIN;
	unsigned wrong = 0;
	/* Every (threads, CPUs, spins) against utilisation on both sides of the threshold. */
	for (unsigned threads = 1; threads <= 6; threads++)
		for (unsigned cpus = 1; cpus <= 4; cpus++)
			for (int spins = 0; spins <= 1; spins++) {
				int applies = threads == 1 || (spins && threads <= cpus);
				wrong += run_is_busy(below, threads, cpus, spins) != applies;
				wrong += run_is_busy(at, threads, cpus, spins);
				wrong += run_is_busy(0.0, threads, cpus, spins) != applies;
				wrong += run_is_busy(1.0, threads, cpus, spins);
				wrong += run_is_busy(NAN, threads, cpus, spins);
			}
	printf("busy rule: %u wrong of %u planted cases\n", wrong, 6 * 4 * 2 * 5);
	CHECK_EQ(wrong, 0);
	CHECK(run_is_busy(0.62, 1, 2, false));  /* one thread, a sleeping lock: still busy */
	CHECK(!run_is_busy(0.62, 2, 2, false)); /* contended sleeping waiters are idle by design */
	CHECK(run_is_busy(0.62, 2, 2, true));
	CHECK(!run_is_busy(0.62, 3, 2, true)); /* oversubscribed spinners cannot all run */
	tu_negative_begin();
	CHECK(!run_is_busy(0.89, 1, 1, true)); /* planted: 0.89 is below the threshold */
	CHECK_EQ(tu_negative_end(), 1);
}

/* What stats_counter_delta replaces: a plain unsigned difference (the negative control). */
static uint64_t raw_delta(uint64_t before, uint64_t after)
{
	return after - before;
}

static void test_delta(void)
{
	CHECK_EQ(stats_counter_delta(10, 25), 15);
	CHECK_EQ(stats_counter_delta(25, 10), 0); /* a scaled perf estimate that stepped back */
	CHECK_EQ(stats_counter_delta(UINT64_MAX, 0), 0);
	CHECK_EQ(stats_counter_delta(7, 7), 0);
	/* Negative control: the same checks on the raw difference, which wraps, must fail. */
	tu_negative_begin();
	CHECK_EQ(raw_delta(25, 10), 0);
	CHECK_EQ(raw_delta(UINT64_MAX, 0), 0);
	CHECK_EQ(tu_negative_end(), 2);
}

static void test_fallback(void)
{
	const double pair = 35.0;
	unsigned sparse = window_lat_every_fallback(pair);
	/* 35 ns / (2 % of 10 ns) = 175, rounded up to whole rounds of 4. */
	printf("lat_every fallback at a %.0f ns pair: %u\n", pair, sparse);
	CHECK_EQ(sparse, 176);
	/* No operation and no CPU in a 5 ms probe: starved, the sparse rate, not 1. */
	CHECK(window_probe_starved(0, 5000000, 0));
	CHECK_EQ(window_choose_lat_every(pair, 0, 5000000, 0), sparse);
	CHECK_EQ(window_choose_lat_every(pair, 0, 5000000, NAN), sparse);
	CHECK_EQ(window_choose_lat_every(pair, 0, 0, 0), sparse); /* a probe of no time at all */
	/* No operation while the workers spun the whole probe: genuinely slow, time every one. */
	CHECK(!window_probe_starved(0, 5000000, 10e6));
	CHECK_EQ(window_choose_lat_every(pair, 0, 5000000, 10e6), 1);
	/* A slow point that did complete some: 1 ms an operation, time every one. */
	CHECK_EQ(window_choose_lat_every(pair, 5, 5000000, 5e6), 1);
	/* 150 ns an operation: 35 / 3 = 11.7 → 12. */
	CHECK_EQ(window_choose_lat_every(pair, 1000000, 150000000, 150e6), 12);
	tu_negative_begin();
	CHECK_EQ(window_choose_lat_every(pair, 0, 5000000, 0), 1); /* the old answer */
	CHECK_EQ(tu_negative_end(), 1);
}

int main(void)
{
	test_fairness();
	test_util();
	test_busy();
	test_delta();
	test_fallback();
	return tu_summary("harness_stats_measures");
}
