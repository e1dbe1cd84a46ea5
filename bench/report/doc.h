/* doc.h — the one writer of HTML and Markdown: the report (both), compare.md and the README's
 * table of locks (`lockbench list --format markdown`).
 *
 * Text is escaped for the document's language as it is written; markup goes through doc_raw.
 * Every write is checked: the first failure is kept in the doc (as -errno), later writes are
 * skipped, and doc_finish() returns it, so a writer reports a full disk once, at the end.
 */
#ifndef LB_REPORT_DOC_H
#define LB_REPORT_DOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* In every language `<`, `>` and `&` are written as entities (Markdown passes raw HTML through).
 * In Markdown prose every other character Markdown could read as markup is backslash-escaped:
 * the report's text comes from meta.json, summary.csv notes and host names. Tables of names and
 * numbers (compare.md, the list of locks) escape only what would end a cell or escape the next
 * character, so that "30 [29..31]" and "pthread_mutex_t" stay as typed in the README and in
 * compare.md; there `*` and `_` in a name may emphasise, but nothing can become HTML. */
#define DOC_MD_PROSE "\\|*_`[]#"
#define DOC_MD_CELLS "\\|"

/* Inside text passed to doc_text: DOC_B toggles bold (closed at the end of the text if left
 * open); DOC_CODE ... DOC_CODE is a code span (<code>, or backticks that no backtick inside can
 * end). Any other control character is shown as U+FFFD, newlines and tabs as spaces. Data read
 * from files goes through doc_scrub() first, so that it cannot hold these markers. */
#define DOC_B "\x01"
#define DOC_CODE "\x02"

struct doc {
	FILE *f;
	bool html;
	bool bold;
	const char *md_escape; /* the characters backslash-escaped in Markdown */
	int err;               /* the first failed write (-errno), or 0 */
};

void doc_init(struct doc *d, FILE *f, bool html, const char *md_escape);

/* Markup, written as is. */
void doc_raw(struct doc *d, const char *s);
void doc_rawf(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Text, escaped; DOC_B toggles bold; newlines and tabs become spaces (they would end a cell).
 * doc_textf formats into memory of the needed size: nothing is cut (out of memory is the doc's
 * error, -ENOMEM). */
void doc_text(struct doc *d, const char *s);
void doc_textf(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An HTML attribute's value (between double quotes), escaped. */
void doc_attr(struct doc *d, const char *s);

/* A formatted string of the needed size (free() it), or NULL when out of memory. */
char *doc_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *doc_vstrf(const char *fmt, va_list ap);

/* Data read from a file, in place: tabs and newlines become spaces, other control characters
 * (the markers above among them) '?'. */
void doc_scrub(char *s);

/* <hN id="ID">title</hN> (the id reduced to [A-Za-z0-9_-]), or "\n## title\n\n". */
void doc_heading(struct doc *d, int level, const char *id, const char *title);

/* A paragraph; `cls` styles it in HTML ("note", "warn"; a "warn" starts with "Note:" in
 * Markdown), or NULL. */
void doc_para_start(struct doc *d, const char *cls);
void doc_para_end(struct doc *d);

/* A table of n columns. `cls` is its HTML class, or NULL; bit i of `right` right-aligns column i
 * in Markdown. Rows: n cells of text; a flagged row is highlighted in HTML. */
void doc_table_start(struct doc *d, const char *cls, const char *const *head, size_t n,
		     unsigned right);
void doc_row(struct doc *d, const char *const *cells, size_t n, bool flagged);
/* The same with an HTML id on the row (a link target: #ID), or none when id is NULL. */
void doc_row_id(struct doc *d, const char *id, const char *const *cells, size_t n, bool flagged);
void doc_table_end(struct doc *d);

/* Flush; returns 0 or the first failed write's -errno. */
int doc_finish(struct doc *d);

#endif
