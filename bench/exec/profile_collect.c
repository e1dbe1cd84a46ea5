/* profile_collect.c — profile_collect (profile.h): find the files, read, merge and symbolise each
 * in turn (one file mapped at a time, so a program that forked a thousand processes costs one
 * map), then write the three outputs.
 */
#include "exec/profile.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "exec/profile_model.h"
#include "exec/symbolize.h"

/* prof.PID.lbp, or prof.PID-N.lbp for the N-th image a process exec'd (the writer's names). */
struct prof_name {
	long pid, image; /* from the name, for the order; pid -1 when the name has no number */
	char *name;
};

static int cmp_names(const void *a, const void *b)
{
	const struct prof_name *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->image != y->image)
		return x->image < y->image ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool is_profile_name(const char *n)
{
	size_t len = strlen(n), pre = strlen(LBP_FILE_PREFIX), suf = strlen(LBP_FILE_SUFFIX);
	return len > pre + suf && strncmp(n, LBP_FILE_PREFIX, pre) == 0 &&
	       strcmp(n + len - suf, LBP_FILE_SUFFIX) == 0;
}

/* The prof.*.lbp names in dir, by pid. 0 (with *n possibly 0) or -1 with err. */
static int list_files(const char *dir, struct prof_name **out, size_t *n, char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: cannot open the profile folder: %s", dir, strerror(errno));
		return -1;
	}
	struct prof_name *v = NULL;
	size_t cap = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d))) {
		if (!is_profile_name(e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			struct prof_name *nv = realloc(v, cap * sizeof *nv);
			if (!nv)
				goto nomem;
			v = nv;
		}
		char *end;
		long pid = strtol(e->d_name + strlen(LBP_FILE_PREFIX), &end, 10), image = 0;
		if (*end == '-')
			image = strtol(end + 1, &end, 10);
		if (strcmp(end, LBP_FILE_SUFFIX) != 0)
			pid = -1, image = 0;
		if (!(v[*n].name = strdup(e->d_name)))
			goto nomem;
		v[*n].image = image;
		v[(*n)++].pid = pid;
		errno = 0;
	}
	if (errno) {
		snprintf(err, errlen, "%s: cannot read the profile folder: %s", dir, strerror(errno));
		goto fail;
	}
	closedir(d);
	if (*n) /* qsort of a NULL array is undefined, even of none */
		qsort(v, *n, sizeof *v, cmp_names);
	*out = v;
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory listing the profile files", dir);
fail:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free(v[i].name);
	free(v);
	*n = 0;
	return -1;
}

static int cmp_addr(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Each distinct return address of rows [first, nrows) symbolised once, then the sites joined
 * innermost first; leading frames inside the interposer itself are not the program's. */
static int symbolize_rows(struct profile_set *s, size_t first, const struct profile_file *f,
			  struct symbolizer *sym)
{
	struct proc_maps maps;
	if (proc_maps_parse(&maps, f->maps, f->maps_len) != 0)
		return -ENOMEM;
	size_t naddr = 0;
	uint64_t *addrs = malloc(((s->nrows - first) * LBP_FRAMES + 1) * sizeof *addrs);
	if (!addrs) {
		proc_maps_free(&maps);
		return -ENOMEM;
	}
	for (size_t i = first; i < s->nrows; i++)
		for (uint32_t k = 0; k < s->rows[i].nframes; k++)
			addrs[naddr++] = s->rows[i].site[k];
	qsort(addrs, naddr, sizeof *addrs, cmp_addr);
	size_t nu = 0;
	for (size_t i = 0; i < naddr; i++)
		if (nu == 0 || addrs[i] != addrs[nu - 1])
			addrs[nu++] = addrs[i];
	char **text = calloc(nu + 1, sizeof *text);
	int rc = text ? 0 : -ENOMEM;
	char buf[1024];
	for (size_t i = 0; i < nu && rc == 0; i++) {
		if (symbolize_in_preload(&maps, addrs[i]))
			continue; /* text stays NULL: skipped when leading */
		symbolize_frame(sym, &maps, addrs[i], buf, sizeof buf);
		if (!(text[i] = strdup(buf)))
			rc = -ENOMEM;
	}
	for (size_t i = first; i < s->nrows && rc == 0; i++) {
		struct profile_row *r = &s->rows[i];
		size_t len = 1, used = 0;
		const char *parts[LBP_FRAMES];
		bool leading = true;
		for (uint32_t k = 0; k < r->nframes; k++) {
			uint64_t *hit = bsearch(&r->site[k], addrs, nu, sizeof *addrs, cmp_addr);
			const char *t = text[hit - addrs];
			if (!t && leading)
				continue;
			leading = false;
			if (!t) /* the interposer again, deeper down (a callback): name it plainly */
				t = "(liblockbench-preload.so)";
			parts[used++] = t;
			len += strlen(t) + 3;
		}
		if (!(r->site_text = malloc(len))) {
			rc = -ENOMEM;
			break;
		}
		r->site_text[0] = '\0';
		for (size_t k = 0; k < used; k++) {
			if (k)
				strcat(r->site_text, " < ");
			strcat(r->site_text, parts[k]);
		}
	}
	for (size_t i = 0; i < nu; i++)
		free(text ? text[i] : NULL);
	free(text);
	free(addrs);
	proc_maps_free(&maps);
	return rc;
}

int profile_collect(const char *dir, const struct profile_meta *meta, unsigned top, FILE *out,
		    char *err, size_t errlen)
{
	struct prof_name *names;
	size_t n;
	if (list_files(dir, &names, &n, err, errlen) != 0)
		return -1;
	if (n == 0) {
		snprintf(err, errlen,
			 "%s: no profile files (%s*%s): no process of the program ran with the "
			 "preload library",
			 dir, LBP_FILE_PREFIX, LBP_FILE_SUFFIX);
		free(names);
		return -1;
	}
	struct profile_set set = { 0 };
	struct symbolizer *sym = symbolizer_new();
	int rc = sym ? 0 : -1;
	if (!sym)
		snprintf(err, errlen, "out of memory");
	for (size_t i = 0; i < n && rc == 0; i++) {
		char path[4096];
		struct profile_file f;
		snprintf(path, sizeof path, "%s/%s", dir, names[i].name);
		if (profile_file_open(&f, path, err, errlen) != 0) {
			rc = -1;
			break;
		}
		size_t first = set.nrows;
		rc = profile_merge_file(&set, &f, err, errlen);
		if (rc == 0 && symbolize_rows(&set, first, &f, sym) != 0) {
			snprintf(err, errlen, "%s: out of memory naming the call sites", path);
			rc = -1;
		}
		profile_file_close(&f);
	}
	if (rc == 0 && profile_finish(&set) != 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	int werr;
	if (rc == 0 && (werr = profile_write_csv(&set, dir)) != 0) {
		snprintf(err, errlen, "%s/profile.csv: cannot write: %s", dir, strerror(-werr));
		rc = -1;
	}
	if (rc == 0 && (werr = profile_write_json(&set, meta, dir)) != 0) {
		snprintf(err, errlen, "%s/profile.json: cannot write: %s", dir, strerror(-werr));
		rc = -1;
	}
	if (rc == 0 && out && (werr = profile_print_table(&set, meta, top, out)) != 0) {
		snprintf(err, errlen, "cannot print the profile table: %s", strerror(-werr));
		rc = -1;
	}
	profile_set_free(&set);
	symbolizer_free(sym);
	for (size_t i = 0; i < n; i++)
		free(names[i].name);
	free(names);
	return rc;
}
