/* compare_cli.c — `lockbench compare A B` end to end, on hand-made result sets with planted
 * numbers (tests/data/compare/: a and b, v2 of another format version, garbled) and on bad
 * inputs planted on the fly: the ratio, its range and the verdict of each point (a 2× difference
 * each way, overlapping spreads, a CI that decides where min..max would not, both directions of
 * "better", an unmeasured field), points of one set only, the files written, the refusal of
 * another format version, malformed files named with their line, usage errors, no gnuplot.
 *
 * usage: compare_cli LOCKBENCH FIXTURES_DIR SCRIPTS_DIR
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_spawn.h"
#include "test_util.h"

#include "results/csvread.h"

static char *lockbench, *fixtures, *scripts;
static char tmp[256];
static struct spawned *r;

static int run(char **args)
{
	char *argv[16] = { lockbench };
	int n = 1;
	printf("  $ lockbench");
	for (; *args && n < 15; args++) {
		argv[n++] = *args;
		printf(" %s", *args);
	}
	argv[n] = NULL;
	if (spawn_capture(argv, -1, NULL, r) != 0)
		tu_die("compare_cli", "spawn", errno);
	printf("\n    -> exit %d%s%s", r->status, r->err[0] ? ", stderr: " : "\n", r->err);
	return r->status;
}

#define RUN(...) run((char *[]){ "compare", __VA_ARGS__, NULL })

/* A ring of 8 buffers, so that a few paths can be in use at once (an argument may be one of
 * them, hence the copy through `t`). */
static char *path(const char *fmt, const char *a, const char *b)
{
	static char buf[8][512];
	static int i;
	char t[512];
	snprintf(t, sizeof t, fmt, a, b);
	return memcpy(buf[i++ % 8], t, sizeof t);
}

#define FIX(name) path("%s/%s", fixtures, name)
#define TMP(name) path("%s/%s", tmp, name)

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static void write_text(const char *p, const char *text, size_t len)
{
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		tu_die("compare_cli", p, errno);
}

/* The whole file (in one static buffer: the next call overwrites it); "" and a failed check
 * when it cannot be read. */
static char *read_text(const char *p, size_t *len)
{
	static char buf[65536];
	FILE *f = fopen(p, "rb");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (!CHECK(f != NULL))
		printf("    %s: %s\n", p, strerror(errno));
	else
		fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* A result set DIR in tmp: SUMMARY as summary.csv, and META (NULL: none) as meta.json. */
static char *plant(const char *dir, const char *summary, size_t len, const char *meta)
{
	char *d = TMP(dir);
	if (mkdir(d, 0755) != 0 && errno != EEXIST)
		tu_die("compare_cli", d, errno);
	write_text(path("%s/%s", d, "summary.csv"), summary, len);
	if (meta)
		write_text(path("%s/%s", d, "meta.json"), meta, strlen(meta));
	return d;
}

/* An error: this exit status, one line on stderr holding each of `says`, nothing on stdout. */
static void check_error(int status, const char *say1, const char *say2)
{
	CHECK_EQ(r->status, status);
	CHECK(spawn_one_error_line(r->err));
	if (!CHECK(strstr(r->err, say1) != NULL))
		printf("    expected: %s\n", say1);
	if (say2 && !CHECK(strstr(r->err, say2) != NULL))
		printf("    expected: %s\n", say2);
	CHECK(r->out[0] == '\0');
}

/* --- compare.csv: one row per point ---------------------------------------------------------- */

static struct csv_table out_csv;

static bool load_out(const char *dir)
{
	char err[512];
	csv_free(&out_csv);
	int rc = csv_read(path("%s/%s", dir, "compare.csv"), "compare", &out_csv, err, sizeof err);
	if (!CHECK_EQ(rc, 0))
		printf("    %s\n", err);
	return rc == 0;
}

/* The field COL of point LOCK/PERMITS/THREADS/CS_NS, or NULL. */
static const char *field(const char *key, const char *col)
{
	int c = csv_col(&out_csv, col);
	char lock[64];
	unsigned permits, threads;
	double cs;
	if (c < 0 || sscanf(key, "%63[^/]/%u/%u/%lf", lock, &permits, &threads, &cs) != 4)
		return NULL;
	for (size_t i = 0; i < out_csv.nrows; i++) {
		char **row = out_csv.rows[i];
		if (!strcmp(row[csv_col(&out_csv, "lock")], lock) &&
		    strtoul(row[csv_col(&out_csv, "permits")], NULL, 10) == permits &&
		    strtoul(row[csv_col(&out_csv, "threads")], NULL, 10) == threads &&
		    strtod(row[csv_col(&out_csv, "cs_ns")], NULL) == cs)
			return row[c];
	}
	return NULL;
}

static void check_point(const char *key, const char *verdict, double ratio, double lo, double hi)
{
	const char *v = field(key, "verdict");
	if (!CHECK(v && !strcmp(v, verdict)))
		printf("    %s: verdict '%s', expected '%s'\n", key, v ? v : "(no row)", verdict);
	const char *cols[3] = { "ratio", "ratio_lo", "ratio_hi" };
	double want[3] = { ratio, lo, hi };
	for (int i = 0; i < 3; i++) {
		const char *got = field(key, cols[i]);
		bool ok = got && (isnan(want[i]) ? !*got
						 : *got && fabs(strtod(got, NULL) - want[i]) <=
								   1e-5 * fabs(want[i]));
		if (!CHECK(ok))
			printf("    %s: %s '%s', expected %g\n", key, cols[i], got ? got : "(no row)",
			       want[i]);
	}
}

/* --- the checks ------------------------------------------------------------------------------ */

static void test_fixtures(void)
{
	char out[512]; /* held across many path() calls: a copy of its own */
	snprintf(out, sizeof out, "%s", TMP("ab"));
	printf("planted numbers, B = a 2x faster, 2x slower, same, and a CI that decides:\n");
	CHECK_EQ(RUN(FIX("a"), FIX("b"), "--out", out), 0);
	CHECK(strstr(r->out, "6 points in both: 2 faster, 1 slower, 3 no difference; 1 only in A, "
			     "2 only in B\n") != NULL);
	CHECK(strstr(r->out, "\nonly in A (a):\n") != NULL);
	CHECK(strstr(r->out, "\nonly in B (b):\n") != NULL);
	CHECK(r->err[0] == '\0');
	if (!load_out(out))
		return;
	CHECK(!strncmp(read_text(path("%s/%s", out, "compare.csv"), NULL),
		       "lock,", 5));
	CHECK(out_csv.ncols > 0 && !strcmp(out_csv.header[out_csv.ncols - 1], "format_version"));
	CHECK_EQ(out_csv.nrows, 9);
	check_point("tas/1/1/100", "faster", 2.0, 58.0 / 31, 62.0 / 29);
	check_point("tas/1/2/100", "slower", 0.5, 4.5 / 11, 5.5 / 9);
	check_point("tas/1/2/1000", "no difference", 1.0, 2.9 / 3.1, 3.1 / 2.9);
	check_point("ticket/1/1/100", "no difference", 1.025, 19.5 / 21, 21.5 / 19);
	/* A's spread is ci95 [14, 16]; its min..max [10, 20] would overlap B's [16.5, 17.5]. */
	check_point("ticket/1/2/100", "faster", 17.0 / 15, 16.5 / 16, 17.5 / 14);
	check_point("sem/1/2/100", "no difference", 1.02, 4.9 / 5.2, 5.3 / 4.8);
	check_point("mcs/1/3/100", "only in A", NAN, NAN, NAN);
	check_point("futex/1/3/100", "only in B", NAN, NAN, NAN);
	check_point("sem/2/2/100", "only in B", NAN, NAN, NAN); /* permits is part of the key */
	const char *note = field("sem/1/2/100", "note");
	CHECK(note && !strcmp(note, "B: noisy"));
	note = field("ticket/1/2/100", "note");
	CHECK(note && !strcmp(note, "A: reps disagree"));

	const char *md = read_text(path("%s/%s", out, "compare.md"), NULL);
	CHECK(strstr(md, "\n| tas | 1 | 1 | 100 | 30 [29..31] | 60 [58..62] | 2.00 [1.87..2.14] | "
			 "faster |  |\n") != NULL);
	CHECK(strstr(md, "## Only in A (a)") != NULL);
	bool drawn = system("command -v gnuplot >/dev/null 2>&1") == 0;
	CHECK(!drawn || strstr(md, "](compare.png)") != NULL);
	/* Written through temporary names: nothing but the four files is left. */
	CHECK(!exists(path("%s/%s", out, ".compare.csv.tmp")));
	CHECK(!exists(path("%s/%s", out, ".partial-compare.png")));
	if (drawn) { /* (read_text's buffer now holds these files, no longer compare.md) */
		size_t len;
		const char *png = read_text(path("%s/%s", out, "compare.png"), &len);
		CHECK(len > 1000 && !memcmp(png, "\x89PNG", 4));
		CHECK(strstr(read_text(path("%s/%s", out, "compare.svg"), NULL), "<svg") != NULL);
	} else {
		printf("  gnuplot is not installed: plot files not checked\n");
	}

	printf("A and B swapped: the ratios invert, the verdicts turn around:\n");
	CHECK_EQ(RUN(FIX("b"), FIX("a"), "--out", TMP("ba")), 0);
	if (load_out(TMP("ba"))) {
		check_point("tas/1/1/100", "slower", 0.5, 29.0 / 62, 31.0 / 58);
		check_point("tas/1/2/100", "faster", 2.0, 9 / 5.5, 11 / 4.5);
		check_point("mcs/1/3/100", "only in B", NAN, NAN, NAN);
	}

	printf("lower is better (p99 latency), and an unmeasured field (CPU time):\n");
	CHECK_EQ(RUN(FIX("a"), FIX("b"), "--out", TMP("p99"), "--metric", "lat_p99_ns"), 0);
	if (load_out(TMP("p99"))) {
		check_point("tas/1/2/100", "slower", 3.0, 2800.0 / 1100, 3200.0 / 900);
		check_point("tas/1/1/100", "faster", 0.5, 28.0 / 65, 32.0 / 55);
	}
	CHECK_EQ(RUN(FIX("a"), FIX("b"), "--out", TMP("cpu"), "--metric=cpu_ns_per_op"), 0);
	if (load_out(TMP("cpu"))) {
		check_point("ticket/1/1/100", "not measured", NAN, NAN, NAN);
		check_point("tas/1/2/100", "costlier", 2.0, 380.0 / 210, 420.0 / 190);
	}
	CHECK(strstr(r->out, "1 not measured") != NULL);

	printf("the default place is B/compare-<name of A>:\n");
	size_t blen;
	const char *bsum = read_text(FIX("b/summary.csv"), &blen);
	char b[512];
	snprintf(b, sizeof b, "%s", plant("b", bsum, blen, NULL));
	CHECK_EQ(RUN(FIX("a"), b), 0);
	CHECK(exists(path("%s/%s", b, "compare-a/compare.csv")));
	CHECK(exists(path("%s/%s", b, "compare-a/compare.md")));
}

static void test_refusal(void)
{
	printf("a result set of another format version is refused:\n");
	RUN(FIX("a"), FIX("v3"), "--out", TMP("v3"));
	check_error(1, "v3/summary.csv:2:", "format_version '3'; this lockbench reads v1 to v2 only");
	CHECK(!exists(TMP("v3")));
	RUN(FIX("v3"), FIX("b"), "--out", TMP("v3"));
	check_error(1, "v3/summary.csv:2:", "'3'");
	/* A readable summary.csv in a set whose meta.json says v3. */
	const char *sum = read_text(FIX("a/summary.csv"), NULL);
	char *meta3 = plant("meta3", sum, strlen(sum),
			    "{\"format\": \"lockbench-results v3\", \"format_version\": 3}\n");
	RUN(meta3, FIX("b"), "--out", TMP("v3"));
	check_error(1, "meta3/meta.json", "'lockbench-results v3'");
}

static void test_garbled(void)
{
	printf("malformed files: one line naming the file and the line, no crash:\n");
	RUN(FIX("garbled"), FIX("b"), "--out", TMP("g"));
	check_error(1, "garbled/summary.csv:5:", "fields");

	size_t len;
	char sum[16384];
	snprintf(sum, sizeof sum, "%s", read_text(FIX("a/summary.csv"), &len));
	char *line3 = strchr(strchr(sum, '\n') + 1, '\n') + 1; /* the first row */

	/* Cut in the middle of the last row. */
	RUN(plant("trunc", sum, len - 30, NULL), FIX("b"), "--out", TMP("g"));
	check_error(1, "trunc/summary.csv:", NULL);
	CHECK(r->status != 0 && r->status < 128);

	/* Not a number where mops_median is (line 3's 12th field "30"). */
	char bad[16384];
	snprintf(bad, sizeof bad, "%s", sum);
	char *f = bad + (line3 - sum);
	for (int i = 0; i < 11; i++)
		f = strchr(f, ',') + 1;
	memcpy(f, "xy", 2);
	RUN(plant("nan", bad, len, NULL), FIX("b"), "--out", TMP("g"));
	check_error(1, "nan/summary.csv:3:", "mops_median");

	/* The same point twice. */
	char dup[16384];
	size_t l3 = (size_t)(strchr(line3, '\n') + 1 - line3);
	memcpy(dup, sum, len);
	memcpy(dup + len, line3, l3);
	RUN(plant("dup", dup, len + l3, NULL), FIX("b"), "--out", TMP("g"));
	check_error(1, "dup/summary.csv:10:", "tas/1/1/100/100 appears again (first on line 3)");
	/* The same lock, permits, threads and cs at another ncs is another point (the lock-cost
	 * points run at ncs 0 beside a user's own cs): not a duplicate. */
	char *ncs = dup + len;
	for (int i = 0; i < 7; i++)
		ncs = strchr(ncs, ',') + 1;
	size_t old = (size_t)(strchr(ncs, ',') - ncs);
	memmove(ncs + 1, ncs + old, (size_t)(dup + len + l3 - (ncs + old)));
	ncs[0] = '0';
	CHECK_EQ(RUN(plant("ncs0", dup, len + l3 - old + 1, NULL), FIX("b"), "--out", TMP("n0")), 0);

	/* A column missing from the header (renamed, so every row keeps its field count). */
	snprintf(bad, sizeof bad, "%s", sum);
	memcpy(strstr(bad, "mops_max"), "mops_mux", 8);
	RUN(plant("nocol", bad, len, NULL), FIX("b"), "--out", TMP("g"));
	check_error(1, "nocol/summary.csv", "mops_max");

	/* Empty, and bytes that are not text at all. */
	RUN(plant("empty", "", 0, NULL), FIX("b"), "--out", TMP("g"));
	check_error(1, "empty/summary.csv", NULL);
	char junk[4096];
	unsigned x = 12345;
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)((x = x * 1103515245u + 12345u) >> 16);
	RUN(plant("junk", junk, sizeof junk, NULL), FIX("b"), "--out", TMP("g"));
	check_error(1, "junk/summary.csv", NULL);
	/* A garbled meta.json. */
	RUN(plant("badmeta", sum, len, "{\"format\": \"lockbench-results v1\",\n  \"meta\": {\n"),
	    FIX("b"), "--out", TMP("g"));
	check_error(1, "badmeta/meta.json:", NULL);
	CHECK(!exists(TMP("g")));
}

static void test_usage(void)
{
	printf("usage errors exit 2 with one line:\n");
	run((char *[]){ "compare", NULL });
	check_error(2, "expected two result directories", NULL);
	RUN(FIX("a"));
	check_error(2, "expected two result directories", NULL);
	RUN(FIX("a"), FIX("b"), FIX("a"));
	check_error(2, "expected two result directories, got 3", NULL);
	RUN(FIX("a"), FIX("b"), "--metric", "speed");
	check_error(2, "--metric: 'speed' is not one of mops, lat_p99_ns, fairness, fairness_maxmin, cpu_ns_per_op",
		    NULL);
	RUN(FIX("a"), FIX("b"), "--metric");
	check_error(2, "--metric: expected a value", NULL);
	RUN(FIX("a"), FIX("b"), "--bogus");
	check_error(2, "compare: unknown or ambiguous option '--bogus'", NULL);
	RUN(FIX("a"), FIX("nope"));
	check_error(2, "compare/nope': No such file or directory", NULL);
	RUN(FIX("a"), fixtures);
	check_error(2, "is not a result set: it has no summary.csv", NULL);
	RUN(FIX("a"), FIX("a/summary.csv"));
	check_error(2, "is not a directory", NULL);
	printf("a table that cannot be written is a runtime failure:\n");
	char *argv[] = { "compare", FIX("a"), FIX("b"), "--out", TMP("full"), NULL };
	char *full_argv[8] = { lockbench };
	memcpy(full_argv + 1, argv, sizeof argv);
	printf("  $ lockbench compare a b --out ... >/dev/full\n");
	if (spawn_capture(full_argv, -1, "/dev/full", r) != 0)
		tu_die("compare_cli", "spawn", errno);
	CHECK_EQ(r->status, 1);
	CHECK(spawn_one_error_line(r->err) && strstr(r->err, "writing the table") != NULL);
	CHECK(exists(TMP("full/compare.csv"))); /* the files are written all the same */
	CHECK_EQ(RUN("--help"), 0);
	CHECK(strstr(r->out, "usage: lockbench compare A B") != NULL);
}

static void test_no_gnuplot(void)
{
	printf("no gnuplot in PATH: one line, exit 1, the table and compare.csv still there:\n");
	const char *saved = getenv("PATH");
	char *keep = saved ? strdup(saved) : NULL;
	setenv("PATH", "/nonexistent", 1);
	RUN(FIX("a"), FIX("b"), "--out", TMP("nognuplot"));
	keep ? setenv("PATH", keep, 1) : unsetenv("PATH");
	free(keep);
	CHECK_EQ(r->status, 1);
	CHECK(spawn_one_error_line(r->err));
	CHECK(strstr(r->err, "gnuplot is not installed") != NULL);
	CHECK(strstr(r->out, "6 points in both") != NULL);
	CHECK(exists(TMP("nognuplot/compare.csv")));
	CHECK(strstr(read_text(TMP("nognuplot/compare.md"), NULL), "No plot: gnuplot") != NULL);
}

/* The script alone, as a user runs it by hand. */
static void test_script(void)
{
	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		printf("gnuplot is not installed: compare.gp not checked\n");
		return;
	}
	printf("compare.gp by hand:\n");
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "gnuplot -c '%s/compare.gp' '%s' 2>/dev/null", scripts,
		 FIX("a/summary.csv"));
	CHECK(system(cmd) != 0); /* usage */
	snprintf(cmd, sizeof cmd, "gnuplot -c '%s/compare.gp' '%s' '%s' '%s' 2>&1", scripts,
		 FIX("a/summary.csv"), FIX("v3/summary.csv"), TMP("hand.png"));
	FILE *p = popen(cmd, "r");
	char msg[4096] = "";
	size_t n = p ? fread(msg, 1, sizeof msg - 1, p) : 0;
	msg[n] = '\0';
	CHECK(p && pclose(p) != 0);
	CHECK(strstr(msg, "v3/summary.csv") != NULL && strstr(msg, "format_version '3'") != NULL);
	snprintf(cmd, sizeof cmd, "gnuplot -c '%s/compare.gp' '%s' '%s' '%s' A B fairness 2>/dev/null",
		 scripts, FIX("a/summary.csv"), FIX("b/summary.csv"), TMP("hand.svg"));
	CHECK(system(cmd) == 0);
	CHECK(strstr(read_text(TMP("hand.svg"), NULL), "<svg") != NULL);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: compare_cli LOCKBENCH FIXTURES_DIR SCRIPTS_DIR\n");
		return 2;
	}
	lockbench = argv[1];
	fixtures = argv[2];
	scripts = argv[3];
	setenv("LOCKBENCH_PLOTS", scripts, 1);
	snprintf(tmp, sizeof tmp, "%s/lb-compare-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp))
		tu_die("compare_cli", "mkdtemp", errno);
	r = malloc(sizeof *r);
	if (!r)
		tu_die("compare_cli", "malloc", ENOMEM);

	test_fixtures();
	test_refusal();
	test_garbled();
	test_usage();
	test_no_gnuplot();
	test_script();

	csv_free(&out_csv);
	free(r);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (!tu_failed && system(cmd) != 0)
		printf("  could not remove %s\n", tmp);
	else if (tu_failed)
		printf("  outputs kept in %s\n", tmp);
	return tu_summary("compare_cli");
}
