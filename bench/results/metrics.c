/* metrics.c — the table of metrics; see metrics.h and results/README.md for each column. */
#include "results/metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "run/result.h"

#define FIELD(name) .field = offsetof(struct run_result, name)
#define TABLE(head, width, decimals) .table_head = head, .table_width = width, \
	.table_decimals = decimals

const struct metric metric_table[] = {
	{ .column = "mops", .what = "throughput", .unit = "Mops/s", .csv_fmt = "%.6f",
	  .higher_better = true, .summarised = true, .compared = true, .better = "faster",
	  .worse = "slower", .plot = "throughput", .sum_stats = "median,min,max,ci_lo,ci_hi",
	  .sum_at = 1, .plot_title = "Throughput vs threads",
	  .plot_caption = "Acquisitions per second, all threads together (log scale). Spinlocks "
	  "typically collapse once threads outnumber CPUs (shaded): a preempted holder or "
	  "next-in-line stalls everyone.",
	  FIELD(mops), .measured_only = true, TABLE("Mops/s", 10, 3) },
	{ .column = "lat_p50_ns", .what = "median acquisition latency", .unit = "ns",
	  .csv_fmt = "%.1f", .summarised = true, .better = "faster", .worse = "slower",
	  .plot = "latency_p50", .sum_at = 5, .plot_title = "Median acquisition latency",
	  .plot_caption = "Time from calling lock() to holding it, the median acquisition (log "
	  "scale).",
	  FIELD(lat_p50_ns), TABLE("p50 ns", 8, 0) },
	{ .column = "lat_p90_ns", .what = "p90 acquisition latency", .unit = "ns", .csv_fmt = "%.1f",
	  .better = "faster", .worse = "slower",
	  FIELD(lat_p90_ns), TABLE("p90 ns", 8, 0) },
	{ .column = "lat_p99_ns", .what = "p99 acquisition latency", .unit = "ns", .csv_fmt = "%.1f",
	  .summarised = true, .compared = true, .better = "faster", .worse = "slower",
	  .plot = "latency_p99", .sum_at = 6, .plot_title = "p99 acquisition latency",
	  .plot_caption = "The slow tail: 1 acquisition in 100 waited at least this long (log "
	  "scale).",
	  FIELD(lat_p99_ns), TABLE("p99 ns", 8, 0) },
	{ .column = "lat_p999_ns", .what = "p99.9 acquisition latency", .unit = "ns",
	  .csv_fmt = "%.1f", .better = "faster", .worse = "slower",
	  FIELD(lat_p999_ns), TABLE("p99.9 ns", 8, 0) },
	/* Needs 10 000 timed acquisitions; the report does not judge by it (yet). */
	{ .column = "lat_p9999_ns", .what = "p99.99 acquisition latency", .unit = "ns",
	  .csv_fmt = "%.1f", .summarised = true, .better = "faster", .worse = "slower",
	  FIELD(lat_p9999_ns) },
	{ .column = "lat_max_ns", .what = "longest timed acquisition", .unit = "ns",
	  .csv_fmt = "%.1f", .better = "faster", .worse = "slower",
	  FIELD(lat_max_ns), TABLE("max ns", 9, 0) },
	{ .column = "fairness", .what = "fairness (Jain's index)", .unit = "", .csv_fmt = "%.6f",
	  .higher_better = true, .summarised = true, .compared = true, .better = "fairer",
	  .worse = "less fair", .plot = "fairness", .sum_fmt = "%.4f", .sum_at = 2,
	  .plot_title = "Fairness",
	  .plot_caption = "The best-served thread's acquisitions divided by the worst-served one's "
	  "(max/min): 1 when every thread got the same share; a set without it shows Jain's index "
	  "(1 when equal, 1/N when one thread got all).",
	  FIELD(fairness), .measured_only = true, TABLE("fairness", 8, 3) },
	/* Sets from before max/min lack the column: compare names it as missing. Infinite (a
	 * thread did none) is written empty; status_detail says why. */
	{ .column = "fairness_maxmin", .what = "fairness (max/min per-thread operations)",
	  .unit = "", .csv_fmt = "%.4f", .summarised = true, .compared = true, .better = "fairer",
	  .worse = "less fair", .sum_at = 3,
	  FIELD(fairness_maxmin), .measured_only = true },
	{ .column = "fairness_cv", .what = "fairness (coefficient of variation of per-thread "
	  "operations)", .unit = "", .csv_fmt = "%.4f", .summarised = true, .better = "fairer",
	  .worse = "less fair", .sum_stats = "median", .sum_at = 4,
	  FIELD(fairness_cv), .measured_only = true },
	{ .column = "cpu_ns_per_op", .what = "CPU time per acquisition", .unit = "ns",
	  .csv_fmt = "%.2f", .summarised = true, .compared = true, .better = "cheaper",
	  .worse = "costlier", .plot = "cpu", .sum_at = 7, .plot_title = "CPU time per acquisition",
	  .plot_caption = "CPU time of all workers divided by acquisitions (log scale): spinning "
	  "burns CPU while waiting, sleeping does not.",
	  FIELD(cpu_ns_per_op), .measured_only = true, TABLE("CPU ns/op", 9, 1) },
	{ .column = "worker_util", .what = "workers' CPU utilisation", .unit = "", .csv_fmt = "%.4f",
	  .higher_better = true,
	  FIELD(worker_util), .measured_only = true },
	{ .column = "cache_misses_per_op", .what = "cache misses per acquisition", .unit = "",
	  .csv_fmt = "%.4f", .better = "cheaper", .worse = "costlier",
	  FIELD(cache_misses_per_op), .measured_only = true },
};
const size_t metric_count = sizeof metric_table / sizeof metric_table[0];
_Static_assert(sizeof metric_table / sizeof metric_table[0] <= METRIC_MAX,
	       "the writers keep one bit per metric in a uint64_t");

const struct metric *metric_find(const char *column)
{
	for (size_t i = 0; i < metric_count; i++)
		if (strcmp(metric_table[i].column, column) == 0)
			return &metric_table[i];
	return NULL;
}

size_t metric_summarised(const struct metric **out, size_t max)
{
	size_t n = 0;
	/* summary.csv's blocks came before the table and are ordered by sum_at; a row without
	 * one goes after them, so a new summarised metric appends its columns. */
	for (unsigned at = 1; at <= 256; at++)
		for (size_t i = 0; i < metric_count && n < max; i++)
			if (metric_table[i].summarised && (metric_table[i].sum_at ? metric_table[i].sum_at
							   : 256u) == at)
				out[n++] = &metric_table[i];
	return n;
}

double metric_value(const struct metric *d, const struct run_result *r)
{
	if (d->measured_only && !r->measured)
		return NAN;
	double v;
	memcpy(&v, (const char *)r + d->field, sizeof v);
	return v;
}
