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
	  .worse = "slower", .plot = "throughput",
	  FIELD(mops), .measured_only = true, TABLE("Mops/s", 10, 3) },
	{ .column = "lat_p50_ns", .what = "median acquisition latency", .unit = "ns",
	  .csv_fmt = "%.1f", .summarised = true, .better = "faster", .worse = "slower",
	  .plot = "latency_p50",
	  FIELD(lat_p50_ns), TABLE("p50 ns", 8, 0) },
	{ .column = "lat_p90_ns", .what = "p90 acquisition latency", .unit = "ns", .csv_fmt = "%.1f",
	  .better = "faster", .worse = "slower",
	  FIELD(lat_p90_ns), TABLE("p90 ns", 8, 0) },
	{ .column = "lat_p99_ns", .what = "p99 acquisition latency", .unit = "ns", .csv_fmt = "%.1f",
	  .summarised = true, .compared = true, .better = "faster", .worse = "slower",
	  .plot = "latency_p99",
	  FIELD(lat_p99_ns), TABLE("p99 ns", 8, 0) },
	{ .column = "lat_p999_ns", .what = "p99.9 acquisition latency", .unit = "ns",
	  .csv_fmt = "%.1f", .better = "faster", .worse = "slower",
	  FIELD(lat_p999_ns), TABLE("p99.9 ns", 8, 0) },
	/* Needs 10 000 timed acquisitions; the report does not judge by it (yet). */
	{ .column = "lat_p9999_ns", .what = "p99.99 acquisition latency", .unit = "ns",
	  .csv_fmt = "%.1f", .better = "faster", .worse = "slower",
	  FIELD(lat_p9999_ns) },
	{ .column = "lat_max_ns", .what = "longest timed acquisition", .unit = "ns",
	  .csv_fmt = "%.1f", .better = "faster", .worse = "slower",
	  FIELD(lat_max_ns), TABLE("max ns", 9, 0) },
	{ .column = "fairness", .what = "fairness (Jain's index)", .unit = "", .csv_fmt = "%.6f",
	  .higher_better = true, .summarised = true, .compared = true, .better = "fairer",
	  .worse = "less fair", .plot = "fairness",
	  FIELD(fairness), .measured_only = true, TABLE("fairness", 8, 3) },
	/* Sets from before max/min lack the column: compare names it as missing. Infinite (a
	 * thread did none) is written empty; status_detail says why. */
	{ .column = "fairness_maxmin", .what = "fairness (max/min per-thread operations)",
	  .unit = "", .csv_fmt = "%.4f", .summarised = true, .compared = true, .better = "fairer",
	  .worse = "less fair",
	  FIELD(fairness_maxmin), .measured_only = true },
	{ .column = "fairness_cv", .what = "fairness (stddev/mean of per-thread operations)",
	  .unit = "", .csv_fmt = "%.4f", .better = "fairer", .worse = "less fair",
	  FIELD(fairness_cv), .measured_only = true },
	{ .column = "cpu_ns_per_op", .what = "CPU time per acquisition", .unit = "ns",
	  .csv_fmt = "%.2f", .summarised = true, .compared = true, .better = "cheaper",
	  .worse = "costlier", .plot = "cpu",
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

double metric_value(const struct metric *d, const struct run_result *r)
{
	if (d->measured_only && !r->measured)
		return NAN;
	double v;
	memcpy(&v, (const char *)r + d->field, sizeof v);
	return v;
}

void metric_compared_list(char *buf, size_t size, const char *sep)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < metric_count && o < size; i++)
		if (metric_table[i].compared)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? sep : "",
					      metric_table[i].column);
}
