/* stats.h — the latency histogram, percentiles, fairness, and the summaries across repetitions.
 *
 * The histogram is log-linear, after HdrHistogram: values below 128 ns have one bucket each;
 * above, every power of two [2^e, 2^(e+1)) is cut into 64 equal sub-buckets. A bucket is then
 * at most 1/64 of its lower bound wide, and reporting its midpoint is off by at most 1/128
 * (0.79 %) of the true value (LAT_HIST_REL_ERROR). Memory is fixed (LAT_HIST_BUCKETS counters,
 * about 22 KiB) whatever the run length, and two histograms merge by adding counters, so each
 * thread records into its own and the runner merges them after the window.
 */
#ifndef LB_STATS_H
#define LB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAT_HIST_EXACT 128u          /* values below this have a bucket each */
#define LAT_HIST_SUB 64u             /* linear sub-buckets per power of two above that */
#define LAT_HIST_MAX_EXP 47u         /* 2^48 ns (3 days): larger values go to the last bucket */
#define LAT_HIST_BUCKETS (LAT_HIST_EXACT + (LAT_HIST_MAX_EXP - 6u) * LAT_HIST_SUB)
#define LAT_HIST_REL_ERROR (1.0 / (2.0 * LAT_HIST_SUB))

/* A percentile from fewer samples than these is noise: the outputs leave it empty. */
#define LB_MIN_SAMPLES_P90 10 /* p50 and p90 */
#define LB_MIN_SAMPLES_P99 100
#define LB_MIN_SAMPLES_P999 1000
#define LB_MIN_SAMPLES_P9999 10000

struct latency_hist {
	uint64_t count;
	uint64_t min_ns, max_ns; /* exact; min_ns is UINT64_MAX while empty */
	uint64_t bucket[LAT_HIST_BUCKETS];
};

void lat_hist_init(struct latency_hist *h);

static inline unsigned lat_hist_index(uint64_t v)
{
	if (v < LAT_HIST_EXACT)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); /* 2^e <= v < 2^(e+1), e >= 7 */
	if (e > LAT_HIST_MAX_EXP)
		return LAT_HIST_BUCKETS - 1;
	unsigned shift = e - 6u; /* v >> shift is in [64, 128) */
	return LAT_HIST_EXACT + (e - 7u) * LAT_HIST_SUB + (unsigned)(v >> shift) - LAT_HIST_SUB;
}

/* Called on the timed path of a worker, so it is inline and branch-light. */
static inline void lat_hist_record(struct latency_hist *h, uint64_t v)
{
	h->bucket[lat_hist_index(v)]++;
	h->count++;
	if (v < h->min_ns)
		h->min_ns = v;
	if (v > h->max_ns)
		h->max_ns = v;
}

/* The values a bucket stands for: [*lo, *hi]. */
void lat_hist_bucket_range(unsigned index, uint64_t *lo, uint64_t *hi);
void lat_hist_merge(struct latency_hist *dst, const struct latency_hist *src);

/* Percentiles are named in integer parts of LB_PCT_DEN, so that the rank is integer arithmetic:
 * ceil(p/100 · count) in floating point puts p99.9 one rank too high for most counts that are
 * multiples of 1000 (99.9/100 is 0.99900000000000011, and at 1000 samples p99.9 became the max). */
#define LB_PCT_DEN 100000u
#define LB_PCT(whole, thousandths) ((uint32_t)(whole) * 1000u + (uint32_t)(thousandths))
#define LB_P50 LB_PCT(50, 0)
#define LB_P90 LB_PCT(90, 0)
#define LB_P99 LB_PCT(99, 0)
#define LB_P999 LB_PCT(99, 900)
#define LB_P9999 LB_PCT(99, 990)
#define LB_P100 LB_PCT(100, 0)

/* The nearest rank of percentile part/LB_PCT_DEN among count values: ceil(count · part /
 * LB_PCT_DEN), at least 1, exact for every count (no overflow). 0 when count or part is 0. */
uint64_t stats_rank(uint64_t count, uint32_t part);
/* The nearest-rank percentile (the value at rank stats_rank(count, part)), as its bucket's
 * midpoint clamped to [min, max]; part in (0, LB_PCT_DEN]. NAN when empty or out of range. */
double lat_hist_percentile_part(const struct latency_hist *h, uint32_t part);
/* The same with p in percent, rounded to the nearest thousandth of a percent first. */
double lat_hist_percentile(const struct latency_hist *h, double p);

/* Jain's fairness index (Σx)² / (n·Σx²): 1 when all equal, 1/n when one thread did everything.
 * NAN when n is 0 or every x is 0. It reads 0.97 for two shares 1.38x apart, so the two below
 * stand beside it. */
double stats_jain(const uint64_t *x, size_t n);
/* max x / min x: the busiest thread's share over the idlest's. NAN when n is 0 or every x is 0;
 * INFINITY when some thread, not all, did nothing (the outputs write it empty and say so). */
double stats_fairness_maxmin(const uint64_t *x, size_t n);
/* Coefficient of variation: population standard deviation / mean (0 when all equal). NAN when
 * n is 0 or the mean is 0. Jain's index is 1 / (1 + cv²) of the same x. */
double stats_fairness_cv(const uint64_t *x, size_t n);

/* The workers' CPU time in the window over what they could have had: cpu_ns / (min(threads,
 * cpus) · window_ns), cpus being the CPUs they may run on. 1 when each ran all the time it could;
 * a few 1e-4 above 1 from the edges' read order. NAN when an input is unknown or 0. */
double stats_worker_util(double cpu_ns, double window_ns, unsigned threads, unsigned cpus);

/* A run "looks busy" when its workers got less than this share of their CPUs. */
#define LB_BUSY_UTIL_MIN 0.9
/* The busy rule, one place for every caller: worker_util below LB_BUSY_UTIL_MIN at 1 thread
 * (whatever the lock), or for a lock that only spins (LB_SPINS without LB_SLEEPS; the caller
 * decides) with threads <= allowed_cpus, where
 * waiters burn their CPU and any shortfall is time other processes took. A sleeping lock's
 * contended waiters are idle by design, and oversubscribed spinners cannot all run. An
 * unknown (NAN) utilisation is not busy. */
bool run_is_busy(double worker_util, unsigned threads, unsigned allowed_cpus, bool spins);

/* A counter's growth from `before` to `after`; 0 when it went backwards (a multiplexed perf
 * counter's scaled estimate can), never a wrapped unsigned difference. */
uint64_t stats_counter_delta(uint64_t before, uint64_t after);

/* Summaries across repetitions (for the sweep's summary.csv). NAN entries (unmeasured) are
 * skipped; each returns NAN when nothing is left. */
double stats_min(const double *v, size_t n);
double stats_max(const double *v, size_t n);
/* Two definitions of the middle, on purpose. stats_median is the midpoint of the two middle
 * values when the count is even: it is for the few repetitions of a point (3 to 10), where it is
 * the usual estimator and stats_ci95_median's order statistics bracket it. Percentiles of many
 * samples (latencies, c2c round trips, handoffs) use the nearest rank (stats_rank): always a value
 * that was observed, p50 included, by the same rule as the histogram's percentiles. */
double stats_median(const double *v, size_t n);
/* The nearest-rank percentile part/LB_PCT_DEN of n values sorted ascending (the value at rank
 * stats_rank(n, part)); NAN when n or part is 0. */
double stats_percentile_sorted(const double *sorted, size_t n, uint32_t part);
double stats_mean(const double *v, size_t n);
/* 95 % confidence interval of the median, distribution-free: order statistics whose ranks come
 * from Binomial(n, 1/2). Needs at least 6 values (below that no pair of order statistics covers
 * 95 %): -EDOM and NANs. */
int stats_ci95_median(const double *v, size_t n, double *lo, double *hi);
/* 95 % confidence interval of the mean with Student's t (n >= 2, else -EDOM). */
int stats_ci95_mean(const double *v, size_t n, double *lo, double *hi);

#endif
