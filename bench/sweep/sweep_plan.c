/* sweep_plan.c — what a sweep runs: the default thread counts and critical sections, the list
 * of points, and the shuffled order of each repetition. Its options are cli/cmd_sweep.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/plugin.h"
#include "sweep/sweep.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return (x > y) - (x < y);
}

/* 1 .. CPUs on small machines, powers of two in between on large ones, then CPUs + 1 and
 * 2 × CPUs so oversubscription is always in the picture; --quick keeps 1, CPUs, 2 × CPUs. */
void sweep_default_threads(struct sweep_opts *o, unsigned ncpus)
{
	unsigned *t = o->threads, n = 0;
	t[n++] = 1;
	if (!o->quick) {
		if (ncpus <= 8)
			for (unsigned i = 2; i <= ncpus; i++)
				t[n++] = i;
		else
			for (unsigned i = 2; i < ncpus && n < MAX_SWEEP_THREADS - 3; i *= 2)
				t[n++] = i;
	}
	t[n++] = ncpus;
	if (!o->quick)
		t[n++] = ncpus + 1;
	t[n++] = 2 * ncpus > LB_MAX_THREADS ? LB_MAX_THREADS : 2 * ncpus;
	qsort(t, n, sizeof *t, cmp_unsigned);
	unsigned u = 0;
	for (unsigned i = 0; i < n; i++)
		if (u == 0 || t[u - 1] != t[i])
			t[u++] = t[i];
	o->nthreads = u;
}

/* Each family's classic and its best candidates (docs/PERFORMANCE.md): what "which lock?" is
 * usually between. The rest (semaphores, reentrant and recursive mutexes, the array and
 * partitioned tickets, the other references) are one `--locks all` away; the rwlocks are swept
 * only with --read-pct (then `all` means every rwlock, with pthread-mutex as the baseline). 18 locks: 1 thread to 2 × CPUs on 2 CPUs ends in about 2 minutes. */
const char *const sweep_default_locks[] = {
	"pthread-mutex", "pthread-adaptive", "futex", "futex-spin", "futex-osq",  /* sleeping */
	"pthread-spin", "tas", "ttas",                                            /* spinning */
	"ticket", "mcs", "clh", "qspinlock", "hemlock", "reciprocating",          /* fifo queue */
	"mcs-park", "bounded-park",                       /* fifo queue that parks: oversubscription */
	"cna",                                                                    /* numa */
	"ck-mcs",                                                                 /* reference */
	NULL,
};

void sweep_point_key(char *buf, size_t len, const char *lock, unsigned permits, unsigned threads,
		     unsigned long long cs_ns, unsigned long long ncs_ns)
{
	snprintf(buf, len, "%s/%u/%u/%llu/%llu", lock, permits, threads, cs_ns, ncs_ns);
}

void sweep_normalize_key(char *buf, size_t len, const char *key, const char *ncs_ns)
{
	size_t slashes = 0;
	for (const char *c = key; *c; c++)
		slashes += *c == '/';
	if (slashes == 3)
		snprintf(buf, len, "%s/%s", key, ncs_ns);
	else
		snprintf(buf, len, "%s", key);
}

size_t sweep_max_points(const struct sweep_opts *o)
{
	/* Two permits variants per lock; lock-cost: two thread counts per lock and for null. */
	return (size_t)o->nlocks * 2 * o->ncs * o->nthreads + ((size_t)o->nlocks + 1) * 2;
}

static void add_point(struct sweep_point *pts, size_t *n, const struct lb_lock_ops *ops,
		      unsigned permits, unsigned threads, uint64_t cs_ns, uint64_t ncs_ns,
		      const struct sweep_opts *o, bool lock_cost)
{
	char key[sizeof pts->key];
	sweep_point_key(key, sizeof key, ops->name, permits, threads, (unsigned long long)cs_ns,
			(unsigned long long)ncs_ns);
	/* A user's own --cs 0 --ncs 0 point is already the lock-cost point: run it once. */
	for (size_t i = 0; i < *n; i++)
		if (strcmp(pts[i].key, key) == 0)
			return;
	struct sweep_point *p = &pts[(*n)++];
	p->lock = ops;
	p->permits = permits;
	p->threads = threads;
	p->cs_ns = cs_ns;
	p->ncs_ns = ncs_ns;
	p->lock_cost = lock_cost;
	/* Never longer than the user asked for: --duration 5ms stays a 5 ms sweep. */
	p->duration_ns = lock_cost && o->duration_ns > SWEEP_LOCK_COST_DURATION_NS
				 ? SWEEP_LOCK_COST_DURATION_NS : o->duration_ns;
	p->warmup_ns = lock_cost && o->warmup_ns > SWEEP_LOCK_COST_WARMUP_NS
			       ? SWEEP_LOCK_COST_WARMUP_NS : o->warmup_ns;
	snprintf(p->key, sizeof p->key, "%s", key);
}

size_t sweep_build_points(const struct sweep_opts *o, struct sweep_point *pts)
{
	size_t n = 0;
	for (unsigned li = 0; li < o->nlocks; li++) {
		const struct lb_lock_ops *ops = o->locks[li];
		unsigned variants[2] = { 1, o->permits };
		unsigned nvar = (o->permits > 1 && (ops->props & LB_COUNTING)) ? 2 : 1;
		for (unsigned v = 0; v < nvar; v++)
			for (unsigned ci = 0; ci < o->ncs; ci++)
				for (unsigned ti = 0; ti < o->nthreads; ti++)
					add_point(pts, &n, ops, variants[v], o->threads[ti],
						  o->cs_ns[ci], o->ncs_ns, o, false);
	}
	if (o->no_lock_cost)
		return n;
	/* At most the harness's thread limit, as for the default thread counts: a 200-CPU box
	 * still gets its lock-cost points rather than a refused plan. */
	unsigned cost_n = o->ncpus ? o->ncpus : 1;
	unsigned cost_threads[2] = { 1, cost_n > LB_MAX_THREADS ? LB_MAX_THREADS : cost_n };
	unsigned ncost = cost_threads[1] > 1 ? 2 : 1;
	const struct lb_lock_ops *floor_ops = NULL;
	for (size_t i = 0; lockset_at(i) && !floor_ops; i++)
		if (lockset_at(i)->props & LB_NOT_A_LOCK)
			floor_ops = lockset_at(i);
	for (unsigned li = 0; li <= o->nlocks; li++) {
		const struct lb_lock_ops *ops = li < o->nlocks ? o->locks[li] : floor_ops;
		if (!ops)
			continue;
		for (unsigned ti = 0; ti < ncost; ti++)
			add_point(pts, &n, ops, 1, cost_threads[ti], 0, 0, o, true);
	}
	return n;
}

double sweep_estimate_ns(const struct sweep_point *pts, size_t npts, unsigned reps,
			 const unsigned char *done)
{
	double ns = 0;
	for (size_t i = 0; i < npts; i++)
		for (unsigned r = 0; r < reps; r++)
			if (!done || !done[i * reps + r])
				ns += (double)(pts[i].warmup_ns + pts[i].duration_ns +
					       SWEEP_EST_OVERHEAD_NS);
	return ns;
}

/* splitmix64: a recorded seed gives the same order on every machine. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sweep_shuffle(size_t *idx, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(next_rand(&seed) % i);
		size_t tmp = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = tmp;
	}
}

void sweep_opts_init(struct sweep_opts *o)
{
	memset(o, 0, sizeof *o);
	o->ncs_ns = SWEEP_DEFAULT_NCS_NS;
	o->permits = 1;
	o->placement = PLACEMENT_COMPACT;
}
