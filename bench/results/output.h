/* output.h — table (people, table_out.c), CSV (csv_out.c) and JSON (json_out.c) for programs,
 * and the metadata that makes a result reproducible (meta.c). Each metric's column, format and
 * table head come from its row in metrics.c. results/README.md documents every column; the
 * header csv_out.c writes must equal OUTPUT_CSV_HEADER, which the readers check files against
 * (tests/results/harness_stats_output.c compares the two).
 *
 * Format version: every result CSV's first line is its header row, and its last column,
 * `format_version`, holds RESULTS_FORMAT_VERSION (csvread.h) on every row (docs/SWEEP_FILES.md);
 * every JSON document has "format": "lockbench-results v2" and "format_version": 2. Readers
 * (csvread.c, plots/lbcsv.awk, report.c) check it and refuse what they do not know.
 *
 * Unmeasured values are empty fields (null in JSON), never 0. Every writer returns 0 or a
 * negative errno: the result of every write is checked.
 */
#ifndef LB_OUTPUT_H
#define LB_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "run/params.h"
#include "run/result.h"
#include "topo/topo.h"

struct topo;

/* The leading columns, in this order, are a promise to readers (results/README.md); more go at
 * the end. */
#define OUTPUT_CSV_COLUMNS_REQUIRED                                                        \
	"lock,threads,placement,cpus,oversubscribed,cs_ns,ncs_ns,cs_lines,instances,permits,"  \
	"reentry,warmup_s,duration_s,rep,ops,mops,fairness,thread_ops_min,thread_ops_max,"     \
	"lat_samples,lat_p50_ns,lat_p90_ns,lat_p99_ns,lat_p999_ns,lat_max_ns,cpu_ns_per_op,"   \
	"csw_vol,csw_invol,cache_misses_per_op,exclusion_ok,lost_updates,status"
#define OUTPUT_CSV_HEADER                                                                  \
	OUTPUT_CSV_COLUMNS_REQUIRED ",lat_every,timing_overhead_ns,max_inside,bind_failures,"  \
				    "hw_counters,status_detail,timer_p50_ns,timer_tick_ns,worker_util,"  \
				    "fairness_maxmin,fairness_cv,lat_p9999_ns,read_pct"

/* What was measured on, for reproducibility. */
struct run_meta {
	char host[256];
	char cpu_model[256];
	char topology[256];       /* topo_summary() */
	char allowed_cpus[512];   /* "0-1" */
	unsigned allowed_count;
	char kernel[512];         /* uname: sysname release version machine */
	char clocksource[64];
	char tsc[192];            /* "invariant (constant_tsc nonstop_tsc, clocksource tsc)" */
	char timing_clock[32];    /* "rdtsc" or "clock_gettime" */
	char hw_counters[64];     /* "available", "unavailable: <reason>", "not measured" */
	char glibc[32];           /* gnu_get_libc_version(): "2.39" */
	char virtualization[64];  /* "none" (bare metal), "kvm", "xen", …, or "unknown" */
	/* /sys/devices/system/cpu/vulnerabilities: one line per file, "name: text"; empty when
	 * the kernel has no such folder. */
	char mitigations[4096];
	const char *compiler, *cflags, *version, *git_revision; /* version.h */
	char date_utc[32];        /* ISO 8601, "2024-05-01T12:00:00Z" */
};

int meta_collect(struct run_meta *m, const struct topo *t);

/* One CSV field of text (no separator), in double quotes, with `"` doubled, when it holds a
 * comma, a quote or a line break; as it is otherwise. Returns 0, or -EIO if f is in error. */
int output_csv_field(FILE *f, const char *s);
/* The header row (OUTPUT_CSV_HEADER, then format_version); then one row per repetition. */
int output_csv_header(FILE *f);
int output_csv_row(FILE *f, const struct run_params *p, const struct thread_plan *plan,
		   const struct run_result *r);
/* The same row with `more` (already formatted fields, each led by a comma: a sweep's columns)
 * between the harness's columns and format_version. */
int output_csv_row_more(FILE *f, const struct run_params *p, const struct thread_plan *plan,
			const struct run_result *r, const char *more);
/* Table: a header describing the point, then a row (and its notes) per repetition. */
int output_table_header(FILE *f, const struct run_params *p, const struct thread_plan *plan);
int output_table_row(FILE *f, const struct run_params *p, const struct run_result *r);
int output_table_footer(FILE *f, const struct run_params *p, const struct run_result *r,
			unsigned n);

/* JSON: the whole document (metadata, parameters, plan, results). */
int output_json(FILE *f, const struct run_meta *m, const struct run_params *p,
		const struct thread_plan *plan, const struct run_result *r, unsigned n);
/* The metadata document alone (p and plan may be NULL): a sweep's meta.json. */
int output_meta_json(FILE *f, const struct run_meta *m, const struct run_params *p,
		     const struct thread_plan *plan);

/* The metadata document with a caller's own keys after it (a sweep's "sweep" object), written
 * by `more` through the json_out_* calls below; key NULL for an array's items. */
struct json_out;
typedef void output_json_more_fn(struct json_out *j, void *arg);
int output_meta_json_more(FILE *f, const struct run_meta *m, output_json_more_fn *more,
			  void *arg);
void json_out_open(struct json_out *j, const char *key, char brace);
void json_out_close(struct json_out *j, char brace);
void json_out_str(struct json_out *j, const char *key, const char *v);
void json_out_bool(struct json_out *j, const char *key, bool v);
void json_out_u64(struct json_out *j, const char *key, uint64_t v);
void json_out_dbl(struct json_out *j, const char *key, const char *fmt, double v);
/* Arrays on one line. */
void json_out_u64_array(struct json_out *j, const char *key, const uint64_t *v, size_t n);
void json_out_str_array(struct json_out *j, const char *key, const char *const *v, size_t n);

#endif
