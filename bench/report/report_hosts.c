/* report_hosts.c — the report of a merged set of several hosts: a section per host (what
 * machine, how many points, whether its sweep is complete) and the "which lock on which
 * machine" table: for every regime and critical section, each host's throughput winner by the
 * tie rule of verdict.c (a winner only when its spread overlaps no other lock's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_doc.h"
#include "results/jsonread.h"

/* One host's meta.json (hosts/NAME/meta.json): a key, or "–". */
static void host_meta(const struct report_set *s, const char *host, const char *const *keys,
		      size_t nkeys, char out[][REPORT_CELL])
{
	char path[4096], err[256];
	struct json_flat j = { 0 };
	snprintf(path, sizeof path, "%s/hosts/%s/meta.json", s->dir, host);
	bool have = json_read_flat(path, &j, err, sizeof err) == 0;
	for (size_t k = 0; k < nkeys; k++) {
		const char *v = have ? json_get(&j, keys[k]) : NULL;
		snprintf(out[k], REPORT_CELL, "%s", v && *v ? v : "–");
		doc_scrub(out[k]);
	}
	if (have)
		json_free(&j);
}

/* The winner of one cell, or the tie, or "–" when the host did not measure it. */
static void winner_text(const struct verdict_cell *c, char *buf, size_t len)
{
	if (!c->threads || c->v.kind == VERDICT_NONE) {
		snprintf(buf, len, "–");
		return;
	}
	if (c->v.kind == VERDICT_WINNER) {
		snprintf(buf, len, "%s", c->cand[c->v.tied[0]].name);
		return;
	}
	size_t used = (size_t)snprintf(buf, len, "tie: ");
	for (size_t i = 0; i < c->v.ntied && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 c->cand[c->v.tied[i]].name);
}

int report_hosts_section(struct doc *d, const struct report_set *s)
{
	if (s->nhosts <= 1)
		return 0;
	doc_heading(d, 2, "hosts", "Hosts");
	doc_para_start(d, "note");
	doc_textf(d, "This set merges %zu hosts (lockbench merge). Every other section and the "
		  "plots are %s's; each host's own files are in hosts/NAME/ (meta.json, c2c.csv, "
		  "handoff.csv, summary.csv).", s->nhosts, s->hosts[0]);
	doc_para_end(d);
	static const char *const keys[] = { "meta.allowed_cpu_count", "meta.topology",
					    "meta.cpu_model", "meta.kernel", "sweep.complete" };
	const char *head[] = { "host", "CPUs", "topology", "CPU model", "kernel", "complete",
			       "points" };
	doc_table_start(d, "hosts", head, 7, 0);
	for (size_t h = 0; h < s->nhosts; h++) {
		char v[5][REPORT_CELL], npts[32];
		host_meta(s, s->hosts[h], keys, 5, v);
		snprintf(npts, sizeof npts, "%zu", s->host_n[h]);
		const char *cells[] = { s->hosts[h], v[0], v[1], v[2], v[3], v[4], npts };
		doc_row(d, cells, 7, false);
	}
	doc_table_end(d);

	doc_heading(d, 2, "which-lock-where", "Which lock on which machine");
	doc_para_start(d, "note");
	doc_text(d, "Throughput (Mops/s) winner per regime and critical section on each host, by "
		 "the tie rule of \"What wins where\": a lock is named only when its spread overlaps "
		 "no other lock's, else the tied locks are listed; – where the host did not "
		 "measure the cell.");
	doc_para_end(d);
	size_t ncols = s->nhosts + 2;
	const char **hhead = calloc(ncols, sizeof *hhead);
	const char **cells = calloc(ncols, sizeof *cells);
	char (*text)[REPORT_CELL] = calloc(s->nhosts, sizeof *text);
	struct verdict_cell *cell = malloc(sizeof *cell);
	int rc = hhead && cells && text && cell ? 0 : -ENOMEM;
	if (!rc) {
		hhead[0] = "critical section";
		hhead[1] = "regime";
		for (size_t h = 0; h < s->nhosts; h++)
			hhead[2 + h] = s->hosts[h];
		doc_table_start(d, "which-lock-where", hhead, ncols, 0);
	}
	for (size_t k = 0; k < s->ncs && !rc; k++)
		for (enum report_regime r = 0; r < REGIME_COUNT && !rc; r++) {
			bool any = false;
			for (size_t h = 0; h < s->nhosts && !rc; h++) {
				const struct report_point *pts = s->pts + s->host_start[h];
				if (verdict_cell_at(pts, s->host_n[h], r, s->cs[k], s->ncs_of[k],
						    METRIC_MOPS, cell) != 0) {
					rc = -EINVAL;
					break;
				}
				winner_text(cell, text[h], sizeof text[h]);
				any |= cell->threads != 0;
			}
			if (rc || !any)
				continue;
			char cs[64];
			if (s->cs[k] == 0 && s->ncs_of[k] == 0)
				snprintf(cs, sizeof cs, "0 ns, ncs 0 (lock cost)");
			else
				snprintf(cs, sizeof cs, "%g ns (ncs %g ns)", s->cs[k], s->ncs_of[k]);
			cells[0] = cs;
			cells[1] = report_regime_name(r);
			for (size_t h = 0; h < s->nhosts; h++)
				cells[2 + h] = text[h];
			doc_row(d, cells, ncols, false);
		}
	if (hhead && cells && text && cell)
		doc_table_end(d);
	free(hhead);
	free(cells);
	free(text);
	free(cell);
	return rc;
}
