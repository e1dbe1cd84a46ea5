/* table_out.c — `lockbench run --format table`: a header describing the point, a row (and its
 * notes) per repetition, and a footer in prose. See output.h.
 *
 * One list of calls, table_columns(), writes both the column heads and a row, so a head and its
 * value cannot drift apart. A metric column is placed by its name: its head, width and decimals
 * come from its row in metrics.c (table_head); a row with a head the list does not place is
 * shown after the listed columns, before the exclusion column.
 */
#include "results/output.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "results/metrics.h"
#include "results/obuf.h"

/* Where table_columns() writes: the column heads, or a row. */
struct tab_cols {
	struct obuf *b;
	bool head;
	uint64_t placed; /* metric rows written, a bit per index in metric_table */
};

/* A number for people: three decimals, fewer as it grows, so that a column holds both an
 * oversubscribed FIFO lock's 0.000031 Mops/s and a sleeping lock's 17193212 CPU ns/op. */
static void tab_num(struct obuf *b, int width, int decimals, double v)
{
	int d = fabs(v) >= 1e5 ? 0 : fabs(v) >= 100 ? 1 : 3;
	if (isnan(v))
		ob_printf(b, " %*s", width, "-");
	else if (decimals && v != 0 && fabs(v) < 0.01)
		ob_printf(b, " %*.2e", width, v);
	else
		ob_printf(b, " %*.*f", width, d < decimals ? d : decimals, v);
}

/* Text right-aligned in `width` after a space: a head, or a value that is not a number. */
static void tab_text(struct tab_cols *c, const char *head, int width, const char *value)
{
	ob_printf(c->b, " %*s", width, c->head ? head : value);
}

/* "x..y" or "x/y" right-aligned in `width`, or "-" when not measured. */
static void tab_pair(struct tab_cols *c, const char *head, bool have, uint64_t x, const char *sep,
		     uint64_t y, int width)
{
	char pair[48] = "-";
	if (have)
		snprintf(pair, sizeof pair, "%llu%s%llu", (unsigned long long)x, sep,
			 (unsigned long long)y);
	tab_text(c, head, width, pair);
}

static void tab_metric_row(struct tab_cols *c, const struct metric *d, const struct run_result *r)
{
	c->placed |= UINT64_C(1) << (d - metric_table);
	if (c->head)
		tab_text(c, d->table_head, d->table_width, "");
	else
		tab_num(c->b, d->table_width, d->table_decimals, metric_value(d, r));
}

static void tab_metric(struct tab_cols *c, const char *column, const struct run_result *r)
{
	const struct metric *d = metric_find(column);
	if (!d || !d->table_head)
		c->b->err = -EINVAL; /* a writer names a row metrics.c lacks, or does not show */
	else
		tab_metric_row(c, d, r);
}

/* The metric rows with a head that no call above placed, in the table's order. */
static void tab_metric_rest(struct tab_cols *c, const struct run_result *r)
{
	for (size_t i = 0; i < metric_count; i++)
		if (metric_table[i].table_head && !(c->placed & UINT64_C(1) << i))
			tab_metric_row(c, &metric_table[i], r);
}

static void table_columns(struct tab_cols *c, const struct run_params *p,
			  const struct run_result *r)
{
	const bool m = r->measured;
	if (c->head)
		ob_printf(c->b, "%3s", "rep");
	else
		ob_printf(c->b, "%3u", r->rep);
	tab_metric(c, "mops", r);
	tab_metric(c, "fairness", r);
	tab_pair(c, "ops/thread min..max", m, r->thread_ops_min, "..", r->thread_ops_max, 21);
	tab_metric(c, "lat_p50_ns", r);
	tab_metric(c, "lat_p90_ns", r);
	tab_metric(c, "lat_p99_ns", r);
	tab_metric(c, "lat_p999_ns", r);
	tab_metric(c, "lat_max_ns", r);
	tab_metric(c, "cpu_ns_per_op", r);
	tab_pair(c, "csw vol/invol", m && r->csw_measured, r->csw_vol, "/", r->csw_invol, 15);
	tab_metric_rest(c, r);
	const char *excl = !m ? "-" : r->exclusion_ok ? "ok" : (p->lock->props & LB_NOT_A_LOCK) ?
								 "none (race)" : "VIOLATED";
	tab_text(c, "exclusion", 9, excl);
	ob_printf(c->b, "  %s\n", c->head ? "status" : run_status_name(r->status));
}

int output_table_header(FILE *f, const struct run_params *p, const struct thread_plan *plan)
{
	struct obuf b = { 0 };
	ob_printf(&b, "lockbench run: %s, %u thread%s, placement %s, CPUs %s", p->lock->name,
		  p->threads, p->threads == 1 ? "" : "s", placement_name(p->placement),
		  plan->cpus_str[0] ? plan->cpus_str : "(OS decides)");
	if (p->lock->props & LB_NUMA_AWARE)
		ob_printf(&b, ", %u cluster%s (%s)", plan->clusters, plan->clusters == 1 ? "" : "s",
			  plan->cluster_level ? plan->cluster_level : "none");
	if (plan->oversubscribed)
		ob_printf(&b, "  ** OVERSUBSCRIBED: %u threads on %u CPU%s **", p->threads,
			  plan->allowed_cpus, plan->allowed_cpus == 1 ? "" : "s");
	char reads[32] = "";
	if (p->read_pct)
		snprintf(reads, sizeof reads, ", read-pct %u", p->read_pct);
	ob_printf(&b, "\nworkload: cs %llu ns, ncs %llu ns, cs-lines %u, instances %u, permits %u, "
		      "reentry %u%s; warm-up %.3g s, window %.3g s, %u rep%s\n\n",
		  (unsigned long long)p->cs_ns, (unsigned long long)p->ncs_ns, p->cs_lines,
		  p->instances, p->permits, p->reentry, reads, (double)p->warmup_ns / 1e9,
		  (double)p->duration_ns / 1e9, p->reps, p->reps == 1 ? "" : "s");
	const struct run_result none = { .status = RUN_OK };
	struct tab_cols c = { .b = &b, .head = true };
	table_columns(&c, p, &none);
	return ob_flush(&b, f);
}

int output_table_row(FILE *f, const struct run_params *p, const struct run_result *r)
{
	struct obuf b = { 0 };
	struct tab_cols c = { .b = &b };
	table_columns(&c, p, r);
	if (r->status_detail[0])
		ob_printf(&b, "    rep %u: %s\n", r->rep, r->status_detail);
	return ob_flush(&b, f);
}

/* max/min for people: "1.38", or "inf (a thread did none)". */
static const char *fmt_maxmin(double v, char *buf, size_t len)
{
	if (isinf(v))
		snprintf(buf, len, "inf (a thread did none)");
	else if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}

/* A utilisation, or "unavailable" when the workers' CPU time could not be read. */
static const char *fmt_util(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "unavailable");
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}

/* The timer's resolution, from the first repetition: it is known even when that one stuck. */
static void footer_timer(struct obuf *b, const struct run_result *any)
{
	if (!isnan(any->timer_p50_ns) && !isnan(any->timer_tick_ns))
		/* Samples are whole ns, so nothing finer than 1 ns is resolved either. */
		ob_printf(b, "timer: an empty timed interval reads %.0f ns (p50) and the clock steps "
			     "by %.3g ns: a latency near %.0f ns is mostly the timestamp pair, and "
			     "latency differences under %.3g ns are below the clock's resolution\n",
			  any->timer_p50_ns, any->timer_tick_ns, any->timer_p50_ns,
			  fmax(any->timer_tick_ns, 1.0));
	else if (!isnan(any->timer_p50_ns))
		ob_printf(b, "timer: an empty timed interval reads %.0f ns (p50): a latency near it "
			     "is mostly the timestamp pair; the clock's step: unavailable\n",
			  any->timer_p50_ns);
}

int output_table_footer(FILE *f, const struct run_params *p, const struct run_result *r,
			unsigned n)
{
	struct obuf b = { 0 };
	const struct run_result *first = NULL;
	for (unsigned i = 0; i < n; i++)
		if (r[i].measured) {
			first = &r[i];
			break;
		}
	ob_printf(&b, "\n");
	if (!p->timing)
		ob_printf(&b, "latency: not timed (timing was turned off)\n");
	else if (first)
		ob_printf(&b, "latency: one acquisition in %u timed (%llu samples in rep %u); timing one "
			      "costs %.1f ns\n",
			  first->lat_every, (unsigned long long)first->lat_samples, first->rep,
			  first->timing_overhead_ns);
	if (n)
		footer_timer(&b, &r[0]);
	if (first)
		ob_printf(&b, "cache misses: %s\n", first->hw_counters);
	ob_printf(&b, "fairness: Jain's index over per-thread operations in the window (1 = equal "
		      "shares, 1/threads = one thread did all)\n");
	for (unsigned i = 0; i < n; i++)
		if (r[i].measured)
			ob_printf(&b, "  rep %u: max/min per-thread ops %s, stddev/mean %.4f; worker "
				      "CPU utilisation %s\n",
				  r[i].rep, fmt_maxmin(r[i].fairness_maxmin, (char[32]){ 0 }, 32),
				  r[i].fairness_cv, fmt_util(r[i].worker_util, (char[32]){ 0 }, 32));
	return ob_flush(&b, f);
}
