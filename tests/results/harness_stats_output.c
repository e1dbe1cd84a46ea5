/* harness_stats_output.c — the writers: the CSV header is exactly the documented one, every
 * row has as many fields as the header, unmeasured values are empty (never 0), fields with
 * commas are quoted, write errors
 * are reported, the JSON has null for unmeasured values and the format version, and the table
 * marks oversubscription. The file starts with the version line every reader checks. The JSON
 * document, with planted mitigation texts that need escaping, is parsed by python3 (when it is
 * installed) and must have the metadata and the per-repetition keys; a truncated copy must not
 * parse, which shows the check can fail. The header written is OUTPUT_CSV_HEADER, and every row
 * of the metric table reaches the CSV, the JSON and (with a head) the table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "results/csvread.h"
#include "results/metrics.h"
#include "results/output.h"
#include "run/runner.h"
#include "test_util.h"

/* The leading columns results/README.md promises, typed here again on purpose: changing the header in
 * output.h without changing this line (and results/README.md) fails the test. */
static const char required[] =
	"lock,threads,placement,cpus,oversubscribed,cs_ns,ncs_ns,cs_lines,instances,permits,"
	"reentry,warmup_s,duration_s,rep,ops,mops,fairness,thread_ops_min,thread_ops_max,"
	"lat_samples,lat_p50_ns,lat_p90_ns,lat_p99_ns,lat_p999_ns,lat_max_ns,cpu_ns_per_op,"
	"csw_vol,csw_invol,cache_misses_per_op,exclusion_ok,lost_updates,status";

#define MAX_FIELDS 64

/* Split one CSV line (RFC 4180 quoting) into fields; returns how many. */
static int csv_split(const char *line, char fields[][256])
{
	int n = 0;
	const char *c = line;
	for (;;) {
		char *out = fields[n];
		size_t len = 0;
		if (*c == '"') {
			for (c++; *c && !(*c == '"' && c[1] != '"'); c++) {
				if (*c == '"')
					c++;
				if (len < 255)
					out[len++] = *c;
			}
			if (*c == '"')
				c++;
		} else {
			for (; *c && *c != ',' && *c != '\n'; c++)
				if (len < 255)
					out[len++] = *c;
		}
		out[len] = '\0';
		n++;
		if (*c != ',' || n == MAX_FIELDS)
			return n;
		c++;
	}
}

static int column(char fields[][256], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(fields[i], name) == 0)
			return i;
	return -1;
}

static char *write_to_string(int (*fn)(FILE *, void *), void *arg, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		tu_die("harness_stats_output", "open_memstream", errno);
	*rc = fn(f, arg);
	fclose(f);
	return buf;
}

struct row_args {
	const struct run_params *p;
	const struct thread_plan *plan;
	const struct run_result *r;
	unsigned n;
	const struct run_meta *m;
};

static int do_header(FILE *f, void *arg)
{
	(void)arg;
	return output_csv_header(f);
}

static int do_row(FILE *f, void *arg)
{
	struct row_args *a = arg;
	return output_csv_row(f, a->p, a->plan, a->r);
}

static int do_json(FILE *f, void *arg)
{
	struct row_args *a = arg;
	return output_json(f, a->m, a->p, a->plan, a->r, a->n);
}

static int do_table(FILE *f, void *arg)
{
	struct row_args *a = arg;
	int rc = output_table_header(f, a->p, a->plan);
	for (unsigned i = 0; !rc && i < a->n; i++)
		rc = output_table_row(f, a->p, &a->r[i]);
	return rc ? rc : output_table_footer(f, a->p, a->r, a->n);
}

/* Run python3 on the document: it must parse and hold the new keys. 0 = passed, 1 = failed,
 * -1 = python3 is not installed. */
static int python_check(const char *json, size_t len)
{
	char path[] = "/tmp/harness_stats_output_XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 1;
	FILE *f = fdopen(fd, "w");
	if (!f || fwrite(json, 1, len, f) != len || fclose(f) != 0) {
		unlink(path);
		return 1;
	}
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "python3 -c 'import json,sys\n"
		 "d = json.load(open(sys.argv[1]))\n"
		 "m = d[\"meta\"]\n"
		 "assert m[\"glibc\"] and m[\"virtualization\"]\n"
		 "assert m[\"mitigations\"] == {\"spectre_v2\": \"Mitigation: \\\"quoted\\\" back\\\\slash\\ttab\", \"mds\": \"Not affected\"}, m[\"mitigations\"]\n"
		 "r = d[\"results\"][1]\n"
		 "for k in (\"timer_p50_ns\", \"timer_tick_ns\", \"worker_util\", \"fairness_maxmin\", \"fairness_cv\"): assert k in r, k\n"
		 "assert r[\"worker_util\"] == 0.6123 and r[\"fairness_maxmin\"] is None\n"
		 "' %s 2>&1", path);
	fflush(stdout); /* python's complaints land after what was printed before */
	int st = system(cmd);
	unlink(path);
	if (st == -1 || !WIFEXITED(st))
		return 1;
	return WEXITSTATUS(st) == 127 ? -1 : WEXITSTATUS(st) != 0;
}

static void check_json_python(const char *json)
{
	int rc = python_check(json, strlen(json));
	if (rc < 0) {
		printf("json: python3 not installed, not parsed\n");
		return;
	}
	CHECK_EQ(rc, 0);
	printf("json: python3 parsed it; meta has glibc, virtualization, mitigations (escaped)\n");
	tu_negative_begin();
	CHECK_EQ(python_check(json, strlen(json) - 10), 0); /* truncated: must not parse */
	CHECK_EQ(tu_negative_end(), 1);
}

int main(void)
{
	static char hf[MAX_FIELDS][256], rf[MAX_FIELDS][256];
	int rc;

	/* Format v2: the header is the first line (any CSV reader takes it as one) and ends in
	 * format_version. */
	char *header = write_to_string(do_header, NULL, &rc);
	CHECK_EQ(rc, 0);
	const char *columns = header;
	CHECK(strncmp(columns, required, strlen(required)) == 0);
	CHECK(columns[strlen(required)] == ',');
	CHECK(strchr(columns, '\n') && strchr(columns, '\n')[1] == '\0');
	int nh = csv_split(columns, hf);
	CHECK(nh > 0 && strcmp(hf[nh - 1], RESULTS_FORMAT_COLUMN) == 0);
	printf("csv: header first, %d columns ending in '%s', the %zu required ones first: %s\n",
	       nh, nh > 0 ? hf[nh - 1] : "", sizeof required - 1,
	       strncmp(columns, required, strlen(required)) ? "NO" : "yes");
	/* The header the metric table builds is the one the readers check files against. */
	CHECK(strcmp(header, OUTPUT_CSV_HEADER CSV_VERSION_HEADER "\n") == 0);
	printf("csv: the header written is OUTPUT_CSV_HEADER: %s\n",
	       strcmp(header, OUTPUT_CSV_HEADER CSV_VERSION_HEADER "\n") ? "NO" : "yes");

	/* A stuck repetition: nothing measured, so every measured column is empty, never 0. */
	struct run_params p;
	run_params_defaults(&p);
	p.lock = lb_locks[0];
	p.threads = 8;
	p.cpus[0] = '\0';
	struct thread_plan plan;
	memset(&plan, 0, sizeof plan);
	plan.threads = 8;
	plan.allowed_cpus = 2;
	plan.oversubscribed = true;
	snprintf(plan.cpus_str, sizeof plan.cpus_str, "0,1");
	struct run_result r[2];
	run_result_init(&r[0], 1);
	r[0].status = RUN_STUCK;
	snprintf(r[0].status_detail, sizeof r[0].status_detail,
		 "lock x: no thread made progress, waiting: 0-3,5 \"quoted\"");
	struct row_args a = { &p, &plan, &r[0], 1, NULL };
	char *row = write_to_string(do_row, &a, &rc);
	CHECK_EQ(rc, 0);
	int nr = csv_split(row, rf);
	printf("stuck row: %s", row);
	CHECK_EQ(nr, nh);
	static const char *const empty_when_stuck[] = {
		"duration_s", "ops", "mops", "fairness", "thread_ops_min", "thread_ops_max",
		"lat_samples", "lat_p50_ns", "lat_p99_ns", "lat_p999_ns", "lat_p9999_ns", "lat_max_ns",
		"cpu_ns_per_op", "csw_vol", "csw_invol", "cache_misses_per_op", "exclusion_ok",
		"lost_updates", "lat_every", "timing_overhead_ns", "max_inside", "bind_failures",
	};
	unsigned nonempty = 0;
	for (size_t i = 0; i < sizeof empty_when_stuck / sizeof *empty_when_stuck; i++) {
		int c = column(hf, nh, empty_when_stuck[i]);
		CHECK(c >= 0);
		if (c >= 0 && rf[c][0]) {
			nonempty++;
			printf("  %s is '%s', expected empty\n", empty_when_stuck[i], rf[c]);
		}
	}
	CHECK_EQ(nonempty, 0);
	CHECK(strcmp(rf[column(hf, nh, "status")], "stuck") == 0);
	CHECK(strcmp(rf[column(hf, nh, "cpus")], "0,1") == 0); /* quoted, and read back whole */
	CHECK(strcmp(rf[column(hf, nh, "oversubscribed")], "1") == 0);
	CHECK(strcmp(rf[column(hf, nh, "status_detail")], r[0].status_detail) == 0);

	/* A measured repetition: NAN percentiles are empty, measured zeros are "0". */
	run_result_init(&r[1], 2);
	r[1].status = RUN_OK;
	r[1].measured = true;
	r[1].csw_measured = true;
	r[1].duration_s = 0.1;
	r[1].ops = 0;
	r[1].mops = 0;
	r[1].lat_samples = 50;
	r[1].lat_every = 3;
	r[1].lat_p50_ns = 123.4;
	r[1].lat_max_ns = 999;
	r[1].exclusion_ok = true;
	snprintf(r[1].hw_counters, sizeof r[1].hw_counters, "unavailable: No such file or directory");
	uint64_t zeros[8] = { 0 };
	r[1].thread_ops = zeros;
	a.r = &r[1];
	free(row);
	row = write_to_string(do_row, &a, &rc);
	CHECK_EQ(rc, 0);
	nr = csv_split(row, rf);
	printf("measured row: %s", row);
	CHECK_EQ(nr, nh);
	CHECK(strcmp(rf[column(hf, nh, "ops")], "0") == 0);
	CHECK(strcmp(rf[column(hf, nh, "lost_updates")], "0") == 0);
	CHECK(strcmp(rf[column(hf, nh, "lat_p50_ns")], "123.4") == 0);
	CHECK(rf[column(hf, nh, "lat_p99_ns")][0] == '\0');
	CHECK(rf[column(hf, nh, "cache_misses_per_op")][0] == '\0');
	CHECK(rf[column(hf, nh, "fairness")][0] == '\0'); /* NAN: no thread did anything */
	CHECK(rf[column(hf, nh, "max_inside")][0] == '\0'); /* permits 1: not counted */
	/* The appended columns come after status_detail, in this order. */
	static const char *const appended[] = { "status_detail", "timer_p50_ns", "timer_tick_ns",
						"worker_util", "fairness_maxmin", "fairness_cv",
						"lat_p9999_ns", "read_pct" };
	for (size_t i = 1; i < sizeof appended / sizeof *appended; i++)
		CHECK_EQ(column(hf, nh, appended[i]), column(hf, nh, appended[0]) + (int)i);
	/* After them only metric rows no writer places (metrics.c), then format_version. */
	for (int i = column(hf, nh, "read_pct") + 1; i < nh - 1; i++)
		if (!CHECK(metric_find(hf[i]) != NULL))
			printf("  column %s after read_pct is not a metric row\n", hf[i]);
	CHECK(rf[column(hf, nh, "fairness_maxmin")][0] == '\0'); /* NAN: nobody did anything */
	r[1].timer_p50_ns = 30.4;
	r[1].timer_tick_ns = 10.0 / 3.0;
	r[1].worker_util = 0.61234;
	r[1].fairness_maxmin = INFINITY; /* a thread did nothing: empty, status_detail says so */
	r[1].fairness_cv = 0.25;
	free(row);
	row = write_to_string(do_row, &a, &rc);
	CHECK_EQ(rc, 0);
	CHECK_EQ(csv_split(row, rf), nh);
	CHECK(strcmp(rf[column(hf, nh, "timer_p50_ns")], "30.4") == 0);
	CHECK(strcmp(rf[column(hf, nh, "timer_tick_ns")], "3.333") == 0);
	CHECK(strcmp(rf[column(hf, nh, "worker_util")], "0.6123") == 0);
	CHECK(rf[column(hf, nh, "fairness_maxmin")][0] == '\0');
	CHECK(strcmp(rf[column(hf, nh, "fairness_cv")], "0.2500") == 0);
	printf("appended columns: %s", row);

	/* Write errors are reported, not swallowed. */
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		CHECK(output_csv_row(full, &p, &plan, &r[1]) < 0);
		CHECK(output_csv_header(full) < 0);
		fclose(full);
		printf("writing to /dev/full: errors reported\n");
	}

	/* JSON. */
	struct run_meta m;
	meta_collect(&m, NULL);
	printf("meta: glibc '%s', virtualization '%s', %zu bytes of mitigations\n", m.glibc,
	       m.virtualization, strlen(m.mitigations));
	CHECK(m.glibc[0] != '\0' && m.virtualization[0] != '\0');
	/* Planted: texts that need JSON escaping (quote, backslash, tab). */
	snprintf(m.mitigations, sizeof m.mitigations,
		 "spectre_v2: Mitigation: \"quoted\" back\\slash\ttab\nmds: Not affected\n");
	a.r = r;
	a.n = 2;
	a.m = &m;
	char *json = write_to_string(do_json, &a, &rc);
	CHECK_EQ(rc, 0);
	int depth = 0, min_depth = 0;
	for (const char *c = json; *c; c++) {
		depth += (*c == '{' || *c == '[') - (*c == '}' || *c == ']');
		if (depth < min_depth)
			min_depth = depth;
	}
	CHECK_EQ(depth, 0);
	CHECK_EQ(min_depth, 0);
	CHECK(strstr(json, "\"format_version\": 2") != NULL);
	CHECK(strstr(json, "\"format\": \"lockbench-results v2\"") != NULL);
	CHECK(strstr(json, "\"lat_p99_ns\": null") != NULL);
	CHECK(strstr(json, "\"oversubscribed\": true") != NULL);
	CHECK(strstr(json, "\"cpu_model\": ") != NULL && strstr(json, "\"git_revision\": ") != NULL);
	CHECK(strstr(json, "nan") == NULL && strstr(json, "inf") == NULL);
	printf("json: %zu bytes, balanced, nulls for unmeasured, format_version 2\n", strlen(json));
	check_json_python(json);

	/* Table: oversubscription is marked, and the detail is shown. */
	char *table = write_to_string(do_table, &a, &rc);
	CHECK_EQ(rc, 0);
	/* Every row of the metric table reaches every writer: a CSV column, a JSON key and, when
	 * it has a head, a table column. */
	unsigned reached = 0;
	for (size_t i = 0; i < metric_count; i++) {
		const struct metric *d = &metric_table[i];
		char key[64];
		snprintf(key, sizeof key, "\"%s\": ", d->column);
		bool ok = column(hf, nh, d->column) >= 0 && strstr(json, key) &&
			  (!d->table_head || strstr(table, d->table_head));
		CHECK(ok);
		reached += ok;
	}
	printf("metrics: %u of %zu rows reach the CSV header, the JSON and (with a head) the table\n",
	       reached, metric_count);
	CHECK(strstr(table, "OVERSUBSCRIBED") != NULL);
	CHECK(strstr(table, "waiting: 0-3,5") != NULL);
	CHECK(strstr(table, "fairness") != NULL);
	printf("table:\n%s", table);

	free(header);
	free(row);
	free(json);
	free(table);
	return tu_summary("harness_stats_output");
}
