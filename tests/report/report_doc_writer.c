/* report_doc_writer.c — the HTML/Markdown writer (bench/report/doc.c) on planted text: each
 * language's escaping (prose, and the cells-only Markdown of compare.md and the list of locks),
 * a table in both, and a full disk: a write to /dev/full (unbuffered, so each write reaches it)
 * is kept as -ENOSPC, later writes are skipped, and doc_finish() returns it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc.h"
#include "test_util.h"

static char buf[4096];

/* A doc over buf; rendered() ends it and returns what was written. */
static FILE *open_buf(struct doc *d, bool html, const char *md_escape)
{
	FILE *f = fmemopen(buf, sizeof buf, "w");
	doc_init(d, f, html, md_escape);
	return f;
}

static const char *rendered(struct doc *d, FILE *f)
{
	CHECK(doc_finish(d) == 0);
	fclose(f);
	return buf;
}

static bool same(const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return true;
	printf("  got  [%s]\n  want [%s]\n", got, want);
	return false;
}

int main(void)
{
	struct doc d;
	FILE *f = open_buf(&d, false, DOC_MD_PROSE);
	doc_text(&d, "a|b *c* d_e <f> [g] #h `i` \\ " DOC_B "bold" DOC_B "\nx");
	CHECK(same(rendered(&d, f), "a\\|b \\*c\\* d\\_e &lt;f&gt; \\[g\\] \\#h \\`i\\` \\\\ **bold** x"));

	f = open_buf(&d, false, DOC_MD_CELLS);
	doc_text(&d, "30 [29..31] pthread_mutex_t a|b");
	CHECK(same(rendered(&d, f), "30 [29..31] pthread_mutex_t a\\|b"));

	f = open_buf(&d, true, DOC_MD_PROSE);
	doc_text(&d, "<a href=\"x\">&</a> " DOC_B "b" DOC_B);
	CHECK(same(rendered(&d, f), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt; <b>b</b>"));

	/* Markdown passes raw HTML through: in cells too, <, > and & are entities. */
	f = open_buf(&d, false, DOC_MD_CELLS);
	doc_text(&d, "vm<script>alert(1)</script> & a\\b");
	CHECK(same(rendered(&d, f), "vm&lt;script&gt;alert(1)&lt;/script&gt; &amp; a\\\\b"));

	/* Code spans: a fence longer than any backtick run inside, HTML left as typed there. */
	f = open_buf(&d, false, DOC_MD_CELLS);
	doc_text(&d, DOC_CODE "a`b" DOC_CODE " " DOC_CODE "`x" DOC_CODE " " DOC_CODE "<i>|" DOC_CODE);
	CHECK(same(rendered(&d, f), "``a`b`` `` `x `` `<i>\\|`"));
	f = open_buf(&d, true, DOC_MD_CELLS);
	doc_text(&d, DOC_CODE "<i>" DOC_CODE);
	CHECK(same(rendered(&d, f), "<code>&lt;i&gt;</code>"));

	/* Bold never runs past its text; other control characters are shown, not obeyed. */
	f = open_buf(&d, true, DOC_MD_PROSE);
	doc_text(&d, DOC_B "x");
	doc_text(&d, "y\x03z");
	CHECK(same(rendered(&d, f), "<b>x</b>y\xEF\xBF\xBDz"));
	char scrubbed[] = "a\x01" "b\nc\x7f";
	doc_scrub(scrubbed);
	CHECK(same(scrubbed, "a?b c?"));

	/* Attributes: a heading's id keeps only [A-Za-z0-9_-]; a class is escaped. */
	f = open_buf(&d, true, DOC_MD_PROSE);
	doc_heading(&d, 3, "build\"><img src=x onerror=alert(3)>", "t");
	doc_para_start(&d, "a\"b");
	CHECK(same(rendered(&d, f), "<h3 id=\"build---img-src-x-onerror-alert-3--\">t</h3>\n"
				    "<p class=\"a&quot;b\">"));

	/* Nothing is cut: a 3000-character text is written whole. */
	char *big = malloc(3001);
	if (CHECK(big != NULL)) {
		memset(big, 'x', 3000);
		big[3000] = '\0';
		f = open_buf(&d, false, DOC_MD_PROSE);
		doc_textf(&d, "%s END", big);
		const char *got = rendered(&d, f);
		CHECK(strlen(got) == 3004 && strcmp(got + 3000, " END") == 0);
		free(big);
	}

	static const char *const head[] = { "lock", "n" };
	f = open_buf(&d, false, DOC_MD_CELLS);
	doc_table_start(&d, NULL, head, 2, 1u << 1);
	doc_row(&d, (const char *[]){ "a|b", "1" }, 2, false);
	doc_table_end(&d);
	CHECK(same(rendered(&d, f), "| lock | n |\n|---|--:|\n| a\\|b | 1 |\n\n"));

	f = open_buf(&d, true, DOC_MD_PROSE);
	doc_table_start(&d, "kv", head, 2, 0);
	doc_row(&d, (const char *[]){ "a<b", "1" }, 2, true);
	doc_table_end(&d);
	CHECK(same(rendered(&d, f), "<div class=\"scroll\"><table class=\"kv\">\n<thead><tr><th>lock"
				    "</th><th>n</th></tr></thead>\n<tbody>\n<tr class=\"flag\"><td>"
				    "a&lt;b</td><td>1</td></tr>\n</tbody></table></div>\n"));

	FILE *full = fopen("/dev/full", "w");
	if (!CHECK(full != NULL))
		return tu_summary("report_doc_writer");
	setvbuf(full, NULL, _IONBF, 0);
	doc_init(&d, full, false, DOC_MD_PROSE);
	doc_heading(&d, 2, "x", "a heading");
	CHECK(d.err == -ENOSPC);
	clearerr(full);
	doc_text(&d, "skipped"); /* would succeed in nothing, but must not even be tried */
	CHECK(!ferror(full));
	CHECK(doc_finish(&d) == -ENOSPC);
	fclose(full);
	return tu_summary("report_doc_writer");
}
