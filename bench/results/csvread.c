/* csvread.c — a small reader for lockbench's result CSVs; see csvread.h for the format.
 *
 * The whole file is read into memory (result sets are small) and split into records by a
 * character-level state machine, so quoted commas, doubled quotes and quoted newlines are handled
 * and line numbers stay right. Every way the bytes can be wrong ends in one message naming the
 * file and the line; nothing here prints or aborts.
 */
#include "results/csvread.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CSV_MAX_BYTES (1u << 30)
#define CSV_MAX_COLS 4096
#define CSV_CHECK_BYTES (64u << 10)

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Up to 40 bytes of `s` as printable ASCII, for quoting bad input in a message. */
static const char *shown(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 4 < buflen && i < 40; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r')
			break;
		buf[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (len > 40 && o + 4 < buflen) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* The first line. A v1 file opens with `# lockbench-results v1 KIND`; a v2 file with its header
 * row (*version = 0 here: the rows' format_version column says it, see check_row_version). */
static int check_first_line(const char *text, size_t len, const char *name, const char *want_kind,
			    char kind[32], unsigned *version_out, char *err, size_t errlen)
{
	static const char magic[] = "# lockbench-results v";
	const size_t mlen = sizeof magic - 1;
	char buf[64];
	size_t eol = 0;
	while (eol < len && text[eol] != '\n')
		eol++;
	*version_out = 0;
	kind[0] = '\0';
	if (len == 0)
		return fail(err, errlen, -EINVAL, "%s:1: empty file, not a lockbench result file",
			    name);
	if (text[0] != '#')
		return 0;
	if (eol < mlen || memcmp(text, magic, mlen) != 0)
		return fail(err, errlen, -EINVAL,
			    "%s:1: not a lockbench result file (first line '%s', expected a header "
			    "row ending in '" RESULTS_FORMAT_COLUMN "')",
			    name, shown(text, eol, buf, sizeof buf));
	size_t i = mlen;
	unsigned long version = 0;
	bool digits = false;
	while (i < eol && text[i] >= '0' && text[i] <= '9' && version < 100000) {
		version = version * 10 + (unsigned long)(text[i++] - '0');
		digits = true;
	}
	if (!digits || (i < eol && text[i] != ' ' && text[i] != '\r'))
		return fail(err, errlen, -EINVAL, "%s:1: unreadable format line '%s'", name,
			    shown(text, eol, buf, sizeof buf));
	/* Only v1 had a format line: a later version written that way is not one we know. */
	if (version != 1)
		return fail(err, errlen, -EPROTO,
			    "%s:1: result format v%lu; this lockbench reads v%d to v%d only", name,
			    version, RESULTS_FORMAT_OLDEST, RESULTS_FORMAT_VERSION);
	*version_out = 1;
	while (i < eol && text[i] == ' ')
		i++;
	size_t k = 0;
	while (i < eol && text[i] != ' ' && text[i] != '\r' && k + 1 < 32)
		kind[k++] = text[i++];
	kind[k] = '\0';
	if (want_kind && strcmp(kind, want_kind) != 0)
		return fail(err, errlen, -EINVAL, "%s:1: a '%s' file where a '%s' file was expected",
			    name, kind[0] ? kind : "(no kind)", want_kind);
	return 0;
}

/* A v2 row's format_version field: this version, or the row is refused. */
static int check_row_version(const char *field, const char *name, unsigned line, char *err,
			     size_t errlen)
{
	char want[16], buf[64];
	snprintf(want, sizeof want, "%d", RESULTS_FORMAT_VERSION);
	if (strcmp(field, want) == 0)
		return 0;
	return fail(err, errlen, -EPROTO,
		    "%s:%u: " RESULTS_FORMAT_COLUMN " '%s'; this lockbench reads v%d to v%d only",
		    name, line, shown(field, strlen(field), buf, sizeof buf), RESULTS_FORMAT_OLDEST,
		    RESULTS_FORMAT_VERSION);
}

/* A growable array of strings: one record's fields. */
struct fields {
	char **v;
	size_t n, cap;
};

static int fields_push(struct fields *f, const char *s, size_t len)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		char **v = realloc(f->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	f->v[f->n++] = copy;
	return 0;
}

static void fields_clear(struct fields *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	f->n = 0;
}

/* One record from text[*pos], which is not a comment or blank line. Quoted fields are unquoted
 * into `scratch` (as long as the input, so it never overflows). Advances *pos past the record's
 * newline and *line by the lines it spans. */
static int parse_record(const char *text, size_t len, size_t *pos, unsigned *line, char *scratch,
			struct fields *f, const char *name, char *err, size_t errlen)
{
	size_t i = *pos;
	unsigned start_line = *line;
	for (;;) {
		size_t o = 0;
		if (f->n >= CSV_MAX_COLS)
			return fail(err, errlen, -EINVAL, "%s:%u: more than %d fields", name,
				    start_line, CSV_MAX_COLS);
		if (i < len && text[i] == '"') {
			unsigned qline = *line;
			i++;
			for (;;) {
				if (i >= len)
					return fail(err, errlen, -EINVAL,
						    "%s:%u: a quoted field is never closed (truncated?)",
						    name, qline);
				if (text[i] == '"') {
					if (i + 1 < len && text[i + 1] == '"') {
						scratch[o++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (text[i] == '\n')
					(*line)++;
				scratch[o++] = text[i++];
			}
			if (i < len && text[i] == '\r')
				i++;
			if (i < len && text[i] != ',' && text[i] != '\n')
				return fail(err, errlen, -EINVAL,
					    "%s:%u: text after the closing quote of field %zu", name,
					    *line, f->n + 1);
		} else {
			while (i < len && text[i] != ',' && text[i] != '\n') {
				if (text[i] == '"')
					return fail(err, errlen, -EINVAL,
						    "%s:%u: a quote inside unquoted field %zu", name,
						    *line, f->n + 1);
				scratch[o++] = text[i++];
			}
			if (o > 0 && scratch[o - 1] == '\r' && (i >= len || text[i] == '\n'))
				o--;
		}
		if (fields_push(f, scratch, o) != 0)
			return fail(err, errlen, -ENOMEM, "%s:%u: out of memory", name, *line);
		if (i >= len)
			return fail(err, errlen, -EINVAL,
				    "%s:%u: the last line has no newline: the file is truncated", name,
				    *line);
		if (text[i] == '\n') {
			*pos = i + 1;
			(*line)++;
			return 0;
		}
		i++; /* the comma */
	}
}

/* The first record becomes the header: every column named and, in a v2 file, the format column
 * there (its index in *version_col). f's fields move into t. */
static int take_header(struct csv_table *t, struct fields *f, unsigned rec_line, int *version_col,
		       const char *name, char *err, size_t errlen)
{
	t->ncols = f->n;
	t->header = f->v;
	*f = (struct fields){ 0 };
	for (size_t c = 0; c < t->ncols; c++)
		if (t->header[c][0] == '\0')
			return fail(err, errlen, -EINVAL, "%s:%u: header column %zu has no name", name,
				    rec_line, c + 1);
	if (t->version == 1)
		return 0;
	*version_col = csv_col(t, RESULTS_FORMAT_COLUMN);
	if (*version_col < 0)
		return fail(err, errlen, -EINVAL,
			    "%s:%u: not a lockbench result file (the header has no "
			    "'" RESULTS_FORMAT_COLUMN "' column)",
			    name, rec_line);
	t->version = RESULTS_FORMAT_VERSION;
	return 0;
}

/* A data record as t's next row, once its width and format version are checked. f's fields move
 * into t. */
static int add_row(struct csv_table *t, struct fields *f, size_t *rows_cap, unsigned rec_line,
		   unsigned header_line, int version_col, const char *name, char *err,
		   size_t errlen)
{
	if (f->n != t->ncols)
		return fail(err, errlen, -EINVAL, "%s:%u: %zu fields, but the header (line %u) has %zu",
			    name, rec_line, f->n, header_line, t->ncols);
	if (version_col >= 0) {
		int rc = check_row_version(f->v[version_col], name, rec_line, err, errlen);
		if (rc)
			return rc;
	}
	if (t->nrows == *rows_cap) {
		size_t cap = *rows_cap ? 2 * *rows_cap : 64;
		char ***rows = realloc(t->rows, cap * sizeof *rows);
		unsigned *lines = realloc(t->line, cap * sizeof *lines);
		if (rows)
			t->rows = rows;
		if (lines)
			t->line = lines;
		if (!rows || !lines)
			return fail(err, errlen, -ENOMEM, "%s:%u: out of memory", name, rec_line);
		*rows_cap = cap;
	}
	t->rows[t->nrows] = f->v;
	t->line[t->nrows] = rec_line;
	t->nrows++;
	*f = (struct fields){ 0 };
	return 0;
}

int csv_parse(const char *text, size_t len, const char *name, const char *want_kind,
	      struct csv_table *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	snprintf(t->path, sizeof t->path, "%s", name);
	if (memchr(text, '\0', len)) {
		unsigned line = 1;
		for (const char *p = text; *p; p++)
			line += *p == '\n';
		return fail(err, errlen, -EINVAL, "%s:%u: a NUL byte: not a text file", name, line);
	}
	int rc = check_first_line(text, len, name, want_kind, t->kind, &t->version, err, errlen);
	if (rc)
		return rc;
	int version_col = -1;

	char *scratch = malloc(len + 1);
	struct fields f = { 0 };
	size_t rows_cap = 0;
	if (!scratch) {
		rc = fail(err, errlen, -ENOMEM, "%s: out of memory", name);
		goto out;
	}
	size_t pos = 0;
	unsigned line = 1, header_line = 0;
	if (t->version == 1) {
		while (pos < len && text[pos] != '\n')
			pos++;
		if (pos >= len) {
			rc = fail(err, errlen, -EINVAL, "%s:1: no header row after the format line",
				  name);
			goto out;
		}
		pos++;
		line = 2;
	}
	while (pos < len) {
		if (text[pos] == '#' || text[pos] == '\n' ||
		    (text[pos] == '\r' && pos + 1 < len && text[pos + 1] == '\n')) {
			/* A comment or blank line; a comment may end the file without a newline. */
			while (pos < len && text[pos] != '\n')
				pos++;
			pos++;
			line++;
			continue;
		}
		unsigned rec_line = line;
		fields_clear(&f);
		rc = parse_record(text, len, &pos, &line, scratch, &f, name, err, errlen);
		if (rc)
			goto out;
		if (!t->header) {
			header_line = rec_line;
			rc = take_header(t, &f, rec_line, &version_col, name, err, errlen);
		} else {
			rc = add_row(t, &f, &rows_cap, rec_line, header_line, version_col, name, err,
				     errlen);
		}
		if (rc)
			goto out;
	}
	if (!t->header)
		rc = fail(err, errlen, -EINVAL, "%s:%u: no header row", name, line);
out:
	fields_clear(&f);
	free(f.v);
	free(scratch);
	if (rc)
		csv_free(t);
	return rc;
}

static int slurp(const char *path, char **out, size_t *outlen, size_t max, char *err,
		 size_t errlen)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below. It changes
	 * nothing for the regular file that is read. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return fail(err, errlen, -e, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
			    "%s: not a regular file", path);
	}
	size_t cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
	char *buf = malloc(cap);
	size_t n = 0;
	if (!buf) {
		close(fd);
		return fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				free(buf);
				close(fd);
				return fail(err, errlen, -EFBIG, "%s: larger than %zu bytes", path,
					    max);
			}
			char *b = realloc(buf, cap * 2);
			if (!b) {
				free(buf);
				close(fd);
				return fail(err, errlen, -ENOMEM, "%s: out of memory", path);
			}
			buf = b;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			return fail(err, errlen, -e, "%s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(buf);
		return fail(err, errlen, -EFBIG, "%s: larger than %zu bytes", path, max);
	}
	*out = buf;
	*outlen = n;
	return 0;
}

int csv_read(const char *path, const char *want_kind, struct csv_table *t, char *err,
	     size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	memset(t, 0, sizeof *t);
	int rc = slurp(path, &text, &len, CSV_MAX_BYTES, err, errlen);
	if (rc)
		return rc;
	rc = csv_parse(text, len, path, want_kind, t, err, errlen);
	free(text);
	return rc;
}

int csv_check_file(const char *path, const char *want_kind, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* as in slurp */
	if (fd < 0)
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, -EINVAL, "%s: not a regular file", path);
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	}
	/* Enough for the header row and the first data row of any result file. */
	char *buf = malloc(CSV_CHECK_BYTES);
	if (!buf) {
		fclose(f);
		return fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	size_t n = fread(buf, 1, CSV_CHECK_BYTES, f);
	int rd = ferror(f);
	fclose(f);
	int rc = 0;
	if (rd)
		rc = fail(err, errlen, -EIO, "%s: read error", path);
	else if (memchr(buf, '\0', n))
		rc = fail(err, errlen, -EINVAL, "%s:1: a NUL byte: not a text file", path);
	if (rc) {
		free(buf);
		return rc;
	}
	/* Cut after the second line, or the first if that is all there is, and parse that. */
	size_t cut = 0;
	for (int lines = 0; lines < 2; lines++) {
		const char *nl = memchr(buf + cut, '\n', n - cut);
		if (!nl)
			break;
		cut = (size_t)(nl - buf) + 1;
	}
	struct csv_table t;
	rc = csv_parse(buf, cut ? cut : n, path, want_kind, &t, err, errlen);
	if (rc == 0)
		csv_free(&t);
	free(buf);
	return rc;
}

void csv_free(struct csv_table *t)
{
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	if (t->header)
		for (size_t c = 0; c < t->ncols; c++)
			free(t->header[c]);
	free(t->header);
	free(t->rows);
	free(t->line);
	t->header = NULL;
	t->rows = NULL;
	t->line = NULL;
	t->nrows = t->ncols = 0;
}

int csv_col(const struct csv_table *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(t->header[c], name) == 0)
			return (int)c;
	return -1;
}

int csv_need_col(const struct csv_table *t, const char *name, char *err, size_t errlen)
{
	int c = csv_col(t, name);
	if (c < 0)
		return fail(err, errlen, -EINVAL, "%s: the header has no column '%s'", t->path,
			    name);
	return c;
}

int csv_double(const struct csv_table *t, size_t row, int col, double *out, char *err,
	       size_t errlen)
{
	const char *s = t->rows[row][col];
	char buf[64], name[64];
	if (s[0] == '\0') {
		*out = NAN;
		return 0;
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	/* strtod also takes "inf", "nan" and hex; a result file has none of them. */
	bool plain = strspn(s, "0123456789+-.eE") == strlen(s);
	if (end == s || *end != '\0' || !plain || !isfinite(v))
		return fail(err, errlen, -EINVAL, "%s:%u: column '%s': '%s' is not a number",
			    t->path, t->line[row],
			    shown(t->header[col], strlen(t->header[col]), name, sizeof name),
			    shown(s, strlen(s), buf, sizeof buf));
	*out = v;
	return 0;
}
