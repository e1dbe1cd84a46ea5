/* json_writer.h — the one JSON pretty-printer: every JSON document lockbench writes (run and
 * sweep results in json_out.c, exec's profile.json in exec/profile_out.c) is built with these
 * calls into a struct obuf, so escaping, indentation and null-for-unmeasured are decided once.
 *
 * Layout: each key on its own line, indented two spaces a level; a comma ends the line before
 * the next key; arrays of numbers go on one line (jw_key, then the caller's own ob_printf).
 * A NULL key is an array item. State lives in the obuf (depth, comma), so a writer keeps none.
 */
#ifndef LB_RESULTS_JSON_WRITER_H
#define LB_RESULTS_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/obuf.h"

/* s as a JSON string: quotes, '"' and '\' escaped, control characters as \u00XX. */
void jw_raw_str(struct obuf *b, const char *s);
/* Start a value: the separator and indentation, then "key": unless key is NULL. */
void jw_key(struct obuf *b, const char *key);
/* brace is '{' or '['; jw_close takes the matching '}' or ']'. */
void jw_open(struct obuf *b, const char *key, char brace);
void jw_close(struct obuf *b, char brace);

void jw_null(struct obuf *b, const char *key);
void jw_str(struct obuf *b, const char *key, const char *v); /* v NULL: null */
void jw_u64(struct obuf *b, const char *key, uint64_t v);
void jw_int(struct obuf *b, const char *key, int v);
void jw_bool(struct obuf *b, const char *key, bool v);
/* v with printf format fmt ("%.9g"); NaN and infinities, which JSON lacks, as null. */
void jw_dbl(struct obuf *b, const char *key, const char *fmt, double v);
/* Numbers on one line: a thousand threads should not make a thousand lines. */
void jw_u64_array(struct obuf *b, const char *key, const uint64_t *v, size_t n);
void jw_i64_array(struct obuf *b, const char *key, const int64_t *v, size_t n);
void jw_str_array(struct obuf *b, const char *key, const char *const *v, size_t n);

#endif
