/* exec_set.c — the which-lock result set's files: results.csv, summary.csv, meta.json and
 * exec.args (exec_set.h). The report is exec_report.c.
 *
 * results.csv is small (locks × reps rows), so it is rewritten whole through a temporary after
 * every run (results/file.h): an interruption, a crash or a full disk leaves the previous
 * complete file, never half a row, and --resume reads exactly the runs that finished.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "exec/exec_set.h"
#include "parse/parse.h"
#include "results/csvread.h"
#include "results/file.h"
#include "results/output.h"
#include "stats/stats.h"


static int candidate(const struct exec_set *s, const char *lock)
{
	for (unsigned i = 0; i < s->ncand; i++)
		if (strcmp(s->cand[i], lock) == 0)
			return (int)i;
	return -1;
}

bool exec_set_done(const struct exec_set *s, const char *lock, unsigned rep)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].rep == rep && strcmp(s->rows[i].lock, lock) == 0)
			return true;
	return false;
}

static int push(struct exec_set *s, const struct exec_row *row)
{
	if (s->nrows == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct exec_row *bigger = realloc(s->rows, cap * sizeof *bigger);
		if (!bigger)
			return -ENOMEM;
		s->rows = bigger;
		s->cap = cap;
	}
	s->rows[s->nrows++] = *row;
	return 0;
}

/* A number, or an empty field when it was not measured. */
static void num(FILE *f, const char *fmt, double v)
{
	fputc(',', f);
	if (isfinite(v))
		fprintf(f, fmt, v);
}

static void write_row(FILE *f, const struct exec_row *r)
{
	output_csv_field(f, r->lock);
	fprintf(f, ",%u,%u", r->rep, r->order);
	num(f, "%.6f", r->run.wall_s);
	num(f, "%.6f", r->run.user_s);
	num(f, "%.6f", r->run.sys_s);
	fprintf(f, ",%ld,%ld,", r->run.vcsw, r->run.ivcsw);
	int ws = r->run.wait_status;
	if (WIFEXITED(ws))
		fprintf(f, "%d,", WEXITSTATUS(ws));
	else
		fprintf(f, ",SIG%s", WIFSIGNALED(ws) && sigabbrev_np(WTERMSIG(ws))
					     ? sigabbrev_np(WTERMSIG(ws)) : "?");
	fprintf(f, ",%d", r->run.timed_out ? 1 : 0);
	num(f, "%.9g", r->metric);
	fprintf(f, ",%s,", r->status);
	output_csv_field(f, r->note);
	fputs(CSV_VERSION_FIELD "\n", f);
}

static int write_results(const struct exec_set *s, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return exec_fail(err, errlen, -errno, "results.csv: %s", strerror(errno));
	fputs(EXEC_RESULTS_COLUMNS CSV_VERSION_HEADER "\n", f);
	for (size_t i = 0; i < s->nrows; i++)
		write_row(f, &s->rows[i]);
	if (fclose(f) != 0) {
		free(text);
		return exec_fail(err, errlen, -ENOMEM, "results.csv: out of memory");
	}
	int rc = file_write_atomic(s->dir, "results.csv", text, len);
	free(text);
	if (rc)
		return exec_fail(err, errlen, rc, "writing %.900s/results.csv: %s", s->dir, strerror(-rc));
	return 0;
}

int exec_set_add(struct exec_set *s, const struct exec_row *row, char *err, size_t errlen)
{
	if (push(s, row))
		return exec_fail(err, errlen, -ENOMEM, "out of memory");
	return write_results(s, err, errlen);
}

void exec_set_free(struct exec_set *s)
{
	free(s->rows);
	s->rows = NULL;
	s->nrows = s->cap = 0;
}

/* Rebuild a wait status from the exit_status / signal fields. */
static int parse_status(const char *code, const char *sig, int *ws)
{
	if (*code) {
		unsigned c;
		if (parse_uint(code, 0, 255, &c))
			return -EINVAL;
		*ws = (int)(c << 8);
		return 0;
	}
	for (int n = 1; n < 65; n++) {
		const char *a = sigabbrev_np(n);
		if (a && strncmp(sig, "SIG", 3) == 0 && strcmp(sig + 3, a) == 0) {
			*ws = n;
			return 0;
		}
	}
	return -EINVAL;
}

static int load_row(const struct exec_set *s, const struct csv_table *t, size_t i,
		    const int *col, struct exec_row *r, char *err, size_t errlen)
{
	char *const *f = t->rows[i];
	memset(r, 0, sizeof *r);
	double v[5];
	for (int k = 0; k < 5; k++) {
		int rc = csv_double(t, i, col[3 + k], &v[k], err, errlen);
		if (rc)
			return rc;
	}
	unsigned rep, order, timed;
	if (candidate(s, f[col[0]]) < 0 || parse_uint(f[col[1]], 1, s->reps, &rep) ||
	    parse_uint(f[col[2]], 1, s->ncand, &order) || parse_uint(f[col[10]], 0, 1, &timed) ||
	    parse_status(f[col[8]], f[col[9]], &r->run.wait_status) ||
	    (strcmp(f[col[12]], "ok") != 0 && strcmp(f[col[12]], "failed") != 0 &&
	     strcmp(f[col[12]], "timeout") != 0))
		return exec_fail(err, errlen, -EINVAL, "%s:%u: a row that is not a run of this set's "
			    "plan (lock '%.64s', rep '%.16s')", t->path, t->line[i], f[col[0]],
			    f[col[1]]);
	snprintf(r->lock, sizeof r->lock, "%s", f[col[0]]);
	r->rep = rep;
	r->order = order;
	r->run.wall_s = v[0], r->run.user_s = v[1], r->run.sys_s = v[2];
	r->run.vcsw = (long)v[3], r->run.ivcsw = (long)v[4];
	r->run.timed_out = timed;
	r->metric = NAN;
	int rc = csv_double(t, i, col[11], &r->metric, err, errlen);
	if (rc)
		return rc;
	snprintf(r->status, sizeof r->status, "%s", f[col[12]]);
	snprintf(r->note, sizeof r->note, "%s", f[col[13]]);
	return 0;
}

int exec_set_load(struct exec_set *s, char *err, size_t errlen)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/results.csv", s->dir);
	struct stat st;
	if (stat(path, &st) != 0 && errno == ENOENT)
		return 0;
	struct csv_table t;
	int rc = csv_read(path, NULL, &t, err, errlen);
	if (rc)
		return rc;
	static const char *const names[] = { "lock", "rep", "order", "wall_s", "user_s", "sys_s",
		"vcsw", "ivcsw", "exit_status", "signal", "timed_out", "metric", "status", "note" };
	int col[14];
	for (int k = 0; k < 14 && !rc; k++)
		if ((col[k] = csv_need_col(&t, names[k], err, errlen)) < 0)
			rc = -EINVAL;
	for (size_t i = 0; !rc && i < t.nrows; i++) {
		struct exec_row r;
		rc = load_row(s, &t, i, col, &r, err, errlen);
		if (!rc && exec_set_done(s, r.lock, r.rep))
			rc = exec_fail(err, errlen, -EINVAL, "%s:%u: lock %s, rep %u is there twice", path,
				  t.line[i], r.lock, r.rep);
		if (!rc && push(s, &r))
			rc = exec_fail(err, errlen, -ENOMEM, "out of memory");
	}
	csv_free(&t);
	return rc;
}

/* One argument on one line: a newline or a backslash in it escaped. */
static void put_arg(FILE *f, const char *a)
{
	for (; *a; a++) {
		if (*a == '\\')
			fputs("\\\\", f);
		else if (*a == '\n')
			fputs("\\n", f);
		else
			fputc(*a, f);
	}
	fputc('\n', f);
}

int exec_args_write(const char *dir, int argc, char **argv, uint64_t seed)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	bool prog = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		/* Not where it was written, nor how it was seeded: the seed is added below. */
		if (!prog && (strcmp(a, "--out") == 0 || strcmp(a, "--seed") == 0)) {
			i++;
			continue;
		}
		if (!prog && (strncmp(a, "--out=", 6) == 0 || strncmp(a, "--seed=", 7) == 0))
			continue;
		if (!prog && strcmp(a, "--") == 0) {
			fprintf(f, "--seed=%llu\n", (unsigned long long)seed);
			prog = true;
		}
		put_arg(f, a);
	}
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	int rc = file_write_atomic(dir, "exec.args", text, len);
	free(text);
	return rc;
}

int exec_args_read(const char *dir, int *argc, char ***argv, char **storage)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/exec.args", dir);
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	/* A FIFO or a device would make the read wait or never end. */
	if (!S_ISREG(st.st_mode) || st.st_size > (1 << 20))
		return -EINVAL;
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char *text = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&text, &cap, '\0', f);
	bool more = n > 0 && fgetc(f) != EOF;
	fclose(f);
	/* Every exec.args this program writes has the seed and the program after `--`. */
	if (n <= 0 || more || memchr(text, '\0', (size_t)n) || !strstr(text, "--seed=") ||
	    !strstr(text, "\n--\n") || text[n - 1] != '\n') {
		free(text);
		return -EINVAL;
	}
	int count = 2;
	for (ssize_t i = 0; i < n; i++)
		count += text[i] == '\n';
	char **v = calloc((size_t)count + 1, sizeof *v);
	if (!v) {
		free(text);
		return -ENOMEM;
	}
	int c = 0;
	v[c++] = "exec";
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		*nl = '\0';
		/* Unescape in place: the text only shrinks. */
		char *w = line;
		for (char *r = line; *r; r++) {
			if (*r == '\\' && (r[1] == 'n' || r[1] == '\\')) {
				*w++ = r[1] == 'n' ? '\n' : '\\';
				r++;
			} else {
				*w++ = *r;
			}
		}
		*w = '\0';
		v[c++] = line;
		line = nl + 1;
	}
	v[c] = NULL;
	*argc = c;
	*argv = v;
	*storage = text;
	return 0;
}

struct meta_args {
	const struct exec_set *s;
	const char *state;
};

static void write_exec_keys(struct json_out *j, void *arg)
{
	const struct meta_args *a = arg;
	const struct exec_set *s = a->s;
	json_out_open(j, "exec", '{');
	json_out_bool(j, "complete", strcmp(a->state, "complete") == 0);
	json_out_str(j, "state", a->state);
	json_out_str(j, "program", s->program);
	json_out_str_array(j, "argv", (const char *const *)s->argv, (size_t)s->argc);
	json_out_str_array(j, "locks", s->cand, s->ncand);
	json_out_u64(j, "reps", s->reps);
	json_out_u64(j, "seed", s->seed);
	json_out_u64(j, "runs_done", s->nrows);
	json_out_u64(j, "runs_total", (uint64_t)s->ncand * s->reps);
	json_out_str(j, "judged_by", s->metric_regex ? "metric" : "wall_s");
	if (s->metric_regex) {
		json_out_str(j, "metric_regex", s->metric_regex);
		json_out_str(j, "metric_stream", s->metric_stderr ? "stderr" : "stdout");
	}
	json_out_bool(j, "higher_is_better", s->higher_better);
	json_out_dbl(j, "timeout_s", "%.3f", (double)s->timeout_ns / 1e9);
	json_out_close(j, '}');
}

int exec_set_write_meta(const struct exec_set *s, const char *state, char *err, size_t errlen)
{
	struct run_meta m;
	int rc = meta_collect(&m, NULL);
	if (rc)
		return exec_fail(err, errlen, rc, "meta.json: %s", strerror(-rc));
	struct meta_args a = { s, state };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return exec_fail(err, errlen, -errno, "meta.json: %s", strerror(errno));
	rc = output_meta_json_more(f, &m, write_exec_keys, &a);
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0)
		rc = file_write_atomic(s->dir, "meta.json", text, len);
	free(text);
	if (rc)
		return exec_fail(err, errlen, rc, "writing %.900s/meta.json: %s", s->dir, strerror(-rc));
	return 0;
}
