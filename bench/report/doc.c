/* doc.c — the HTML and Markdown writer (doc.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/doc.h"

void doc_init(struct doc *d, FILE *f, bool html, const char *md_escape)
{
	*d = (struct doc){ .f = f, .html = html, .md_escape = md_escape };
}

/* Keep the first failure; stdio leaves errno set by the write that failed (EIO if none is). */
static void failed(struct doc *d)
{
	if (!d->err)
		d->err = errno ? -errno : -EIO;
}

void doc_raw(struct doc *d, const char *s)
{
	errno = 0;
	if (!d->err && fputs(s, d->f) == EOF)
		failed(d);
}

void doc_rawf(struct doc *d, const char *fmt, ...)
{
	if (d->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	errno = 0;
	if (vfprintf(d->f, fmt, ap) < 0)
		failed(d);
	va_end(ap);
}

static void put_char(struct doc *d, char c)
{
	errno = 0;
	if (!d->err && fputc(c, d->f) == EOF)
		failed(d);
}

void doc_text(struct doc *d, const char *s)
{
	for (; *s && !d->err; s++) {
		char c = *s;
		if (c == DOC_B[0]) {
			doc_raw(d, d->html ? (d->bold ? "</b>" : "<b>") : "**");
			d->bold = !d->bold;
		} else if (d->html && c == '<') {
			doc_raw(d, "&lt;");
		} else if (d->html && c == '>') {
			doc_raw(d, "&gt;");
		} else if (d->html && c == '&') {
			doc_raw(d, "&amp;");
		} else if (d->html && c == '"') {
			doc_raw(d, "&quot;");
		} else if (!d->html && strchr(d->md_escape, c)) {
			put_char(d, '\\');
			put_char(d, c);
		} else if (c == '\n' || c == '\r' || c == '\t') {
			put_char(d, ' ');
		} else {
			put_char(d, c);
		}
	}
}

void doc_textf(struct doc *d, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	doc_text(d, buf);
}

void doc_heading(struct doc *d, int level, const char *id, const char *title)
{
	if (d->html) {
		doc_rawf(d, "<h%d id=\"%s\">", level, id);
		doc_text(d, title);
		doc_rawf(d, "</h%d>\n", level);
	} else {
		doc_rawf(d, "\n%.*s ", level, "######");
		doc_text(d, title);
		doc_raw(d, "\n\n");
	}
}

void doc_para_start(struct doc *d, const char *cls)
{
	if (d->html)
		doc_rawf(d, cls ? "<p class=\"%s\">" : "<p>", cls);
	else if (cls && strcmp(cls, "warn") == 0)
		doc_raw(d, "> **Note:** ");
}

void doc_para_end(struct doc *d)
{
	doc_raw(d, d->html ? "</p>\n" : "\n\n");
}

void doc_table_start(struct doc *d, const char *cls, const char *const *head, size_t n,
		     unsigned right)
{
	if (d->html) {
		doc_rawf(d, "<div class=\"scroll\"><table%s%s%s>\n<thead><tr>",
			 cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
		for (size_t i = 0; i < n; i++) {
			doc_raw(d, "<th>");
			doc_text(d, head[i]);
			doc_raw(d, "</th>");
		}
		doc_raw(d, "</tr></thead>\n<tbody>\n");
		return;
	}
	doc_row(d, head, n, false);
	doc_raw(d, "|");
	for (size_t i = 0; i < n; i++)
		doc_raw(d, i < 32 && right >> i & 1u ? "--:|" : "---|");
	doc_raw(d, "\n");
}

void doc_row(struct doc *d, const char *const *cells, size_t n, bool flagged)
{
	doc_raw(d, d->html ? (flagged ? "<tr class=\"flag\">" : "<tr>") : "|");
	for (size_t i = 0; i < n; i++) {
		doc_raw(d, d->html ? "<td>" : " ");
		doc_text(d, cells[i]);
		doc_raw(d, d->html ? "</td>" : " |");
	}
	doc_raw(d, d->html ? "</tr>\n" : "\n");
}

void doc_table_end(struct doc *d)
{
	doc_raw(d, d->html ? "</tbody></table></div>\n" : "\n");
}

int doc_finish(struct doc *d)
{
	errno = 0;
	if (!d->err && (fflush(d->f) != 0 || ferror(d->f)))
		failed(d);
	return d->err;
}
