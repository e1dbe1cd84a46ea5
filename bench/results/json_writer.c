/* json_writer.c — the JSON pretty-printer of json_writer.h. */
#include "results/json_writer.h"

#include <inttypes.h>
#include <math.h>

void jw_raw_str(struct obuf *b, const char *s)
{
	ob_printf(b, "\"");
	for (const unsigned char *c = (const unsigned char *)s; *c;) {
		size_t run = 0; /* characters that need no escape, written in one printf */
		while (c[run] >= 0x20 && c[run] != '"' && c[run] != '\\')
			run++;
		if (run) {
			ob_printf(b, "%.*s", (int)run, (const char *)c);
			c += run;
		} else if (*c == '"' || *c == '\\') {
			ob_printf(b, "\\%c", *c++);
		} else {
			ob_printf(b, "\\u%04x", *c++);
		}
	}
	ob_printf(b, "\"");
}

void jw_key(struct obuf *b, const char *key)
{
	if (b->depth > 0 || b->comma)
		ob_printf(b, "%s\n%*s", b->comma ? "," : "", 2 * (int)b->depth, "");
	if (key) {
		jw_raw_str(b, key);
		ob_printf(b, ": ");
	}
	b->comma = true;
}

void jw_open(struct obuf *b, const char *key, char brace)
{
	jw_key(b, key);
	ob_printf(b, "%c", brace);
	b->depth++;
	b->comma = false;
}

void jw_close(struct obuf *b, char brace)
{
	b->depth--;
	ob_printf(b, "\n%*s%c", 2 * (int)b->depth, "", brace);
	b->comma = true;
}

void jw_null(struct obuf *b, const char *key)
{
	jw_key(b, key);
	ob_printf(b, "null");
}

void jw_str(struct obuf *b, const char *key, const char *v)
{
	jw_key(b, key);
	if (v)
		jw_raw_str(b, v);
	else
		ob_printf(b, "null");
}

void jw_u64(struct obuf *b, const char *key, uint64_t v)
{
	jw_key(b, key);
	ob_printf(b, "%" PRIu64, v);
}

void jw_int(struct obuf *b, const char *key, int v)
{
	jw_key(b, key);
	ob_printf(b, "%d", v);
}

void jw_bool(struct obuf *b, const char *key, bool v)
{
	jw_key(b, key);
	ob_printf(b, "%s", v ? "true" : "false");
}

void jw_dbl(struct obuf *b, const char *key, const char *fmt, double v)
{
	jw_key(b, key);
	if (isnan(v) || isinf(v))
		ob_printf(b, "null");
	else
		ob_printf(b, fmt, v);
}

/* One of s (signed) and u (unsigned) is given; on one line. */
static void int_array(struct obuf *b, const char *key, const int64_t *s, const uint64_t *u,
		      size_t n)
{
	jw_key(b, key);
	ob_printf(b, "[");
	for (size_t i = 0; i < n; i++) {
		if (s)
			ob_printf(b, "%s%" PRId64, i ? ", " : "", s[i]);
		else
			ob_printf(b, "%s%" PRIu64, i ? ", " : "", u[i]);
	}
	ob_printf(b, "]");
}

void jw_u64_array(struct obuf *b, const char *key, const uint64_t *v, size_t n)
{
	int_array(b, key, NULL, v, n);
}

void jw_i64_array(struct obuf *b, const char *key, const int64_t *v, size_t n)
{
	int_array(b, key, v, NULL, n);
}

void jw_str_array(struct obuf *b, const char *key, const char *const *v, size_t n)
{
	jw_key(b, key);
	ob_printf(b, "[");
	for (size_t i = 0; i < n; i++) {
		ob_printf(b, "%s", i ? ", " : "");
		jw_raw_str(b, v[i]);
	}
	ob_printf(b, "]");
}
