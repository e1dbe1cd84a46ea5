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
#include "results/json_writer.h"
#include "results/obuf.h"

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
		ob_csv_text(&b, s->procs[r->proc].exe);
		profile_flags_text(r->flags, flags, sizeof flags);
		ob_printf(&b, ",0x%" PRIx64 ",%s,%s", r->addr, profile_kind_name(r->kind), flags);
		csv_counts(&b, &r->c);
		ob_printf(&b, ",%u,", r->threads);
		ob_csv_text(&b, r->site_text ? r->site_text : "");
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

static void pj_pct(struct obuf *b, const char *key, uint64_t part, uint64_t whole)
{
	if (whole)
		jw_dbl(b, key, "%.4f", 100.0 * (double)part / (double)whole);
	else
		jw_null(b, key);
}

/* {total_ns, max_ns, p50_ns, p99_ns, p999_ns, hist: [[low_ns, count], …] (non-empty buckets)} */
static void pj_times(struct obuf *j, const char *key, uint64_t total, uint64_t max,
		     const uint64_t *hist)
{
	static const unsigned permille[] = { 500, 990, 999 };
	static const char *const names[] = { "p50_ns", "p99_ns", "p999_ns" };
	jw_open(j, key, '{');
	jw_u64(j, "total_ns", total);
	jw_u64(j, "max_ns", max);
	for (size_t i = 0; i < 3; i++) {
		uint64_t v;
		if (profile_hist_percentile(hist, permille[i], &v))
			jw_u64(j, names[i], v);
		else
			jw_null(j, names[i]);
	}
	jw_key(j, "hist");
	ob_printf(j, "[");
	bool first = true;
	for (unsigned b = 0; b < LBP_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		ob_printf(j, "%s[%" PRIu64 ", %" PRIu64 "]", first ? "" : ", ", lbp_bucket_low(b),
			  hist[b]);
		first = false;
	}
	ob_printf(j, "]");
	jw_close(j, '}');
}

static void pj_counts(struct obuf *j, const struct profile_counts *c)
{
	jw_u64(j, "acquisitions", c->acquisitions);
	jw_u64(j, "contended", c->contended);
	pj_pct(j, "contended_pct", c->contended, c->acquisitions);
	jw_u64(j, "handoffs", c->handoffs);
	jw_u64(j, "trylock_busy", c->trylock_busy);
	jw_u64(j, "timeouts", c->timeouts);
	pj_times(j, "wait", c->wait_total_ns, c->wait_max_ns, c->wait_hist);
	pj_times(j, "hold", c->hold_total_ns, c->hold_max_ns, c->hold_hist);
	jw_u64(j, "cond_waits", c->cond_waits);
	jw_u64(j, "cond_signals", c->cond_signals);
	jw_u64(j, "cond_broadcasts", c->cond_broadcasts);
	jw_u64(j, "bad_unlocks", c->bad_unlocks);
}

static void pj_meta(struct obuf *j, const struct profile_meta *m)
{
	jw_open(j, "run", '{');
	jw_str(j, "program", m ? m->program : NULL);
	jw_str(j, "args", m ? m->args : NULL);
	jw_str(j, "lock", m ? (m->lock && m->lock[0] ? m->lock : "glibc") : NULL);
	jw_str(j, "outcome", m ? m->outcome : NULL);
	if (m && m->exit_code >= 0)
		jw_int(j, "exit_code", m->exit_code);
	else
		jw_null(j, "exit_code");
	jw_dbl(j, "wall_s", "%.6f", m && m->wall_s >= 0 ? m->wall_s : NAN); /* NaN, inf: null */
	if (m && m->seed_set)
		jw_u64(j, "seed", m->seed);
	else
		jw_null(j, "seed");
	jw_str(j, "host", m ? m->host : NULL);
	jw_close(j, '}');
}

static void pj_proc(struct obuf *j, const struct profile_proc *p)
{
	jw_open(j, NULL, '{');
	jw_int(j, "pid", p->pid);
	jw_int(j, "ppid", p->ppid);
	jw_str(j, "exe", p->exe);
	jw_str(j, "lock", p->lock[0] ? p->lock : "glibc");
	jw_str(j, "file", p->file);
	jw_u64(j, "start_ns", p->start_ns);
	jw_u64(j, "end_ns", p->end_ns);
	jw_bool(j, "exit_handlers_ran", p->end_ns != 0);
	jw_str(j, "ended", p->end_ns ? "exit" : p->replaced_by_exec ? "exec" : "_exit or killed");
	jw_u64(j, "mutexes", p->mutexes);
	jw_u64(j, "threads", p->threads);
	jw_u64(j, "records", p->records);
	jw_u64(j, "dropped_mutexes", p->dropped_mutexes);
	jw_u64(j, "dropped_threads", p->dropped_threads);
	jw_u64(j, "dropped_records", p->dropped_records);
	jw_u64(j, "unfinished_slots", p->unready);
	jw_u64(j, "orphan_records", p->orphans);
	jw_close(j, '}');
}

int profile_write_json(const struct profile_set *s, const struct profile_meta *meta,
		       const char *dir)
{
	struct obuf j = { 0 };
	char text[128];
	jw_open(&j, NULL, '{');
	jw_str(&j, "format", "lockbench-profile v1");
	jw_u64(&j, "format_version", 1);
	pj_meta(&j, meta);
	jw_open(&j, "processes", '[');
	for (unsigned i = 0; i < s->nprocs; i++)
		pj_proc(&j, &s->procs[i]);
	jw_close(&j, ']');
	jw_open(&j, "warnings", '[');
	for (size_t i = 0; i < s->nwarnings; i++)
		jw_str(&j, NULL, s->warnings[i]);
	jw_close(&j, ']');
	jw_open(&j, "totals", '{');
	jw_u64(&j, "processes", s->nprocs);
	jw_u64(&j, "mutexes", s->nrows);
	jw_u64(&j, "threads", total_threads(s));
	pj_counts(&j, &s->totals);
	jw_close(&j, '}');
	jw_open(&j, "mutexes", '[');
	for (size_t i = 0; i < s->nrows; i++) {
		const struct profile_row *r = &s->rows[i];
		jw_open(&j, NULL, '{');
		jw_int(&j, "pid", r->pid);
		snprintf(text, sizeof text, "0x%" PRIx64, r->addr);
		jw_str(&j, "mutex", text);
		jw_str(&j, "kind", profile_kind_name(r->kind));
		profile_flags_text(r->flags, text, sizeof text);
		jw_str(&j, "flags", text);
		jw_str(&j, "site", r->site_text ? r->site_text : "");
		jw_key(&j, "site_addrs");
		ob_printf(&j, "[");
		for (uint32_t f = 0; f < r->nframes; f++)
			ob_printf(&j, "%s\"0x%" PRIx64 "\"", f ? ", " : "", r->site[f]);
		ob_printf(&j, "]");
		jw_u64(&j, "threads", r->threads);
		pj_counts(&j, &r->c);
		jw_close(&j, '}');
	}
	jw_close(&j, ']');
	jw_close(&j, '}');
	ob_printf(&j, "\n");
	if (j.err) {
		free(j.s);
		return j.err;
	}
	int rc = file_write_atomic(dir, "profile.json", j.s, j.len);
	free(j.s);
	return rc;
}
