/* compare.h — what compare.c (reading, matching, the verdict) hands compare_doc.c (the table,
 * compare.csv, compare.md and the plot). Internal to `lockbench compare`.
 */
#ifndef LB_COMPARE_H
#define LB_COMPARE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "results/csvread.h"
#include "report/report.h"

/* What --metric chooses: a summary.csv column prefix, and the words for B against A. */
struct cmp_metric {
	const char *name;
	const char *what, *unit;
	enum verdict_goal goal;
	const char *better, *worse;
};

/* The verdict of matched points whose spreads overlap. Verdicts are compared by pointer: a row's
 * verdict is this, its metric's better or worse, or one of the other fixed strings. */
extern const char cmp_no_difference[];

/* One row of a summary.csv; the strings point into the set's table. */
struct cmp_point {
	const char *lock, *status;
	long lock_index;
	unsigned permits, threads, line;
	double cs_ns;
	double ncs_ns; /* NAN in a summary.csv without the column: matches any */
	double median, lo, hi; /* the metric; NAN median: not measured */
	bool disagree, noisy, matched;
};

struct cmp_set {
	const char *dir;
	const char *host; /* NULL, or only this host's rows of a merged set (compare --host) */
	char name[128];  /* the last component of dir */
	char label[136]; /* the table's and the plot's name for the set: name, or name (A) */
	char about[512]; /* the machine and build, from meta.json */
	char summary[PATH_MAX];
	struct csv_table t;
	struct cmp_point *pts;
	size_t n;
};

/* A matched point (a and b) or a point of one set only (the other NULL). */
struct cmp_row {
	const struct cmp_point *a, *b;
	double ratio, ratio_lo, ratio_hi;
	const char *verdict;
};

/* --- compare_doc.c --------------------------------------------------------------------------- */

/* The terminal's text: the two sets, the table, and the count of each verdict. */
void cmp_write_text(FILE *f, const struct cmp_set *a, const struct cmp_set *b,
		    const struct cmp_row *rows, size_t n, const struct cmp_metric *m);
/* compare.csv (docs/SWEEP_FILES.md), version line first. */
void cmp_write_csv(FILE *f, const struct cmp_row *rows, size_t n, const struct cmp_metric *m);
/* compare.md: the terminal's text as markdown, with the plot, or `no_plot` saying why there is
 * none (NULL: there is one). */
void cmp_write_md(FILE *f, const struct cmp_set *a, const struct cmp_set *b,
		  const struct cmp_row *rows, size_t n, const struct cmp_metric *m,
		  const char *no_plot);
/* OUT/compare.png and OUT/compare.svg with plots/compare.gp, each through a temporary name.
 * Returns 0, or a negative errno with a "compare: " message in err. */
int cmp_draw_plots(const struct cmp_set *a, const struct cmp_set *b,
		   const struct cmp_metric *m, const char *out, char *err, size_t errlen);

/* The metric --metric names (NULL when none is called that), and every name, `sep` between. */
const struct cmp_metric *cmp_metric_find(const char *name);
void cmp_metric_names(char *buf, size_t len, const char *sep);
/* `lockbench compare A B`: print the table, write compare.csv, compare.md and the plot to `out`
 * (NULL: B/compare-<name of A>/). m NULL: the first metric (throughput). 0; -ENOTDIR when a
 * directory named is not one (the user's mistake); another -errno; one line in err. */
int compare_sets(const char *dir_a, const char *dir_b, const struct cmp_metric *m,
		 const char *out, char *err, size_t errlen);
/* Two hosts of one merged set (docs/SWEEP_FILES.md): A's rows against B's, as compare_sets does
 * for two sets; --out defaults to DIR/compare-A-vs-B/. -ENOTDIR when a host is not in the set. */
int compare_hosts(const char *dir, const char *host_a, const char *host_b,
		  const struct cmp_metric *m, const char *out, char *err, size_t errlen);

#endif
