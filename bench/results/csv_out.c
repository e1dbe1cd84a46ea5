/* csv_out.c — results.csv's header and rows (`lockbench run --format csv`, a sweep's
 * results.csv) and the one CSV escaper. See output.h and results/README.md.
 *
 * One list of calls, csv_columns(), writes both the header (each column's name) and a row (each
 * column's value), so a name and its value cannot drift apart. A metric column is placed by its
 * name alone: the name, the printf format and when it is empty come from its row in metrics.c,
 * and a metric row the list does not place goes after the listed columns (results.csv grows at
 * the end). The header this writes is OUTPUT_CSV_HEADER, which the readers check against; the
 * tests compare the two.
 */
#include "results/output.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "results/csvread.h"
#include "results/metrics.h"
#include "results/obuf.h"

int output_csv_field(FILE *f, const char *s)
{
	struct obuf b = { 0 };
	ob_csv_text(&b, s);
	return ob_flush(&b, f);
}

/* Where csv_columns() writes: the header (names) or a row (values). */
struct csv_cols {
	struct obuf *b;
	bool header;
	unsigned n;      /* columns written */
	uint64_t placed; /* metric rows written, a bit per index in metric_table */
};

/* Start column `name`: its separator, and in the header its name. True: write the value. */
static bool col(struct csv_cols *c, const char *name)
{
	if (c->n++)
		ob_printf(c->b, ",");
	if (c->header)
		ob_printf(c->b, "%s", name);
	return !c->header;
}

static void col_str(struct csv_cols *c, const char *name, const char *s)
{
	if (col(c, name))
		ob_csv_text(c->b, s);
}

/* Empty when not `have`: an unmeasured count is never 0. */
static void col_u64(struct csv_cols *c, const char *name, bool have, uint64_t v)
{
	if (col(c, name) && have)
		ob_printf(c->b, "%llu", (unsigned long long)v);
}

/* Empty when NAN or infinite. */
static void col_dbl(struct csv_cols *c, const char *name, const char *fmt, double v)
{
	if (col(c, name) && !isnan(v) && !isinf(v))
		ob_printf(c->b, fmt, v);
}

static void col_metric_row(struct csv_cols *c, const struct metric *d, const struct run_result *r)
{
	c->placed |= UINT64_C(1) << (d - metric_table);
	col_dbl(c, d->column, d->csv_fmt, metric_value(d, r));
}

static void col_metric(struct csv_cols *c, const char *column, const struct run_result *r)
{
	const struct metric *d = metric_find(column);
	if (!d)
		c->b->err = -EINVAL; /* a writer names a row metrics.c lacks */
	else
		col_metric_row(c, d, r);
}

/* The metric rows no call above placed, in the table's order. */
static void col_metric_rest(struct csv_cols *c, const struct run_result *r)
{
	for (size_t i = 0; i < metric_count; i++)
		if (!(c->placed & UINT64_C(1) << i))
			col_metric_row(c, &metric_table[i], r);
}

/* The leading columns are a promise to readers (OUTPUT_CSV_COLUMNS_REQUIRED); new ones go at
 * the end. */
static void csv_columns(struct csv_cols *c, const struct run_params *p,
			const struct thread_plan *plan, const struct run_result *r)
{
	const bool m = r->measured, known = r->status != RUN_STUCK && r->status != RUN_INTERRUPTED;
	/* Lock names are identifiers, but a plugin could still name one badly: refused, not
	 * quoted, so that the first field of every row is the name as given. */
	if (col(c, "lock")) {
		if (strpbrk(p->lock->name, ",\"\r\n"))
			c->b->err = -EINVAL;
		ob_printf(c->b, "%s", p->lock->name);
	}
	col_u64(c, "threads", true, p->threads);
	col_str(c, "placement", placement_name(p->placement));
	col_str(c, "cpus", plan->cpus_str);
	col_u64(c, "oversubscribed", true, plan->oversubscribed);
	col_u64(c, "cs_ns", true, p->cs_ns);
	col_u64(c, "ncs_ns", true, p->ncs_ns);
	col_u64(c, "cs_lines", true, p->cs_lines);
	col_u64(c, "instances", true, p->instances);
	col_u64(c, "permits", true, p->permits);
	col_u64(c, "reentry", true, p->reentry);
	col_dbl(c, "warmup_s", "%.9g", (double)p->warmup_ns / 1e9);
	col_dbl(c, "duration_s", "%.6f", m ? r->duration_s : NAN);
	col_u64(c, "rep", true, r->rep);
	col_u64(c, "ops", m, r->ops);
	col_metric(c, "mops", r);
	col_metric(c, "fairness", r);
	col_u64(c, "thread_ops_min", m, r->thread_ops_min);
	col_u64(c, "thread_ops_max", m, r->thread_ops_max);
	col_u64(c, "lat_samples", m && p->timing, r->lat_samples);
	col_metric(c, "lat_p50_ns", r);
	col_metric(c, "lat_p90_ns", r);
	col_metric(c, "lat_p99_ns", r);
	col_metric(c, "lat_p999_ns", r);
	col_metric(c, "lat_max_ns", r);
	col_metric(c, "cpu_ns_per_op", r);
	col_u64(c, "csw_vol", m && r->csw_measured, r->csw_vol);
	col_u64(c, "csw_invol", m && r->csw_measured, r->csw_invol);
	col_metric(c, "cache_misses_per_op", r);
	col_u64(c, "exclusion_ok", m, r->exclusion_ok);
	col_u64(c, "lost_updates", m && p->permits == 1, r->lost_updates);
	col_str(c, "status", run_status_name(r->status));
	/* Appended columns. */
	col_u64(c, "lat_every", m && r->lat_every, r->lat_every);
	col_dbl(c, "timing_overhead_ns", "%.2f", r->timing_overhead_ns);
	col_u64(c, "max_inside", m && p->permits > 1, r->max_inside);
	col_u64(c, "bind_failures", known, r->bind_failures);
	col_str(c, "hw_counters", r->hw_counters);
	col_str(c, "status_detail", r->status_detail);
	col_dbl(c, "timer_p50_ns", "%.1f", r->timer_p50_ns);
	col_dbl(c, "timer_tick_ns", "%.3f", r->timer_tick_ns);
	col_metric(c, "worker_util", r);
	col_metric(c, "fairness_maxmin", r);
	col_metric(c, "fairness_cv", r);
	col_metric(c, "lat_p9999_ns", r);
	col_u64(c, "read_pct", true, p->read_pct);
	col_metric_rest(c, r);
}

int output_csv_header(FILE *f)
{
	static const struct lb_lock_ops none = { .name = "" };
	const struct run_params p = { .lock = &none };
	const struct thread_plan plan = { 0 };
	const struct run_result r = { .status = RUN_OK };
	struct obuf b = { 0 };
	struct csv_cols c = { .b = &b, .header = true };
	csv_columns(&c, &p, &plan, &r);
	ob_printf(&b, "%s\n", CSV_VERSION_HEADER);
	return ob_flush(&b, f);
}

int output_csv_row(FILE *f, const struct run_params *p, const struct thread_plan *plan,
		   const struct run_result *r)
{
	return output_csv_row_more(f, p, plan, r, "");
}

int output_csv_row_more(FILE *f, const struct run_params *p, const struct thread_plan *plan,
			const struct run_result *r, const char *more)
{
	struct obuf b = { 0 };
	struct csv_cols c = { .b = &b };
	csv_columns(&c, p, plan, r);
	ob_printf(&b, "%s%s\n", more, CSV_VERSION_FIELD);
	return ob_flush(&b, f);
}
