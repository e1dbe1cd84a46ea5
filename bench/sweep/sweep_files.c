/* sweep_files.c — the result set's own files: its folder, sweep.args (what --resume re-reads),
 * and what results.csv already holds (the runs --resume may skip).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "parse/parse.h"
#include "plugin/plugin.h"
#include "results/csvread.h"
#include "results/file.h"
#include "results/output.h"
#include "sweep/sweep.h"

int sweep_read_results(const char *dir, struct csv_table *t, char *err, size_t errlen)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/results.csv", dir);
	return csv_read(path, "results", t, err, errlen);
}

/* ---- the result set's own files -------------------------------------------------------------- */

int sweep_mkdir_p(const char *path)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *s = buf + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(buf, 0777) != 0 && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

void sweep_default_host(char *buf, size_t len)
{
	char host[256] = "host";
	if (gethostname(host, sizeof host - 1) != 0 || !host[0])
		snprintf(host, sizeof host, "host");
	host[SWEEP_HOST_MAX - 1] = '\0';
	for (char *s = host; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '_' || *s == '-'))
			*s = '_';
	if (!strcmp(host, ".") || !strcmp(host, ".."))
		snprintf(host, sizeof host, "host");
	snprintf(buf, len, "%s", host);
}

bool sweep_host_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= SWEEP_HOST_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *s = name; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* results/<host>-<UTC time>, with the host the set records. */
static void out_dir_for(char *buf, size_t len, const char *host)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, len, "results/%s-%s", host, stamp);
}

void sweep_default_out_dir(char *buf, size_t len)
{
	char host[SWEEP_HOST_MAX];
	sweep_default_host(host, sizeof host);
	out_dir_for(buf, len, host);
}

void sweep_out_dir_for_host(char *buf, size_t len, const char *host)
{
	out_dir_for(buf, len, host);
}

/* sweep.args: the options the sweep was started with, one per line, the seed always included,
 * so that --resume re-runs the same plan in the same order. */
int sweep_write_args(const char *dir, int argc, char **argv, uint64_t seed)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--out=", 6) == 0 || strcmp(argv[i], "--seed") == 0 ||
		    strncmp(argv[i], "--seed=", 7) == 0) {
			if (strcmp(argv[i], "--seed") == 0)
				i++;
			continue;
		}
		fprintf(f, "%s\n", argv[i]);
	}
	fprintf(f, "--seed=%llu\n", (unsigned long long)seed);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	int rc = file_write_atomic(dir, "sweep.args", text, len);
	free(text);
	return rc;
}

int sweep_read_args(const char *dir, int *argc, char ***argv, char **storage)
{
	char *text;
	size_t len;
	int rc = file_read_text(dir, "sweep.args", 1 << 20, &text, &len);
	if (rc)
		return rc;
	ssize_t n = (ssize_t)len;
	/* Every sweep.args this program writes ends with the seed; anything else (empty, cut
	 * short, a NUL byte inside) would resume as a different sweep. */
	if (!strstr(text, "--seed=")) {
		free(text);
		return -EINVAL;
	}
	int count = 1;
	for (ssize_t i = 0; i < n; i++)
		count += text[i] == '\n';
	char **v = calloc((size_t)count + 2, sizeof *v);
	if (!v) {
		free(text);
		return -ENOMEM;
	}
	int c = 0;
	v[c++] = "sweep";
	for (char *save = NULL, *tok = strtok_r(text, "\n", &save); tok;
	     tok = strtok_r(NULL, "\n", &save))
		v[c++] = tok;
	v[c] = NULL;
	*argc = c;
	*argv = v;
	*storage = text;
	return 0;
}

/* A row cut short by a crash is dropped: keep the file up to its last newline. */
int sweep_trim_partial_line(const char *path)
{
	int fd = open(path, O_RDWR);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	off_t size = lseek(fd, 0, SEEK_END), end = size;
	char c;
	while (end > 0 && pread(fd, &c, 1, end - 1) == 1 && c != '\n')
		end--;
	int rc = 0;
	if (end != size && ftruncate(fd, end) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Appending rows of one layout to a file of another would leave a file no reader can trust:
 * --resume refuses a set written by a lockbench with other columns (an older one, or one from
 * before the measuring side's columns), naming the first difference. */
static int check_layout(const struct csv_table *t, const char *want, char *err, size_t errlen)
{
	if (t->version != RESULTS_FORMAT_VERSION) {
		snprintf(err, errlen, "%s: result format v%u, this lockbench writes v%d; finish it "
			 "with the lockbench that started it, or start a new sweep with --out",
			 t->path, t->version, RESULTS_FORMAT_VERSION);
		return -EPROTO;
	}
	char *copy = strdup(want), *save = NULL;
	if (!copy)
		return -ENOMEM;
	size_t k = 0;
	const char *name = strtok_r(copy, ",", &save);
	while (name && k < t->ncols && strcmp(t->header[k], name) == 0) {
		name = strtok_r(NULL, ",", &save);
		k++;
	}
	int rc = 0;
	if (name || k != t->ncols) {
		snprintf(err, errlen, "%s: its columns differ from the ones this lockbench writes "
			 "(column %zu is '%.60s', expected '%.60s'); finish it with the lockbench "
			 "that started it, or start a new sweep with --out", t->path, k + 1,
			 k < t->ncols ? t->header[k] : "(none)", name ? name : "(none)");
		rc = -EPROTO;
	}
	free(copy);
	return rc;
}

/* Which (point, rep) pairs results.csv already holds, as done[point * reps + rep]. */
int sweep_load_done(const char *dir, const struct sweep_point *pts, size_t npts, unsigned reps,
		     unsigned char *done, size_t *ndone, char *err, size_t errlen)
{
	*ndone = 0;
	struct csv_table t;
	int rc = sweep_read_results(dir, &t, err, errlen);
	if (rc)
		return rc;
	rc = check_layout(&t, OUTPUT_CSV_HEADER RESULTS_SWEEP_COLUMNS CSV_VERSION_HEADER, err, errlen);
	if (rc) {
		csv_free(&t);
		return rc;
	}
	char path[1200];
	snprintf(path, sizeof path, "%s/latency_hist.csv", dir);
	struct stat st; /* empty: its header's write failed, open_log writes it again */
	if (stat(path, &st) == 0 && st.st_size > 0) {
		struct csv_table h;
		if ((rc = csv_read(path, "latency_hist", &h, err, errlen)) == 0) {
			rc = check_layout(&h, SWEEP_HIST_HEADER CSV_VERSION_HEADER, err, errlen);
			csv_free(&h);
		}
		if (rc) {
			csv_free(&t);
			return rc;
		}
	}
	int cpoint = csv_need_col(&t, "point", err, errlen);
	int crep = cpoint >= 0 ? csv_need_col(&t, "rep", err, errlen) : -1;
	int cstatus = crep >= 0 ? csv_need_col(&t, "status", err, errlen) : -1;
	int cncs = csv_col(&t, "ncs_ns");
	if (cstatus < 0) {
		csv_free(&t);
		return -EINVAL;
	}
	for (size_t r = 0; r < t.nrows; r++) {
		unsigned rep; /* counted from 1 in the file */
		if (parse_uint(t.rows[r][crep], 1, reps, &rep) != 0)
			continue;
		rep--;
		char key[256];
		sweep_normalize_key(key, sizeof key, t.rows[r][cpoint],
				    cncs >= 0 ? t.rows[r][cncs] : "");
		for (size_t i = 0; i < npts; i++)
			if (strcmp(pts[i].key, key) == 0 && !done[i * reps + rep]) {
				done[i * reps + rep] = 1;
				(*ndone)++;
			}
	}
	csv_free(&t);
	return 0;
}
