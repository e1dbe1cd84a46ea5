/* c2c.c — the core-to-core cache-line round trip: the ping-pong, its summary, the choice of CPU
 * pairs on large machines, and the interleaved matrix. Numbers only: results/probe_csv.c writes
 * c2c.csv, and cli/cmd_c2c.c is `lockbench c2c`.
 *
 * The ping-pong. One 64-bit word on its own cache line; A stores 2k+1, B spins until it sees
 * 2k+1 and stores 2k+2, A spins until it sees 2k+2. Each round trip therefore moves the line
 * from A's cache to B's and back, two invalidations and two misses, with nothing else on the
 * path: no RMW, no second line. A sentinel value (C2C_STOP) tells B to leave. The two threads
 * meet at a start handshake after binding, on another line, so a thread that failed to bind
 * stops its partner instead of leaving it spinning.
 *
 * Only A reads the clock, once per batch: the samples are batch means, and the first
 * warmup_batches are thrown away (the first round trips pay for cold TLBs and the threads
 * still arriving on their CPUs). Neither thread can block the other for good: both are pinned
 * to distinct CPUs and B follows A until told to stop, so no watchdog is needed here.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/c2c.h"
#include <lockbench/lock.h>
#include "run/clock.h"
#include "topo/topo.h"
#include "stats/stats.h"

#define C2C_STOP UINT64_MAX
#define NS_PER_S 1000000000ull

void c2c_params_defaults(struct c2c_params *p)
{
	p->batch_rtts = C2C_BATCH_RTTS;
	p->warmup_batches = C2C_WARMUP_BATCHES;
	p->time_limit_ns = NS_PER_S;
}

struct pingpong {
	_Atomic uint64_t word LB_CACHE_ALIGNED; /* the line that travels; nothing else on it */
	atomic_uint arrived LB_CACHE_ALIGNED;   /* threads past their binding (or dead) */
	atomic_int err;                         /* the first failure, 0 if none */
	struct topo *t;
	int cpu[2];
	const struct c2c_params *p;
	double *rtt_ns;
	unsigned nsamples, got;
};

static void pp_fail(struct pingpong *pp, int err)
{
	int none = 0;
	/* relaxed: the joins publish err to the caller; the partner only needs to see it at all,
	 * and reads it after seeing `arrived` reach 2, which this thread increments afterwards. */
	atomic_compare_exchange_strong_explicit(&pp->err, &none, err, memory_order_relaxed,
						memory_order_relaxed);
}

/* Bind, then wait for the partner. Returns whether both threads may go on. */
static int pp_start(struct pingpong *pp, unsigned side)
{
	int rc = topo_bind_self(pp->t, pp->cpu[side]);
	if (rc)
		pp_fail(pp, rc);
	/* release/acquire: a failure recorded above is visible to the partner once it sees the
	 * count that includes this thread's arrival. */
	atomic_fetch_add_explicit(&pp->arrived, 1, memory_order_release);
	while (atomic_load_explicit(&pp->arrived, memory_order_acquire) < 2)
		lb_cpu_relax();
	return atomic_load_explicit(&pp->err, memory_order_relaxed) == 0;
}

/* The stores and loads below use the orders a lock handoff uses (a release store to give the
 * line away, an acquire load to take it), so the floor is measured with the same instructions
 * a lock would run; on x86 both are plain moves. */
static void *pp_initiator(void *arg)
{
	struct pingpong *pp = arg;
	if (!pp_start(pp, 0))
		return NULL;
	const unsigned batch = pp->p->batch_rtts, total = pp->p->warmup_batches + pp->nsamples;
	const uint64_t limit_ns = pp->p->time_limit_ns, start_ns = mono_ns();
	uint64_t v = 0;
	for (unsigned b = 0; b < total; b++) {
		uint64_t t0 = mono_ns();
		for (unsigned r = 0; r < batch; r++) {
			atomic_store_explicit(&pp->word, v + 1, memory_order_release);
			while (atomic_load_explicit(&pp->word, memory_order_acquire) != v + 2)
				lb_cpu_relax();
			v += 2;
		}
		uint64_t t1 = mono_ns();
		if (b >= pp->p->warmup_batches)
			pp->rtt_ns[pp->got++] = (double)(t1 - t0) / batch;
		/* At least one sample, however long the warm-up took (say, a thread was
		 * preempted): that costs one more batch, and a batch always ends. */
		if (limit_ns && t1 - start_ns >= limit_ns && pp->got > 0)
			break;
	}
	atomic_store_explicit(&pp->word, C2C_STOP, memory_order_release);
	return NULL;
}

static void *pp_responder(void *arg)
{
	struct pingpong *pp = arg;
	if (!pp_start(pp, 1))
		return NULL;
	for (uint64_t expect = 1;; expect += 2) {
		uint64_t v;
		while ((v = atomic_load_explicit(&pp->word, memory_order_acquire)) != expect) {
			if (v == C2C_STOP)
				return NULL;
			lb_cpu_relax();
		}
		atomic_store_explicit(&pp->word, expect + 1, memory_order_release);
	}
}

static int cpu_allowed(const struct topo *t, int cpu)
{
	struct cpu_place pl;
	return topo_cpu_place(t, cpu, &pl) == 0; /* -EINVAL for a CPU we may not use */
}

int c2c_measure(struct topo *t, int cpu_a, int cpu_b, const struct c2c_params *p, double *rtt_ns,
		unsigned nsamples, unsigned *got)
{
	*got = 0;
	if (!t || !p || !rtt_ns || nsamples == 0 || p->batch_rtts == 0 || cpu_a < 0 || cpu_b < 0 ||
	    cpu_a == cpu_b)
		return -EINVAL;
	struct pingpong *pp = aligned_alloc(LB_CACHELINE, sizeof *pp);
	if (!pp)
		return -ENOMEM;
	memset(pp, 0, sizeof *pp);
	atomic_init(&pp->word, 0);
	atomic_init(&pp->arrived, 0);
	atomic_init(&pp->err, 0);
	pp->t = t;
	pp->cpu[0] = cpu_a;
	pp->cpu[1] = cpu_b;
	pp->p = p;
	pp->rtt_ns = rtt_ns;
	pp->nsamples = nsamples;

	pthread_t th[2];
	void *(*const fn[2])(void *) = { pp_initiator, pp_responder };
	unsigned started = 0;
	for (; started < 2; started++) {
		int err = pthread_create(&th[started], NULL, fn[started], pp);
		if (err) {
			/* Stand in for the thread that does not exist, so its partner stops. */
			pp_fail(pp, -err);
			atomic_fetch_add_explicit(&pp->arrived, 2 - started, memory_order_release);
			break;
		}
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	int rc = atomic_load_explicit(&pp->err, memory_order_relaxed);
	*got = rc ? 0 : pp->got;
	free(pp);
	return rc;
}

int c2c_default_pair(const struct topo *t, int *cpu_a, int *cpu_b)
{
	int cpus[2];
	if (!t || topo_allowed_cpus(t, cpus, 2) < 2)
		return -ENODEV;
	*cpu_a = cpus[0];
	*cpu_b = cpus[1];
	return 0;
}

int c2c_probe(struct topo *t, int cpu_a, int cpu_b, double *rtt_ns_median)
{
	*rtt_ns_median = NAN;
	if (!t || topo_allowed_count(t) < 2)
		return -ENODEV;
	if (cpu_a == -1 && cpu_b == -1) {
		int rc = c2c_default_pair(t, &cpu_a, &cpu_b);
		if (rc)
			return rc;
	}
	if (cpu_a < 0 || cpu_b < 0 || cpu_a == cpu_b || !cpu_allowed(t, cpu_a) ||
	    !cpu_allowed(t, cpu_b))
		return -EINVAL;
	struct c2c_params p = {
		.batch_rtts = C2C_BATCH_RTTS,
		.warmup_batches = C2C_WARMUP_BATCHES,
		.time_limit_ns = C2C_PROBE_LIMIT_NS,
	};
	double rtt_ns[C2C_PROBE_SAMPLES];
	unsigned got;
	int rc = c2c_measure(t, cpu_a, cpu_b, &p, rtt_ns, C2C_PROBE_SAMPLES, &got);
	if (rc)
		return rc;
	struct c2c_summary s;
	rc = c2c_summarize(rtt_ns, got, &s);
	if (rc)
		return rc;
	*rtt_ns_median = s.median;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int c2c_summarize(const double *x, unsigned n, struct c2c_summary *s)
{
	s->samples = n;
	s->median = s->p10 = s->p90 = s->min = s->max = NAN;
	if (n == 0)
		return 0;
	double *sorted = malloc(n * sizeof *sorted);
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, x, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_double);
	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->p10 = stats_percentile_sorted(sorted, n, LB_PCT(10, 0));
	s->median = stats_percentile_sorted(sorted, n, LB_P50);
	s->p90 = stats_percentile_sorted(sorted, n, LB_P90);
	free(sorted);
	return 0;
}

/* ---- representative CPUs ------------------------------------------------------------------ */

enum domain_kind { DOM_LLC, DOM_NUMA, DOM_PACKAGE, DOM_MACHINE };
static const char *const domain_names[] = { "last-level caches", "NUMA nodes", "packages",
					    "machine" };

static int domain_of(const struct cpu_place *pl, enum domain_kind k)
{
	switch (k) {
	case DOM_LLC: return pl->llc;
	case DOM_NUMA: return pl->numa;
	case DOM_PACKAGE: return pl->package;
	default: return 0;
	}
}

struct domain_pick {
	int key; /* the domain's hwloc logical index: sorting by it is topology order */
	unsigned n;
	int cpu[3]; /* first CPU, its SMT sibling, the last core's first CPU (when they exist) */
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_domain(const void *a, const void *b)
{
	return cmp_int(&((const struct domain_pick *)a)->key, &((const struct domain_pick *)b)->key);
}

/* Where each CPU is; a CPU without a core level is a core of its own. 0 or a negative errno. */
static int place_cpus(const struct topo *t, const int *cpus, unsigned n, struct cpu_place *pl)
{
	for (unsigned i = 0; i < n; i++) {
		int rc = topo_cpu_place(t, cpus[i], &pl[i]);
		if (rc)
			return rc;
		if (pl[i].core < 0)
			pl[i].core = pl[i].pu;
	}
	return 0;
}

/* The level, among those every CPU has, that cuts these CPUs into the most domains (the finer on
 * a tie): usually the LLC; packages when a machine without an L3 has one NUMA node over several
 * packages. 0 or -ENOMEM. */
static int choose_level(const struct cpu_place *pl, unsigned n, enum domain_kind *kind)
{
	int *keys = malloc(n * sizeof *keys);
	if (!keys)
		return -ENOMEM;
	unsigned best = 1;
	*kind = DOM_MACHINE;
	for (enum domain_kind k = DOM_LLC; k < DOM_MACHINE; k++) {
		unsigned i = 0;
		for (; i < n && domain_of(&pl[i], k) >= 0; i++)
			keys[i] = domain_of(&pl[i], k);
		if (i < n)
			continue;
		qsort(keys, n, sizeof *keys, cmp_int);
		unsigned distinct = 1;
		for (i = 1; i < n; i++)
			distinct += keys[i] != keys[i - 1];
		if (distinct > best || *kind == DOM_MACHINE) {
			*kind = k;
			best = distinct;
		}
	}
	free(keys);
	return 0;
}

/* One domain's representatives: within it, the CPU with the lowest PU index is "first", and the
 * core with the highest logical index is the farthest from it. */
static void pick_in_domain(const struct cpu_place *pl, const int *cpus, unsigned n,
			   enum domain_kind kind, struct domain_pick *d)
{
	int first = -1, last = -1, sibling = -1;
	for (unsigned i = 0; i < n; i++) {
		if (domain_of(&pl[i], kind) != d->key)
			continue;
		if (first < 0 || pl[i].pu < pl[first].pu)
			first = (int)i;
		if (last < 0 || pl[i].core > pl[last].core ||
		    (pl[i].core == pl[last].core && pl[i].pu < pl[last].pu))
			last = (int)i;
	}
	for (unsigned i = 0; i < n; i++)
		if ((int)i != first && pl[i].core == pl[first].core &&
		    (sibling < 0 || pl[i].pu < pl[sibling].pu))
			sibling = (int)i;
	d->cpu[d->n++] = cpus[first];
	if (sibling >= 0)
		d->cpu[d->n++] = cpus[sibling];
	if (pl[last].core != pl[first].core)
		d->cpu[d->n++] = cpus[last];
}

/* The domains of `kind` with their representatives, in topology (logical) order; how many. */
static unsigned pick_domains(const struct cpu_place *pl, const int *cpus, unsigned n,
			     enum domain_kind kind, struct domain_pick *dom)
{
	unsigned ndom = 0;
	for (unsigned i = 0; i < n; i++) {
		int key = domain_of(&pl[i], kind);
		unsigned d = 0;
		while (d < ndom && dom[d].key != key)
			d++;
		if (d == ndom)
			dom[ndom++].key = key;
	}
	for (unsigned d = 0; d < ndom; d++)
		pick_in_domain(pl, cpus, n, kind, &dom[d]);
	qsort(dom, ndom, sizeof *dom, cmp_domain);
	return ndom;
}

/* The k-th of `take` domains spaced evenly over ndom, the first and the last always in. */
static unsigned spaced(unsigned k, unsigned take, unsigned ndom)
{
	return take == 1 ? 0 : (k * (ndom - 1) + (take - 1) / 2) / (take - 1);
}

/* As many domains as fit in cap, evenly spaced so that the first and the last (other end of the
 * machine: another package when there are several) are always in. Their CPUs into picked[],
 * ascending; returns how many, *taken the domains used. */
static unsigned take_domains(const struct domain_pick *dom, unsigned ndom, unsigned cap,
			     int *picked, unsigned *taken)
{
	unsigned take = ndom;
	for (;; take--) {
		unsigned total = 0;
		for (unsigned k = 0; k < take; k++)
			total += dom[spaced(k, take, ndom)].n;
		if (total <= cap || take == 1)
			break;
	}
	unsigned np = 0;
	for (unsigned k = 0; k < take; k++) {
		const struct domain_pick *d = &dom[spaced(k, take, ndom)];
		for (unsigned j = 0; j < d->n && np < cap; j++)
			picked[np++] = d->cpu[j];
	}
	qsort(picked, np, sizeof *picked, cmp_int);
	*taken = take;
	return np;
}

int c2c_pick_cpus(const struct topo *t, const int *cpus, unsigned n, unsigned cap, int *picked,
		  char *how, size_t howlen)
{
	if (!t || !cpus || !picked || n == 0 || cap < 2)
		return -EINVAL;
	struct cpu_place *pl = malloc(n * sizeof *pl);
	struct domain_pick *dom = calloc(n, sizeof *dom);
	enum domain_kind kind;
	int rc = pl && dom ? place_cpus(t, cpus, n, pl) : -ENOMEM;
	if (rc == 0)
		rc = choose_level(pl, n, &kind);
	if (rc == 0) {
		unsigned ndom = pick_domains(pl, cpus, n, kind, dom), take;
		unsigned np = take_domains(dom, ndom, cap, picked, &take);
		if (how)
			snprintf(how, howlen,
				 "%u of %u CPUs: in %u of %u %s, the first CPU, an SMT sibling of it "
				 "and a CPU of the last core (where they exist)",
				 np, n, take, ndom, domain_names[kind]);
		rc = (int)np;
	}
	free(pl);
	free(dom);
	return rc;
}

/* ---- the matrix --------------------------------------------------------------------------- */

void c2c_matrix_params_defaults(struct c2c_matrix_params *p)
{
	c2c_params_defaults(&p->pair);
	p->samples = 2000;
	p->samples_per_round = 100;
	p->round_every_ns = NS_PER_S / 10;
}

void c2c_matrix_free(struct c2c_matrix *m)
{
	if (!m)
		return;
	for (unsigned i = 0; m->pairs && i < m->npairs; i++) {
		free(m->pairs[i].rtt_ns);
		free(m->pairs[i].round_end);
	}
	free(m->pairs);
	free(m->cpus);
	free(m->round_start_s);
	free(m);
}

static int matrix_alloc(const int *cpus, unsigned n, unsigned samples, unsigned rounds,
			struct c2c_matrix **out)
{
	struct c2c_matrix *m = calloc(1, sizeof *m);
	*out = m; /* partial on failure: the caller frees it */
	if (!m)
		return -ENOMEM;
	m->ncpus = n;
	m->npairs = n * (n - 1) / 2;
	m->rounds = rounds;
	m->cpus = malloc(n * sizeof *m->cpus);
	m->pairs = calloc(m->npairs, sizeof *m->pairs);
	m->round_start_s = calloc(rounds, sizeof *m->round_start_s);
	if (!m->cpus || !m->pairs || !m->round_start_s)
		return -ENOMEM;
	memcpy(m->cpus, cpus, n * sizeof *cpus);
	qsort(m->cpus, n, sizeof *m->cpus, cmp_int);
	struct c2c_pair *pr = m->pairs;
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++, pr++) {
			pr->cpu_a = m->cpus[i];
			pr->cpu_b = m->cpus[j];
			pr->rtt_ns = malloc(samples * sizeof *pr->rtt_ns);
			pr->round_end = calloc(rounds, sizeof *pr->round_end);
			if (!pr->rtt_ns || !pr->round_end)
				return -ENOMEM;
		}
	return 0;
}

int c2c_matrix_run(struct topo *t, const int *cpus, unsigned n, const struct c2c_matrix_params *p,
		   struct c2c_matrix **out)
{
	*out = NULL;
	if (!t || !cpus || !p || n < 2 || p->samples == 0 || p->samples_per_round == 0)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		if (cpus[i] < 0)
			return -EINVAL;
		for (unsigned j = i + 1; j < n; j++)
			if (cpus[i] == cpus[j])
				return -EINVAL;
	}
	unsigned rounds = (p->samples + p->samples_per_round - 1) / p->samples_per_round;
	struct c2c_matrix *m;
	int rc = matrix_alloc(cpus, n, p->samples, rounds, &m);
	if (rc) {
		c2c_matrix_free(m);
		return rc;
	}

	const uint64_t start_ns = mono_ns();
	for (unsigned r = 0; r < rounds; r++) {
		uint64_t due_ns = start_ns + r * p->round_every_ns;
		struct timespec due = { (time_t)(due_ns / NS_PER_S), (long)(due_ns % NS_PER_S) };
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
			;
		m->round_start_s[r] = (double)(mono_ns() - start_ns) / 1e9;
		unsigned want = p->samples - r * p->samples_per_round;
		if (want > p->samples_per_round)
			want = p->samples_per_round;
		unsigned failed = 0;
		for (unsigned i = 0; i < m->npairs; i++) {
			struct c2c_pair *pr = &m->pairs[i];
			if (!pr->error) {
				unsigned got;
				pr->error = c2c_measure(t, pr->cpu_a, pr->cpu_b, &p->pair,
							pr->rtt_ns + pr->samples, want, &got);
				pr->samples += got;
			}
			pr->round_end[r] = pr->samples;
			failed += pr->error != 0;
		}
		if (failed == m->npairs) { /* nothing left to measure: no more rounds to wait for */
			for (unsigned i = 0; i < m->npairs; i++)
				for (unsigned k = r + 1; k < rounds; k++)
					m->pairs[i].round_end[k] = m->pairs[i].samples;
			for (unsigned k = r + 1; k < rounds; k++)
				m->round_start_s[k] = m->round_start_s[r];
			break;
		}
	}
	m->wall_s = (double)(mono_ns() - start_ns) / 1e9;
	for (unsigned i = 0; i < m->npairs && !rc; i++)
		rc = c2c_summarize(m->pairs[i].rtt_ns, m->pairs[i].samples, &m->pairs[i].summary);
	if (rc) {
		c2c_matrix_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

const struct c2c_pair *c2c_matrix_pair(const struct c2c_matrix *m, int cpu_a, int cpu_b)
{
	for (unsigned i = 0; i < m->npairs; i++) {
		const struct c2c_pair *pr = &m->pairs[i];
		if ((pr->cpu_a == cpu_a && pr->cpu_b == cpu_b) ||
		    (pr->cpu_a == cpu_b && pr->cpu_b == cpu_a))
			return pr;
	}
	return NULL;
}
