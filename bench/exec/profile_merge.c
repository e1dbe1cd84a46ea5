/* profile_merge.c — one row per mutex of each process, its threads' records added up.
 *
 * A mutex is a READY mutex slot of one process. Its records (one per thread that used it) are
 * summed, maxima taken, histograms added bucket-wise; percentiles come from the merged
 * histogram. Mutexes of different processes are never merged, even at one address (a forked
 * child's copy is a different lock from then on; an exec'd child's is a stranger). A record
 * naming a mutex or thread index outside the file's arrays, or a mutex slot with impossible
 * contents, is corruption: the file is refused. A READY record whose mutex or thread slot was
 * claimed but never made READY (the writer killed between the two) is counted as an orphan and
 * reported, not merged.
 */
#include "exec/profile_model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
void profile_counts_add_record(struct profile_counts *c, const struct lbp_record *r)
{
	c->acquisitions += r->acquisitions;
	c->contended += r->contended;
	c->handoffs += r->handoffs;
	c->trylock_busy += r->trylock_busy;
	c->timeouts += r->timeouts;
	c->cond_waits += r->cond_waits;
	c->cond_signals += r->cond_signals;
	c->cond_broadcasts += r->cond_broadcasts;
	c->bad_unlocks += r->bad_unlocks;
	c->wait_total_ns += r->wait_total_ns;
	c->hold_total_ns += r->hold_total_ns;
	if (r->wait_max_ns > c->wait_max_ns)
		c->wait_max_ns = r->wait_max_ns;
	if (r->hold_max_ns > c->hold_max_ns)
		c->hold_max_ns = r->hold_max_ns;
	for (unsigned b = 0; b < LBP_HIST_BUCKETS; b++) {
		c->wait_hist[b] += r->wait_hist[b];
		c->hold_hist[b] += r->hold_hist[b];
	}
}

void profile_counts_add(struct profile_counts *c, const struct profile_counts *o)
{
	c->acquisitions += o->acquisitions;
	c->contended += o->contended;
	c->handoffs += o->handoffs;
	c->trylock_busy += o->trylock_busy;
	c->timeouts += o->timeouts;
	c->cond_waits += o->cond_waits;
	c->cond_signals += o->cond_signals;
	c->cond_broadcasts += o->cond_broadcasts;
	c->bad_unlocks += o->bad_unlocks;
	c->wait_total_ns += o->wait_total_ns;
	c->hold_total_ns += o->hold_total_ns;
	if (o->wait_max_ns > c->wait_max_ns)
		c->wait_max_ns = o->wait_max_ns;
	if (o->hold_max_ns > c->hold_max_ns)
		c->hold_max_ns = o->hold_max_ns;
	for (unsigned b = 0; b < LBP_HIST_BUCKETS; b++) {
		c->wait_hist[b] += o->wait_hist[b];
		c->hold_hist[b] += o->hold_hist[b];
	}
}

bool profile_hist_percentile(const uint64_t *hist, unsigned permille, uint64_t *low_ns)
{
	uint64_t n = 0;
	for (unsigned b = 0; b < LBP_HIST_BUCKETS; b++)
		n += hist[b];
	if (n == 0)
		return false;
	/* ceil(n * permille / 1000) in two parts, so that no product can overflow. */
	uint64_t rank = n / 1000 * permille + ((n % 1000) * permille + 999) / 1000;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < LBP_HIST_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= rank) {
			*low_ns = lbp_bucket_low(b);
			return true;
		}
	}
	*low_ns = lbp_bucket_low(LBP_HIST_BUCKETS - 1); /* not reached: seen ends at n */
	return true;
}

const char *profile_kind_name(uint32_t kind)
{
	switch (kind) {
	case LBP_KIND_NORMAL: return "normal";
	case LBP_KIND_RECURSIVE: return "recursive";
	case LBP_KIND_ERRORCHECK: return "errorcheck";
	case LBP_KIND_ADAPTIVE: return "adaptive";
	case LBP_KIND_SPINLOCK: return "spinlock";
	}
	return NULL;
}

static const struct {
	uint32_t bit;
	const char *name;
} flag_names[] = {
	{ LBP_PASSTHROUGH, "passthrough" }, { LBP_PSHARED, "pshared" },
	{ LBP_ROBUST, "robust" },           { LBP_PRIO, "prio" },
	{ LBP_STATIC, "static" },           { LBP_SITE_TRUNCATED, "site_truncated" },
};

#define FLAGS_KNOWN (LBP_PASSTHROUGH | LBP_PSHARED | LBP_ROBUST | LBP_PRIO | LBP_STATIC | \
		     LBP_SITE_TRUNCATED)

void profile_flags_text(uint32_t flags, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++) {
		if (!(flags & flag_names[i].bit))
			continue;
		int n = snprintf(buf + at, len - at, "%s%s", at ? " " : "", flag_names[i].name);
		if (n < 0 || (size_t)n >= len - at)
			return;
		at += (size_t)n;
	}
}

/* The header's fixed-size strings, which a killed or hostile writer may not have terminated. */
static void copy_text(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)dst[i] < 0x20)
			dst[i] = '?'; /* a control character must not break a CSV row or a table line */
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int profile_merge_file(struct profile_set *s, const struct profile_file *f, char *err,
		       size_t errlen)
{
	const struct lbp_header *h = f->h;
	size_t first = s->nrows;
	struct profile_proc *procs = realloc(s->procs, (s->nprocs + 1) * sizeof *procs);
	if (!procs)
		goto nomem;
	s->procs = procs;
	struct profile_proc *p = &procs[s->nprocs];
	memset(p, 0, sizeof *p);
	snprintf(p->file, sizeof p->file, "%s", f->path);
	p->pid = h->pid;
	p->ppid = h->ppid;
	copy_text(p->exe, sizeof p->exe, h->exe, sizeof h->exe);
	copy_text(p->lock, sizeof p->lock, h->lock, sizeof h->lock);
	p->start_ns = h->start_ns;
	p->end_ns = atomic_load_explicit(&h->end_ns, memory_order_relaxed); /* writer is dead */
	p->mutex_cap = h->mutex_cap;
	p->thread_cap = h->thread_cap;
	p->record_cap = h->record_cap;
	p->dropped_mutexes = atomic_load_explicit(&h->dropped_mutexes, memory_order_relaxed);
	p->dropped_threads = atomic_load_explicit(&h->dropped_threads, memory_order_relaxed);
	p->dropped_records = atomic_load_explicit(&h->dropped_records, memory_order_relaxed);

	/* Slot index → row index (or -1 when the slot is not READY). */
	long *row_of = malloc(((size_t)f->nmutexes + 1) * sizeof *row_of);
	bool *thread_ready = calloc((size_t)f->nthreads + 1, sizeof *thread_ready);
	/* (mutex slot << 32 | thread slot) per merged record, to count distinct threads. */
	uint64_t *pairs = malloc(((size_t)f->nrecords + 1) * sizeof *pairs);
	size_t npairs = 0;
	if (!row_of || !thread_ready || !pairs)
		goto nomem_free;
	for (uint32_t i = 0; i < f->nthreads; i++) {
		/* acquire: pairs with the writer's release store of READY, after the slot's fields. */
		if (atomic_load_explicit(&f->threads[i].state, memory_order_acquire) == LBP_SLOT_READY) {
			thread_ready[i] = true;
			p->threads++;
		} else {
			p->unready++;
		}
	}
	for (uint32_t i = 0; i < f->nmutexes; i++) {
		const struct lbp_mutex *m = &f->mutexes[i];
		row_of[i] = -1;
		/* acquire: pairs with the writer's release store of READY (profile_format.h). */
		if (atomic_load_explicit(&m->state, memory_order_acquire) != LBP_SLOT_READY) {
			p->unready++;
			continue;
		}
		if (!profile_kind_name(m->kind) || (m->flags & ~(uint32_t)FLAGS_KNOWN) ||
		    m->nframes > LBP_FRAMES) {
			snprintf(err, errlen,
				 "%s: corrupt: mutex slot %u has kind %u, flags 0x%x, %u frames (at most "
				 "kind %u, flags 0x%x, %u frames)",
				 f->path, i, m->kind, m->flags, m->nframes, (unsigned)LBP_KIND_SPINLOCK,
				 (unsigned)FLAGS_KNOWN, (unsigned)LBP_FRAMES);
			goto fail;
		}
		if (s->nrows == s->rows_cap) { /* doubling: a process may hold 65536 mutexes */
			size_t cap = s->rows_cap ? 2 * s->rows_cap : 64;
			struct profile_row *rows = realloc(s->rows, cap * sizeof *rows);
			if (!rows)
				goto nomem_free;
			s->rows = rows;
			s->rows_cap = cap;
		}
		struct profile_row *r = &s->rows[s->nrows];
		memset(r, 0, sizeof *r);
		r->proc = s->nprocs;
		r->pid = h->pid;
		r->addr = m->addr;
		r->kind = m->kind;
		r->flags = m->flags;
		r->nframes = m->nframes;
		memcpy(r->site, m->site, sizeof r->site);
		row_of[i] = (long)s->nrows++;
		p->mutexes++;
	}
	for (uint32_t i = 0; i < f->nrecords; i++) {
		const struct lbp_record *rec = &f->records[i];
		/* acquire: pairs with the writer's release store of READY. */
		if (atomic_load_explicit(&rec->state, memory_order_acquire) != LBP_SLOT_READY) {
			p->unready++;
			continue;
		}
		if (rec->mutex >= f->nmutexes || rec->thread >= f->nthreads) {
			snprintf(err, errlen,
				 "%s: corrupt: record %u names mutex %u and thread %u, but the file "
				 "holds %u mutexes and %u threads",
				 f->path, i, rec->mutex, rec->thread, f->nmutexes, f->nthreads);
			goto fail;
		}
		if (row_of[rec->mutex] < 0 || !thread_ready[rec->thread]) {
			p->orphans++;
			continue;
		}
		profile_counts_add_record(&s->rows[row_of[rec->mutex]].c, rec);
		pairs[npairs++] = (uint64_t)rec->mutex << 32 | rec->thread;
		p->records++;
	}
	qsort(pairs, npairs, sizeof *pairs, cmp_u64);
	for (size_t i = 0; i < npairs; i++)
		if (i == 0 || pairs[i] != pairs[i - 1])
			s->rows[row_of[pairs[i] >> 32]].threads++;
	for (size_t i = first; i < s->nrows; i++)
		profile_counts_add(&p->totals, &s->rows[i].c);
	s->nprocs++;
	free(row_of);
	free(thread_ready);
	free(pairs);
	return 0;

nomem_free:
	snprintf(err, errlen, "%s: out of memory", f->path);
fail:
	for (size_t i = first; i < s->nrows; i++)
		free(s->rows[i].site_text);
	s->nrows = first;
	free(row_of);
	free(thread_ready);
	free(pairs);
	return -1;
nomem:
	snprintf(err, errlen, "%s: out of memory", f->path);
	return -1;
}

/* Most waited-for first; ties broken so that the order never depends on qsort's whims. */
static int cmp_rows(const void *a, const void *b)
{
	const struct profile_row *x = a, *y = b;
	if (x->c.wait_total_ns != y->c.wait_total_ns)
		return x->c.wait_total_ns > y->c.wait_total_ns ? -1 : 1;
	if (x->c.contended != y->c.contended)
		return x->c.contended > y->c.contended ? -1 : 1;
	if (x->c.acquisitions != y->c.acquisitions)
		return x->c.acquisitions > y->c.acquisitions ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->proc < y->proc ? -1 : x->proc > y->proc;
}

static int warn(struct profile_set *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int warn(struct profile_set *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	char **w = realloc(s->warnings, (s->nwarnings + 1) * sizeof *w);
	if (!w)
		return -ENOMEM;
	s->warnings = w;
	if (!(w[s->nwarnings] = strdup(line)))
		return -ENOMEM;
	s->nwarnings++;
	return 0;
}

int profile_finish(struct profile_set *s)
{
	if (s->nrows) /* rows is NULL when there are none, and qsort(NULL, 0) is undefined */
		qsort(s->rows, s->nrows, sizeof *s->rows, cmp_rows);
	memset(&s->totals, 0, sizeof s->totals);
	int rc = 0;
	/* Files come in (pid, image) order: an image followed by another of its pid was replaced by
	 * exec, which runs no exit handlers either, but is no death to warn about. */
	for (unsigned i = 0; i + 1 < s->nprocs; i++)
		s->procs[i].replaced_by_exec = s->procs[i].end_ns == 0 &&
					       s->procs[i + 1].pid == s->procs[i].pid;
	for (unsigned i = 0; i < s->nprocs && rc == 0; i++) {
		const struct profile_proc *p = &s->procs[i];
		profile_counts_add(&s->totals, &p->totals);
		if (p->dropped_mutexes || p->dropped_threads || p->dropped_records)
			rc = warn(s,
				  "pid %d (%s): dropped %llu mutexes, %llu threads, %llu records for lack "
				  "of slots (capacities %u, %u, %u): their events are missing from this "
				  "profile",
				  p->pid, p->exe, (unsigned long long)p->dropped_mutexes,
				  (unsigned long long)p->dropped_threads,
				  (unsigned long long)p->dropped_records, p->mutex_cap, p->thread_cap,
				  p->record_cap);
		if (rc == 0 && p->end_ns == 0 && !p->replaced_by_exec)
			rc = warn(s,
				  "pid %d (%s): ended without exit handlers (_exit or killed): its counts "
				  "stop where it died, a lock held then has no hold time",
				  p->pid, p->exe);
		if (rc == 0 && p->unready)
			rc = warn(s,
				  "pid %d (%s): %u slots were claimed but never completed (the process "
				  "died mid-claim): skipped",
				  p->pid, p->exe, p->unready);
		if (rc == 0 && p->orphans)
			rc = warn(s,
				  "pid %d (%s): %u records name a mutex or thread whose slot was never "
				  "completed: skipped",
				  p->pid, p->exe, p->orphans);
	}
	return rc;
}

void profile_set_free(struct profile_set *s)
{
	for (size_t i = 0; i < s->nrows; i++)
		free(s->rows[i].site_text);
	for (size_t i = 0; i < s->nwarnings; i++)
		free(s->warnings[i]);
	free(s->rows);
	free(s->procs);
	free(s->warnings);
	memset(s, 0, sizeof *s);
}
