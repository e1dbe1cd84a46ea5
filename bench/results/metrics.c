/* metrics.c — the table of metrics; see metrics.h and results/README.md for each column. */
#include "results/metrics.h"

#include <stdio.h>
#include <string.h>

const struct metric metric_table[] = {
	{ .column = "mops", .what = "throughput", .unit = "Mops/s", .csv_fmt = "%.6f",
	  .higher_better = true, .summarised = true, .compared = true, .better = "faster",
	  .worse = "slower", .plot = "throughput", .sum_stats = "median,min,max,ci_lo,ci_hi",
	  .sum_at = 1, .plot_title = "Throughput vs threads",
	  .plot_caption = "Acquisitions per second, all threads together (log scale). Spinlocks "
	  "typically collapse once threads outnumber CPUs (shaded): a preempted holder or "
	  "next-in-line stalls everyone." },
	{ .column = "lat_p50_ns", .what = "median acquisition latency", .unit = "ns",
	  .csv_fmt = "%.1f", .summarised = true, .better = "faster", .worse = "slower",
	  .plot = "latency_p50", .sum_at = 5, .plot_title = "Median acquisition latency",
	  .plot_caption = "Time from calling lock() to holding it, the median acquisition (log "
	  "scale)." },
	{ .column = "lat_p99_ns", .what = "p99 acquisition latency", .unit = "ns", .csv_fmt = "%.1f",
	  .summarised = true, .compared = true, .better = "faster", .worse = "slower",
	  .plot = "latency_p99", .sum_at = 6, .plot_title = "p99 acquisition latency",
	  .plot_caption = "The slow tail: 1 acquisition in 100 waited at least this long (log "
	  "scale)." },
	/* Needs 10 000 timed acquisitions; the report does not judge by it (yet). */
	{ .column = "lat_p9999_ns", .what = "p99.99 acquisition latency", .unit = "ns",
	  .csv_fmt = "%.1f", .summarised = true, .better = "faster", .worse = "slower" },
	{ .column = "fairness", .what = "fairness (Jain's index)", .unit = "", .csv_fmt = "%.6f",
	  .higher_better = true, .summarised = true, .compared = true, .better = "fairer",
	  .worse = "less fair", .plot = "fairness", .sum_fmt = "%.4f", .sum_at = 2,
	  .plot_title = "Fairness",
	  .plot_caption = "The best-served thread's acquisitions divided by the worst-served one's "
	  "(max/min): 1 when every thread got the same share; a set without it shows Jain's index "
	  "(1 when equal, 1/N when one thread got all)." },
	/* Sets from before max/min lack the column: compare names it as missing. */
	{ .column = "fairness_maxmin", .what = "fairness (max/min per-thread operations)",
	  .unit = "", .csv_fmt = "%.4f", .summarised = true, .compared = true, .better = "fairer",
	  .worse = "less fair", .sum_at = 3 },
	{ .column = "fairness_cv", .what = "fairness (coefficient of variation of per-thread "
	  "operations)", .unit = "", .csv_fmt = "%.4f", .summarised = true, .better = "fairer",
	  .worse = "less fair", .sum_stats = "median", .sum_at = 4 },
	{ .column = "cpu_ns_per_op", .what = "CPU time per acquisition", .unit = "ns",
	  .csv_fmt = "%.2f", .summarised = true, .compared = true, .better = "cheaper",
	  .worse = "costlier", .plot = "cpu", .sum_at = 7, .plot_title = "CPU time per acquisition",
	  .plot_caption = "CPU time of all workers divided by acquisitions (log scale): spinning "
	  "burns CPU while waiting, sleeping does not." },
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

void metric_compared_list(char *buf, size_t size, const char *sep)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < metric_count && o < size; i++)
		if (metric_table[i].compared)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? sep : "",
					      metric_table[i].column);
}
