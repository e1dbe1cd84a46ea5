/* obuf.c — see obuf.h. */
#include "results/obuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void ob_vprintf(struct obuf *b, const char *fmt, va_list ap)
{
	if (b->err)
		return;
	for (;;) {
		va_list aq;
		va_copy(aq, ap);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, aq);
		va_end(aq);
		if (n < 0) {
			b->err = -EINVAL;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap : 1024;
		while (cap <= b->len + (size_t)n)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->err = -ENOMEM;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

void ob_printf(struct obuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ob_vprintf(b, fmt, ap);
	va_end(ap);
}

int ob_flush(struct obuf *b, FILE *f)
{
	int err = b->err;
	errno = 0; /* a stale errno must not be reported as this write's */
	if (!err && b->len && fwrite(b->s, 1, b->len, f) != b->len)
		err = errno ? -errno : -EIO;
	if (!err && fflush(f) != 0)
		err = errno ? -errno : -EIO;
	if (!err && ferror(f))
		err = -EIO;
	free(b->s);
	memset(b, 0, sizeof *b);
	return err;
}

void ob_csv_text(struct obuf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		ob_printf(b, "%s", s);
		return;
	}
	ob_printf(b, "\"");
	for (const char *c = s; *c;) { /* runs without a quote in one printf each */
		size_t run = strcspn(c, "\"");
		ob_printf(b, "%.*s", (int)run, c);
		c += run;
		if (*c == '"') {
			ob_printf(b, "\"\"");
			c++;
		}
	}
	ob_printf(b, "\"");
}
