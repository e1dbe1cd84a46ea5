/* metrics.h — THE table of the figures lockbench judges locks by, one row per metric.
 *
 * A row says what the figure is called (the results.csv column, and summary.csv's NAME_median,
 * _min, _max when it is summarised), what it means and in which unit, how it is written, and
 * whether higher or lower is better. Every reader that ranks or compares — the report's
 * verdicts (verdict.c), `compare`'s ratios and words (compare.c) and its --metric choices — takes
 * the direction and the words from here, so "higher is better" is decided once. The writers
 * (csv_out.c, json_out.c, table_out.c) take each metric's name, format and place in the table
 * from its row; a row none of them places goes at the end of results.csv and of each JSON result.
 *
 * A new metric column: measure it (a double in run/result.h, NAN in run_result_init, filled
 * where it is measured), add its row here, append its name to OUTPUT_CSV_HEADER (output.h),
 * document it in results/README.md and docs/SWEEP_FILES.md, and regenerate
 * tests/results/output_golden.txt (`output_golden --print`): the difference is the new column.
 */
#ifndef LB_RESULTS_METRICS_H
#define LB_RESULTS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

struct run_result; /* run/result.h */

struct metric {
	const char *column;   /* results.csv column; summary.csv's prefix */
	const char *what;     /* for people: "p99 acquisition latency" */
	const char *unit;     /* "ns", "Mops/s", or "" */
	const char *csv_fmt;  /* how results.csv and the JSON write it */
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
	/* output: */
	size_t field;         /* offsetof(struct run_result, the double) */
	bool measured_only;   /* NAN (empty, null, "-") unless the window was measured */
	const char *table_head; /* the table's column (`run --format table`), or NULL: not shown */
	int table_width, table_decimals;
};

#define METRIC_MAX 64 /* writers keep a bit per row */
extern const struct metric metric_table[];
extern const size_t metric_count;

/* The row of `column`, or NULL. */
const struct metric *metric_find(const char *column);
/* The summarised rows in summary.csv's order; their number (at most `max`). */
size_t metric_summarised(const struct metric **out, size_t max);
/* The row's figure in r: NAN when it was not measured. */
double metric_value(const struct metric *d, const struct run_result *r);

#endif
