/* profile_out.c — profile.csv, profile.json and the top-N table, from a merged set.
 *
 * Columns are documented in docs/EXEC.md ("profile.csv"); PROFILE_CSV_HEADER is the header row.
 * Rows come in the set's order (total wait time first). Unmeasured values — a percentile of an
 * empty histogram, contended % of a mutex never acquired — are empty fields, null in JSON,
 * never 0. Percentiles are the low edge of the histogram bucket holding that rank
 * (profile_format.h: 25 % resolution).
 */
#include "exec/profile_model.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/file.h"
#include "results/obuf.h"

static void csv_field(struct obuf *b, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		ob_printf(b, "%s", s);
		return;
	}
	ob_printf(b, "\"");
	for (const char *c = s; *c;) { /* runs without a quote in one printf each */
		size_t run = strcspn(c, "\"");
		ob_printf(b, "%.*s", (int)run, c);
		c += run;
		if (*c == '"') {
			ob_printf(b, "\"\"");
			c++;
		}
	}
	ob_printf(b, "\"");
}

static void csv_pct(struct obuf *b, uint64_t part, uint64_t whole)
{
	if (whole)
		ob_printf(b, ",%.2f", 100.0 * (double)part / (double)whole);
	else
		ob_printf(b, ",");
}

static void csv_pcts(struct obuf *b, const uint64_t *hist)
{
	static const unsigned permille[] = { 500, 990, 999 };
	for (size_t i = 0; i < 3; i++) {
		uint64_t v;
		if (profile_hist_percentile(hist, permille[i], &v))
			ob_printf(b, ",%" PRIu64, v);
		else
			ob_printf(b, ",");
	}
}

static void csv_counts(struct obuf *b, const struct profile_counts *c)
{
	ob_printf(b, ",%" PRIu64 ",%" PRIu64, c->acquisitions, c->contended);
	csv_pct(b, c->contended, c->acquisitions);
	ob_printf(b, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, c->handoffs, c->trylock_busy, c->timeouts);
	ob_printf(b, ",%" PRIu64 ",%" PRIu64, c->wait_total_ns, c->wait_max_ns);
	csv_pcts(b, c->wait_hist);
	ob_printf(b, ",%" PRIu64 ",%" PRIu64, c->hold_total_ns, c->hold_max_ns);
	csv_pcts(b, c->hold_hist);
	ob_printf(b, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, c->cond_waits, c->cond_signals,
		  c->cond_broadcasts, c->bad_unlocks);
}

static unsigned total_threads(const struct profile_set *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->nprocs; i++)
		n += s->procs[i].threads;
	return n;
}

int profile_write_csv(const struct profile_set *s, const char *dir)
{
	struct obuf b = { 0 };
	char flags[128];
	ob_printf(&b, "%s\n", PROFILE_CSV_HEADER);
	for (size_t i = 0; i < s->nrows; i++) {
		const struct profile_row *r = &s->rows[i];
		ob_printf(&b, "mutex,%d,", r->pid);
		csv_field(&b, s->procs[r->proc].exe);
		profile_flags_text(r->flags, flags, sizeof flags);
		ob_printf(&b, ",0x%" PRIx64 ",%s,%s", r->addr, profile_kind_name(r->kind), flags);
		csv_counts(&b, &r->c);
		ob_printf(&b, ",%u,", r->threads);
		csv_field(&b, r->site_text ? r->site_text : "");
		ob_printf(&b, "\n");
	}
	ob_printf(&b, "total,,,,,");
	csv_counts(&b, &s->totals);
	ob_printf(&b, ",%u,\n", total_threads(s));
	if (b.err) {
		free(b.s);
		return b.err;
	}
	int rc = file_write_atomic(dir, "profile.csv", b.s, b.len);
	free(b.s);
	return rc;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

/* A small pretty-printer: each key on its line, arrays of numbers on one. */
struct pj {
	struct obuf b;
	unsigned depth;
	bool comma;
};

static void pj_str_raw(struct pj *j, const char *s)
{
	ob_printf(&j->b, "\"");
	for (const unsigned char *c = (const unsigned char *)s; *c;) {
		size_t run = 0; /* characters that need no escape, written in one printf */
		while (c[run] >= 0x20 && c[run] != '"' && c[run] != '\\')
			run++;
		if (run) {
			ob_printf(&j->b, "%.*s", (int)run, (const char *)c);
			c += run;
		} else if (*c == '"' || *c == '\\') {
			ob_printf(&j->b, "\\%c", *c++);
		} else {
			ob_printf(&j->b, "\\u%04x", *c++);
		}
	}
	ob_printf(&j->b, "\"");
}

static void pj_key(struct pj *j, const char *key)
{
	if (j->depth || j->comma)
		ob_printf(&j->b, "%s\n%*s", j->comma ? "," : "", 2 * (int)j->depth, "");
	if (key) {
		pj_str_raw(j, key);
		ob_printf(&j->b, ": ");
	}
	j->comma = true;
}

static void pj_open(struct pj *j, const char *key, char brace)
{
	pj_key(j, key);
	ob_printf(&j->b, "%c", brace);
	j->depth++;
	j->comma = false;
}

static void pj_close(struct pj *j, char brace)
{
	j->depth--;
	ob_printf(&j->b, "\n%*s%c", 2 * (int)j->depth, "", brace);
	j->comma = true;
}

static void pj_str(struct pj *j, const char *key, const char *v)
{
	pj_key(j, key);
	if (v)
		pj_str_raw(j, v);
	else
		ob_printf(&j->b, "null");
}

static void pj_u64(struct pj *j, const char *key, uint64_t v)
{
	pj_key(j, key);
	ob_printf(&j->b, "%" PRIu64, v);
}

static void pj_pct(struct pj *j, const char *key, uint64_t part, uint64_t whole)
{
	pj_key(j, key);
	if (whole)
		ob_printf(&j->b, "%.4f", 100.0 * (double)part / (double)whole);
	else
		ob_printf(&j->b, "null");
}

/* {total_ns, max_ns, p50_ns, p99_ns, p999_ns, hist: [[low_ns, count], …] (non-empty buckets)} */
static void pj_times(struct pj *j, const char *key, uint64_t total, uint64_t max,
		     const uint64_t *hist)
{
	static const unsigned permille[] = { 500, 990, 999 };
	static const char *const names[] = { "p50_ns", "p99_ns", "p999_ns" };
	pj_open(j, key, '{');
	pj_u64(j, "total_ns", total);
	pj_u64(j, "max_ns", max);
	for (size_t i = 0; i < 3; i++) {
		uint64_t v;
		pj_key(j, names[i]);
		if (profile_hist_percentile(hist, permille[i], &v))
			ob_printf(&j->b, "%" PRIu64, v);
		else
			ob_printf(&j->b, "null");
	}
	pj_key(j, "hist");
	ob_printf(&j->b, "[");
	bool first = true;
	for (unsigned b = 0; b < LBP_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		ob_printf(&j->b, "%s[%" PRIu64 ", %" PRIu64 "]", first ? "" : ", ", lbp_bucket_low(b),
			  hist[b]);
		first = false;
	}
	ob_printf(&j->b, "]");
	pj_close(j, '}');
}

static void pj_counts(struct pj *j, const struct profile_counts *c)
{
	pj_u64(j, "acquisitions", c->acquisitions);
	pj_u64(j, "contended", c->contended);
	pj_pct(j, "contended_pct", c->contended, c->acquisitions);
	pj_u64(j, "handoffs", c->handoffs);
	pj_u64(j, "trylock_busy", c->trylock_busy);
	pj_u64(j, "timeouts", c->timeouts);
	pj_times(j, "wait", c->wait_total_ns, c->wait_max_ns, c->wait_hist);
	pj_times(j, "hold", c->hold_total_ns, c->hold_max_ns, c->hold_hist);
	pj_u64(j, "cond_waits", c->cond_waits);
	pj_u64(j, "cond_signals", c->cond_signals);
	pj_u64(j, "cond_broadcasts", c->cond_broadcasts);
	pj_u64(j, "bad_unlocks", c->bad_unlocks);
}

static void pj_meta(struct pj *j, const struct profile_meta *m)
{
	pj_open(j, "run", '{');
	pj_str(j, "program", m ? m->program : NULL);
	pj_str(j, "args", m ? m->args : NULL);
	pj_str(j, "lock", m ? (m->lock && m->lock[0] ? m->lock : "glibc") : NULL);
	pj_str(j, "outcome", m ? m->outcome : NULL);
	pj_key(j, "exit_code");
	if (m && m->exit_code >= 0)
		ob_printf(&j->b, "%d", m->exit_code);
	else
		ob_printf(&j->b, "null");
	pj_key(j, "wall_s");
	if (m && m->wall_s >= 0 && isfinite(m->wall_s))
		ob_printf(&j->b, "%.6f", m->wall_s);
	else
		ob_printf(&j->b, "null");
	pj_key(j, "seed");
	if (m && m->seed_set)
		ob_printf(&j->b, "%" PRIu64, m->seed);
	else
		ob_printf(&j->b, "null");
	pj_str(j, "host", m ? m->host : NULL);
	pj_close(j, '}');
}

static void pj_proc(struct pj *j, const struct profile_proc *p)
{
	pj_open(j, NULL, '{');
	pj_key(j, "pid");
	ob_printf(&j->b, "%d", p->pid);
	pj_key(j, "ppid");
	ob_printf(&j->b, "%d", p->ppid);
	pj_str(j, "exe", p->exe);
	pj_str(j, "lock", p->lock[0] ? p->lock : "glibc");
	pj_str(j, "file", p->file);
	pj_u64(j, "start_ns", p->start_ns);
	pj_u64(j, "end_ns", p->end_ns);
	pj_key(j, "exit_handlers_ran");
	ob_printf(&j->b, "%s", p->end_ns ? "true" : "false");
	pj_str(j, "ended", p->end_ns ? "exit" : p->replaced_by_exec ? "exec" : "_exit or killed");
	pj_u64(j, "mutexes", p->mutexes);
	pj_u64(j, "threads", p->threads);
	pj_u64(j, "records", p->records);
	pj_u64(j, "dropped_mutexes", p->dropped_mutexes);
	pj_u64(j, "dropped_threads", p->dropped_threads);
	pj_u64(j, "dropped_records", p->dropped_records);
	pj_u64(j, "unfinished_slots", p->unready);
	pj_u64(j, "orphan_records", p->orphans);
	pj_close(j, '}');
}

int profile_write_json(const struct profile_set *s, const struct profile_meta *meta,
		       const char *dir)
{
	struct pj j = { { 0 }, 0, false };
	char text[128];
	pj_open(&j, NULL, '{');
	pj_str(&j, "format", "lockbench-profile v1");
	pj_u64(&j, "format_version", 1);
	pj_meta(&j, meta);
	pj_open(&j, "processes", '[');
	for (unsigned i = 0; i < s->nprocs; i++)
		pj_proc(&j, &s->procs[i]);
	pj_close(&j, ']');
	pj_open(&j, "warnings", '[');
	for (size_t i = 0; i < s->nwarnings; i++)
		pj_str(&j, NULL, s->warnings[i]);
	pj_close(&j, ']');
	pj_open(&j, "totals", '{');
	pj_u64(&j, "processes", s->nprocs);
	pj_u64(&j, "mutexes", s->nrows);
	pj_u64(&j, "threads", total_threads(s));
	pj_counts(&j, &s->totals);
	pj_close(&j, '}');
	pj_open(&j, "mutexes", '[');
	for (size_t i = 0; i < s->nrows; i++) {
		const struct profile_row *r = &s->rows[i];
		pj_open(&j, NULL, '{');
		pj_key(&j, "pid");
		ob_printf(&j.b, "%d", r->pid);
		snprintf(text, sizeof text, "0x%" PRIx64, r->addr);
		pj_str(&j, "mutex", text);
		pj_str(&j, "kind", profile_kind_name(r->kind));
		profile_flags_text(r->flags, text, sizeof text);
		pj_str(&j, "flags", text);
		pj_str(&j, "site", r->site_text ? r->site_text : "");
		pj_key(&j, "site_addrs");
		ob_printf(&j.b, "[");
		for (uint32_t f = 0; f < r->nframes; f++)
			ob_printf(&j.b, "%s\"0x%" PRIx64 "\"", f ? ", " : "", r->site[f]);
		ob_printf(&j.b, "]");
		pj_u64(&j, "threads", r->threads);
		pj_counts(&j, &r->c);
		pj_close(&j, '}');
	}
	pj_close(&j, ']');
	pj_close(&j, '}');
	ob_printf(&j.b, "\n");
	if (j.b.err) {
		free(j.b.s);
		return j.b.err;
	}
	int rc = file_write_atomic(dir, "profile.json", j.b.s, j.b.len);
	free(j.b.s);
	return rc;
}
