/* json_out.c — the JSON documents: `lockbench run --format json` (metadata, parameters, plan,
 * one object per repetition), a sweep's meta.json, and the json_out_* calls that let a caller
 * add its own keys. See output.h.
 *
 * A metric key is placed by its name: the name, the printf format and when it is null come from
 * its row in metrics.c, and a metric row js_result() does not place goes at the end of each
 * repetition's object, before its thread_ops array.
 */
#include "results/output.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "results/csvread.h"
#include "results/json_writer.h"
#include "results/metrics.h"
#include "results/obuf.h"
#include "run/runner.h"

/* A value that was not measured is null, never 0. */
static void js_u64(struct obuf *b, const char *key, bool have, uint64_t v)
{
	if (have)
		jw_u64(b, key, v);
	else
		jw_null(b, key);
}

static void js_bool(struct obuf *b, const char *key, bool have, bool v)
{
	if (have)
		jw_bool(b, key, v);
	else
		jw_null(b, key);
}

/* A missing text is "", not null: readers of the results files take every string as a string. */
static void js_str(struct obuf *b, const char *key, const char *v)
{
	jw_str(b, key, v ? v : "");
}

/* meta_collect's "name: text" lines as an object, name → text. */
static void js_mitigations(struct obuf *b, const char *lines)
{
	jw_open(b, "mitigations", '{');
	for (const char *l = lines; *l;) {
		size_t len = strcspn(l, "\n");
		const char *colon = memchr(l, ':', len);
		if (colon) {
			char name[128], text[512];
			snprintf(name, sizeof name, "%.*s", (int)(colon - l), l);
			const char *v = colon + 1 + (colon[1] == ' ');
			snprintf(text, sizeof text, "%.*s", (int)(l + len - v), v);
			js_str(b, name, text);
		}
		l += len + (l[len] == '\n');
	}
	jw_close(b, '}');
}

static void js_meta(struct obuf *b, const struct run_meta *m)
{
	jw_open(b, "meta", '{');
	js_str(b, "host", m->host);
	js_str(b, "cpu_model", m->cpu_model);
	js_str(b, "topology", m->topology);
	js_str(b, "allowed_cpus", m->allowed_cpus);
	js_u64(b, "allowed_cpu_count", true, m->allowed_count);
	js_str(b, "kernel", m->kernel);
	js_str(b, "clocksource", m->clocksource);
	js_str(b, "tsc", m->tsc);
	js_str(b, "timing_clock", m->timing_clock);
	js_str(b, "hw_counters", m->hw_counters);
	js_str(b, "glibc", m->glibc);
	js_str(b, "virtualization", m->virtualization);
	js_mitigations(b, m->mitigations);
	js_str(b, "compiler", m->compiler);
	js_str(b, "cflags", m->cflags);
	js_str(b, "lockbench_version", m->version);
	js_str(b, "git_revision", m->git_revision);
	js_str(b, "date_utc", m->date_utc);
	jw_close(b, '}');
}

static void js_params(struct obuf *b, const struct run_params *p)
{
	static const char *const formats[] = { "table", "csv", "json" };
	jw_open(b, "params", '{');
	js_str(b, "lock", p->lock->name);
	js_str(b, "lock_description", p->lock->description);
	js_u64(b, "threads", true, p->threads);
	jw_dbl(b, "duration_s", "%.9g", (double)p->duration_ns / 1e9);
	jw_dbl(b, "warmup_s", "%.9g", (double)p->warmup_ns / 1e9);
	js_u64(b, "cs_ns", true, p->cs_ns);
	js_u64(b, "ncs_ns", true, p->ncs_ns);
	js_u64(b, "cs_lines", true, p->cs_lines);
	js_u64(b, "instances", true, p->instances);
	js_u64(b, "permits", true, p->permits);
	js_u64(b, "reentry", true, p->reentry);
	js_u64(b, "read_pct", true, p->read_pct);
	js_str(b, "placement", placement_name(p->placement));
	js_str(b, "cpus", p->cpus);
	js_u64(b, "reps", true, p->reps);
	js_bool(b, "timing", true, p->timing);
	js_u64(b, "timing_every", true, p->timing_every); /* 0: chosen automatically */
	jw_dbl(b, "watchdog_s", "%.9g", (double)runner_watchdog_ns(p) / 1e9);
	js_str(b, "format", p->format <= FORMAT_JSON ? formats[p->format] : "?");
	jw_close(b, '}');
}

static void js_plan(struct obuf *b, const struct thread_plan *plan)
{
	jw_open(b, "plan", '{');
	js_u64(b, "threads", true, plan->threads);
	js_str(b, "cpus", plan->cpus_str);
	js_u64(b, "allowed_cpus", true, plan->allowed_cpus);
	js_bool(b, "oversubscribed", true, plan->oversubscribed);
	int64_t cpu[LB_MAX_THREADS];
	size_t n = plan->threads < LB_MAX_THREADS ? plan->threads : LB_MAX_THREADS;
	for (size_t i = 0; i < n; i++)
		cpu[i] = plan->cpu[i];
	jw_i64_array(b, "thread_cpu", cpu, n);
	jw_close(b, '}');
}

static void js_metric_row(struct obuf *b, uint64_t *placed, const struct metric *d,
			  const struct run_result *r)
{
	*placed |= UINT64_C(1) << (d - metric_table);
	jw_dbl(b, d->column, d->csv_fmt, metric_value(d, r));
}

static void js_metric(struct obuf *b, uint64_t *placed, const char *column,
		      const struct run_result *r)
{
	const struct metric *d = metric_find(column);
	if (!d)
		b->err = -EINVAL; /* a writer names a row metrics.c lacks */
	else
		js_metric_row(b, placed, d, r);
}

static void js_result(struct obuf *b, const struct run_params *p, const struct run_result *r)
{
	const bool m = r->measured, known = r->status != RUN_STUCK && r->status != RUN_INTERRUPTED;
	uint64_t placed = 0;
	jw_open(b, NULL, '{');
	js_u64(b, "rep", true, r->rep);
	js_str(b, "status", run_status_name(r->status));
	js_str(b, "status_detail", r->status_detail);
	jw_dbl(b, "duration_s", "%.9f", m ? r->duration_s : NAN);
	js_u64(b, "ops", m, r->ops);
	js_metric(b, &placed, "mops", r);
	js_metric(b, &placed, "fairness", r);
	js_metric(b, &placed, "fairness_maxmin", r);
	js_metric(b, &placed, "fairness_cv", r);
	js_u64(b, "thread_ops_min", m, r->thread_ops_min);
	js_u64(b, "thread_ops_max", m, r->thread_ops_max);
	js_u64(b, "lat_samples", m && p->timing, r->lat_samples);
	js_u64(b, "lat_every", m && r->lat_every, r->lat_every);
	js_metric(b, &placed, "lat_p50_ns", r);
	js_metric(b, &placed, "lat_p90_ns", r);
	js_metric(b, &placed, "lat_p99_ns", r);
	js_metric(b, &placed, "lat_p999_ns", r);
	js_metric(b, &placed, "lat_p9999_ns", r);
	js_metric(b, &placed, "lat_max_ns", r);
	jw_dbl(b, "timing_overhead_ns", "%.2f", r->timing_overhead_ns);
	jw_dbl(b, "timer_p50_ns", "%.1f", r->timer_p50_ns);
	jw_dbl(b, "timer_tick_ns", "%.3f", r->timer_tick_ns);
	js_metric(b, &placed, "cpu_ns_per_op", r);
	js_metric(b, &placed, "worker_util", r);
	js_u64(b, "csw_vol", m && r->csw_measured, r->csw_vol);
	js_u64(b, "csw_invol", m && r->csw_measured, r->csw_invol);
	js_metric(b, &placed, "cache_misses_per_op", r);
	js_str(b, "hw_counters", r->hw_counters);
	js_bool(b, "exclusion_ok", m, r->exclusion_ok);
	js_u64(b, "lost_updates", m && p->permits == 1, r->lost_updates);
	js_u64(b, "torn_reads", m && p->read_pct > 0, r->torn_reads);
	js_u64(b, "max_inside", m && p->permits > 1, r->max_inside);
	js_u64(b, "bind_failures", known, r->bind_failures);
	for (size_t i = 0; i < metric_count; i++)
		if (!(placed & UINT64_C(1) << i))
			js_metric_row(b, &placed, &metric_table[i], r);
	jw_u64_array(b, "thread_ops", r->thread_ops, m && r->thread_ops ? p->threads : 0);
	jw_close(b, '}');
}

static void js_head(struct obuf *b, const struct run_meta *m, const struct run_params *p,
		    const struct thread_plan *plan)
{
	jw_open(b, NULL, '{');
	char format[32];
	snprintf(format, sizeof format, "lockbench-results v%d", RESULTS_FORMAT_VERSION);
	js_str(b, "format", format);
	js_u64(b, "format_version", true, RESULTS_FORMAT_VERSION);
	js_meta(b, m);
	if (p)
		js_params(b, p);
	if (plan)
		js_plan(b, plan);
}

int output_meta_json(FILE *f, const struct run_meta *m, const struct run_params *p,
		     const struct thread_plan *plan)
{
	struct obuf b = { 0 };
	js_head(&b, m, p, plan);
	jw_close(&b, '}');
	ob_printf(&b, "\n");
	return ob_flush(&b, f);
}

/* ---- a caller's own keys ------------------------------------------------------------------ */

struct json_out {
	struct obuf b;
};

void json_out_open(struct json_out *j, const char *key, char brace) { jw_open(&j->b, key, brace); }
void json_out_close(struct json_out *j, char brace) { jw_close(&j->b, brace); }
void json_out_str(struct json_out *j, const char *key, const char *v) { js_str(&j->b, key, v); }
void json_out_bool(struct json_out *j, const char *key, bool v) { jw_bool(&j->b, key, v); }
void json_out_u64(struct json_out *j, const char *key, uint64_t v) { jw_u64(&j->b, key, v); }

void json_out_dbl(struct json_out *j, const char *key, const char *fmt, double v)
{
	jw_dbl(&j->b, key, fmt, v);
}

void json_out_u64_array(struct json_out *j, const char *key, const uint64_t *v, size_t n)
{
	jw_u64_array(&j->b, key, v, n);
}

void json_out_str_array(struct json_out *j, const char *key, const char *const *v, size_t n)
{
	jw_str_array(&j->b, key, v, n);
}

int output_meta_json_more(FILE *f, const struct run_meta *m, output_json_more_fn *more, void *arg)
{
	struct json_out j = { { 0 } };
	js_head(&j.b, m, NULL, NULL);
	more(&j, arg);
	jw_close(&j.b, '}');
	ob_printf(&j.b, "\n");
	return ob_flush(&j.b, f);
}

int output_json(FILE *f, const struct run_meta *m, const struct run_params *p,
		const struct thread_plan *plan, const struct run_result *r, unsigned n)
{
	struct obuf b = { 0 };
	js_head(&b, m, p, plan);
	jw_open(&b, "results", '[');
	for (unsigned i = 0; i < n; i++)
		js_result(&b, p, &r[i]);
	jw_close(&b, ']');
	jw_close(&b, '}');
	ob_printf(&b, "\n");
	return ob_flush(&b, f);
}
