/* metrics.c — the table of metrics; see metrics.h and results/README.md for each column. */
#include "results/metrics.h"

#include <stdio.h>
#include <string.h>

const struct metric metric_table[] = {
	{ .column = "mops", .what = "throughput", .unit = "Mops/s", .csv_fmt = "%.6f",
	  .higher_better = true, .summarised = true, .compared = true, .better = "faster",
	  .worse = "slower", .plot = "throughput" },
	{ .column = "lat_p50_ns", .what = "median acquisition latency", .unit = "ns",
	  .csv_fmt = "%.1f", .summarised = true, .better = "faster", .worse = "slower",
	  .plot = "latency_p50" },
	{ .column = "lat_p99_ns", .what = "p99 acquisition latency", .unit = "ns", .csv_fmt = "%.1f",
	  .summarised = true, .compared = true, .better = "faster", .worse = "slower",
	  .plot = "latency_p99" },
	/* Needs 10 000 timed acquisitions; the report does not judge by it (yet). */
	{ .column = "lat_p9999_ns", .what = "p99.99 acquisition latency", .unit = "ns",
	  .csv_fmt = "%.1f", .better = "faster", .worse = "slower" },
	{ .column = "fairness", .what = "fairness (Jain's index)", .unit = "", .csv_fmt = "%.6f",
	  .higher_better = true, .summarised = true, .compared = true, .better = "fairer",
	  .worse = "less fair", .plot = "fairness" },
	/* Sets from before max/min lack the column: compare names it as missing. */
	{ .column = "fairness_maxmin", .what = "fairness (max/min per-thread operations)",
	  .unit = "", .csv_fmt = "%.4f", .summarised = true, .compared = true, .better = "fairer",
	  .worse = "less fair" },
	{ .column = "cpu_ns_per_op", .what = "CPU time per acquisition", .unit = "ns",
	  .csv_fmt = "%.2f", .summarised = true, .compared = true, .better = "cheaper",
	  .worse = "costlier", .plot = "cpu" },
	{ .column = "worker_util", .what = "workers' CPU utilisation", .unit = "", .csv_fmt = "%.4f",
	  .higher_better = true },
};
const size_t metric_count = sizeof metric_table / sizeof metric_table[0];

const struct metric *metric_find(const char *column)
{
	for (size_t i = 0; i < metric_count; i++)
		if (strcmp(metric_table[i].column, column) == 0)
			return &metric_table[i];
	return NULL;
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
