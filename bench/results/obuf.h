/* obuf.h — the text buffer every writer in results/ builds a row or a document in, so that it is
 * written with one checked fwrite + fflush: whole, or reported as an error (ENOSPC, EPIPE, …).
 */
#ifndef LB_RESULTS_OBUF_H
#define LB_RESULTS_OBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct obuf {
	char *s;
	size_t len, cap;
	int err;        /* the first error; later printfs do nothing */
	bool comma;     /* JSON: a value precedes in the current object/array */
	unsigned depth; /* JSON: indentation level */
};

void ob_printf(struct obuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write the buffer out and release it: 0, or the first error (a negative errno). */
int ob_flush(struct obuf *b, FILE *f);
/* The one CSV escaper (RFC 4180) of every CSV writer (results/, exec/'s profile.csv): s as one
 * field, in double quotes with `"` doubled only when it holds a comma, a quote or a line break. */
void ob_csv_text(struct obuf *b, const char *s);

#endif
