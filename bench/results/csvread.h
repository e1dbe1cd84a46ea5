/* csvread.h — a small reader for lockbench's result CSVs (docs/SWEEP_FILES.md).
 *
 * Format v2 (written today): the first line is the header row, so any CSV reader opens the file
 * with no options, and the last column, `format_version`, holds RESULTS_FORMAT_VERSION on every
 * row, so a reader refuses a row of a version it does not know. Format v1 (read, never written)
 * started with a comment line `# lockbench-results v1 KIND` before the header. Fields may be
 * quoted ("a, b", "say ""x""", even across lines); an empty field means "could
 * not be measured". Further `#` lines and blank lines are skipped. Every error comes back as one
 * line `PATH:LINE: why` in `err`, so the caller can print it as it is; the reader never prints
 * and never aborts, whatever the bytes. Used by report, compare and sweep --resume.
 */
#ifndef LB_CSVREAD_H
#define LB_CSVREAD_H

#include <stddef.h>

/* THE format version of result files: the `format_version` column of every CSV row and the
 * "format"/"format_version" keys of every JSON document. Versions from RESULTS_FORMAT_OLDEST up
 * to it are read; anything else is refused with -EPROTO. */
#define RESULTS_FORMAT_VERSION 2
#define RESULTS_FORMAT_OLDEST 1
#define RESULTS_FORMAT_COLUMN "format_version"
#define RESULTS_STR_(x) #x
#define RESULTS_STR(x) RESULTS_STR_(x)
/* What a v2 writer puts last: in the header row, and on every data row. */
#define CSV_VERSION_HEADER "," RESULTS_FORMAT_COLUMN
#define CSV_VERSION_FIELD "," RESULTS_STR(RESULTS_FORMAT_VERSION)

struct csv_table {
	char path[512];     /* as given, for messages */
	unsigned version;   /* the file's format version */
	char kind[32];      /* v1: KIND from the first line ("summary", ...); v2: "" */
	size_t ncols;
	char **header;      /* [ncols] */
	size_t nrows;
	char ***rows;       /* rows[r][c]: never NULL; "" for an empty field */
	unsigned *line;     /* the line each row starts on, for messages */
};

/* Read and check a whole file. `want_kind` (NULL: any) must match a v1 file's KIND; a v2 file
 * has none (the caller's required columns tell a wrong file apart).
 * Returns 0; -ENOENT/-EACCES/... when the file cannot be read; -EPROTO when it is of another
 * format version; -EINVAL when it is not a lockbench result file or is malformed (wrong field
 * count, unterminated quote, truncated last line, NUL bytes). On error *t is left empty. */
int csv_read(const char *path, const char *want_kind, struct csv_table *t, char *err,
	     size_t errlen);
/* The same on text in memory; `name` stands for the path in messages. */
int csv_parse(const char *text, size_t len, const char *name, const char *want_kind,
	      struct csv_table *t, char *err, size_t errlen);
/* Check only the start (version and kind) of a file: cheap for large results.csv. */
int csv_check_file(const char *path, const char *want_kind, char *err, size_t errlen);
void csv_free(struct csv_table *t);

/* The index of the column called `name`, or -1. */
int csv_col(const struct csv_table *t, const char *name);
/* Like csv_col, but a missing column is an error naming the file and the header line. */
int csv_need_col(const struct csv_table *t, const char *name, char *err, size_t errlen);
/* A field as a double: an empty field gives NAN (not measured); anything but a finite number is
 * -EINVAL with `PATH:LINE: column 'NAME': 'TEXT' is not a number`. */
int csv_double(const struct csv_table *t, size_t row, int col, double *out, char *err,
	       size_t errlen);

#endif
