/* report_csvread.c — the result-file readers on bad input: csvread (wrong version, foreign
 * file, truncated row, wrong field count, garbage numbers, quotes, NUL bytes) and jsonread
 * (truncated, garbage, deep nesting, bad escapes). Every error must be one line naming the file
 * and the line; none may crash. Then the fixture's files must read cleanly (argv[1]: its folder).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "results/csvread.h"
#include "results/jsonread.h"
#include "test_util.h"

static char err[512];

/* Parse `text` as a CSV of kind `kind`; expect `rc`, and a message containing `want`. */
static void csv_case(const char *what, const char *text, const char *kind, int rc,
		     const char *want)
{
	struct csv_table t;
	err[0] = '\0';
	int got = csv_parse(text, strlen(text), "x.csv", kind, &t, err, sizeof err);
	char detail[700];
	snprintf(detail, sizeof detail, " (rc %d, err '%s')", got, err);
	tu_check_(got == rc, __FILE__, __LINE__, what, detail);
	if (rc) {
		tu_check_(strstr(err, want) != NULL, __FILE__, __LINE__, what, detail);
		tu_check_(strchr(err, '\n') == NULL, __FILE__, __LINE__, "one line", detail);
		printf("  %-28s -> %s\n", what, err);
	} else {
		csv_free(&t);
		printf("  %-28s -> ok\n", what);
	}
}

/* The start of a good v1 summary: the format line and a header of three columns. */
static const char summary_head[] = "# lockbench-results v1 summary\nlock,threads,mops\n";

/* summary_head, then `rows`: expect -EINVAL and `want`. */
static void rows_case(const char *what, const char *rows, const char *want)
{
	char text[512];
	snprintf(text, sizeof text, "%s%s", summary_head, rows);
	csv_case(what, text, "summary", -EINVAL, want);
}

static void test_csv(void)
{
	printf("csvread, bad input:\n");
	const char *h = summary_head;
	char buf[512];
	/* v2 is read, but never with a format line: the message must not say v2 is unreadable. */
	csv_case("v2 with a format line", "# lockbench-results v2 summary\nlock\nx\n", "summary",
		 -EPROTO, "x.csv:1: a format line saying v2, but v2 files have no format line: "
		 "they start with the header row");
	csv_case("unknown version", "# lockbench-results v3 summary\nlock\nx\n", "summary", -EPROTO,
		 "x.csv:1: result format v3; this lockbench reads v1 to v2 only");
	csv_case("foreign file", "lock,threads\ntas,1\n", "summary", -EINVAL,
		 "x.csv:1: not a lockbench result file");
	csv_case("empty file", "", "summary", -EINVAL, "x.csv:1: empty file");
	csv_case("wrong kind", "# lockbench-results v1 results\nlock\nx\n", "summary", -EINVAL,
		 "x.csv:1: a 'results' file where a 'summary' file was expected");
	csv_case("no header", "# lockbench-results v1 summary\n", "summary", -EINVAL,
		 "x.csv:2: no header row");
	rows_case("truncated row", "tas,1,2.5\nmcs,2\n", "x.csv:4: 2 fields, but the header (line 2) has 3");
	rows_case("too many fields", "tas,1,2.5,9\n", "x.csv:3: 4 fields");
	rows_case("no final newline", "tas,1,2.5\nmcs,2,3.", "x.csv:4: the last line has no newline");
	rows_case("unterminated quote", "tas,1,\"2.5\n", "x.csv:3: a quoted field is never closed");
	rows_case("text after a quote", "tas,1,\"2\"5\n", "x.csv:3: text after the closing quote");
	rows_case("stray quote", "ta\"s,1,2\n", "x.csv:3: a quote inside unquoted field 1");
	{
		struct csv_table t;
		const char nul[] = "# lockbench-results v1 summary\nlock\nt\0s\n";
		int rc = csv_parse(nul, sizeof nul - 1, "x.csv", "summary", &t, err, sizeof err);
		CHECK_EQ(rc, -EINVAL);
		CHECK(strstr(err, "x.csv:3: a NUL byte") != NULL);
		printf("  %-28s -> %s\n", "NUL byte", err);
	}
	csv_case("header without names", "# lockbench-results v1 summary\nlock,,x\n", "summary",
		 -EINVAL, "x.csv:2: header column 2 has no name");

	printf("csvread, good input:\n");
	snprintf(buf, sizeof buf,
		 "%s# a comment\n\ntas,1,2.5\r\n\"mcs, \"\"queued\"\"\",2,\n\"multi\nline\",3,1e2\n", h);
	struct csv_table t;
	CHECK(csv_parse(buf, strlen(buf), "x.csv", "summary", &t, err, sizeof err) == 0);
	CHECK_EQ(t.nrows, 3);
	CHECK(strcmp(t.kind, "summary") == 0);
	CHECK(t.nrows == 3 && strcmp(t.rows[1][0], "mcs, \"queued\"") == 0);
	CHECK(t.nrows == 3 && strcmp(t.rows[0][2], "2.5") == 0); /* \r stripped */
	CHECK(t.nrows == 3 && strcmp(t.rows[2][0], "multi\nline") == 0);
	CHECK(t.nrows == 3 && t.line[0] == 5 && t.line[1] == 6 && t.line[2] == 7);
	int c = csv_col(&t, "mops");
	double v = 0;
	CHECK_EQ(c, 2);
	CHECK(csv_double(&t, 1, c, &v, err, sizeof err) == 0 && isnan(v)); /* empty: not measured */
	CHECK(csv_double(&t, 2, c, &v, err, sizeof err) == 0 && v == 100);
	CHECK(csv_col(&t, "nope") == -1);
	CHECK(csv_need_col(&t, "nope", err, sizeof err) < 0 && strstr(err, "no column 'nope'"));
	printf("  quotes, doubled quotes, CRLF, comments, blank lines, empty fields: ok\n");
	printf("csvread, garbage numbers:\n");
	const char *garbage[] = { "abc", "1.5x", "nan", "inf", "0x10", "1,5", " 1", "--1" };
	for (size_t i = 0; i < sizeof garbage / sizeof garbage[0] && t.nrows == 3; i++) {
		char *saved = t.rows[0][2];
		t.rows[0][2] = (char *)garbage[i];
		int rc = csv_double(&t, 0, 2, &v, err, sizeof err);
		t.rows[0][2] = saved;
		char detail[600];
		snprintf(detail, sizeof detail, " ('%s' gave %d)", garbage[i], rc);
		tu_check_(rc == -EINVAL && strstr(err, "x.csv:5: column 'mops':"), __FILE__, __LINE__,
			  "garbage is an error", detail);
		printf("  %-6s -> %s\n", garbage[i], err);
	}
	csv_free(&t);

	CHECK(csv_read("/nonexistent/summary.csv", "summary", &t, err, sizeof err) == -ENOENT);
	CHECK(strstr(err, "/nonexistent/summary.csv: ") == err);
	CHECK(csv_read("/", "summary", &t, err, sizeof err) < 0);
	printf("  a missing file and a directory: %s\n", err);
}

static void json_case(const char *what, const char *text, int ok, const char *want)
{
	struct json_flat j;
	err[0] = '\0';
	int rc = json_parse_flat(text, strlen(text), "meta.json", &j, err, sizeof err);
	char detail[700];
	snprintf(detail, sizeof detail, " (rc %d, err '%s')", rc, err);
	tu_check_(ok ? rc == 0 : rc == -EINVAL, __FILE__, __LINE__, what, detail);
	if (!ok) {
		tu_check_(strstr(err, want) != NULL, __FILE__, __LINE__, what, detail);
		printf("  %-24s -> %s\n", what, err);
	} else {
		json_free(&j);
	}
}

static void test_json(void)
{
	printf("jsonread, bad input:\n");
	json_case("empty", "", 0, "meta.json:1:1: empty file");
	json_case("not an object", "[1, 2]", 0, "meta.json:1:1: expected a JSON object");
	json_case("truncated", "{\n  \"a\": {\"b\": 1,\n", 0, "meta.json:3:1: the document ends");
	json_case("truncated string", "{\"a\": \"abc", 0, "meta.json:1:11: a string is never closed");
	json_case("missing colon", "{\"a\" 1}", 0, "meta.json:1:6: expected ':'");
	json_case("bad escape", "{\"a\": \"\\q\"}", 0, "'\\q' is not a JSON escape");
	json_case("lone surrogate", "{\"a\": \"\\ud800x\"}", 0, "lone UTF-16 surrogate");
	json_case("bad number", "{\"a\": 01}", 0, "expected ',' or '}'");
	json_case("bad literal", "{\"a\": tru}", 0, "not a JSON value");
	json_case("trailing text", "{} x", 0, "meta.json:1:4: text after the end");
	json_case("control char", "{\"a\": \"x\ty\"}", 0, "control character");
	json_case("garbage", "\x7f\x45LF\x02\x01", 0, "meta.json:1:1:");
	char deep[200] = "{\"a\":";
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	json_case("deep nesting", deep, 0, "nested deeper than 32 levels");

	printf("jsonread, good input:\n");
	const char *doc = "{\"format\": \"lockbench-results v1\", \"meta\": {\"host\": \"h\\u00e9\\ud83d\\ude00\","
			  " \"cpus\": 2}, \"sweep\": {\"complete\": false, \"threads\": [1, 2, 4],"
			  " \"x\": null, \"runs\": [{\"a\": 1}], \"e\": []}}";
	struct json_flat j;
	CHECK(json_parse_flat(doc, strlen(doc), "meta.json", &j, err, sizeof err) == 0);
	CHECK(json_get(&j, "format") && strcmp(json_get(&j, "format"), "lockbench-results v1") == 0);
	CHECK(json_get(&j, "meta.host") && strcmp(json_get(&j, "meta.host"), "h\xc3\xa9\xf0\x9f\x98\x80") == 0);
	CHECK(json_get(&j, "meta.cpus") && strcmp(json_get(&j, "meta.cpus"), "2") == 0);
	CHECK(json_get(&j, "sweep.complete") && strcmp(json_get(&j, "sweep.complete"), "false") == 0);
	CHECK(json_get(&j, "sweep.threads") && strcmp(json_get(&j, "sweep.threads"), "1, 2, 4") == 0);
	CHECK(json_get(&j, "sweep.runs[0].a") != NULL);
	CHECK(json_find(&j, "sweep.x") && json_find(&j, "sweep.x")->type == JSON_NULL);
	CHECK(json_get(&j, "nope") == NULL);
	json_free(&j);
	printf("  nested objects, arrays, escapes, UTF-16 pairs: ok\n");
}

static void test_fixture(const char *dir)
{
	static const char *const files[][2] = {
		{ "summary.csv", "summary" }, { "results.csv", "results" },
		{ "latency_cdf.csv", "latency_cdf" }, { "c2c.csv", "c2c" }, { "handoff.csv", "handoff" },
	};
	printf("the fixture result set (%s):\n", dir);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[4096];
		struct csv_table t;
		snprintf(path, sizeof path, "%s/%s", dir, files[i][0]);
		int rc = csv_read(path, files[i][1], &t, err, sizeof err);
		tu_check_(rc == 0 && t.nrows > 0, __FILE__, __LINE__, files[i][0], rc ? err : "");
		if (rc == 0) {
			printf("  %-16s %zu rows, %zu columns\n", files[i][0], t.nrows, t.ncols);
			csv_free(&t);
		}
	}
	char path[4096];
	struct json_flat j;
	snprintf(path, sizeof path, "%s/meta.json", dir);
	CHECK(json_read_flat(path, &j, err, sizeof err) == 0);
	CHECK(json_get(&j, "format_version") && strcmp(json_get(&j, "format_version"), RESULTS_STR(RESULTS_FORMAT_VERSION)) == 0);
	json_free(&j);
}

int main(int argc, char **argv)
{
	test_csv();
	test_json();
	if (argc > 1)
		test_fixture(argv[1]);
	return tu_summary("report_csvread");
}
