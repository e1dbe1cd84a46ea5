/* exec_report.c — the which-lock set's summary.csv, its verdict, and report.html / report.md.
 *
 * The verdict is the sweep report's rule (report/verdict.c, verdict_decide): a lock is named the
 * winner only when its spread overlaps no other candidate's, else the result is a tie listing
 * every candidate that overlaps the best. The spread is what the sweep report uses too: the 95 %
 * CI of the median when there are enough ok runs for one (stats_ci95_median: 6 or more), else
 * min..max of the runs. Only ok runs count; failed and timed-out ones are listed apart, and a
 * lock with any run that failed or timed out is left out of the verdict (and named): a lock that
 * hangs the program two times in three is not a candidate, however fast its one good run was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec_set.h"
#include "report/doc.h"
#include "results/csvread.h"
#include "results/file.h"
#include "stats/stats.h"
#include "version.h"

static double judged(const struct exec_set *s, const struct exec_row *r)
{
	return s->metric_regex ? r->metric : r->run.wall_s;
}

int exec_set_summarize(const struct exec_set *s, struct exec_summary *sum, char *err,
		       size_t errlen)
{
	memset(sum, 0, sizeof *sum);
	double *v = malloc((s->nrows + 1) * 6 * sizeof *v);
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	double *w = v + s->nrows + 1, *u = w + s->nrows + 1, *y = u + s->nrows + 1;
	double *vc = y + s->nrows + 1, *ic = vc + s->nrows + 1;
	for (unsigned c = 0; c < s->ncand; c++) {
		size_t n = 0;
		for (size_t i = 0; i < s->nrows; i++) {
			const struct exec_row *r = &s->rows[i];
			if (strcmp(r->lock, s->cand[c]) != 0)
				continue;
			sum->runs[c]++;
			sum->timed_out[c] += r->run.timed_out;
			if (strcmp(r->status, "ok") != 0)
				continue;
			sum->ok[c]++;
			v[n] = judged(s, r);
			w[n] = r->run.wall_s, u[n] = r->run.user_s, y[n] = r->run.sys_s;
			vc[n] = (double)r->run.vcsw, ic[n] = (double)r->run.ivcsw;
			n++;
		}
		double lo, hi;
		sum->ci[c] = stats_ci95_median(v, n, &lo, &hi) == 0;
		sum->vc[c] = (struct verdict_candidate){
			.name = s->cand[c],
			.median = stats_median(v, n),
			.lo = sum->ci[c] ? lo : stats_min(v, n),
			.hi = sum->ci[c] ? hi : stats_max(v, n),
		};
		sum->wall[c] = stats_median(w, n), sum->user[c] = stats_median(u, n);
		sum->sys[c] = stats_median(y, n);
		sum->vcsw[c] = stats_median(vc, n), sum->ivcsw[c] = stats_median(ic, n);
	}
	free(v);
	struct verdict_candidate judged_vc[EXEC_MAX_CANDIDATES];
	for (unsigned c = 0; c < s->ncand; c++) {
		judged_vc[c] = sum->vc[c];
		if (sum->ok[c] < sum->runs[c])
			judged_vc[c].median = NAN; /* verdict_decide passes over it */
	}
	verdict_decide(judged_vc, s->ncand, s->higher_better ? VERDICT_HIGHER_BETTER
							     : VERDICT_LOWER_BETTER, &sum->v);

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		snprintf(err, errlen, "summary.csv: %s", strerror(errno));
		return -errno;
	}
	fputs(EXEC_SUMMARY_COLUMNS CSV_VERSION_HEADER "\n", f);
	for (unsigned c = 0; c < s->ncand; c++) {
		const struct verdict_candidate *k = &sum->vc[c];
		fprintf(f, "%s,%u,%u,%u,%u,%s", s->cand[c], sum->runs[c], sum->ok[c],
			sum->runs[c] - sum->ok[c], sum->timed_out[c],
			s->metric_regex ? "metric" : "wall_s");
		double mn = NAN, mx = NAN;
		for (size_t i = 0; i < s->nrows; i++)
			if (strcmp(s->rows[i].lock, s->cand[c]) == 0 &&
			    strcmp(s->rows[i].status, "ok") == 0) {
				double x = judged(s, &s->rows[i]);
				mn = isnan(mn) || x < mn ? x : mn;
				mx = isnan(mx) || x > mx ? x : mx;
			}
		const double out[] = { k->median, mn, mx, sum->ci[c] ? k->lo : NAN,
			sum->ci[c] ? k->hi : NAN, sum->wall[c], sum->user[c], sum->sys[c],
			sum->vcsw[c], sum->ivcsw[c] };
		for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
			fputc(',', f);
			if (isfinite(out[i]))
				fprintf(f, "%.9g", out[i]);
		}
		fputs(CSV_VERSION_FIELD "\n", f);
	}
	if (fclose(f) != 0) {
		free(text);
		snprintf(err, errlen, "summary.csv: out of memory");
		return -ENOMEM;
	}
	int rc = file_write_atomic(s->dir, "summary.csv", text, len);
	free(text);
	if (rc)
		snprintf(err, errlen, "writing %.900s/summary.csv: %s", s->dir, strerror(-rc));
	return rc;
}

void exec_verdict_sentence(const struct exec_set *s, const struct exec_summary *sum, char *buf,
			   size_t len)
{
	const struct verdict *v = &sum->v;
	if (v->kind == VERDICT_NONE) {
		snprintf(buf, len, "no verdict: no lock has a run that finished ok");
		return;
	}
	if (v->kind == VERDICT_WINNER) {
		snprintf(buf, len, "the winner is %s (its spread overlaps no other lock's)",
			 s->cand[v->tied[0]]);
		return;
	}
	int w = snprintf(buf, len, "a tie between");
	for (size_t i = 0; i < v->ntied && w > 0 && (size_t)w < len; i++)
		w += snprintf(buf + w, len - (size_t)w, "%s%s", i ? ", " : " ",
			      s->cand[v->tied[i]]);
	if (w > 0 && (size_t)w < len)
		snprintf(buf + w, len - (size_t)w, " (their spreads overlap; %s has the best median)",
			 s->cand[v->tied[0]]);
}

void exec_verdict_left_out(const struct exec_set *s, const struct exec_summary *sum, char *buf,
			   size_t len)
{
	int w = 0;
	buf[0] = '\0';
	for (unsigned c = 0; c < s->ncand && w >= 0 && (size_t)w < len; c++)
		if (sum->ok[c] < sum->runs[c])
			w += snprintf(buf + w, len - (size_t)w, "%s%s (%u of %u runs failed or timed out)",
				      w ? ", " : "", s->cand[c], sum->runs[c] - sum->ok[c],
				      sum->runs[c]);
}

static void fmt(char *buf, size_t len, const char *f, double v)
{
	if (isfinite(v))
		snprintf(buf, len, f, v);
	else
		snprintf(buf, len, "–");
}

/* PROG ARGS… joined by spaces (malloc'd; NULL when out of memory). */
static char *command_line(const struct exec_set *s)
{
	size_t len = 1;
	for (int i = 0; i < s->argc; i++)
		len += strlen(s->argv[i]) + 1;
	char *cmd = malloc(len), *p = cmd;
	for (int i = 0; cmd && i < s->argc; i++)
		p += sprintf(p, "%s%s", i ? " " : "", s->argv[i]);
	if (cmd)
		*p = '\0';
	return cmd;
}

static void document(struct doc *d, const struct exec_set *s, const struct exec_summary *sum)
{
	char line[1024];
	const char *what = s->metric_regex ? "the --metric value" : "wall seconds";
	if (d->html) {
		doc_raw(d, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
			   "<title>lockbench exec: ");
		doc_text(d, s->argv[0]);
		doc_raw(d, "</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:auto;"
			   "padding:0 1em}table{border-collapse:collapse;font-size:13px}"
			   "th,td{border:1px solid #ccc;padding:3px 7px}th{background:#f2f2f2}"
			   "tr.flag td{background:#fff4cc}.note{color:#555;font-size:13px}"
			   "</style>\n</head><body>\n<h1>Which lock for ");
		doc_text(d, s->argv[0]);
		doc_raw(d, "</h1>\n");
	} else {
		doc_raw(d, "# Which lock for ");
		doc_text(d, s->argv[0]);
		doc_raw(d, "\n\n");
	}
	char *cmd = command_line(s);
	doc_para_start(d, NULL);
	doc_textf(d, "Command: " DOC_CODE "%s" DOC_CODE " (%s). %u repetitions of each lock, the "
		  "order shuffled in each with seed %llu; judged by %s (%s is better).",
		  cmd ? cmd : "?", s->program, s->reps, (unsigned long long)s->seed, what,
		  s->higher_better ? "higher" : "lower");
	if (s->metric_regex)
		doc_textf(d, " --metric: " DOC_CODE "%s" DOC_CODE " on %s.", s->metric_regex,
			  s->metric_stderr ? "stderr" : "stdout");
	doc_para_end(d);
	free(cmd);
	size_t total = (size_t)s->ncand * s->reps;
	if (s->nrows < total) {
		doc_para_start(d, "warn");
		doc_textf(d, "Incomplete: %zu of %zu runs are done (lockbench exec --resume finishes "
			  "the set).", s->nrows, total);
		doc_para_end(d);
	}
	exec_verdict_sentence(s, sum, line, sizeof line);
	doc_heading(d, 2, "verdict", "Verdict");
	doc_para_start(d, NULL);
	doc_textf(d, DOC_B "For this program, %s." DOC_B, line);
	exec_verdict_left_out(s, sum, line, sizeof line);
	if (line[0])
		doc_textf(d, " Left out of the verdict, since the program did not finish ok under "
			     "them every time: %s.", line);
	doc_para_end(d);
	doc_para_start(d, "note");
	doc_text(d, "The sweep report's rule: a lock wins only when its spread (the 95 % CI of the "
		 "median with 6 or more ok runs, else min–max) overlaps no other lock's; otherwise "
		 "every lock overlapping the best is listed as a tie. glibc is the program's own "
		 "mutex, under the same preload library.");
	doc_para_end(d);

	doc_heading(d, 2, "locks", "Per lock");
	static const char *const head[] = { "lock", "ok / runs", "median", "spread", "wall s",
		"user s", "sys s", "vcsw", "ivcsw" };
	doc_table_start(d, NULL, head, 9, 0x1feu);
	for (unsigned c = 0; c < s->ncand; c++) {
		char cell[8][64];
		snprintf(cell[0], 64, "%u / %u", sum->ok[c], sum->runs[c]);
		fmt(cell[1], 64, "%.6g", sum->vc[c].median);
		if (isfinite(sum->vc[c].lo))
			snprintf(cell[2], 64, "%s %.6g–%.6g", sum->ci[c] ? "CI" : "min–max",
				 sum->vc[c].lo, sum->vc[c].hi);
		else
			snprintf(cell[2], 64, "–");
		fmt(cell[3], 64, "%.3f", sum->wall[c]);
		fmt(cell[4], 64, "%.3f", sum->user[c]);
		fmt(cell[5], 64, "%.3f", sum->sys[c]);
		fmt(cell[6], 64, "%.0f", sum->vcsw[c]);
		fmt(cell[7], 64, "%.0f", sum->ivcsw[c]);
		const char *row[] = { s->cand[c], cell[0], cell[1], cell[2], cell[3], cell[4],
			cell[5], cell[6], cell[7] };
		doc_row(d, row, 9, sum->ok[c] < sum->runs[c]);
	}
	doc_table_end(d);

	doc_heading(d, 2, "runs", "Every run");
	static const char *const rhead[] = { "lock", "rep", "order", "wall s", "metric", "status",
		"note" };
	doc_table_start(d, NULL, rhead, 7, 0x1eu);
	for (size_t i = 0; i < s->nrows; i++) {
		const struct exec_row *r = &s->rows[i];
		char rep[16], ord[16], wall[32], met[32];
		snprintf(rep, sizeof rep, "%u", r->rep);
		snprintf(ord, sizeof ord, "%u", r->order);
		fmt(wall, sizeof wall, "%.3f", r->run.wall_s);
		fmt(met, sizeof met, "%.6g", r->metric);
		const char *row[] = { r->lock, rep, ord, wall, met, r->status, r->note };
		doc_row(d, row, 7, strcmp(r->status, "ok") != 0);
	}
	doc_table_end(d);
	doc_para_start(d, "note");
	doc_textf(d, "Written by lockbench %s exec from results.csv, summary.csv and meta.json "
		  "beside this file (docs/EXEC.md).", LB_VERSION);
	doc_para_end(d);
	if (d->html)
		doc_raw(d, "</body></html>\n");
}

static int write_one(const struct exec_set *s, const struct exec_summary *sum, bool html,
		     char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		snprintf(err, errlen, "report: %s", strerror(errno));
		return -errno;
	}
	struct doc d;
	doc_init(&d, f, html, DOC_MD_PROSE);
	document(&d, s, sum);
	int rc = doc_finish(&d);
	if (fclose(f) != 0 && !rc)
		rc = -ENOMEM;
	const char *name = html ? "report.html" : "report.md";
	if (!rc)
		rc = file_write_atomic(s->dir, name, text, len);
	free(text);
	if (rc)
		snprintf(err, errlen, "writing %.900s/%s: %s", s->dir, name, strerror(-rc));
	return rc;
}

int exec_set_report(const struct exec_set *s, const struct exec_summary *sum, char *err,
		    size_t errlen)
{
	int rc = write_one(s, sum, true, err, errlen);
	return rc ? rc : write_one(s, sum, false, err, errlen);
}
