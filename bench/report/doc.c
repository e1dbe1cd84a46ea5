/* doc.c — the HTML and Markdown writer (doc.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

/* One character of text (or of a Markdown code span's content), escaped. `<`, `>` and `&` are
 * entities in both languages (raw HTML passes through Markdown), except inside a code span,
 * where Markdown shows them as typed and would show an entity as typed too. */
static void put_text_char(struct doc *d, char c, bool code)
{
	unsigned char u = (unsigned char)c;
	bool md_code = code && !d->html;
	if (c == '\n' || c == '\r' || c == '\t')
		put_char(d, ' ');
	else if (u < 0x20 || u == 0x7f)
		doc_raw(d, "\xEF\xBF\xBD"); /* U+FFFD: a control character is shown, never obeyed */
	else if (!md_code && c == '<')
		doc_raw(d, "&lt;");
	else if (!md_code && c == '>')
		doc_raw(d, "&gt;");
	else if (!md_code && c == '&')
		doc_raw(d, "&amp;");
	else if (d->html && c == '"')
		doc_raw(d, "&quot;");
	else if (md_code && c == '|')
		doc_raw(d, "\\|"); /* a table cell ends at an unescaped | even in a code span */
	else if (!d->html && !md_code && strchr(d->md_escape, c)) {
		put_char(d, '\\');
		put_char(d, c);
	} else
		put_char(d, c);
}

/* A code span of s[0..n): <code> in HTML; in Markdown fenced by one backtick more than the
 * longest run inside, padded with a space where the content starts or ends with one. */
static void put_fence(struct doc *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_char(d, '`');
}

static void put_code(struct doc *d, const char *s, size_t n)
{
	size_t run = 0, longest = 0;
	for (size_t i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		longest = run > longest ? run : longest;
	}
	bool pad = n && (s[0] == '`' || s[n - 1] == '`');
	if (d->html)
		doc_raw(d, "<code>");
	else {
		put_fence(d, longest + 1);
		doc_raw(d, pad ? " " : "");
	}
	for (size_t i = 0; i < n && !d->err; i++)
		put_text_char(d, s[i], true);
	if (d->html)
		doc_raw(d, "</code>");
	else {
		doc_raw(d, pad ? " " : "");
		put_fence(d, longest + 1);
	}
}

void doc_text(struct doc *d, const char *s)
{
	while (*s && !d->err) {
		char c = *s++;
		if (c == DOC_B[0]) {
			doc_raw(d, d->html ? (d->bold ? "</b>" : "<b>") : "**");
			d->bold = !d->bold;
		} else if (c == DOC_CODE[0]) {
			size_t n = strcspn(s, DOC_CODE);
			put_code(d, s, n);
			s += n + (s[n] != '\0');
		} else {
			put_text_char(d, c, false);
		}
	}
	/* Bold never runs past the text that opened it (into the next cell or call). */
	if (d->bold)
		doc_raw(d, d->html ? "</b>" : "**");
	d->bold = false;
}

void doc_attr(struct doc *d, const char *s)
{
	bool html = d->html;
	d->html = true;
	for (; *s && !d->err; s++)
		put_text_char(d, *s, false);
	d->html = html;
}

char *doc_vstrf(const char *fmt, va_list ap)
{
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, again);
	va_end(again);
	return s;
}

char *doc_strf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = doc_vstrf(fmt, ap);
	va_end(ap);
	return s;
}

void doc_scrub(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void doc_textf(struct doc *d, const char *fmt, ...)
{
	if (d->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = doc_vstrf(fmt, ap);
	va_end(ap);
	if (!s) {
		d->err = -ENOMEM;
		return;
	}
	doc_text(d, s);
	free(s);
}

/* An HTML id: only [A-Za-z0-9_-] (anything else becomes '-'), never empty. */
static void put_id(struct doc *d, const char *id)
{
	if (!*id)
		doc_raw(d, "section");
	for (; *id && !d->err; id++) {
		char c = *id;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';
		put_char(d, ok ? c : '-');
	}
}

void doc_heading(struct doc *d, int level, const char *id, const char *title)
{
	if (d->html) {
		doc_rawf(d, "<h%d id=\"", level);
		put_id(d, id);
		doc_raw(d, "\">");
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
	if (d->html && cls) {
		doc_raw(d, "<p class=\"");
		doc_attr(d, cls);
		doc_raw(d, "\">");
	} else if (d->html)
		doc_raw(d, "<p>");
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
		doc_raw(d, cls ? "<div class=\"scroll\"><table class=\"" : "<div class=\"scroll\"><table");
		if (cls)
			doc_attr(d, cls);
		doc_raw(d, cls ? "\">\n<thead><tr>" : ">\n<thead><tr>");
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
	doc_row_id(d, NULL, cells, n, flagged);
}

void doc_row_id(struct doc *d, const char *id, const char *const *cells, size_t n, bool flagged)
{
	if (d->html && id) {
		doc_raw(d, "<tr id=\"");
		doc_attr(d, id);
		doc_raw(d, flagged ? "\" class=\"flag\">" : "\">");
	} else
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
