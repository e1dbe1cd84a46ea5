/* output.c — table, CSV and JSON writers, and the metadata. See output.h and results/README.md.
 *
 * Every writer builds its text in memory and writes it with one checked fwrite + fflush, so a
 * row is either written whole or reported as an error (ENOSPC, EPIPE, …).
 */
#define _GNU_SOURCE
#include "results/output.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "results/csvread.h"
#include "results/metrics.h"
#include "run/runner.h"
#include "topo/topo.h"
#include "version.h"
#include "run/workload.h"

struct obuf {
	char *s;
	size_t len, cap;
	int err;
	bool comma;     /* JSON: a value precedes in the current object/array */
	unsigned depth; /* JSON: indentation level */
};

static void ob_vprintf(struct obuf *b, const char *fmt, va_list ap)
{
	if (b->err)
		return;
	for (;;) {
		va_list aq;
		va_copy(aq, ap);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, aq);
		va_end(aq);
		if (n < 0) {
			b->err = -EINVAL;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap : 1024;
		while (cap <= b->len + (size_t)n)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->err = -ENOMEM;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

static void ob_printf(struct obuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ob_printf(struct obuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ob_vprintf(b, fmt, ap);
	va_end(ap);
}

/* Write the buffer out and release it. */
static int ob_flush(struct obuf *b, FILE *f)
{
	int err = b->err;
	errno = 0; /* a stale errno must not be reported as this write's */
	if (!err && b->len && fwrite(b->s, 1, b->len, f) != b->len)
		err = errno ? -errno : -EIO;
	if (!err && fflush(f) != 0)
		err = errno ? -errno : -EIO;
	if (!err && ferror(f))
		err = -EIO;
	free(b->s);
	memset(b, 0, sizeof *b);
	return err;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

/* The one CSV escaper (RFC 4180): quoted, with quotes doubled, only when it must be. */
static void csv_text(struct obuf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		ob_printf(b, "%s", s);
		return;
	}
	ob_printf(b, "\"");
	for (; *s; s++)
		ob_printf(b, *s == '"' ? "\"\"" : "%c", *s);
	ob_printf(b, "\"");
}

static void csv_str(struct obuf *b, const char *s)
{
	ob_printf(b, ",");
	csv_text(b, s);
}

static void csv_u64(struct obuf *b, bool have, uint64_t v)
{
	if (have)
		ob_printf(b, ",%llu", (unsigned long long)v);
	else
		ob_printf(b, ",");
}

static void csv_dbl(struct obuf *b, const char *fmt, double v)
{
	ob_printf(b, ",");
	if (!isnan(v) && !isinf(v))
		ob_printf(b, fmt, v);
}

int output_csv_field(FILE *f, const char *s)
{
	struct obuf b = { 0 };
	csv_text(&b, s);
	return ob_flush(&b, f);
}

int output_csv_header(FILE *f)
{
	struct obuf b = { 0 };
	ob_printf(&b, "%s\n", OUTPUT_CSV_HEADER CSV_VERSION_HEADER);
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
	const bool m = r->measured, known = r->status != RUN_STUCK && r->status != RUN_INTERRUPTED;
	/* The first field is written apart (the helpers prefix a comma); lock names are
	 * identifiers, but a plugin could still name one badly. */
	if (strpbrk(p->lock->name, ",\"\r\n"))
		return -EINVAL;
	ob_printf(&b, "%s", p->lock->name);
	csv_u64(&b, true, p->threads);
	csv_str(&b, placement_name(p->placement));
	csv_str(&b, plan->cpus_str);
	csv_u64(&b, true, plan->oversubscribed);
	csv_u64(&b, true, p->cs_ns);
	csv_u64(&b, true, p->ncs_ns);
	csv_u64(&b, true, p->cs_lines);
	csv_u64(&b, true, p->instances);
	csv_u64(&b, true, p->permits);
	csv_u64(&b, true, p->reentry);
	csv_dbl(&b, "%.9g", (double)p->warmup_ns / 1e9);
	csv_dbl(&b, "%.6f", m ? r->duration_s : NAN);
	csv_u64(&b, true, r->rep);
	csv_u64(&b, m, r->ops);
	csv_dbl(&b, "%.6f", m ? r->mops : NAN);
	csv_dbl(&b, "%.6f", m ? r->fairness : NAN);
	csv_u64(&b, m, r->thread_ops_min);
	csv_u64(&b, m, r->thread_ops_max);
	csv_u64(&b, m && p->timing, r->lat_samples);
	csv_dbl(&b, "%.1f", r->lat_p50_ns);
	csv_dbl(&b, "%.1f", r->lat_p90_ns);
	csv_dbl(&b, "%.1f", r->lat_p99_ns);
	csv_dbl(&b, "%.1f", r->lat_p999_ns);
	csv_dbl(&b, "%.1f", r->lat_max_ns);
	csv_dbl(&b, "%.2f", m ? r->cpu_ns_per_op : NAN);
	csv_u64(&b, m && r->csw_measured, r->csw_vol);
	csv_u64(&b, m && r->csw_measured, r->csw_invol);
	csv_dbl(&b, "%.4f", m ? r->cache_misses_per_op : NAN);
	csv_u64(&b, m, r->exclusion_ok);
	csv_u64(&b, m && p->permits == 1, r->lost_updates);
	csv_str(&b, run_status_name(r->status));
	/* Appended columns. */
	csv_u64(&b, m && r->lat_every, r->lat_every);
	csv_dbl(&b, "%.2f", r->timing_overhead_ns);
	csv_u64(&b, m && p->permits > 1, r->max_inside);
	csv_u64(&b, known, r->bind_failures);
	csv_str(&b, r->hw_counters);
	csv_str(&b, r->status_detail);
	csv_dbl(&b, "%.1f", r->timer_p50_ns);
	csv_dbl(&b, "%.3f", r->timer_tick_ns);
	csv_dbl(&b, metric_find("worker_util")->csv_fmt, m ? r->worker_util : NAN);
	/* infinite: empty, status_detail says */
	csv_dbl(&b, metric_find("fairness_maxmin")->csv_fmt, m ? r->fairness_maxmin : NAN);
	csv_dbl(&b, "%.4f", m ? r->fairness_cv : NAN);
	csv_dbl(&b, metric_find("lat_p9999_ns")->csv_fmt, r->lat_p9999_ns);
	ob_printf(&b, "%s%s\n", more, CSV_VERSION_FIELD);
	return ob_flush(&b, f);
}

/* ---- table -------------------------------------------------------------------------------- */

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

/* "x..y" or "x/y" right-aligned in `width`, or "-" when not measured. */
static void tab_pair(struct obuf *b, bool have, uint64_t x, const char *sep, uint64_t y,
		     int width)
{
	char pair[48] = "-";
	if (have)
		snprintf(pair, sizeof pair, "%llu%s%llu", (unsigned long long)x, sep,
			 (unsigned long long)y);
	ob_printf(b, " %*s", width, pair);
}

int output_table_header(FILE *f, const struct run_params *p, const struct thread_plan *plan)
{
	struct obuf b = { 0 };
	ob_printf(&b, "lockbench run: %s, %u thread%s, placement %s, CPUs %s", p->lock->name,
		  p->threads, p->threads == 1 ? "" : "s", placement_name(p->placement),
		  plan->cpus_str[0] ? plan->cpus_str : "(OS decides)");
	if (plan->oversubscribed)
		ob_printf(&b, "  ** OVERSUBSCRIBED: %u threads on %u CPUs **", p->threads,
			  plan->allowed_cpus);
	ob_printf(&b, "\nworkload: cs %llu ns, ncs %llu ns, cs-lines %u, instances %u, permits %u, "
		      "reentry %u; warm-up %.3g s, window %.3g s, %u rep%s\n",
		  (unsigned long long)p->cs_ns, (unsigned long long)p->ncs_ns, p->cs_lines,
		  p->instances, p->permits, p->reentry, (double)p->warmup_ns / 1e9,
		  (double)p->duration_ns / 1e9, p->reps, p->reps == 1 ? "" : "s");
	ob_printf(&b, "\n%3s %10s %8s %21s %8s %8s %8s %8s %9s %9s %15s %9s  %s\n", "rep",
		  "Mops/s", "fairness", "ops/thread min..max", "p50 ns", "p90 ns", "p99 ns",
		  "p99.9 ns", "max ns", "CPU ns/op", "csw vol/invol", "exclusion", "status");
	return ob_flush(&b, f);
}

int output_table_row(FILE *f, const struct run_params *p, const struct run_result *r)
{
	struct obuf b = { 0 };
	const bool m = r->measured;
	ob_printf(&b, "%3u", r->rep);
	tab_num(&b, 10, 3, m ? r->mops : NAN);
	tab_num(&b, 8, 3, m ? r->fairness : NAN);
	tab_pair(&b, m, r->thread_ops_min, "..", r->thread_ops_max, 21);
	tab_num(&b, 8, 0, r->lat_p50_ns);
	tab_num(&b, 8, 0, r->lat_p90_ns);
	tab_num(&b, 8, 0, r->lat_p99_ns);
	tab_num(&b, 8, 0, r->lat_p999_ns);
	tab_num(&b, 9, 0, r->lat_max_ns);
	tab_num(&b, 9, 1, m ? r->cpu_ns_per_op : NAN);
	tab_pair(&b, m && r->csw_measured, r->csw_vol, "/", r->csw_invol, 15);
	const char *excl = !m ? "-" : r->exclusion_ok ? "ok" : (p->lock->props & LB_NOT_A_LOCK) ?
									 "none (race)" : "VIOLATED";
	ob_printf(&b, " %9s  %s\n", excl, run_status_name(r->status));
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
	const struct run_result *any = n ? &r[0] : NULL; /* the timer is known even when stuck */
	if (any && !isnan(any->timer_p50_ns) && !isnan(any->timer_tick_ns))
		/* Samples are whole ns, so nothing finer than 1 ns is resolved either. */
		ob_printf(&b, "timer: an empty timed interval reads %.0f ns (p50) and the clock steps "
			      "by %.3g ns: a latency near %.0f ns is mostly the timestamp pair, and "
			      "latency differences under %.3g ns are below the clock's resolution\n",
			  any->timer_p50_ns, any->timer_tick_ns, any->timer_p50_ns,
			  fmax(any->timer_tick_ns, 1.0));
	else if (any && !isnan(any->timer_p50_ns))
		ob_printf(&b, "timer: an empty timed interval reads %.0f ns (p50): a latency near it "
			      "is mostly the timestamp pair; the clock's step: unavailable\n",
			  any->timer_p50_ns);
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

/* ---- JSON --------------------------------------------------------------------------------- */

static void js_raw_str(struct obuf *b, const char *s)
{
	ob_printf(b, "\"");
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			ob_printf(b, "\\%c", *c);
		else if (*c < 0x20)
			ob_printf(b, "\\u%04x", *c);
		else
			ob_printf(b, "%c", *c);
	}
	ob_printf(b, "\"");
}

static void js_key(struct obuf *b, const char *key)
{
	if (b->depth > 0 || b->comma)
		ob_printf(b, "%s\n%*s", b->comma ? "," : "", 2 * (int)b->depth, "");
	if (key) {
		js_raw_str(b, key);
		ob_printf(b, ": ");
	}
	b->comma = true;
}

static void js_open(struct obuf *b, const char *key, char brace)
{
	js_key(b, key);
	ob_printf(b, "%c", brace);
	b->depth++;
	b->comma = false;
}

static void js_close(struct obuf *b, char brace)
{
	b->depth--;
	ob_printf(b, "\n%*s%c", 2 * (int)b->depth, "", brace);
	b->comma = true;
}

static void js_str(struct obuf *b, const char *key, const char *v)
{
	js_key(b, key);
	js_raw_str(b, v ? v : "");
}

static void js_u64(struct obuf *b, const char *key, bool have, uint64_t v)
{
	js_key(b, key);
	if (have)
		ob_printf(b, "%llu", (unsigned long long)v);
	else
		ob_printf(b, "null");
}

static void js_dbl(struct obuf *b, const char *key, const char *fmt, double v)
{
	js_key(b, key);
	if (isnan(v) || isinf(v))
		ob_printf(b, "null");
	else
		ob_printf(b, fmt, v);
}

/* Numbers on one line: a thousand threads should not make a thousand lines. */
static void js_int_array(struct obuf *b, const char *key, const int64_t *v, const uint64_t *u,
			 size_t n)
{
	js_key(b, key);
	ob_printf(b, "[");
	for (size_t i = 0; i < n; i++) {
		if (v)
			ob_printf(b, "%s%lld", i ? ", " : "", (long long)v[i]);
		else
			ob_printf(b, "%s%llu", i ? ", " : "", (unsigned long long)u[i]);
	}
	ob_printf(b, "]");
}

static void js_bool(struct obuf *b, const char *key, bool have, bool v)
{
	js_key(b, key);
	ob_printf(b, "%s", !have ? "null" : v ? "true" : "false");
}

/* meta_collect's "name: text" lines as an object, name → text. */
static void js_mitigations(struct obuf *b, const char *lines)
{
	js_open(b, "mitigations", '{');
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
	js_close(b, '}');
}

static void js_meta(struct obuf *b, const struct run_meta *m)
{
	js_open(b, "meta", '{');
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
	js_close(b, '}');
}

static void js_params(struct obuf *b, const struct run_params *p)
{
	static const char *const formats[] = { "table", "csv", "json" };
	js_open(b, "params", '{');
	js_str(b, "lock", p->lock->name);
	js_str(b, "lock_description", p->lock->description);
	js_u64(b, "threads", true, p->threads);
	js_dbl(b, "duration_s", "%.9g", (double)p->duration_ns / 1e9);
	js_dbl(b, "warmup_s", "%.9g", (double)p->warmup_ns / 1e9);
	js_u64(b, "cs_ns", true, p->cs_ns);
	js_u64(b, "ncs_ns", true, p->ncs_ns);
	js_u64(b, "cs_lines", true, p->cs_lines);
	js_u64(b, "instances", true, p->instances);
	js_u64(b, "permits", true, p->permits);
	js_u64(b, "reentry", true, p->reentry);
	js_str(b, "placement", placement_name(p->placement));
	js_str(b, "cpus", p->cpus);
	js_u64(b, "reps", true, p->reps);
	js_bool(b, "timing", true, p->timing);
	js_u64(b, "timing_every", true, p->timing_every); /* 0: chosen automatically */
	js_dbl(b, "watchdog_s", "%.9g", (double)runner_watchdog_ns(p) / 1e9);
	js_str(b, "format", p->format <= FORMAT_JSON ? formats[p->format] : "?");
	js_close(b, '}');
}

static void js_plan(struct obuf *b, const struct thread_plan *plan)
{
	js_open(b, "plan", '{');
	js_u64(b, "threads", true, plan->threads);
	js_str(b, "cpus", plan->cpus_str);
	js_u64(b, "allowed_cpus", true, plan->allowed_cpus);
	js_bool(b, "oversubscribed", true, plan->oversubscribed);
	int64_t cpu[LB_MAX_THREADS];
	size_t n = plan->threads < LB_MAX_THREADS ? plan->threads : LB_MAX_THREADS;
	for (size_t i = 0; i < n; i++)
		cpu[i] = plan->cpu[i];
	js_int_array(b, "thread_cpu", cpu, NULL, n);
	js_close(b, '}');
}

static void js_result(struct obuf *b, const struct run_params *p, const struct run_result *r)
{
	const bool m = r->measured, known = r->status != RUN_STUCK && r->status != RUN_INTERRUPTED;
	js_open(b, NULL, '{');
	js_u64(b, "rep", true, r->rep);
	js_str(b, "status", run_status_name(r->status));
	js_str(b, "status_detail", r->status_detail);
	js_dbl(b, "duration_s", "%.9f", m ? r->duration_s : NAN);
	js_u64(b, "ops", m, r->ops);
	js_dbl(b, "mops", "%.6f", m ? r->mops : NAN);
	js_dbl(b, "fairness", "%.6f", m ? r->fairness : NAN);
	js_dbl(b, "fairness_maxmin", metric_find("fairness_maxmin")->csv_fmt,
	       m ? r->fairness_maxmin : NAN);
	js_dbl(b, "fairness_cv", "%.4f", m ? r->fairness_cv : NAN);
	js_u64(b, "thread_ops_min", m, r->thread_ops_min);
	js_u64(b, "thread_ops_max", m, r->thread_ops_max);
	js_u64(b, "lat_samples", m && p->timing, r->lat_samples);
	js_u64(b, "lat_every", m && r->lat_every, r->lat_every);
	js_dbl(b, "lat_p50_ns", "%.1f", r->lat_p50_ns);
	js_dbl(b, "lat_p90_ns", "%.1f", r->lat_p90_ns);
	js_dbl(b, "lat_p99_ns", "%.1f", r->lat_p99_ns);
	js_dbl(b, "lat_p999_ns", "%.1f", r->lat_p999_ns);
	js_dbl(b, "lat_p9999_ns", metric_find("lat_p9999_ns")->csv_fmt, r->lat_p9999_ns);
	js_dbl(b, "lat_max_ns", "%.1f", r->lat_max_ns);
	js_dbl(b, "timing_overhead_ns", "%.2f", r->timing_overhead_ns);
	js_dbl(b, "timer_p50_ns", "%.1f", r->timer_p50_ns);
	js_dbl(b, "timer_tick_ns", "%.3f", r->timer_tick_ns);
	js_dbl(b, "cpu_ns_per_op", "%.2f", m ? r->cpu_ns_per_op : NAN);
	js_dbl(b, "worker_util", metric_find("worker_util")->csv_fmt, m ? r->worker_util : NAN);
	js_u64(b, "csw_vol", m && r->csw_measured, r->csw_vol);
	js_u64(b, "csw_invol", m && r->csw_measured, r->csw_invol);
	js_dbl(b, "cache_misses_per_op", "%.4f", m ? r->cache_misses_per_op : NAN);
	js_str(b, "hw_counters", r->hw_counters);
	js_bool(b, "exclusion_ok", m, r->exclusion_ok);
	js_u64(b, "lost_updates", m && p->permits == 1, r->lost_updates);
	js_u64(b, "max_inside", m && p->permits > 1, r->max_inside);
	js_u64(b, "bind_failures", known, r->bind_failures);
	js_int_array(b, "thread_ops", NULL, r->thread_ops, m && r->thread_ops ? p->threads : 0);
	js_close(b, '}');
}

static void js_head(struct obuf *b, const struct run_meta *m, const struct run_params *p,
		    const struct thread_plan *plan)
{
	js_open(b, NULL, '{');
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
	js_close(&b, '}');
	ob_printf(&b, "\n");
	return ob_flush(&b, f);
}

/* ---- a caller's own keys ------------------------------------------------------------------ */

struct json_out {
	struct obuf b;
};

void json_out_open(struct json_out *j, const char *key, char brace) { js_open(&j->b, key, brace); }
void json_out_close(struct json_out *j, char brace) { js_close(&j->b, brace); }
void json_out_str(struct json_out *j, const char *key, const char *v) { js_str(&j->b, key, v); }
void json_out_bool(struct json_out *j, const char *key, bool v) { js_bool(&j->b, key, true, v); }

void json_out_u64(struct json_out *j, const char *key, uint64_t v)
{
	js_u64(&j->b, key, true, v);
}

void json_out_dbl(struct json_out *j, const char *key, const char *fmt, double v)
{
	js_dbl(&j->b, key, fmt, v);
}

void json_out_u64_array(struct json_out *j, const char *key, const uint64_t *v, size_t n)
{
	js_int_array(&j->b, key, NULL, v, n);
}

void json_out_str_array(struct json_out *j, const char *key, const char *const *v, size_t n)
{
	js_key(&j->b, key);
	ob_printf(&j->b, "[");
	for (size_t i = 0; i < n; i++) {
		ob_printf(&j->b, "%s", i ? ", " : "");
		js_raw_str(&j->b, v[i]);
	}
	ob_printf(&j->b, "]");
}

int output_meta_json_more(FILE *f, const struct run_meta *m, output_json_more_fn *more, void *arg)
{
	struct json_out j = { { 0 } };
	js_head(&j.b, m, NULL, NULL);
	more(&j, arg);
	js_close(&j.b, '}');
	ob_printf(&j.b, "\n");
	return ob_flush(&j.b, f);
}

int output_json(FILE *f, const struct run_meta *m, const struct run_params *p,
		const struct thread_plan *plan, const struct run_result *r, unsigned n)
{
	struct obuf b = { 0 };
	js_head(&b, m, p, plan);
	js_open(&b, "results", '[');
	for (unsigned i = 0; i < n; i++)
		js_result(&b, p, &r[i]);
	js_close(&b, ']');
	js_close(&b, '}');
	ob_printf(&b, "\n");
	return ob_flush(&b, f);
}
