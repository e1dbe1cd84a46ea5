/* sweep_shard.c — a sweep's plan as a file, and its split into shards.
 *
 * `lockbench sweep --plan` writes the plan (docs/SWEEP_FILES.md, "plan.json"): the options that
 * decide the points, the thread counts the topology gave, and every point with its estimated
 * time. A cluster makes it once per machine kind; each task runs one slice with --plan-file
 * plan.json --shard I/N, and `lockbench merge` puts the slices back together.
 *
 * The hash is FNV-1a (64 bits) of the canonical text: the plan as this file renders it, without
 * the "hash" line and without the optional per-shard estimates. A plan file is read back by
 * rebuilding the options from its fields and rendering them again; the hash of that rendering
 * must be the file's, and its points the file's, so an edited field, an edited point or a plan
 * from a lockbench with other locks is refused rather than run as something else. Reading does
 * not depend on the file's layout: a plan pretty-printed by jq still reads.
 *
 * The split: the (point, rep) pairs, longest first, each into the slice with the least
 * estimated time so far (Graham's LPT rule: within 4/3 of the best possible longest slice).
 * Equal pairs keep their plan order and equal slices the lower index, so every machine splits
 * one plan the same way; the repetitions of one point, being equally long and consecutive,
 * land in different slices whenever there are as many slices as repetitions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parse/parse.h"
#include "plugin/plugin.h"
#include "results/jsonread.h"
#include "sweep/sweep.h"
#include "topo/topo.h"

void sweep_plan_decide(struct sweep_opts *o, const struct topo *t)
{
	unsigned ncpus = topo_allowed_count(t);
	o->ncpus = ncpus;
	if (o->nthreads == 0)
		sweep_default_threads(o, ncpus);
	if (o->cdf_threads == 0)
		o->cdf_threads = ncpus <= o->threads[o->nthreads - 1] ? ncpus : o->threads[0];
	if (!o->seed_given) {
		o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		o->seed_given = true;
	}
}

static uint64_t fnv1a64(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static double point_est_ns(const struct sweep_point *p)
{
	return (double)(p->warmup_ns + p->duration_ns + SWEEP_EST_OVERHEAD_NS);
}

/* The canonical content: every field but the hash, in one fixed layout. */
static void render_body(FILE *f, const struct sweep_opts *o, const char *topology,
			const struct sweep_point *pts, size_t npts)
{
	fprintf(f, "  \"seed\": %" PRIu64 ",\n  \"reps\": %u,\n", o->seed, o->reps);
	fprintf(f, "  \"duration_ns\": %" PRIu64 ",\n  \"warmup_ns\": %" PRIu64 ",\n",
		o->duration_ns, o->warmup_ns);
	fprintf(f, "  \"cs_ns\": [");
	for (unsigned i = 0; i < o->ncs; i++)
		fprintf(f, "%s%" PRIu64, i ? ", " : "", o->cs_ns[i]);
	fprintf(f, "],\n  \"ncs_ns\": [%" PRIu64 "],\n", o->ncs_ns);
	fprintf(f, "  \"permits\": %u,\n  \"placement\": \"%s\",\n", o->permits,
		placement_name(o->placement));
	fprintf(f, "  \"quick\": %s,\n  \"lock_cost\": %s,\n  \"cdf_threads\": %u,\n",
		o->quick ? "true" : "false", o->no_lock_cost ? "false" : "true", o->cdf_threads);
	fprintf(f, "  \"locks\": [");
	for (unsigned i = 0; i < o->nlocks; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", o->locks[i]->name);
	fprintf(f, "],\n  \"threads\": [");
	for (unsigned i = 0; i < o->nthreads; i++)
		fprintf(f, "%s%u", i ? ", " : "", o->threads[i]);
	/* The summary is hwloc's words: no quote or backslash in it, but be sure. */
	char topo_safe[256];
	snprintf(topo_safe, sizeof topo_safe, "%s", topology);
	for (char *c = topo_safe; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			*c = '_';
	fprintf(f, "],\n  \"ncpus\": %u,\n  \"topology\": \"%s\",\n", o->ncpus, topo_safe);
	fprintf(f, "  \"points\": [\n");
	for (size_t i = 0; i < npts; i++) {
		const struct sweep_point *p = &pts[i];
		fprintf(f, "    {\"key\": \"%s\", \"lock\": \"%s\", \"permits\": %u, \"threads\": %u, "
			   "\"cs_ns\": %" PRIu64 ", \"ncs_ns\": %" PRIu64 ", \"lock_cost\": %s, "
			   "\"est_run_s\": %.3f}%s\n",
			p->key, p->lock->name, p->permits, p->threads, p->cs_ns, p->ncs_ns,
			p->lock_cost ? "true" : "false", point_est_ns(p) / 1e9,
			i + 1 < npts ? "," : "");
	}
	fprintf(f, "  ],\n  \"runs\": %zu,\n  \"est_total_s\": %.1f", npts * o->reps,
		sweep_estimate_ns(pts, npts, o->reps, NULL) / 1e9);
}

static int build(const struct sweep_opts *o, struct sweep_point **pts, size_t *npts)
{
	size_t max = sweep_max_points(o);
	*pts = calloc(max ? max : 1, sizeof **pts);
	if (!*pts)
		return -ENOMEM;
	*npts = sweep_build_points(o, *pts);
	return 0;
}

static int canonical_hash(const struct sweep_opts *o, const char *topology,
			  const struct sweep_point *pts, size_t npts, char *hash)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "{\n  \"format\": \"%s\",\n", SWEEP_PLAN_FORMAT);
	render_body(f, o, topology, pts, npts);
	fprintf(f, "\n}\n");
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	snprintf(hash, SWEEP_PLAN_HASH_LEN + 1, "%016" PRIx64, fnv1a64(text, len));
	free(text);
	return 0;
}

int sweep_plan_render(const struct sweep_opts *o, const char *topology, unsigned shards,
		      char **text, size_t *len, char hash[SWEEP_PLAN_HASH_LEN + 1])
{
	struct sweep_point *pts;
	size_t npts;
	int rc = build(o, &pts, &npts);
	if (rc == 0)
		rc = canonical_hash(o, topology, pts, npts, hash);
	FILE *f = rc ? NULL : open_memstream(text, len);
	if (!f) {
		free(pts);
		return -ENOMEM;
	}
	fprintf(f, "{\n  \"format\": \"%s\",\n  \"hash\": \"%s\",\n", SWEEP_PLAN_FORMAT, hash);
	render_body(f, o, topology, pts, npts);
	if (shards) {
		size_t n = npts * o->reps;
		unsigned *slice = calloc(n ? n : 1, sizeof *slice);
		double *load = calloc(shards, sizeof *load);
		if (slice && load) {
			sweep_shard_assign(pts, npts, o->reps, shards, slice, load);
			double longest = 0;
			fprintf(f, ",\n  \"shards\": %u,\n  \"shard_est_s\": [", shards);
			for (unsigned i = 0; i < shards; i++) {
				fprintf(f, "%s%.1f", i ? ", " : "", load[i] / 1e9);
				longest = load[i] > longest ? load[i] : longest;
			}
			fprintf(f, "],\n  \"shard_est_max_s\": %.1f", longest / 1e9);
		} else {
			rc = -ENOMEM;
		}
		free(slice);
		free(load);
	}
	fprintf(f, "\n}\n");
	if (fclose(f) != 0)
		rc = -ENOMEM;
	free(pts);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

/* ---- reading a plan back ---------------------------------------------------------------------- */

static int plan_fail(char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen, "--plan-file: %.500s: %s", path, what);
	return -EINVAL;
}

static const char *need(const struct json_flat *j, const char *key, const char *path, char *err,
			size_t errlen)
{
	const char *v = json_get(j, key);
	if (!v) {
		char what[128];
		snprintf(what, sizeof what, "not a lockbench plan (no \"%s\")", key);
		plan_fail(err, errlen, path, what);
	}
	return v;
}

/* "a, b, c" (a flattened array) into the list `out`. */
static int split_list(const char *v, char out[][64], unsigned cap, unsigned *n)
{
	*n = 0;
	const char *s = v;
	while (*s) {
		const char *e = strstr(s, ", ");
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (*n == cap || len == 0 || len >= 64)
			return -EINVAL;
		memcpy(out[*n], s, len);
		out[(*n)++][len] = '\0';
		s += len + (e ? 2 : 0);
	}
	return 0;
}

static int get_u64(const struct json_flat *j, const char *key, uint64_t max, uint64_t *out,
		   const char *path, char *err, size_t errlen)
{
	const char *v = need(j, key, path, err, errlen);
	if (!v)
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || end == v || *end || x > max || v[0] == '-') {
		char what[160];
		snprintf(what, sizeof what, "\"%s\" is '%.60s', not an integer in 0..%" PRIu64, key, v,
			 max);
		return plan_fail(err, errlen, path, what);
	}
	*out = x;
	return 0;
}

static int read_fields(const struct json_flat *j, struct sweep_opts *o, const char *path,
		       char *err, size_t errlen)
{
	uint64_t v;
	const char *s;
	char list[MAX_SWEEP_LOCKS][64];
	unsigned n;
	if (get_u64(j, "seed", UINT64_MAX, &o->seed, path, err, errlen) ||
	    get_u64(j, "duration_ns", 600000000000ull, &o->duration_ns, path, err, errlen) ||
	    get_u64(j, "warmup_ns", 600000000000ull, &o->warmup_ns, path, err, errlen))
		return -EINVAL;
	o->seed_given = true;
#define U(key, lo, hi, dst)                                                                      \
	do {                                                                                     \
		if (get_u64(j, key, hi, &v, path, err, errlen))                                  \
			return -EINVAL;                                                          \
		if (v < lo)                                                                      \
			return plan_fail(err, errlen, path, "\"" key "\" is out of range");      \
		dst = (unsigned)v;                                                               \
	} while (0)
	U("reps", 1, 1000, o->reps);
	U("permits", 1, 1024, o->permits);
	U("cdf_threads", 1, LB_MAX_THREADS, o->cdf_threads);
	U("ncpus", 1, 1u << 20, o->plan_ncpus);
#undef U
	o->ncpus = o->plan_ncpus;
	if (!(s = need(j, "placement", path, err, errlen)))
		return -EINVAL;
	if (placement_parse(s, &o->placement) != 0)
		return plan_fail(err, errlen, path, "\"placement\" is not a placement");
	if (!(s = need(j, "quick", path, err, errlen)))
		return -EINVAL;
	o->quick = strcmp(s, "true") == 0;
	if (!(s = need(j, "lock_cost", path, err, errlen)))
		return -EINVAL;
	o->no_lock_cost = strcmp(s, "true") != 0;
	if (!(s = need(j, "locks", path, err, errlen)))
		return -EINVAL;
	if (split_list(s, list, MAX_SWEEP_LOCKS, &n) || n == 0)
		return plan_fail(err, errlen, path, "\"locks\" is not a list of lock names");
	o->nlocks = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct lb_lock_ops *ops = lockset_find(list[i]);
		if (!ops) {
			char what[160];
			snprintf(what, sizeof what, "lock '%.60s' is not registered in this lockbench",
				 list[i]);
			return plan_fail(err, errlen, path, what);
		}
		o->locks[o->nlocks++] = ops;
	}
	if (!(s = need(j, "threads", path, err, errlen)))
		return -EINVAL;
	if (split_list(s, list, MAX_SWEEP_THREADS, &n) || n == 0)
		return plan_fail(err, errlen, path, "\"threads\" is not a list of thread counts");
	for (unsigned i = 0; i < n; i++)
		if (parse_uint(list[i], 1, LB_MAX_THREADS, &o->threads[i]) != 0)
			return plan_fail(err, errlen, path, "\"threads\" holds a bad thread count");
	o->nthreads = n;
	if (!(s = need(j, "cs_ns", path, err, errlen)))
		return -EINVAL;
	if (split_list(s, list, MAX_SWEEP_CS, &n) || n == 0)
		return plan_fail(err, errlen, path, "\"cs_ns\" is not a list of durations");
	for (unsigned i = 0; i < n; i++) {
		unsigned x;
		if (parse_uint(list[i], 1, 1000000000u, &x) != 0)
			return plan_fail(err, errlen, path, "\"cs_ns\" holds a bad duration");
		o->cs_ns[i] = x;
	}
	o->ncs = n;
	if (!(s = need(j, "ncs_ns", path, err, errlen)))
		return -EINVAL;
	unsigned x;
	if (split_list(s, list, 1, &n) || n != 1 || parse_uint(list[0], 0, 1000000000u, &x))
		return plan_fail(err, errlen, path, "\"ncs_ns\" is not a list of one duration");
	o->ncs_ns = x;
	return 0;
}

int sweep_plan_read(const char *path, struct sweep_opts *o, char *topology, size_t toplen,
		    char *err, size_t errlen)
{
	struct json_flat j = { 0 };
	char why[512];
	if (json_read_flat(path, &j, why, sizeof why) != 0) {
		snprintf(err, errlen, "--plan-file: %.700s", why);
		return -EINVAL;
	}
	int rc = -EINVAL;
	struct sweep_point *pts = NULL;
	size_t npts = 0;
	const char *fmt = need(&j, "format", path, err, errlen);
	const char *hash = fmt ? need(&j, "hash", path, err, errlen) : NULL;
	const char *topo = hash ? need(&j, "topology", path, err, errlen) : NULL;
	if (!topo)
		goto out;
	if (strcmp(fmt, SWEEP_PLAN_FORMAT) != 0) {
		snprintf(why, sizeof why, "format '%.60s', this lockbench reads '%s'", fmt,
			 SWEEP_PLAN_FORMAT);
		plan_fail(err, errlen, path, why);
		goto out;
	}
	snprintf(topology, toplen, "%s", topo);
	if (read_fields(&j, o, path, err, errlen))
		goto out;
	if (build(o, &pts, &npts)) {
		rc = -ENOMEM;
		snprintf(err, errlen, "--plan-file: out of memory");
		goto out;
	}
	char mine[SWEEP_PLAN_HASH_LEN + 1];
	if (canonical_hash(o, topology, pts, npts, mine)) {
		rc = -ENOMEM;
		snprintf(err, errlen, "--plan-file: out of memory");
		goto out;
	}
	if (strcmp(mine, hash) != 0) {
		snprintf(why, sizeof why, "its hash %.40s does not match its content (%s): the file "
			 "was edited, or made by another lockbench", hash, mine);
		plan_fail(err, errlen, path, why);
		goto out;
	}
	/* The hash covers the fields; the points must be the ones those fields give. */
	for (size_t i = 0; i <= npts; i++) {
		char key[64];
		snprintf(key, sizeof key, "points[%zu].key", i);
		const char *k = json_get(&j, key);
		if (i == npts ? k != NULL : !k || strcmp(k, pts[i].key) != 0) {
			snprintf(why, sizeof why, "its points differ from those its fields give "
				 "(point %zu): the file was edited, or made by another lockbench",
				 i + 1);
			plan_fail(err, errlen, path, why);
			goto out;
		}
	}
	snprintf(o->plan_hash, sizeof o->plan_hash, "%s", mine);
	snprintf(o->plan_text_path, sizeof o->plan_text_path, "%s", path);
	rc = 0;
out:
	free(pts);
	json_free(&j);
	return rc;
}

/* ---- the split ------------------------------------------------------------------------------- */

struct unit {
	double ns;
	size_t idx; /* point * reps + rep: the plan's order */
};

static int unit_cmp(const void *a, const void *b)
{
	const struct unit *x = a, *y = b;
	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

void sweep_shard_assign(const struct sweep_point *pts, size_t npts, unsigned reps,
			unsigned nshards, unsigned *slice, double *load)
{
	size_t n = npts * reps;
	for (unsigned s = 0; s < nshards; s++)
		load[s] = 0;
	struct unit *u = malloc((n ? n : 1) * sizeof *u);
	if (!u) { /* no memory for the order: round robin, still a disjoint cover */
		for (size_t i = 0; i < n; i++) {
			slice[i] = (unsigned)(i % nshards);
			load[slice[i]] += point_est_ns(&pts[i / reps]);
		}
		return;
	}
	for (size_t i = 0; i < n; i++)
		u[i] = (struct unit){ point_est_ns(&pts[i / reps]), i };
	qsort(u, n, sizeof *u, unit_cmp);
	for (size_t k = 0; k < n; k++) {
		unsigned best = 0;
		for (unsigned s = 1; s < nshards; s++)
			if (load[s] < load[best])
				best = s;
		slice[u[k].idx] = best;
		load[best] += u[k].ns;
	}
	free(u);
}
