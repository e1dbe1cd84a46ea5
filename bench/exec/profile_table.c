/* profile_table.c — what a person reads after `lockbench exec --profile`: the processes, the
 * top-N mutexes by total wait time, the totals, the mutexes left to glibc, and every warning
 * (dropped events, processes that died without exit handlers) — never hidden.
 */
#include "exec/profile_model.h"

#include <inttypes.h>
#include <string.h>

#include "results/obuf.h"

/* "0 ns", "812 ns", "1.25 us", "3.40 ms", "1.234 s": width-stable enough for a column. */
static const char *fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.2f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	return buf;
}

static const char *fmt_pct_ns(char *buf, size_t len, const uint64_t *hist, unsigned permille)
{
	uint64_t v;
	if (!profile_hist_percentile(hist, permille, &v))
		return "-";
	return fmt_ns(buf, len, v);
}

static void table_row(struct obuf *b, const char *label, const char *pid, const char *mutex,
		      const char *kind, const struct profile_counts *c, unsigned threads,
		      const char *site)
{
	char wt[32], wm[32], w99[32], ht[32], h99[32], pct[16];
	if (c->acquisitions)
		snprintf(pct, sizeof pct, "%.2f%%", /* two decimals: 300 of 800000 is not 0.0% */
			 100.0 * (double)c->contended / (double)c->acquisitions);
	else
		snprintf(pct, sizeof pct, "-");
	ob_printf(b, "%4s %7s %-14s %-10s %10" PRIu64 " %7s %11s %10s %10s %11s %10s %4u  %s\n",
		  label, pid, mutex, kind, c->acquisitions, pct,
		  fmt_ns(wt, sizeof wt, c->wait_total_ns), fmt_ns(wm, sizeof wm, c->wait_max_ns),
		  fmt_pct_ns(w99, sizeof w99, c->wait_hist, 990),
		  fmt_ns(ht, sizeof ht, c->hold_total_ns),
		  fmt_pct_ns(h99, sizeof h99, c->hold_hist, 990), threads, site);
}

static size_t count_passthrough(const struct profile_set *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nrows; i++)
		n += (s->rows[i].flags & LBP_PASSTHROUGH) != 0;
	return n;
}

#define TABLE_PROCS_SHOWN 20u
#define TABLE_PASSTHROUGH_SHOWN 20u

int profile_print_table(const struct profile_set *s, const struct profile_meta *meta,
			unsigned top, FILE *out)
{
	struct obuf b = { 0 };
	unsigned threads = 0;
	for (unsigned i = 0; i < s->nprocs; i++)
		threads += s->procs[i].threads;
	size_t npass = count_passthrough(s);
	const char *lock = meta && meta->lock && meta->lock[0] ? meta->lock
			   : s->nprocs && s->procs[0].lock[0] ? s->procs[0].lock
							       : "glibc";
	ob_printf(&b, "profile: %u process%s, %zu mutexes (%zu passed through to glibc), %u threads; "
		      "lock: %s\n",
		  s->nprocs, s->nprocs == 1 ? "" : "es", s->nrows, npass, threads, lock);
	for (unsigned i = 0; i < s->nprocs && i < TABLE_PROCS_SHOWN; i++) {
		const struct profile_proc *p = &s->procs[i];
		ob_printf(&b, "  pid %d (parent %d) %s: %u mutexes, %u threads%s\n", p->pid, p->ppid,
			  p->exe, p->mutexes, p->threads,
			  p->end_ns		 ? ""
			  : p->replaced_by_exec ? "; replaced by exec (the next file of this pid)"
						: "; ended without exit handlers (_exit or killed)");
	}
	if (s->nprocs > TABLE_PROCS_SHOWN)
		ob_printf(&b, "  ... and %u more processes (profile.json)\n",
			  s->nprocs - TABLE_PROCS_SHOWN);

	size_t shown = top < s->nrows ? top : s->nrows;
	if (shown) {
		ob_printf(&b, "top %zu of %zu mutexes by total wait time (all in profile.csv):\n", shown,
			  s->nrows);
		ob_printf(&b, "%4s %7s %-14s %-10s %10s %7s %11s %10s %10s %11s %10s %4s  %s\n", "#",
			  "pid", "mutex", "kind", "acquired", "contd", "wait total", "wait max",
			  "wait p99", "hold total", "hold p99", "thr", "call site");
	}
	for (size_t i = 0; i < shown; i++) {
		const struct profile_row *r = &s->rows[i];
		char rank[16], pid[16], addr[32], kind[32];
		snprintf(rank, sizeof rank, "%zu", i + 1);
		snprintf(pid, sizeof pid, "%d", r->pid);
		snprintf(addr, sizeof addr, "0x%" PRIx64, r->addr);
		snprintf(kind, sizeof kind, "%s%s", profile_kind_name(r->kind),
			 r->flags & LBP_PASSTHROUGH ? "*" : "");
		table_row(&b, rank, pid, addr, kind, &r->c, r->threads,
			  r->site_text && r->site_text[0] ? r->site_text : "(no call site recorded)");
	}
	table_row(&b, "all", "", "", "", &s->totals, threads, "");
	if (npass) {
		ob_printf(&b, "passed through to glibc (*: counted, not replaced):\n");
		size_t listed = 0;
		char flags[128];
		for (size_t i = 0; i < s->nrows && listed < TABLE_PASSTHROUGH_SHOWN; i++) {
			const struct profile_row *r = &s->rows[i];
			if (!(r->flags & LBP_PASSTHROUGH))
				continue;
			profile_flags_text(r->flags & ~(uint32_t)LBP_PASSTHROUGH, flags, sizeof flags);
			ob_printf(&b, "  pid %d mutex 0x%" PRIx64 " (%s): %s\n", r->pid, r->addr,
				  flags[0] ? flags : "no reason recorded",
				  r->site_text && r->site_text[0] ? r->site_text : "(no call site)");
			listed++;
		}
		if (npass > listed)
			ob_printf(&b, "  ... and %zu more (profile.csv, flags column)\n", npass - listed);
	}
	for (size_t i = 0; i < s->nwarnings; i++)
		ob_printf(&b, "warning: %s\n", s->warnings[i]);
	return ob_flush(&b, out);
}
