/* report_points.c — the report's per-point parts: the flagged points, every point in one table,
 * and the physical floor (each lock's handoff against the core-to-core round trip).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "report/report_doc.h"
#include "results/csvread.h"

/* --- the rest ------------------------------------------------------------------------------ */

static size_t count_flagged(const struct report_set *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->npts; i++)
		n += report_point_flagged(&s->pts[i]);
	return n;
}

void report_flag_notes(struct doc *d, const struct report_set *s)
{
	size_t flagged = count_flagged(s), shown = 0;
	if (!flagged)
		return;
	doc_para_start(d, "warn");
	doc_textf(d, "%zu of %zu points are flagged (highlighted in the table of all points, ringed in "
		 "the plots); read them with care:", flagged, s->npts);
	doc_para_end(d);
	doc_raw(d, d->html ? "<ul class=\"flags\">\n" : "");
	for (size_t i = 0; i < s->npts && shown < 12; i++) {
		const struct report_point *p = &s->pts[i];
		bool bad = strcmp(p->status, "ok") != 0;
		if (!report_point_flagged(p))
			continue;
		shown++;
		doc_raw(d, d->html ? "<li>" : "- ");
		doc_textf(d, "%s, %u threads, cs %g ns, ncs %g ns:", p->lock, p->threads, p->cs_ns,
		      p->ncs_ns);
		if (p->disagree) {
			char lo[64], hi[64], med[64];
			report_fmt_metric(METRIC_MOPS, p->mops.min, lo, sizeof lo);
			report_fmt_metric(METRIC_MOPS, p->mops.max, hi, sizeof hi);
			report_fmt_metric(METRIC_MOPS, p->mops.median, med, sizeof med);
			doc_textf(d, " repetitions disagree (throughput %s to %s around %s);", lo, hi, med);
		}
		if (p->noisy)
			doc_text(d, " the machine changed under the run (core-to-core time or steal);");
		if (p->busy && !strstr(p->note, "busy"))
			doc_text(d, " busy (results/README.md);");
		if (bad)
			doc_textf(d, " status %s (%u of %u repetitions ok);", p->status, p->reps_ok, p->reps);
		if (p->note[0])
			doc_textf(d, " %s", p->note);
		doc_raw(d, d->html ? "</li>\n" : "\n");
	}
	if (flagged > shown) {
		doc_raw(d, d->html ? "<li>" : "- ");
		doc_textf(d, "and %zu more", flagged - shown);
		doc_raw(d, d->html ? "</li>\n" : "\n");
	}
	doc_raw(d, d->html ? "</ul>\n" : "\n");
}

static int points_cmp_key(const struct report_point *a, const struct report_point *b)
{
	if (a->cs_ns != b->cs_ns)
		return a->cs_ns < b->cs_ns ? -1 : 1;
	if (a->lock_index != b->lock_index)
		return a->lock_index < b->lock_index ? -1 : 1;
	if (a->permits != b->permits)
		return a->permits < b->permits ? -1 : 1;
	return a->threads < b->threads ? -1 : a->threads > b->threads;
}

static int points_cmp(const void *a, const void *b)
{
	return points_cmp_key(*(const struct report_point *const *)a,
			      *(const struct report_point *const *)b);
}

/* One row of the table of all points. */
static int point_row(struct doc *d, const struct report_point *p)
{
	char c[13][REPORT_CELL];
	bool ci = p->ci95 && isfinite(p->mops.ci_lo) && isfinite(p->mops.ci_hi);
	struct verdict_candidate m = { p->lock, p->mops.median, ci ? p->mops.ci_lo : p->mops.min,
				       ci ? p->mops.ci_hi : p->mops.max };
	snprintf(c[1], sizeof c[1], "%u", p->permits);
	snprintf(c[2], sizeof c[2], "%u", p->threads);
	snprintf(c[3], sizeof c[3], "%s", report_regime_name(p->regime));
	snprintf(c[4], sizeof c[4], "%g / %g ns", p->cs_ns, p->ncs_ns);
	snprintf(c[5], sizeof c[5], "%u/%u", p->reps_ok, p->reps);
	report_fmt_with_spread(METRIC_MOPS, &m, ci, c[6], sizeof c[6]);
	char jain[32], mm[32] = "–", cv[32] = "–";
	report_fmt_metric(METRIC_FAIRNESS, p->fairness.median, jain, sizeof jain);
	if (isfinite(p->maxmin.median))
		snprintf(mm, sizeof mm, "%.3g", p->maxmin.median);
	if (isfinite(p->cv))
		snprintf(cv, sizeof cv, "%.3g", p->cv);
	snprintf(c[7], sizeof c[7], "%s, %s, %s", jain, mm, cv);
	report_fmt_ns(p->p50.median, c[8], sizeof c[8]);
	report_fmt_ns(p->p99.median, c[9], sizeof c[9]);
	report_fmt_ns(p->cpu.median, c[10], sizeof c[10]);
	/* The lock, the status and the note are the file's text, of any length: not copied. */
	char *flags = doc_strf("%s%s%s%s%s%s", p->disagree ? "disagree " : "",
			       p->noisy ? "noisy " : "", p->busy ? "busy " : "",
			       strcmp(p->status, "ok") ? p->status : "", p->floor ? "floor " : "",
			       report_point_flagged(p) || p->floor ? "" : "–");
	if (!flags)
		return -ENOMEM;
	const char *cells[13] = { p->lock, c[1], c[2], c[3], c[4],  c[5],  c[6],
				  c[7],    c[8], c[9], c[10], flags, p->note };
	char id[32];
	snprintf(id, sizeof id, "pt-%u", p->line); /* the summary's figures link here */
	doc_row_id(d, id, cells, 13, report_point_flagged(p));
	free(flags);
	return 0;
}

int report_points_section(struct doc *d, const struct report_set *s)
{
	static const char *const head[] = { "lock", "permits", "threads", "regime", "cs / ncs",
					    "reps ok", "throughput (spread)",
					    "fairness: Jain, max/min, cv", "p50",
					    "p99", "CPU / acquisition", "flags", "note" };
	const struct report_point **order = malloc((s->npts ? s->npts : 1) * sizeof *order);
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < s->npts; i++)
		order[i] = &s->pts[i];
	qsort(order, s->npts, sizeof *order, points_cmp);
	doc_table_start(d, "points", head, 13, 0);
	int rc = 0;
	for (size_t i = 0; i < s->npts && !rc; i++)
		rc = point_row(d, order[i]);
	doc_table_end(d);
	free(order);
	return rc;
}

/* --- the physical floor -------------------------------------------------------------------- */

struct floor_row {
	const char *lock;
	double median, min, max, half_rtt;
};

static int floor_cmp(const void *a, const void *b)
{
	const struct floor_row *x = a, *y = b;
	if (isnan(x->median) != isnan(y->median))
		return isnan(x->median) ? 1 : -1;
	return (x->median > y->median) - (x->median < y->median);
}

/* The rows, fastest handoff first, each against its floor. */
static void floor_table(struct doc *d, const struct floor_row *rows, size_t n)
{
	static const char *const head[] = { "lock", "handoff (median)", "min–max",
					    "floor: ½ c2c round trip", "× floor" };
	doc_table_start(d, NULL, head, 5, 0);
	for (size_t r = 0; r < n; r++) {
		char cells[5][REPORT_CELL];
		if (isnan(rows[r].median)) {
			snprintf(cells[1], sizeof cells[1], "not measured (no handoff in time)");
			cells[2][0] = '\0';
		} else {
			report_fmt_ns(rows[r].median, cells[1], sizeof cells[1]);
			char lo[64], hi[64];
			report_fmt_ns(rows[r].min, lo, sizeof lo);
			report_fmt_ns(rows[r].max, hi, sizeof hi);
			snprintf(cells[2], sizeof cells[2], "%s – %s", lo, hi);
		}
		if (isnan(rows[r].half_rtt))
			snprintf(cells[3], sizeof cells[3], "unavailable");
		else
			report_fmt_ns(rows[r].half_rtt, cells[3], sizeof cells[3]);
		if (isfinite(rows[r].median) && isfinite(rows[r].half_rtt) && rows[r].half_rtt > 0)
			snprintf(cells[4], sizeof cells[4], "%.1f×", rows[r].median / rows[r].half_rtt);
		else
			cells[4][0] = '\0';
		const char *row[5] = { rows[r].lock, cells[1], cells[2], cells[3], cells[4] };
		doc_row(d, row, 5, false);
	}
	doc_table_end(d);
}

/* Each lock's strict two-thread handoff next to half the c2c round trip probed just before it
 * (handoff.csv): how far the lock is from what the hardware allows. */
void report_floor_section(struct doc *d, const struct report_set *s)
{
	doc_heading(d, 2, "floor", "The physical floor: handoff cost vs the core-to-core round trip");
	char path[1200], err[512];
	snprintf(path, sizeof path, "%s/handoff.csv", s->dir);
	doc_para_start(d, "note");
	if (access(path, F_OK) != 0) {
		doc_text(d, "Not measured for this result set (no handoff.csv: the sweep ran with "
			"--no-probe, or it was interrupted before the end).");
		doc_para_end(d);
		return;
	}
	struct csv_table t;
	if (csv_read(path, "handoff", &t, err, sizeof err) != 0) {
		doc_textf(d, "Not shown: %s", err);
		doc_para_end(d);
		return;
	}
	if (t.nrows == 0) {
		doc_text(d, "Unavailable: only one CPU is allowed, so there is no pair to hand over "
			"between.");
		doc_para_end(d);
		csv_free(&t);
		return;
	}
	doc_text(d, "Handoff: half the round trip of a strict two-thread ping-pong through the lock "
		"(A releases, B acquires, B releases, A acquires …), pinned to two CPUs. Floor: half "
		"a core-to-core cache-line round trip between the same CPUs, probed just before each "
		"lock, because these machines switch between round-trip regimes within seconds. A "
		"lock that moves one line per handoff cannot beat the floor; its turn word and data "
		"make about 1.5–2× the floor the best seen in practice.");
	doc_para_end(d);
	int cl = csv_col(&t, "lock"), cm = csv_col(&t, "handoff_ns_median"),
	    cn = csv_col(&t, "handoff_ns_min"), cx = csv_col(&t, "handoff_ns_max"),
	    ch = csv_col(&t, "c2c_half_rtt_ns");
	struct floor_row *rows = calloc(t.nrows, sizeof *rows);
	if (cl < 0 || cm < 0 || cn < 0 || cx < 0 || ch < 0 || !rows) {
		doc_para_start(d, "note");
		doc_text(d, "Not shown: handoff.csv lacks the expected columns.");
		doc_para_end(d);
		free(rows);
		csv_free(&t);
		return;
	}
	for (size_t r = 0; r < t.nrows; r++) {
		doc_scrub(t.rows[r][cl]);
		rows[r].lock = t.rows[r][cl];
		if (csv_double(&t, r, cm, &rows[r].median, err, sizeof err) ||
		    csv_double(&t, r, cn, &rows[r].min, err, sizeof err) ||
		    csv_double(&t, r, cx, &rows[r].max, err, sizeof err) ||
		    csv_double(&t, r, ch, &rows[r].half_rtt, err, sizeof err))
			rows[r].median = rows[r].min = rows[r].max = rows[r].half_rtt = NAN;
	}
	qsort(rows, t.nrows, sizeof *rows, floor_cmp);
	floor_table(d, rows, t.nrows);
	free(rows);
	csv_free(&t);
}

