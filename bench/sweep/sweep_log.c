/* sweep_log.c — the result set as a sweep writes it: results.csv and latency_hist.csv, appended
 * one whole row (or histogram) at a time, and meta.json, rewritten whole with the sweep's state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results/file.h"
#include "results/csvread.h"
#include "results/output.h"
#include "stats/stats.h"
#include "sweep/sweep.h"
#include "topo/topo.h"

struct sweep_meta_args {
	const struct sweep_opts *o;
	size_t npts, runs_done, runs_total;
	const char *state;
	double wall_s;
};

/* meta.json's "sweep" object: what was asked for and how far it got. */
static void write_sweep_keys(struct json_out *j, void *arg)
{
	const struct sweep_meta_args *a = arg;
	const struct sweep_opts *o = a->o;
	const char *locks[MAX_SWEEP_LOCKS];
	uint64_t threads[MAX_SWEEP_THREADS];
	for (unsigned i = 0; i < o->nlocks; i++)
		locks[i] = o->locks[i]->name;
	for (unsigned i = 0; i < o->nthreads; i++)
		threads[i] = o->threads[i];
	json_out_open(j, "sweep", '{');
	json_out_bool(j, "complete", strcmp(a->state, "complete") == 0);
	json_out_str(j, "state", a->state);
	json_out_str(j, "host", o->host);
	if (o->plan_hash[0]) { /* a --plan-file run: which plan, which slice of it */
		char shard[32];
		snprintf(shard, sizeof shard, "%u/%u", o->shard_n ? o->shard_i : 1,
			 o->shard_n ? o->shard_n : 1);
		json_out_str(j, "plan_hash", o->plan_hash);
		json_out_str(j, "shard", shard);
	}
	json_out_u64(j, "seed", o->seed);
	json_out_u64(j, "reps", o->reps);
	json_out_u64(j, "points", a->npts);
	json_out_u64(j, "runs_done", a->runs_done);
	json_out_u64(j, "runs_total", a->runs_total);
	json_out_dbl(j, "wall_s", "%.1f", a->wall_s);
	json_out_bool(j, "quick", o->quick);
	json_out_bool(j, "lock_cost", !o->no_lock_cost);
	json_out_str(j, "placement", placement_name(o->placement));
	json_out_dbl(j, "duration_s", "%.3f", (double)o->duration_ns / 1e9);
	json_out_dbl(j, "warmup_s", "%.3f", (double)o->warmup_ns / 1e9);
	json_out_u64(j, "ncs_ns", o->ncs_ns);
	json_out_u64(j, "permits", o->permits);
	json_out_u64(j, "cdf_threads", o->cdf_threads);
	json_out_str_array(j, "locks", locks, o->nlocks);
	json_out_u64_array(j, "threads", threads, o->nthreads);
	json_out_u64_array(j, "cs_ns", o->cs_ns, o->ncs);
	json_out_close(j, '}');
}

int sweep_write_meta(const char *dir, const struct topo *t, const struct sweep_opts *o,
		      size_t npts, size_t runs_done, size_t runs_total, const char *state,
		      double wall_s)
{
	struct run_meta m;
	int rc = meta_collect(&m, t);
	if (rc)
		return rc;
	if (o->host[0]) /* --host: the name this set goes by, in a merge too */
		snprintf(m.host, sizeof m.host, "%s", o->host);
	struct sweep_meta_args a = { o, npts, runs_done, runs_total, state, wall_s };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	rc = output_meta_json_more(f, &m, write_sweep_keys, &a);
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0)
		rc = file_write_atomic(dir, "meta.json", text, len);
	free(text);
	return rc;
}

static int log_append(struct sweep_log *l, const char *text, size_t len, char *err,
		      size_t errlen)
{
	off_t before = lseek(l->fd, 0, SEEK_END);
	int rc = file_write_all(l->fd, text, len);
	if (rc) {
		/* Best effort: what ftruncate leaves, --resume trims to the last newline. */
		if (before >= 0 && ftruncate(l->fd, before) != 0)
			(void)0;
		snprintf(err, errlen, "writing %.800s: %s", l->path, strerror(-rc));
	}
	return rc;
}

/* Close the open_memstream m that collected *text, and append what it holds unless formatting
 * failed (rc, or the close's -ENOMEM, the only way a memstream fails). Frees *text. */
static int log_append_memstream(struct sweep_log *l, FILE *m, char **text, size_t *len, int rc,
				char *err, size_t errlen)
{
	if (fclose(m) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc)
		snprintf(err, errlen, "formatting a row of %.800s: %s", l->path, strerror(-rc));
	else
		rc = log_append(l, *text, *len, err, errlen);
	free(*text);
	*text = NULL;
	return rc;
}

/* One results.csv row: the harness's columns, then the sweep's. */
int sweep_log_row(struct sweep_log *l, const struct run_params *p,
		      const struct thread_plan *plan, const struct run_result *r,
		      const struct sweep_point *pt, size_t order, uint64_t seed, double c2c_before,
		      double c2c_after, double steal_pct, double other_pct, const char *host,
		      char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return -errno;
	/* The sweep's columns, formatted here and put in place by the harness's row writer. */
	char more[256];
	char c2c_b[32] = "", c2c_a[32] = "", steal[32] = "", other[32] = "";
	if (isfinite(c2c_before))
		snprintf(c2c_b, sizeof c2c_b, "%.1f", c2c_before);
	if (isfinite(c2c_after))
		snprintf(c2c_a, sizeof c2c_a, "%.1f", c2c_after);
	if (isfinite(steal_pct))
		snprintf(steal, sizeof steal, "%.2f", steal_pct);
	if (isfinite(other_pct))
		snprintf(other, sizeof other, "%.2f", other_pct);
	/* host: checked by sweep_host_ok, so a bare CSV field. */
	int n = snprintf(more, sizeof more, ",%s,%zu,%llu,%s,%s,%s,%s,%s", pt->key, order,
			 (unsigned long long)seed, c2c_b, c2c_a, steal, other, host);
	int rc = n < 0 || (size_t)n >= sizeof more ? -EOVERFLOW
						   : output_csv_row_more(m, p, plan, r, more);
	return log_append_memstream(l, m, &text, &len, rc, err, errlen);
}

int sweep_log_hist(struct sweep_log *l, const struct sweep_point *pt, unsigned rep,
		       const struct latency_hist *h, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return -errno;
	for (unsigned i = 0; i < LAT_HIST_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		uint64_t lo, hi;
		lat_hist_bucket_range(i, &lo, &hi);
		fprintf(m, "%s,%u,%u,%llu,%llu,%u,%llu,%llu,%llu" CSV_VERSION_FIELD "\n",
			pt->lock->name, pt->permits,
			pt->threads, (unsigned long long)pt->cs_ns, (unsigned long long)pt->ncs_ns, rep,
			(unsigned long long)lo, (unsigned long long)hi,
			(unsigned long long)h->bucket[i]);
	}
	return log_append_memstream(l, m, &text, &len, 0, err, errlen);
}

/* Open DIR/NAME for appending, writing the header row when it is new. */
int sweep_log_open(struct sweep_log *l, const char *dir, const char *name, const char *header, char *err, size_t errlen)
{
	snprintf(l->path, sizeof l->path, "%s/%s", dir, name);
	int rc = sweep_trim_partial_line(l->path);
	if (rc) {
		snprintf(err, errlen, "%.800s: %s", l->path, strerror(-rc));
		return rc;
	}
	/* O_NONBLOCK: a FIFO in the set's place must be refused, not waited on for a reader. */
	l->fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
	if (l->fd < 0) {
		rc = errno == ENXIO ? -EINVAL : -errno; /* ENXIO: a FIFO nobody reads */
		snprintf(err, errlen, "cannot write %.800s: %s", l->path,
			 rc == -EINVAL ? "not a regular file" : strerror(-rc));
		return rc;
	}
	struct stat st;
	if (fstat(l->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    fcntl(l->fd, F_SETFL, O_APPEND) != 0) {
		snprintf(err, errlen, "cannot write %.800s: not a regular file", l->path);
		close(l->fd);
		l->fd = -1;
		return -EINVAL;
	}
	off_t size = lseek(l->fd, 0, SEEK_END);
	if (size == 0) {
		char head[1024];
		int n = snprintf(head, sizeof head, "%s" CSV_VERSION_HEADER "\n", header);
		rc = log_append(l, head, (size_t)n, err, errlen);
	} else if (size < 0) {
		rc = -errno;
		snprintf(err, errlen, "%.800s: %s", l->path, strerror(-rc));
	}
	if (rc) {
		close(l->fd);
		l->fd = -1;
	}
	return rc;
}

int sweep_log_close(struct sweep_log *l, char *err, size_t errlen)
{
	if (l->fd < 0)
		return 0;
	int rc = close(l->fd) == 0 ? 0 : -errno;
	l->fd = -1;
	if (rc)
		snprintf(err, errlen, "closing %.800s: %s", l->path, strerror(-rc));
	return rc;
}
