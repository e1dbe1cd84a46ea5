/* harness_cli.c — the option parsers, table-driven: durations, unsigned integers and lists,
 * CPU lists, and `lockbench run`'s argument vectors, good and bad. Every bad vector must be
 * refused with -1 and exactly one line on stderr, `lockbench: ...`, naming the option; the
 * expected text of that line is part of each row.
 *
 * Locks are taken from the registry by property (one that is counting, one that is not, ...),
 * never by name. Each table row prints one line; a negative control at the end runs the same
 * checkers against planted wrong expectations and checks that they fail.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

#include "cli/cli.h"
#include "run/result.h"

#define US 1000ull
#define MS 1000000ull
#define S 1000000000ull
#define H (3600 * S)

static const char *errno_name(int rc)
{
	return rc == 0 ? "0" : rc == -EINVAL ? "-EINVAL" : rc == -ERANGE ? "-ERANGE" : "other";
}

/* The input as the row shows it: quoted, so that "" and " 1" are visible. */
static const char *quoted(const char *s)
{
	static char buf[64];
	snprintf(buf, sizeof buf, "'%s'", s);
	return buf;
}

/* ---- durations --------------------------------------------------------------------------- */

struct time_case {
	const char *in;
	uint64_t bare_unit_ns, max_ns;
	int rc;
	uint64_t want_ns;
};

static const struct time_case time_cases[] = {
	{ "500ms", S, H, 0, 500 * MS },
	{ "2s", S, H, 0, 2 * S },
	{ "1.5us", 1, S, 0, 1500 },
	{ "2\xc2\xb5s", 1, S, 0, 2000 },
	{ "100ns", 1, S, 0, 100 },
	{ "3m", S, H, 0, 180 * S },
	{ "1h", S, H, 0, H },
	{ "0.25s", S, H, 0, 250 * MS },
	{ "1.50s", S, H, 0, 1500 * MS },
	{ "1.000000001s", S, H, 0, S + 1 },
	{ "007ms", S, H, 0, 7 * MS },
	{ "2", S, H, 0, 2 * S },        /* bare: seconds for --duration */
	{ "250", 1, S, 0, 250 },        /* bare: nanoseconds for --cs */
	{ "0", S, H, 0, 0 },            /* zero parses; whether it is allowed is the option's call */
	{ "0ns", 1, S, 0, 0 },
	{ "3600s", S, H, 0, H },        /* exactly the limit */
	{ "", S, H, -EINVAL, 0 },
	{ "-1s", S, H, -EINVAL, 0 },
	{ "+1s", S, H, -EINVAL, 0 },
	{ "1x", S, H, -EINVAL, 0 },
	{ "ms", S, H, -EINVAL, 0 },
	{ "1.", S, H, -EINVAL, 0 },
	{ ".5s", S, H, -EINVAL, 0 },
	{ " 1s", S, H, -EINVAL, 0 },
	{ "1s ", S, H, -EINVAL, 0 },
	{ "1 s", S, H, -EINVAL, 0 },
	{ "1S", S, H, -EINVAL, 0 },
	{ "1sec", S, H, -EINVAL, 0 },
	{ "1e3", S, H, -EINVAL, 0 },
	{ "0x10", S, H, -EINVAL, 0 },
	{ "1.5.3s", S, H, -EINVAL, 0 },
	{ "0.5ns", 1, S, -EINVAL, 0 },  /* not a whole nanosecond */
	{ "1.5", 1, S, -EINVAL, 0 },    /* bare nanoseconds: same */
	{ "5", 0, S, -EINVAL, 0 },      /* bare_unit 0: a unit is required */
	{ "1.0000000000000000001s", S, H, -EINVAL, 0 },
	{ "3601s", S, H, -ERANGE, 0 },
	{ "2h", S, H, -ERANGE, 0 },
	{ "18446744073709551615ns", 1, UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616ns", 1, UINT64_MAX, -ERANGE, 0 },
	{ "99999999999999999999999s", S, H, -ERANGE, 0 },
	{ "5124095576030431h", 1, UINT64_MAX, -ERANGE, 0 }, /* fits as a number, not in ns */
};

static bool time_row(const struct time_case *c)
{
	uint64_t got = 0xdeadbeef;
	int rc = parse_time_ns(c->in, c->bare_unit_ns, c->max_ns, &got);
	bool ok = rc == c->rc && (rc != 0 || got == c->want_ns);
	printf("  time    %-28s bare %-10llu -> %-7s %-14llu %s\n", quoted(c->in),
	       (unsigned long long)c->bare_unit_ns, errno_name(rc),
	       rc ? 0ull : (unsigned long long)got, ok ? "ok" : "WRONG");
	CHECK_EQ(rc, c->rc);
	if (rc == 0 && c->rc == 0)
		CHECK(got == c->want_ns);
	return ok;
}

/* format_time_ns chooses the largest exact unit, and parse_time_ns reads it back. */
static void test_format_time(void)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} cases[] = { { 0, "0" },	   { 100, "100ns" },	  { 1500, "1500ns" }, { 2 * US, "2us" },
		      { 200 * MS, "200ms" }, { S, "1s" },	  { 90 * S, "90s" },  { 120 * S, "2m" },
		      { H, "1h" },	   { S + 1, "1000000001ns" } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[32];
		uint64_t back = 1;
		format_time_ns(cases[i].ns, buf, sizeof buf);
		int rc = parse_time_ns(buf, 1, UINT64_MAX, &back);
		printf("  format  %-14llu -> %-14s -> %llu\n", (unsigned long long)cases[i].ns, buf,
		       (unsigned long long)back);
		CHECK(strcmp(buf, cases[i].want) == 0);
		CHECK_EQ(rc, 0);
		CHECK(back == cases[i].ns);
	}
}

/* ---- unsigned integers and lists --------------------------------------------------------- */

struct uint_case {
	const char *in;
	unsigned min, max;
	int rc;
	unsigned want;
};

static const struct uint_case uint_cases[] = {
	{ "0", 0, 10, 0, 0 },
	{ "10", 0, 10, 0, 10 },
	{ "007", 0, 10, 0, 7 },
	{ "4294967295", 0, 4294967295u, 0, 4294967295u },
	{ "11", 0, 10, -ERANGE, 0 },
	{ "0", 1, 10, -ERANGE, 0 },
	{ "4294967296", 0, 4294967295u, -ERANGE, 0 },
	{ "99999999999999999999999", 0, 10, -ERANGE, 0 },
	{ "", 0, 10, -EINVAL, 0 },
	{ "-1", 0, 10, -EINVAL, 0 },
	{ "+1", 0, 10, -EINVAL, 0 },
	{ " 1", 0, 10, -EINVAL, 0 },
	{ "1 ", 0, 10, -EINVAL, 0 },
	{ "1a", 0, 10, -EINVAL, 0 },
	{ "0x1", 0, 10, -EINVAL, 0 },
	{ "1.0", 0, 10, -EINVAL, 0 },
};

static bool uint_row(const struct uint_case *c)
{
	unsigned got = 12345;
	int rc = parse_uint(c->in, c->min, c->max, &got);
	bool ok = rc == c->rc && (rc != 0 || got == c->want);
	printf("  uint    %-28s [%u, %u] -> %-7s %u %s\n", quoted(c->in), c->min, c->max, errno_name(rc),
	       rc ? 0 : got, ok ? "ok" : "WRONG");
	CHECK_EQ(rc, c->rc);
	if (rc == 0 && c->rc == 0)
		CHECK_EQ(got, c->want);
	return ok;
}

#define LIST_MAX 8

struct list_case {
	const char *in;
	unsigned max; /* max value (uint lists) or max CPU (CPU lists) */
	unsigned cap;
	int rc;
	unsigned n;
	int want[LIST_MAX];
};

static const struct list_case uint_list_cases[] = {
	{ "1,2,4", 64, 8, 0, 3, { 1, 2, 4 } },
	{ "8", 64, 8, 0, 1, { 8 } },
	{ "4,1", 64, 8, 0, 2, { 4, 1 } },
	{ "1,2,3", 64, 3, 0, 3, { 1, 2, 3 } },
	{ "1,2,3,4", 64, 3, -ERANGE, 0, { 0 } }, /* more than cap */
	{ "1,999", 64, 8, -ERANGE, 0, { 0 } },
	{ "0,1", 64, 8, -ERANGE, 0, { 0 } },     /* min is 1 */
	{ "", 64, 8, -EINVAL, 0, { 0 } },
	{ "1,,2", 64, 8, -EINVAL, 0, { 0 } },
	{ "1,", 64, 8, -EINVAL, 0, { 0 } },
	{ ",1", 64, 8, -EINVAL, 0, { 0 } },
	{ "1,x", 64, 8, -EINVAL, 0, { 0 } },
	{ "1-3", 64, 8, -EINVAL, 0, { 0 } },
	{ "1;2", 64, 8, -EINVAL, 0, { 0 } },
	{ "1, 2", 64, 8, -EINVAL, 0, { 0 } },
};

static const struct list_case cpu_list_cases[] = {
	{ "0", 63, 8, 0, 1, { 0 } },
	{ "0,2,4-7", 63, 8, 0, 6, { 0, 2, 4, 5, 6, 7 } },
	{ "3,1", 63, 8, 0, 2, { 3, 1 } }, /* the given order is the round-robin order */
	{ "5-5", 63, 8, 0, 1, { 5 } },
	{ "62-63", 63, 8, 0, 2, { 62, 63 } },
	{ "0-7", 63, 8, 0, 8, { 0, 1, 2, 3, 4, 5, 6, 7 } },
	{ "0-8", 63, 8, -ERANGE, 0, { 0 } }, /* more than cap */
	{ "64", 63, 8, -ERANGE, 0, { 0 } },
	{ "60-70", 63, 8, -ERANGE, 0, { 0 } },
	{ "99999999999999999999", 63, 8, -ERANGE, 0, { 0 } },
	{ "7-4", 63, 8, -EINVAL, 0, { 0 } },  /* reversed range */
	{ "1,1", 63, 8, -EINVAL, 0, { 0 } },  /* duplicate */
	{ "0-3,2", 63, 8, -EINVAL, 0, { 0 } }, /* duplicate through a range */
	{ "", 63, 8, -EINVAL, 0, { 0 } },
	{ ",", 63, 8, -EINVAL, 0, { 0 } },
	{ "1,", 63, 8, -EINVAL, 0, { 0 } },
	{ ",1", 63, 8, -EINVAL, 0, { 0 } },
	{ "1,,2", 63, 8, -EINVAL, 0, { 0 } },
	{ "a", 63, 8, -EINVAL, 0, { 0 } },
	{ "1-", 63, 8, -EINVAL, 0, { 0 } },
	{ "-1", 63, 8, -EINVAL, 0, { 0 } },
	{ "1--3", 63, 8, -EINVAL, 0, { 0 } },
	{ "1-3-5", 63, 8, -EINVAL, 0, { 0 } },
	{ " 1", 63, 8, -EINVAL, 0, { 0 } },
	{ "1 ", 63, 8, -EINVAL, 0, { 0 } },
	{ "0x1", 63, 8, -EINVAL, 0, { 0 } },
	{ "1:2", 63, 8, -EINVAL, 0, { 0 } },
};

static bool list_row(const char *what, const struct list_case *c, bool cpus)
{
	int vals[LIST_MAX + 1] = { -7 };
	unsigned uvals[LIST_MAX + 1] = { 7 }, n = 99;
	int rc = cpus ? parse_cpulist(c->in, c->max, vals, c->cap, &n)
		      : parse_uint_list(c->in, 1, c->max, uvals, c->cap, &n);
	bool same = rc == 0 && n == c->n;
	for (unsigned i = 0; same && i < n; i++)
		same = (cpus ? vals[i] : (int)uvals[i]) == c->want[i];
	bool ok = rc == c->rc && (rc != 0 || same);
	printf("  %-7s %-28s max %-3u cap %u -> %-7s", what, quoted(c->in), c->max, c->cap, errno_name(rc));
	for (unsigned i = 0; rc == 0 && i < n; i++)
		printf("%s%d", i ? "," : " ", cpus ? vals[i] : (int)uvals[i]);
	printf(" %s\n", ok ? "ok" : "WRONG");
	CHECK_EQ(rc, c->rc);
	if (c->rc == 0)
		CHECK(same);
	return ok;
}

/* ---- placement and status names ---------------------------------------------------------- */

static void test_names(void)
{
	const enum placement all[] = { PLACEMENT_COMPACT, PLACEMENT_SCATTER, PLACEMENT_NONE,
				       PLACEMENT_LIST };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		enum placement back = PLACEMENT_NONE;
		int rc = placement_parse(placement_name(all[i]), &back);
		printf("  placement %-8s round-trips: %s\n", placement_name(all[i]),
		       rc == 0 && back == all[i] ? "ok" : "WRONG");
		CHECK_EQ(rc, 0);
		CHECK_EQ(back, all[i]);
	}
	enum placement p;
	CHECK_EQ(placement_parse("diagonal", &p), -EINVAL);
	CHECK_EQ(placement_parse("", &p), -EINVAL);
	CHECK_EQ(placement_parse("Compact", &p), -EINVAL);
	const char *status[] = { run_status_name(RUN_OK), run_status_name(RUN_VIOLATION),
				 run_status_name(RUN_STUCK), run_status_name(RUN_ERROR),
				 run_status_name(RUN_INTERRUPTED) };
	printf("  status names: %s %s %s %s %s\n", status[0], status[1], status[2], status[3],
	       status[4]);
	for (size_t i = 0; i < 5; i++)
		for (size_t j = i + 1; j < 5; j++)
			CHECK(strcmp(status[i], status[j]) != 0);
	CHECK(strcmp(status[0], "ok") == 0);
}

/* ---- lockbench run ----------------------------------------------------------------------- */

/* Capture what a call writes to fd 1 and fd 2. */
struct capture {
	int saved_out, saved_err;
	FILE *out, *err;
};

static void capture_begin(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	c->out = tmpfile();
	c->err = tmpfile();
	if (!c->out || !c->err)
		tu_die("harness_cli", "tmpfile", errno);
	c->saved_out = dup(1);
	c->saved_err = dup(2);
	if (c->saved_out < 0 || c->saved_err < 0 || dup2(fileno(c->out), 1) < 0 ||
	    dup2(fileno(c->err), 2) < 0)
		tu_die("harness_cli", "dup2", errno);
}

static void slurp(FILE *f, char *buf, size_t len)
{
	rewind(f);
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void capture_end(struct capture *c, char *out, size_t outlen, char *err, size_t errlen)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->saved_out, 1);
	dup2(c->saved_err, 2);
	close(c->saved_out);
	close(c->saved_err);
	slurp(c->out, out, outlen);
	slurp(c->err, err, errlen);
}

/* Placeholders in argument rows, filled from the registry by property. */
static const char *any_lock, *counting_lock, *noncounting_lock, *reentrant_lock,
	*nonreentrant_lock;

static void pick_locks(void)
{
	const struct lb_lock_ops *o;
	for (size_t i = 0; (o = lockset_at(i)); i++) {
		if (!any_lock)
			any_lock = o->name;
		if (!counting_lock && (o->props & LB_COUNTING))
			counting_lock = o->name;
		if (!noncounting_lock && !(o->props & LB_COUNTING))
			noncounting_lock = o->name;
		if (!reentrant_lock && (o->props & LB_REENTRANT))
			reentrant_lock = o->name;
		if (!nonreentrant_lock && !(o->props & LB_REENTRANT))
			nonreentrant_lock = o->name;
	}
}

static const char *fill(const char *a)
{
	if (strcmp(a, "@LOCK") == 0)
		return any_lock;
	if (strcmp(a, "@COUNTING") == 0)
		return counting_lock;
	if (strcmp(a, "@NONCOUNTING") == 0)
		return noncounting_lock;
	if (strcmp(a, "@REENTRANT") == 0)
		return reentrant_lock;
	if (strcmp(a, "@NONREENTRANT") == 0)
		return nonreentrant_lock;
	return a;
}

#define MAX_ARGS 32

/* Runs cli_parse_run on the row's arguments (after "run"). Returns its rc; *skipped when a
 * placeholder has no lock in this registry. */
static int run_args(bool bare, const char *const *args, struct run_params *p, char *out,
		    size_t outlen, char *err, size_t errlen, char *shown, size_t shownlen,
		    bool *skipped)
{
	static const char *const prefix[] = { "--lock", "@LOCK", "--threads", "2", NULL };
	char *argv[MAX_ARGS + 8];
	int argc = 0;
	size_t at = 0;
	*skipped = false;
	argv[argc++] = (char *)"run";
	shown[0] = '\0';
	const char *const *lists[] = { bare ? NULL : prefix, args };
	for (size_t l = 0; l < 2; l++) {
		for (const char *const *a = lists[l]; a && *a && argc < MAX_ARGS + 6; a++) {
			const char *v = fill(*a);
			if (!v) {
				*skipped = true;
				return 0;
			}
			argv[argc++] = (char *)v;
			int w = snprintf(shown + at, shownlen - at, "%s%s", at ? " " : "", v);
			at += w > 0 && (size_t)w < shownlen - at ? (size_t)w : 0;
		}
	}
	argv[argc] = NULL;
	struct capture c;
	capture_begin(&c);
	int rc = cli_parse_run(argc, argv, p);
	capture_end(&c, out, outlen, err, errlen);
	return rc;
}

static bool one_error_line(const char *err)
{
	const char *nl = strchr(err, '\n');
	return strncmp(err, "lockbench: ", 11) == 0 && nl && nl[1] == '\0';
}

/* Rows add to "--lock @LOCK --threads 2" (a later --lock or --threads wins, as in getopt), or,
 * when `bare`, stand alone. */
struct bad_args {
	bool bare;
	const char *args[MAX_ARGS];
	const char *want; /* a substring of the one error line; "@..." placeholders not expanded */
};

static const struct bad_args bad_args[] = {
	{ true, { "--threads", "2", NULL }, "--lock NAME is required; try: " },
	{ true, { "--lock", "@LOCK", NULL }, "--threads N is required" },
	{ true, { "--lock", "@LOCK", "--threads", NULL }, "--threads: expected a value" },
	{ true, { "--lock", "@LOCK", "extra", "--threads", "2", NULL }, "run: unexpected argument 'extra'" },
	{ false, { "--lock", "no-such-lock", NULL },
	  "--lock: 'no-such-lock' is not a registered lock; try: " },
	{ false, { "--threads", "0", NULL }, "--threads: '0' is not an integer in 1..1024" },
	{ false, { "--threads", "1025", NULL }, "--threads: '1025' is not an integer in 1..1024" },
	{ false, { "--threads", "two", NULL }, "--threads: 'two' is not an integer" },
	{ false, { "--threads", "-2", NULL }, "--threads: '-2' is not an integer" },
	{ false, { "--duration", "0", NULL }, "--duration: '0' must be more than zero" },
	{ false, { "--duration", "0ms", NULL }, "--duration: '0ms' must be more than zero" },
	{ false, { "--duration", "1x", NULL },
	  "--duration: '1x' is not a duration (e.g. 500ms, 2s; units ns, us, ms, s, m, h; a bare "
	  "number is in seconds)" },
	{ false, { "--duration", "", NULL }, "--duration: '' is not a duration" },
	{ false, { "--duration", "-1s", NULL }, "--duration: '-1s' is not a duration" },
	{ false, { "--duration", "2h", NULL }, "--duration: '2h' is out of range (at most 1h)" },
	{ false, { "--warmup", "ms", NULL }, "--warmup: 'ms' is not a duration" },
	{ false, { "--cs", "0.5", NULL },
	  "--cs: '0.5' is not a duration (e.g. 500ms, 2s; units ns, us, ms, s, m, h; a bare number "
	  "is in nanoseconds)" },
	{ false, { "--ncs", "2s", NULL }, "--ncs: '2s' is out of range (at most 1s)" },
	{ false, { "--watchdog", "0", NULL }, "--watchdog: '0' must be more than zero" },
	{ false, { "--cs-lines", "0", NULL }, "--cs-lines: '0' is not an integer in 1..1024" },
	{ false, { "--reps", "0", NULL }, "--reps: '0' is not an integer in 1..1000" },
	{ false, { "--instances", "3", NULL }, "--instances: '3' is more than --threads 2" },
	{ false, { "--lock", "@NONCOUNTING", "--permits", "2", NULL },
	  "--permits: '2' needs a counting lock and '@NONCOUNTING' is not one" },
	{ false, { "--lock", "@NONREENTRANT", "--reentry", "2", NULL },
	  "--reentry: '2' needs a reentrant lock and '@NONREENTRANT' is not one" },
	{ false, { "--placement", "diagonal", NULL },
	  "lockbench: --placement: 'diagonal' is not one of compact, scatter, none\n" },
	{ false, { "--placement", "list", NULL },
	  "--placement: 'list' is not one of compact, scatter, none (a list is given with --cpus)" },
	{ false, { "--cpus", "3-1", NULL }, "--cpus: '3-1' is not a CPU list (reversed range 3-1" },
	{ false, { "--cpus", "1,1", NULL }, "--cpus: '1,1' is not a CPU list (CPU 1 listed twice" },
	{ false, { "--cpus", "", NULL }, "--cpus: '' is not a CPU list (empty list" },
	{ false, { "--cpus", "0,x", NULL }, "--cpus: '0,x' is not a CPU list (not a number at 'x'" },
	{ false, { "--cpus", "99999", NULL },
	  "--cpus: '99999' is not a CPU list (CPU numbers go up to 8191" },
	{ false, { "--cpus", "0", "--placement", "scatter", NULL },
	  "--cpus: cannot be combined with --placement scatter" },
	{ false, { "--placement", "compact", "--cpus", "0", NULL },
	  "--cpus: cannot be combined with --placement compact" },
	{ false, { "--format", "xml", NULL }, "--format: 'xml' is not one of table, csv, json" },
	{ false, { "--no-timing", "--timing-every", "10", NULL },
	  "--timing-every: cannot be combined with --no-timing" },
	{ false, { "--timing-every", "0", NULL },
	  "--timing-every: '0' is not an integer in 1..1000000" },
	{ false, { "--no-timing=1", NULL }, "--no-timing: takes no value" },
	{ false, { "--bogus", NULL }, "run: unknown or ambiguous option '--bogus'" },
	{ false, { "--c", "5", NULL }, "run: unknown or ambiguous option '--c'" },
	{ false, { "-x", NULL }, "run: unknown option '-x'" },
	{ false, { "extra", NULL }, "run: unexpected argument 'extra'" },
};

/* The expected text with the row's placeholders filled in. */
static void fill_want(const char *want, char *buf, size_t len)
{
	static const char *const keys[] = { "@NONCOUNTING", "@NONREENTRANT", "@LOCK" };
	buf[0] = '\0';
	while (*want) {
		size_t i;
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			size_t k = strlen(keys[i]);
			if (strncmp(want, keys[i], k) == 0) {
				strncat(buf, fill(keys[i]), len - strlen(buf) - 1);
				want += k;
				break;
			}
		}
		if (i == sizeof keys / sizeof keys[0]) {
			size_t l = strlen(buf);
			if (l + 1 < len)
				buf[l] = *want, buf[l + 1] = '\0';
			want++;
		}
	}
}

static bool bad_row(const struct bad_args *r)
{
	struct run_params p;
	char out[256], err[2048], shown[512], want[512];
	bool skipped;
	int rc = run_args(r->bare, r->args, &p, out, sizeof out, err, sizeof err, shown,
			  sizeof shown, &skipped);
	if (skipped) {
		printf("  run     (%s ...) skipped: no such lock in this registry\n", r->args[0]);
		return true;
	}
	fill_want(r->want, want, sizeof want);
	bool line = one_error_line(err), has = strstr(err, want) != NULL;
	printf("  run     %-60s -> %d %s%s", shown, rc, rc == -1 && line && has ? "ok: " : "WRONG: ",
	       err[0] ? err : "(nothing on stderr)\n");
	CHECK_EQ(rc, -1);
	CHECK(line);
	CHECK(has);
	CHECK(out[0] == '\0');
	return rc == -1 && line && has;
}

/* A row that must parse: returns the params for the caller to check. */
static bool good_row(const char *const *args, struct run_params *p)
{
	char out[8192], err[1024], shown[512];
	bool skipped;
	int rc = run_args(true, args, p, out, sizeof out, err, sizeof err, shown, sizeof shown,
			  &skipped);
	if (skipped) {
		printf("  run     (%s ...) skipped: no such lock in this registry\n", args[0]);
		return false;
	}
	printf("  run     %-60s -> %d %s\n", shown, rc, rc == 0 && !err[0] ? "ok" : "WRONG");
	CHECK_EQ(rc, 0);
	CHECK(err[0] == '\0');
	return rc == 0;
}

static void test_run_good(void)
{
	struct run_params p;
	const char *minimal[] = { "--lock", "@LOCK", "--threads", "2", NULL };
	if (good_row(minimal, &p)) {
		/* The documented defaults; ncs must not be 0 (see run_params_defaults). */
		CHECK(p.lock == lockset_find(any_lock));
		CHECK_EQ(p.threads, 2);
		CHECK(p.duration_ns == S);
		CHECK(p.warmup_ns == 200 * MS);
		CHECK(p.cs_ns == 100);
		CHECK(p.ncs_ns == 100);
		CHECK_EQ(p.cs_lines, 1);
		CHECK_EQ(p.instances, 1);
		CHECK_EQ(p.permits, 1);
		CHECK_EQ(p.reentry, 1);
		CHECK_EQ(p.placement, PLACEMENT_COMPACT);
		CHECK(p.cpus[0] == '\0');
		CHECK_EQ(p.reps, 1);
		CHECK(p.timing);
		CHECK_EQ(p.timing_every, 0);
		CHECK(p.watchdog_ns == 0);
		CHECK_EQ(p.format, FORMAT_TABLE);
	}
	const char *full[] = { "--lock",      "@LOCK",	   "--threads",	    "8",	"--duration=2s",
			       "--warmup",    "0",	   "--cs",	    "1.5us",	"--ncs",
			       "0",	      "--cs-lines", "4",	    "--instances", "2",
			       "--reps",      "3",	   "--format",	    "json",	"--timing-every",
			       "64",	      "--watchdog", "30",	    "--placement", "scatter",
			       NULL };
	if (good_row(full, &p)) {
		CHECK_EQ(p.threads, 8);
		CHECK(p.duration_ns == 2 * S);
		CHECK(p.warmup_ns == 0);
		CHECK(p.cs_ns == 1500);
		CHECK(p.ncs_ns == 0);
		CHECK_EQ(p.cs_lines, 4);
		CHECK_EQ(p.instances, 2);
		CHECK_EQ(p.reps, 3);
		CHECK_EQ(p.format, FORMAT_JSON);
		CHECK_EQ(p.timing_every, 64);
		CHECK(p.watchdog_ns == 30 * S);
		CHECK_EQ(p.placement, PLACEMENT_SCATTER);
	}
	const char *cpus[] = { "--lock", "@LOCK", "--threads", "3", "--cpus", "1,0", "--no-timing",
			       "--format", "csv", NULL };
	if (good_row(cpus, &p)) {
		CHECK_EQ(p.placement, PLACEMENT_LIST);
		CHECK(strcmp(p.cpus, "1,0") == 0);
		CHECK(!p.timing);
		CHECK_EQ(p.format, FORMAT_CSV);
	}
	const char *later[] = { "--lock", "@LOCK", "--threads", "2", "--threads", "4", NULL };
	if (good_row(later, &p))
		CHECK_EQ(p.threads, 4); /* the last one wins, as with every getopt tool */
	const char *counting[] = { "--lock", "@COUNTING", "--threads", "4", "--permits", "3", NULL };
	if (good_row(counting, &p))
		CHECK_EQ(p.permits, 3);
	const char *reentrant[] = { "--lock", "@REENTRANT", "--threads", "2", "--reentry", "3", NULL };
	if (good_row(reentrant, &p))
		CHECK_EQ(p.reentry, 3);
}

/* --help prints to stdout, returns 1, and states every option and its default. */
static void test_run_help(void)
{
	static const char *const must[] = {
		"--lock NAME",	   "--threads N",   "--duration TIME", "(default 1s)",
		"--warmup TIME",   "(default 200ms", "--cs TIME",      "--ncs TIME",
		"(default 100ns",  "--cs-lines K",  "--instances M",  "--permits N",
		"--reentry D",	   "--placement P", "(default compact)", "--cpus LIST",
		"--reps R",	   "--format F",    "(default table)", "--no-timing",
		"--timing-every K", "--watchdog TIME", "max(5s, 10 x duration)", "--help",
	};
	char *argv[] = { (char *)"run", (char *)"--help", NULL };
	struct run_params p;
	struct capture c;
	static char out[16384];
	char err[256];
	capture_begin(&c);
	int rc = cli_parse_run(2, argv, &p);
	capture_end(&c, out, sizeof out, err, sizeof err);
	printf("  run --help -> %d, %zu bytes on stdout\n", rc, strlen(out));
	CHECK_EQ(rc, 1);
	CHECK(err[0] == '\0');
	for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
		if (!CHECK(strstr(out, must[i]) != NULL))
			printf("    --help does not say '%s'\n", must[i]);
}

int main(void)
{
	pick_locks();
	printf("harness_cli: locks used: any %s, counting %s, not counting %s, reentrant %s, "
	       "not reentrant %s\n",
	       any_lock, counting_lock ? counting_lock : "(none)",
	       noncounting_lock ? noncounting_lock : "(none)",
	       reentrant_lock ? reentrant_lock : "(none)",
	       nonreentrant_lock ? nonreentrant_lock : "(none)");
	if (!CHECK(any_lock != NULL))
		return tu_summary("harness_cli");

	printf("durations:\n");
	for (size_t i = 0; i < sizeof time_cases / sizeof time_cases[0]; i++)
		time_row(&time_cases[i]);
	test_format_time();
	printf("unsigned integers:\n");
	for (size_t i = 0; i < sizeof uint_cases / sizeof uint_cases[0]; i++)
		uint_row(&uint_cases[i]);
	for (size_t i = 0; i < sizeof uint_list_cases / sizeof uint_list_cases[0]; i++)
		list_row("ulist", &uint_list_cases[i], false);
	printf("CPU lists:\n");
	for (size_t i = 0; i < sizeof cpu_list_cases / sizeof cpu_list_cases[0]; i++)
		list_row("cpus", &cpu_list_cases[i], true);
	printf("names:\n");
	test_names();
	printf("lockbench run, good argument vectors:\n");
	test_run_good();
	test_run_help();
	printf("lockbench run, bad argument vectors (each: -1 and one line naming the option):\n");
	for (size_t i = 0; i < sizeof bad_args / sizeof bad_args[0]; i++)
		bad_row(&bad_args[i]);

	/* Negative control: the same checkers, given planted wrong expectations, must fail. */
	printf("negative control (each row below must be reported WRONG):\n");
	tu_negative_begin();
	const struct time_case wrong_time = { "500ms", S, H, 0, 499 * MS };
	const struct time_case wrong_rc = { "1x", S, H, 0, 1 };
	const struct uint_case wrong_uint = { "11", 0, 10, 0, 11 };
	const struct list_case wrong_cpus = { "7-4", 63, 8, 0, 4, { 4, 5, 6, 7 } };
	const struct list_case wrong_order = { "3,1", 63, 8, 0, 2, { 1, 3 } };
	const struct bad_args accepted = { false, { NULL }, "" };
	const struct bad_args other_option = { false, { "--placement", "diagonal", NULL },
					       "--threads" };
	bool caught[] = {
		!time_row(&wrong_time),
		!time_row(&wrong_rc),
		!uint_row(&wrong_uint),
		!list_row("cpus", &wrong_cpus, true),
		!list_row("cpus", &wrong_order, true),
		!bad_row(&other_option), /* refused, but the line names another option */
		!bad_row(&accepted),     /* a good vector is not refused */
	};
	unsigned failed = tu_negative_end();
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		CHECK(caught[i]);
	printf("  %u planted failures caught\n", failed);
	CHECK(failed >= sizeof caught / sizeof caught[0]);

	return tu_summary("harness_cli");
}
