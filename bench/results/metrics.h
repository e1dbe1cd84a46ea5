/* metrics.h — THE table of the figures lockbench judges locks by, one row per metric.
 *
 * A row says what the figure is called (the results.csv column, and summary.csv's NAME_median,
 * _min, _max when it is summarised), what it means and in which unit, how it is written, and
 * whether higher or lower is better. Every reader that ranks or compares — the report's
 * verdicts (verdict.c), `compare`'s ratios and words (compare.c) and its --metric choices — takes
 * the direction and the words from here, so "higher is better" is decided once.
 */
#ifndef LB_RESULTS_METRICS_H
#define LB_RESULTS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

struct metric {
	const char *column;   /* results.csv column; summary.csv's prefix */
	const char *what;     /* for people: "p99 acquisition latency" */
	const char *unit;     /* "ns", "Mops/s", or "" */
	const char *csv_fmt;  /* how results.csv writes it */
	bool higher_better;
	bool summarised;      /* summary.csv has COLUMN_median, _min, _max (sum_stats) */
	bool compared;        /* a `compare --metric` choice */
	const char *better, *worse; /* B against A, in words ("faster", "slower") */
	const char *plot;     /* the report's plot of it (plots/PLOT.gp), or NULL */
	/* summary and plots: */
	const char *sum_stats; /* summary.csv's COLUMN_STAT columns, NULL: "median,min,max" */
	const char *sum_fmt;  /* summary.csv's format, NULL: csv_fmt */
	unsigned char sum_at; /* its place in summary.csv (0: after the placed ones, in table order) */
	const char *plot_title, *plot_caption; /* the report's words for its plot */
};

extern const struct metric metric_table[];
extern const size_t metric_count;

/* The row of `column`, or NULL. */
const struct metric *metric_find(const char *column);
/* The summarised rows in summary.csv's order; their number (at most `max`). */
size_t metric_summarised(const struct metric **out, size_t max);
/* The columns of the compared rows, "mops, lat_p99_ns, ...", with `sep` between them. */
void metric_compared_list(char *buf, size_t size, const char *sep);

#endif
