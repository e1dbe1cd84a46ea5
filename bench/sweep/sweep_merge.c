/* sweep_merge.c — `lockbench merge OUT SET...`: result sets into one (docs/SWEEP_FILES.md,
 * "Merged sets").
 *
 * Two uses. The shards of one plan (`sweep --plan-file P --shard I/N`) become the set the whole
 * sweep would have written: their rows side by side, the summary recomputed, meta.json
 * "complete" only when every (point, rep) pair of the plan is there. Sets from several hosts
 * become one set whose rows keep their host column; each host's own files (meta.json, c2c.csv,
 * handoff.csv, latency_hist.csv, its shards' meta.json) go to hosts/NAME/, and the report adds
 * a section per host and a "which lock on which machine" table.
 *
 * Everything is read and checked before anything is written, and the set is written to a
 * temporary folder beside OUT that is renamed to OUT at the end: a refusal or a failure leaves
 * no OUT, never half of one. A missing shard is not a refusal: with Slurm's afterany the merge
 * runs after a failed task too, and what the others measured is worth a report. The set is
 * then written marked incomplete, the missing shard named with its points, and the merge
 * exits 1 so a job chain sees it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report.h"
#include "results/csvread.h"
#include "results/file.h"
#include "results/jsonread.h"
#include "results/output.h"
#include "sweep/sweep.h"

struct mset {
	const char *dir;
	struct json_flat meta;
	struct csv_table res;
	const char *host;      /* sweep.host, else meta.host */
	const char *plan_hash; /* NULL: not a --plan-file run */
	unsigned shard_i, shard_n;
	unsigned version;
	bool complete;         /* its own meta.json says so */
};

struct merge {
	struct mset *s;
	size_t n;
	const char *hosts[256];
	size_t nhosts;
	size_t runs_done, runs_total;
	bool complete;
	char missing[1024]; /* the first missing shard, said */
};

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static int load_one(struct mset *m, char *err, size_t errlen)
{
	char path[PATH_MAX], why[768];
	struct stat st;
	if (stat(m->dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return fail(err, errlen, -ENOTDIR, "merge: '%.400s' is not a result set directory",
			    m->dir);
	snprintf(path, sizeof path, "%.4000s/meta.json", m->dir);
	if (access(path, F_OK) != 0)
		return fail(err, errlen, -ENOTDIR, "merge: '%.400s' is not a result set (no "
			    "meta.json)", m->dir);
	if (json_read_flat(path, &m->meta, why, sizeof why) != 0)
		return fail(err, errlen, -EINVAL, "merge: %s", why);
	const char *fv = json_get(&m->meta, "format_version");
	m->version = fv ? (unsigned)strtoul(fv, NULL, 10) : 1;
	m->host = json_get(&m->meta, "sweep.host");
	if (!m->host)
		m->host = json_get(&m->meta, "meta.host");
	m->plan_hash = json_get(&m->meta, "sweep.plan_hash");
	const char *shard = json_get(&m->meta, "sweep.shard");
	/* A merged set names its plan but is no slice of it: it merges as a whole set. */
	if (m->plan_hash && !shard)
		m->plan_hash = NULL;
	if (m->plan_hash && (sscanf(shard, "%u/%u", &m->shard_i, &m->shard_n) != 2 ||
			     m->shard_i < 1 || m->shard_i > m->shard_n))
		return fail(err, errlen, -EINVAL, "merge: %.400s: shard '%.40s' is not I/N",
			    path, shard);
	const char *c = json_get(&m->meta, "sweep.complete");
	m->complete = c && strcmp(c, "true") == 0;
	return 0;
}

static int load_results(struct mset *m, char *err, size_t errlen)
{
	char why[768];
	if (sweep_read_results(m->dir, &m->res, why, sizeof why) != 0)
		return fail(err, errlen, -EINVAL, "merge: %s", why);
	if (csv_col(&m->res, "host") < 0)
		return fail(err, errlen, -EPROTO, "merge: %.400s/results.csv has no host column (a "
			    "set from before lockbench recorded hosts); re-run it to merge it",
			    m->dir);
	if (csv_col(&m->res, "point") < 0 || csv_col(&m->res, "rep") < 0)
		return fail(err, errlen, -EINVAL, "merge: %.400s/results.csv has no point or rep "
			    "column", m->dir);
	return 0;
}

/* The same format, the same columns, each set once. */
static int check_sets(struct merge *g, char *err, size_t errlen)
{
	const struct mset *a = &g->s[0];
	for (size_t i = 1; i < g->n; i++) {
		const struct mset *b = &g->s[i];
		if (b->version != a->version)
			return fail(err, errlen, -EPROTO, "merge: %.300s is format v%u, %.300s is "
				    "format v%u: merge sets of one format", a->dir, a->version,
				    b->dir, b->version);
	}
	for (size_t i = 0; i < g->n; i++) {
		char why[768];
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%.4000s/meta.json", g->s[i].dir);
		if (report_check_meta_format(path, &g->s[i].meta, why, sizeof why))
			return fail(err, errlen, -EPROTO, "merge: %s", why);
	}
	for (size_t i = 0; i < g->n; i++) {
		int rc = load_results(&g->s[i], err, errlen);
		if (rc)
			return rc;
		const struct csv_table *x = &g->s[0].res, *y = &g->s[i].res;
		if (y->version != x->version)
			return fail(err, errlen, -EPROTO, "merge: %.300s is format v%u, %.300s is "
				    "format v%u: merge sets of one format", x->path, x->version,
				    y->path, y->version);
		bool same = x->ncols == y->ncols;
		for (size_t c = 0; same && c < x->ncols; c++)
			same = strcmp(x->header[c], y->header[c]) == 0;
		if (!same)
			return fail(err, errlen, -EPROTO, "merge: %.300s and %.300s have different "
				    "columns (sets of two lockbench versions)", x->path, y->path);
	}
	for (size_t i = 0; i < g->n; i++)
		for (size_t j = i + 1; j < g->n; j++) {
			char ri[PATH_MAX], rj[PATH_MAX];
			if (realpath(g->s[i].dir, ri) && realpath(g->s[j].dir, rj) && !strcmp(ri, rj))
				return fail(err, errlen, -EINVAL, "merge: %.400s is given twice",
					    g->s[j].dir);
		}
	return 0;
}

/* Shards: each slice of a plan once, one slice count, one host; one plan per host. */
static int check_shards(struct merge *g, char *err, size_t errlen)
{
	for (size_t i = 0; i < g->n; i++)
		for (size_t j = i + 1; j < g->n; j++) {
			const struct mset *a = &g->s[i], *b = &g->s[j];
			if (!a->plan_hash || !b->plan_hash)
				continue;
			bool same_plan = strcmp(a->plan_hash, b->plan_hash) == 0;
			if (same_plan && a->shard_i == b->shard_i && a->shard_n == b->shard_n)
				return fail(err, errlen, -EINVAL, "merge: shard %u/%u of plan %s is "
					    "given twice (%.300s and %.300s)", a->shard_i,
					    a->shard_n, a->plan_hash, a->dir, b->dir);
			if (same_plan && a->shard_n != b->shard_n)
				return fail(err, errlen, -EINVAL, "merge: %.300s is shard %u/%u and "
					    "%.300s shard %u/%u of plan %s: one plan, one N",
					    a->dir, a->shard_i, a->shard_n, b->dir, b->shard_i,
					    b->shard_n, a->plan_hash);
			if (same_plan && strcmp(a->host, b->host) != 0)
				return fail(err, errlen, -EINVAL, "merge: shards of plan %s come from "
					    "hosts %s and %s: run one plan's shards with one --host "
					    "(the machine kind)", a->plan_hash, a->host, b->host);
			if (!same_plan && strcmp(a->host, b->host) == 0)
				return fail(err, errlen, -EINVAL, "merge: %.300s and %.300s are shards "
					    "from host %s of different plans (hash %s and %s)",
					    a->dir, b->dir, a->host, a->plan_hash, b->plan_hash);
		}
	return 0;
}

struct rowkey {
	char *key;
	size_t set;
};

static int rowkey_cmp(const void *x, const void *y)
{
	const struct rowkey *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	return c ? c : (a->set > b->set) - (a->set < b->set);
}

/* No (host, point, rep) twice; counts the runs there. */
static int check_keys(struct merge *g, char *err, size_t errlen)
{
	size_t total = 0;
	for (size_t i = 0; i < g->n; i++)
		total += g->s[i].res.nrows;
	struct rowkey *k = calloc(total ? total : 1, sizeof *k);
	if (!k)
		return fail(err, errlen, -ENOMEM, "merge: out of memory");
	size_t n = 0;
	int rc = 0;
	for (size_t i = 0; i < g->n && !rc; i++) {
		const struct csv_table *t = &g->s[i].res;
		int ch = csv_col(t, "host"), cp = csv_col(t, "point"), cr = csv_col(t, "rep"),
		    cn = csv_col(t, "ncs_ns");
		for (size_t r = 0; r < t->nrows && !rc; r++) {
			char point[256];
			sweep_normalize_key(point, sizeof point, t->rows[r][cp],
					    cn >= 0 ? t->rows[r][cn] : "");
			if (asprintf(&k[n].key, "%s, point %s, rep %s", t->rows[r][ch], point,
				     t->rows[r][cr]) < 0)
				rc = fail(err, errlen, -ENOMEM, "merge: out of memory");
			else
				k[n++].set = i;
		}
	}
	if (!rc)
		qsort(k, n, sizeof *k, rowkey_cmp);
	for (size_t i = 1; i < n && !rc; i++)
		if (strcmp(k[i - 1].key, k[i].key) == 0)
			rc = fail(err, errlen, -EINVAL, "merge: host %s is in %s%.300s%s%.300s",
				  k[i].key, k[i].set == k[i - 1].set ? "" : "both ",
				  g->s[k[i - 1].set].dir, k[i].set == k[i - 1].set ? " twice" : " and ",
				  k[i].set == k[i - 1].set ? "" : g->s[k[i].set].dir);
	g->runs_done = n;
	for (size_t i = 0; i < n; i++)
		free(k[i].key);
	free(k);
	return rc;
}

/* One plan's shards: are all N there, and every pair? Names the first missing shard. */
static int check_plan_group(struct merge *g, size_t first, char *err, size_t errlen)
{
	const struct mset *m = &g->s[first];
	char path[PATH_MAX], topology[256], why[1024];
	snprintf(path, sizeof path, "%.4000s/plan.json", m->dir);
	struct sweep_opts o;
	sweep_opts_init(&o);
	if (sweep_plan_read(path, &o, topology, sizeof topology, why, sizeof why) != 0)
		return fail(err, errlen, -EINVAL, "merge: %s", why);
	if (strcmp(o.plan_hash, m->plan_hash) != 0)
		return fail(err, errlen, -EINVAL, "merge: %.400s: its plan.json has hash %s, its "
			    "meta.json %s", m->dir, o.plan_hash, m->plan_hash);
	size_t max = sweep_max_points(&o);
	struct sweep_point *pts = calloc(max ? max : 1, sizeof *pts);
	unsigned char *have = calloc(m->shard_n + 1, 1);
	size_t npts = pts ? sweep_build_points(&o, pts) : 0;
	unsigned *slice = calloc(npts * o.reps + 1, sizeof *slice);
	double *load = calloc(m->shard_n, sizeof *load);
	if (!pts || !have || !slice || !load) {
		free(pts), free(have), free(slice), free(load);
		return fail(err, errlen, -ENOMEM, "merge: out of memory");
	}
	g->runs_total += npts * o.reps;
	bool all_complete = true;
	for (size_t i = first; i < g->n; i++)
		if (g->s[i].plan_hash && !strcmp(g->s[i].plan_hash, m->plan_hash)) {
			have[g->s[i].shard_i] = 1;
			all_complete &= g->s[i].complete;
		}
	sweep_shard_assign(pts, npts, o.reps, m->shard_n, slice, load);
	for (unsigned s = 1; s <= m->shard_n && !g->missing[0]; s++) {
		if (have[s])
			continue;
		char list[512] = "";
		size_t used = 0, shown = 0, count = 0;
		for (size_t i = 0; i < npts; i++) {
			bool in = false;
			for (unsigned r = 0; r < o.reps; r++)
				in |= slice[i * o.reps + r] + 1 == s;
			if (!in)
				continue;
			count++;
			if (shown < 4 && used < sizeof list) {
				used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
							 shown ? ", " : "", pts[i].key);
				shown++;
			}
		}
		snprintf(g->missing, sizeof g->missing, "shard %u/%u of plan %s is missing "
			 "(points %s%s)", s, m->shard_n, m->plan_hash, list,
			 count > shown ? ", ..." : "");
	}
	for (unsigned s = 1; s <= m->shard_n; s++)
		all_complete &= have[s];
	/* Every (point, rep) pair of the plan, from the rows themselves: a shard that says it is
	 * complete but lacks a pair (another lockbench's split) does not make the set complete. */
	unsigned char *got = calloc(npts * o.reps + 1, 1);
	size_t ngot = 0;
	for (size_t i = first; got && i < g->n; i++) {
		const struct mset *x = &g->s[i];
		if (!x->plan_hash || strcmp(x->plan_hash, m->plan_hash) != 0)
			continue;
		int cp = csv_col(&x->res, "point"), cr = csv_col(&x->res, "rep"),
		    cn = csv_col(&x->res, "ncs_ns");
		for (size_t r = 0; r < x->res.nrows; r++) {
			char key[256];
			unsigned rep = (unsigned)strtoul(x->res.rows[r][cr], NULL, 10);
			sweep_normalize_key(key, sizeof key, x->res.rows[r][cp],
					    cn >= 0 ? x->res.rows[r][cn] : "");
			for (size_t p = 0; p < npts && rep >= 1 && rep <= o.reps; p++)
				if (!strcmp(pts[p].key, key) && !got[p * o.reps + rep - 1]) {
					got[p * o.reps + rep - 1] = 1;
					ngot++;
				}
		}
	}
	if (got && ngot < npts * o.reps) {
		all_complete = false;
		size_t k = 0;
		while (k < npts * o.reps && got[k])
			k++;
		if (!g->missing[0])
			snprintf(g->missing, sizeof g->missing, "plan %s: %zu of its %zu (point, rep) "
				 "pairs are missing (the first: %s rep %zu, of shard %u/%u)",
				 m->plan_hash, npts * o.reps - ngot, npts * o.reps,
				 pts[k / o.reps].key, k % o.reps + 1, slice[k] + 1, m->shard_n);
	}
	free(got);
	if (!all_complete)
		g->complete = false;
	if (all_complete == false && !g->missing[0])
		snprintf(g->missing, sizeof g->missing, "a shard of plan %s did not finish (its "
			 "meta.json is not complete)", m->plan_hash);
	free(pts), free(have), free(slice), free(load);
	return 0;
}

static int check_complete(struct merge *g, char *err, size_t errlen)
{
	g->complete = true;
	for (size_t i = 0; i < g->n; i++) {
		const struct mset *m = &g->s[i];
		bool first = true;
		for (size_t j = 0; j < i && m->plan_hash; j++)
			if (g->s[j].plan_hash && !strcmp(g->s[j].plan_hash, m->plan_hash))
				first = false;
		if (!first)
			continue;
		if (m->plan_hash) {
			int rc = check_plan_group(g, i, err, errlen);
			if (rc)
				return rc;
			continue;
		}
		const char *rt = json_get(&m->meta, "sweep.runs_total");
		g->runs_total += rt ? strtoul(rt, NULL, 10) : m->res.nrows;
		if (!m->complete) {
			g->complete = false;
			if (!g->missing[0])
				snprintf(g->missing, sizeof g->missing, "%.400s is not complete (its "
					 "meta.json says so)", m->dir);
		}
	}
	return 0;
}

/* ---- writing ------------------------------------------------------------------------------------ */

static int write_results(const struct merge *g, const char *dir)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	const struct csv_table *h = &g->s[0].res;
	for (size_t c = 0; c < h->ncols; c++)
		fprintf(f, "%s%s", c ? "," : "", h->header[c]);
	fputc('\n', f);
	for (size_t i = 0; i < g->n; i++) {
		const struct csv_table *t = &g->s[i].res;
		for (size_t r = 0; r < t->nrows; r++) {
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					fputc(',', f);
				output_csv_field(f, t->rows[r][c]);
			}
			fputc('\n', f);
		}
	}
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	int rc = file_write_atomic(dir, "results.csv", text, len);
	free(text);
	return rc;
}

static int read_all(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	*text = NULL;
	*len = 0;
	FILE *m = open_memstream(text, len);
	char buf[65536];
	size_t n;
	while (m && (n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, m);
	int rc = !m ? -ENOMEM : ferror(f) ? -EIO : 0;
	fclose(f);
	if (m && fclose(m) != 0)
		rc = -ENOMEM;
	return rc;
}

/* Copy SET/name to dir/as, when SET has it. */
static int copy_file(const char *set, const char *name, const char *dir, const char *as)
{
	char path[PATH_MAX], *text;
	size_t len;
	snprintf(path, sizeof path, "%.4000s/%s", set, name);
	if (access(path, F_OK) != 0)
		return 0;
	int rc = read_all(path, &text, &len);
	if (rc == 0)
		rc = file_write_atomic(dir, as, text, len);
	free(text);
	return rc;
}

/* One host's latency_hist.csv: the header once, then every set's rows. */
static int write_hist(const struct merge *g, const char *host, const char *dir)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	if (!f)
		return -ENOMEM;
	bool header = false;
	int rc = 0;
	for (size_t i = 0; i < g->n && !rc; i++) {
		if (strcmp(g->s[i].host, host) != 0)
			continue;
		char path[PATH_MAX], *text;
		size_t len;
		snprintf(path, sizeof path, "%.4000s/latency_hist.csv", g->s[i].dir);
		if (access(path, F_OK) != 0 || (rc = read_all(path, &text, &len)) != 0)
			continue;
		char *nl = memchr(text, '\n', len);
		size_t head = nl ? (size_t)(nl - text) + 1 : len;
		if (!header)
			fwrite(text, 1, head, f), header = true;
		fwrite(text + head, 1, len - head, f);
		free(text);
	}
	if (fclose(f) != 0)
		rc = -ENOMEM;
	if (rc == 0 && header)
		rc = file_write_atomic(dir, "latency_hist.csv", out, outlen);
	free(out);
	return rc;
}

/* The "meta" object of a meta.json this lockbench wrote, as text, by matching its braces. */
static char *meta_object(const char *set)
{
	char path[PATH_MAX], *text;
	size_t len;
	snprintf(path, sizeof path, "%.4000s/meta.json", set);
	if (read_all(path, &text, &len) != 0)
		return NULL;
	char *start = strstr(text, "\"meta\": {");
	char *res = NULL;
	if (start) {
		char *p = start + strlen("\"meta\": ");
		int depth = 0;
		bool str = false;
		for (; *p; p++) {
			if (str) {
				if (*p == '\\' && p[1])
					p++;
				else if (*p == '"')
					str = false;
			} else if (*p == '"') {
				str = true;
			} else if (*p == '{') {
				depth++;
			} else if (*p == '}' && --depth == 0) {
				res = strndup(start, (size_t)(p + 1 - start));
				break;
			}
		}
	}
	free(text);
	return res;
}

static void put_value(FILE *f, const struct json_kv *kv)
{
	if (kv->type == JSON_STRING) {
		fputc('"', f);
		for (const char *c = kv->value; *c; c++)
			if (*c == '"' || *c == '\\')
				fprintf(f, "\\%c", *c);
			else if ((unsigned char)*c >= 0x20)
				fputc(*c, f);
		fputc('"', f);
		return;
	}
	if (kv->type != JSON_ARRAY) {
		fputs(kv->value, f);
		return;
	}
	/* A flattened array: numbers stay numbers, anything else is quoted. */
	bool numbers = strspn(kv->value, "0123456789., -") == strlen(kv->value);
	fputc('[', f);
	char *copy = strdup(kv->value), *save = NULL;
	bool first = true;
	for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		fprintf(f, numbers ? "%s%s" : "%s\"%s\"", first ? "" : ", ", tok);
		first = false;
	}
	free(copy);
	fputc(']', f);
}

static int write_meta(const struct merge *g, const char *dir)
{
	char *text = NULL, *meta = meta_object(g->s[0].dir);
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f || !meta) {
		if (f)
			fclose(f);
		free(text);
		free(meta);
		return -EINVAL;
	}
	fprintf(f, "{\n  \"format\": \"lockbench-results v%u\",\n  \"format_version\": %u,\n  %s,\n",
		g->s[0].version, g->s[0].version, meta);
	fprintf(f, "  \"sweep\": {\n    \"complete\": %s,\n    \"state\": \"%s\",\n    \"merged\": "
		   "true,\n    \"sets\": %zu,\n    \"runs_done\": %zu,\n    \"runs_total\": %zu,\n",
		g->complete ? "true" : "false", g->complete ? "complete" : "incomplete", g->n,
		g->runs_done, g->runs_total);
	fprintf(f, "    \"hosts\": [");
	for (size_t h = 0; h < g->nhosts; h++)
		fprintf(f, "%s\"%s\"", h ? ", " : "", g->hosts[h]);
	fprintf(f, "],\n");
	if (g->missing[0]) {
		struct json_kv kv = { NULL, (char *)g->missing, JSON_STRING };
		fprintf(f, "    \"missing\": ");
		put_value(f, &kv);
		fprintf(f, ",\n");
	}
	if (g->nhosts == 1 && g->s[0].plan_hash)
		fprintf(f, "    \"plan_hash\": \"%s\",\n", g->s[0].plan_hash);
	/* The first set's options, as the report reads them (seed, reps, locks, ...). */
	static const char *const skip[] = { "complete", "state", "runs_done", "runs_total",
					    "host", "plan_hash", "shard", "wall_s" };
	const struct json_flat *j = &g->s[0].meta;
	for (size_t i = 0; i < j->n; i++) {
		const char *k = j->kv[i].key;
		if (strncmp(k, "sweep.", 6) != 0 || strchr(k + 6, '.') || strchr(k + 6, '['))
			continue;
		bool skipped = false;
		for (size_t s = 0; s < sizeof skip / sizeof *skip; s++)
			skipped |= strcmp(k + 6, skip[s]) == 0;
		if (skipped)
			continue;
		fprintf(f, "    \"%s\": ", k + 6);
		put_value(f, &j->kv[i]);
		fprintf(f, ",\n");
	}
	fprintf(f, "    \"host_dirs\": \"hosts/NAME/\"\n  }\n}\n");
	free(meta);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	int rc = file_write_atomic(dir, "meta.json", text, len);
	free(text);
	return rc;
}

/* hosts/NAME/: the host's meta.json (its first set's), each shard's, its c2c.csv,
 * handoff.csv, latency_hist.csv and plan.json. */
static int write_host(const struct merge *g, const char *host, const char *tmp)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%.4000s/hosts/%s", tmp, host);
	int rc = sweep_mkdir_p(dir);
	const struct mset *first = NULL;
	for (size_t i = 0; i < g->n && !rc; i++) {
		const struct mset *m = &g->s[i];
		if (strcmp(m->host, host) != 0)
			continue;
		/* The floor of the lowest shard stands for the host. */
		if (!first || (m->plan_hash && first->plan_hash && m->shard_i < first->shard_i))
			first = m;
		if (m->plan_hash) {
			char as[64];
			snprintf(as, sizeof as, "shard-%u-of-%u.meta.json", m->shard_i, m->shard_n);
			rc = copy_file(m->dir, "meta.json", dir, as);
		}
	}
	static const char *const files[] = { "meta.json", "c2c.csv", "handoff.csv", "plan.json" };
	for (size_t k = 0; k < 4 && !rc && first; k++)
		rc = copy_file(first->dir, files[k], dir, files[k]);
	if (!rc)
		rc = write_hist(g, host, dir);
	return rc;
}

/* hosts/NAME/summary.csv: that host's rows of the set's summary (the report's plots of a set
 * of several hosts draw the first one's). */
static int split_summary(const struct merge *g, const char *tmp, char *why, size_t whylen)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%.4000s/summary.csv", tmp);
	struct csv_table t;
	int rc = csv_read(path, "summary", &t, why, whylen);
	if (rc)
		return rc;
	int ch = csv_col(&t, "host");
	for (size_t h = 0; h < g->nhosts && !rc && ch >= 0; h++) {
		char *text = NULL, dir[PATH_MAX];
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (!f) {
			rc = -ENOMEM;
			break;
		}
		for (size_t c = 0; c < t.ncols; c++)
			fprintf(f, "%s%s", c ? "," : "", t.header[c]);
		fputc('\n', f);
		for (size_t r = 0; r < t.nrows; r++) {
			if (strcmp(t.rows[r][ch], g->hosts[h]) != 0)
				continue;
			for (size_t c = 0; c < t.ncols; c++) {
				if (c)
					fputc(',', f);
				output_csv_field(f, t.rows[r][c]);
			}
			fputc('\n', f);
		}
		if (fclose(f) != 0)
			rc = -ENOMEM;
		snprintf(dir, sizeof dir, "%.4000s/hosts/%s", tmp, g->hosts[h]);
		if (!rc)
			rc = file_write_atomic(dir, "summary.csv", text, len);
		free(text);
		if (rc)
			snprintf(why, whylen, "writing %.400s/summary.csv: %s", dir, strerror(-rc));
	}
	csv_free(&t);
	return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int write_set(struct merge *g, const char *out, bool no_report, char *err, size_t errlen)
{
	char tmp[PATH_MAX], why[1024];
	snprintf(tmp, sizeof tmp, "%.3900s.merge-tmp-%ld", out, (long)getpid());
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS); /* a crashed merge's leftover */
	int rc = sweep_mkdir_p(tmp);
	if (rc)
		return fail(err, errlen, rc, "merge: cannot create %.400s: %s", tmp, strerror(-rc));
	if (!(rc = write_results(g, tmp)))
		rc = write_meta(g, tmp);
	for (size_t h = 0; h < g->nhosts && !rc; h++)
		rc = write_host(g, g->hosts[h], tmp);
	if (!rc) { /* the first host's floor and CDF are the set's own (the report draws them) */
		char hd[PATH_MAX];
		snprintf(hd, sizeof hd, "%.3900s/hosts/%s", tmp, g->hosts[0]);
		static const char *const files[] = { "c2c.csv", "handoff.csv", "latency_hist.csv",
						     "plan.json" };
		for (size_t k = 0; k < 4 && !rc; k++)
			if (k < 3 || g->nhosts == 1)
				rc = copy_file(hd, files[k], tmp, files[k]);
	}
	if (rc)
		snprintf(why, sizeof why, "writing %.400s: %s", tmp, strerror(-rc));
	else if ((rc = sweep_summarize(tmp, why, sizeof why)) >= 0)
		rc = split_summary(g, tmp, why, sizeof why);
	if (!rc && !no_report) {
		char rwhy[900];
		if ((rc = report_build(tmp, rwhy, sizeof rwhy)) != 0)
			snprintf(why, sizeof why, "%s", rwhy);
	}
	if (!rc) {
		rmdir(out); /* an empty OUT is replaced; a non-empty one was refused before */
		if (rename(tmp, out) != 0) {
			rc = -errno;
			snprintf(why, sizeof why, "renaming %.400s to %.400s: %s", tmp, out,
				 strerror(errno));
		}
	}
	if (rc) {
		nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		return fail(err, errlen, rc, "merge: %s (nothing written)", why);
	}
	return 0;
}

static bool dir_empty_or_absent(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode))
		return false;
	char probe[PATH_MAX];
	snprintf(probe, sizeof probe, "%.4000s", path);
	return rmdir(probe) == 0 ? (mkdir(probe, 0777), true) : false;
}

int sweep_merge(const char *out, char *const *sets, size_t nsets, bool no_report,
		struct merge_outcome *res, char *err, size_t errlen)
{
	*res = (struct merge_outcome){ 0 };
	if (!dir_empty_or_absent(out)) {
		res->user_error = true;
		return fail(err, errlen, -EEXIST, "merge: '%.400s' exists and is not an empty "
			    "directory: give a new OUT", out);
	}
	struct merge g = { .s = calloc(nsets, sizeof *g.s), .n = nsets };
	if (!g.s)
		return fail(err, errlen, -ENOMEM, "merge: out of memory");
	int rc = 0;
	for (size_t i = 0; i < nsets && !rc; i++) {
		g.s[i].dir = sets[i];
		rc = load_one(&g.s[i], err, errlen);
	}
	if (!rc)
		rc = check_sets(&g, err, errlen);
	if (!rc)
		rc = check_shards(&g, err, errlen);
	if (!rc)
		rc = check_keys(&g, err, errlen);
	for (size_t i = 0; i < nsets && !rc; i++) {
		bool seen = false;
		for (size_t h = 0; h < g.nhosts; h++)
			seen |= strcmp(g.hosts[h], g.s[i].host) == 0;
		if (!sweep_host_ok(g.s[i].host))
			rc = fail(err, errlen, -EINVAL, "merge: %.400s: host '%.80s' cannot name a "
				  "folder", g.s[i].dir, g.s[i].host);
		else if (!seen && g.nhosts == 256)
			rc = fail(err, errlen, -E2BIG, "merge: more than 256 hosts");
		else if (!seen)
			g.hosts[g.nhosts++] = g.s[i].host;
	}
	if (!rc)
		rc = check_complete(&g, err, errlen);
	res->user_error = rc == -EINVAL || rc == -EPROTO || rc == -ENOTDIR;
	if (!rc)
		rc = write_set(&g, out, no_report, err, errlen);
	if (!rc) {
		res->written = true;
		res->complete = g.complete;
		if (!g.complete) {
			rc = -ENODATA;
			snprintf(err, errlen, "merge: %s; %s written as incomplete", g.missing, out);
		}
	}
	for (size_t i = 0; i < nsets; i++) {
		json_free(&g.s[i].meta);
		if (g.s[i].res.rows || g.s[i].res.header)
			csv_free(&g.s[i].res);
	}
	free(g.s);
	return rc;
}
