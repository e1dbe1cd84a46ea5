/* report.h — plots and report.html / report.md of a result set, and the "what wins where" rule.
 *
 * report_build() is what `lockbench report DIR` runs and what the sweep calls when it finishes.
 * The verdict functions are pure (no I/O), so the tie rule is tested on planted numbers.
 */
#ifndef LB_REPORT_H
#define LB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Rebuild DIR's plots (gnuplot on the scripts' .gp files, PNG and SVG) and write DIR/report.html and
 * DIR/report.md, each through a temporary name and a rename. Returns 0, or a negative errno
 * with one line in `err` (no "lockbench:" prefix): -ENOTDIR when DIR is not a result set (a
 * usage problem), -EPROTO for a result set of another format version, -EINVAL for a malformed
 * file (the message names the file and line), -ENOENT when gnuplot or the scripts are missing,
 * other codes for I/O failures. */
int report_build(const char *dir, char *err, size_t errlen);

/* The report's summary of DIR (the answer first: report_summary.c) as Markdown on `out`, with no
 * plots drawn and no file written: `lockbench report --summary DIR`. Same errors as report_build
 * (no gnuplot needed). */
int report_print_summary(const char *dir, FILE *out, char *err, size_t errlen);

/* DIR/report.pdf from DIR/report.html (report_build first), printed by headless Chromium found in
 * PATH, offline, within a time bound, through a temporary name (report_pdf.c). Returns 0;
 * -ENOENT when Chromium is not installed (said so, with the package); -ETIMEDOUT; -EIO when it
 * wrote no whole PDF. */
int report_print_pdf(const char *dir, char *err, size_t errlen);

/* Where the gnuplot scripts are: $LOCKBENCH_PLOTS, else the source tree's plots/ (when it
 * still exists), else the installed datadir/lockbench/plots. NULL when none has them. */
const char *report_plots_dir(void);

/* --- the "what wins where" rule ------------------------------------------------------------ */

enum verdict_goal { VERDICT_HIGHER_BETTER, VERDICT_LOWER_BETTER };

/* One lock's value at one point: its median and the spread around it (the 95 % CI of the median,
 * or min..max of the repetitions). NAN bounds mean "no spread known" and count as the median. */
struct verdict_candidate {
	const char *name;
	double median, lo, hi;
};

#define VERDICT_MAX 128

enum verdict_kind {
	VERDICT_NONE,   /* no candidate had a value */
	VERDICT_WINNER, /* best[0] alone: its spread overlaps no other candidate's */
	VERDICT_TIE,    /* best[0..ntied): the best and every candidate whose spread overlaps it */
};

struct verdict {
	enum verdict_kind kind;
	size_t considered;           /* candidates with a finite median */
	size_t ntied;                /* WINNER: 1; TIE: 2 or more; NONE: 0 */
	size_t tied[VERDICT_MAX];    /* indices into the candidates, best median first */
	size_t runner_up;            /* second-best median, or SIZE_MAX when there is none */
};

/* Decide: candidates with a NaN/infinite median are skipped; the best median wins only when its
 * spread does not overlap any other candidate's (in particular the runner-up's), else the result
 * is a tie listing every candidate whose spread overlaps the best one's. Equal medians are ordered
 * by name, so the answer does not depend on the input order. Returns 0, or -EINVAL when n is
 * larger than VERDICT_MAX. */
int verdict_decide(const struct verdict_candidate *c, size_t n, enum verdict_goal goal,
		   struct verdict *v);

/* How many repetitions a point would need for the 95 % CIs of the medians of a and b (spreads:
 * the CI when *_ci, else min..max, over *_reps good repetitions) to stop overlapping, assuming
 * the per-repetition noise stays what the spreads imply: at least 6 (the CI needs them) and more
 * than either has. NAN when a spread cannot tell the noise (fewer than 2 repetitions, no
 * spread); INFINITY when the medians are equal. The report's summary uses it to say what a tie
 * would take to break. */
double report_reps_to_separate(const struct verdict_candidate *a, bool a_ci, unsigned a_reps,
			       const struct verdict_candidate *b, bool b_ci, unsigned b_reps);

/* Closed intervals [alo, ahi] and [blo, bhi] share a point. */
bool verdict_overlap(double alo, double ahi, double blo, double bhi);

/* --- a result set as the report reads it --------------------------------------------------- */

enum report_regime { REGIME_UNCONTENDED, REGIME_CONTENDED, REGIME_OVERSUBSCRIBED, REGIME_COUNT };
enum report_metric { METRIC_MOPS, METRIC_P99, METRIC_FAIRNESS, METRIC_CPU, METRIC_COUNT };

const char *report_regime_name(enum report_regime r);

/* One statistic across a point's repetitions; NAN where summary.csv's field is empty. */
struct report_stat {
	double median, min, max, ci_lo, ci_hi;
};

/* One row of summary.csv. The strings point into the loaded table. */
struct report_point {
	const char *lock, *placement, *status, *note;
	long lock_index;
	unsigned permits, threads, reps, reps_ok, line;
	enum report_regime regime;
	double cs_ns, ncs_ns, csw_vol, csw_invol;
	struct report_stat mops, fairness, p50, p99, cpu;
	bool ci95, disagree, noisy;
	/* Optional summary.csv columns (NAN / false in sets written before them). */
	struct report_stat maxmin;   /* fairness_maxmin: max/min of the threads' operations */
	double cv, util, other_pct, timer_p50_ns, timer_tick_ns;
	bool busy;
	bool lock_cost; /* cs 0 and ncs 0: what a lock + unlock costs */
	bool floor;     /* a not-a-lock (null): the harness's own loop, outside every verdict */
	const char *family; /* lb_lock_family's word (summary.csv's family, else the registry's); "" unknown */
	const char *host; /* summary.csv's host ("" in sets before the column) */
};

/* A point is flagged (ringed, highlighted, listed) when it is any of these. */
bool report_point_flagged(const struct report_point *p);

/* One cell of the "what wins where" table: a regime at one critical-section length, one metric.
 * The regime is represented by one thread count: 1 (uncontended), the most threads within the
 * CPUs (contended), the most threads of all (oversubscribed). Only mutual exclusion (permits 1)
 * competes; points whose status is not ok are left out and listed. */
struct verdict_cell {
	unsigned threads;                            /* 0: the regime was not measured */
	size_t ncand;
	struct verdict_candidate cand[VERDICT_MAX];
	const struct report_point *pt[VERDICT_MAX];  /* the point behind each candidate */
	bool used_ci[VERDICT_MAX];                   /* its spread is the 95 % CI, not min..max */
	size_t nexcluded;
	const struct report_point *excluded[VERDICT_MAX];
	bool maxmin;                                 /* fairness judged by max/min (lower better) */
	struct verdict v;
};

/* Fill *cell from the points (pure: no I/O). Returns 0 or -EINVAL (too many locks). Floor
 * points (null) never compete. Fairness is judged by max/min per-thread operations where the set
 * has it, else (older sets) by Jain's index. verdict_cell takes points of any ncs_ns;
 * verdict_cell_at only those at ncs_ns. */
int verdict_cell(const struct report_point *pts, size_t n, enum report_regime regime,
		 double cs_ns, enum report_metric metric, struct verdict_cell *cell);
int verdict_cell_at(const struct report_point *pts, size_t n, enum report_regime regime,
		    double cs_ns, double ncs_ns, enum report_metric metric,
		    struct verdict_cell *cell);

/* --- shared by report.c (loading, plots, files) and report_doc.c (the documents) ------------ */

#include <stdio.h>

#include "results/csvread.h"
#include "results/jsonread.h"

struct report_plot {
	const char *name;     /* output base name: NAME.png, NAME.svg */
	const char *title;    /* figure heading */
	const char *caption;  /* how to read it */
	bool made;            /* false: `why` says why not */
	char why[160];
};

#define REPORT_MAX_CS 16
#define REPORT_MAX_HOSTS 64
#define REPORT_MAX_PLOTS 12 /* report_make_plots and report_plot_add check it (E2BIG) */

struct report_set {
	const char *dir;
	struct csv_table summary;
	struct report_point *pts;
	size_t npts;
	struct json_flat meta;
	bool have_meta;
	int complete;                 /* 1, 0, or -1 when meta.json does not say */
	unsigned cpus;                /* the most threads not called oversubscribed */
	double cs[REPORT_MAX_CS];     /* the (critical section, ncs) pairs, ascending by cs */
	double ncs_of[REPORT_MAX_CS];
	size_t ncs;
	double timer_p50_ns, timer_tick_ns; /* the largest over the set; NAN: unavailable */
	double timer_res_ns;          /* the tick: the smallest difference a latency can show */
	struct report_plot plots[REPORT_MAX_PLOTS];
	size_t nplots;
	/* A merged set of several hosts (docs/SWEEP_FILES.md): pts[0..npts) are the first host's
	 * (every section but the hosts' own reads them, and the plots draw
	 * hosts/FIRST/summary.csv); pts[host_start[h] .. + host_n[h]) are host h's. One host:
	 * nhosts 0 or 1 and npts is every point. */
	const char *hosts[REPORT_MAX_HOSTS];
	size_t host_start[REPORT_MAX_HOSTS], host_n[REPORT_MAX_HOSTS], nhosts;
	char plot_summary[300]; /* the summary the plots read, relative to dir */
};

/* The next free plot of s, zeroed; NULL when s already has REPORT_MAX_PLOTS. */
struct report_plot *report_plot_add(struct report_set *s);

/* Draw s's plots (PNG and SVG) with the gnuplot scripts in `scripts`, each through a temporary
 * name; a plot whose data file the set lacks is listed with the reason. Returns 0 or a negative
 * errno with the message in err (-E2BIG: more plots than REPORT_MAX_PLOTS). */
int report_make_plots(struct report_set *s, const char *scripts, char *err, size_t errlen);

/* DIR/NAME into buf; -ENAMETOOLONG, said in err, when it does not fit. */
int report_join(char *buf, size_t len, const char *dir, const char *name, char *err,
		size_t errlen);
/* A regular file (after symlinks) exists at path. */
bool report_is_file(const char *path);

/* The documents, written to `f` (a memory stream; the caller checks ferror and renames). */
int report_write_html(const struct report_set *s, FILE *f, char *err, size_t errlen);
int report_write_md(const struct report_set *s, FILE *f, char *err, size_t errlen);

/* --- shared with compare.c and compare_doc.c ------------------------------------------------ */

/* Write the message into err and return rc: how every failure here is reported. */
int report_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Refuse a meta.json (read from `path` into `meta`) of another format: "format" must be
 * "lockbench-results vN" and "format_version" N, for an N this lockbench reads (csvread.h's
 * RESULTS_FORMAT_OLDEST to RESULTS_FORMAT_VERSION); an absent key passes.
 * Returns 0, or -EPROTO with a message naming the file and both versions. */
int report_check_meta_format(const char *path, const struct json_flat *meta, char *err,
			     size_t errlen);

/* Run `gnuplot -c SCRIPT ARGS...` (argv[0] "gnuplot", argv[2] the script, NULL-terminated) to
 * draw `tmp`, one of the ARGS, then rename tmp over `final`; tmp is removed on any failure.
 * gnuplot's stdout is discarded and the tail of its stderr kept: on failure the message ends with
 * its last line, the error (a warning may come first). Returns 0; -ENOENT when gnuplot is not
 * installed (not in PATH), said so, with the package to install; -EIO when it fails or writes no
 * tmp; another -errno when it cannot be run or tmp cannot be renamed. Messages begin "WHO: ",
 * e.g. "report: ". */
int report_run_gnuplot(const char *who, char *const argv[], const char *tmp, const char *final,
		       char *err, size_t errlen);

#endif
