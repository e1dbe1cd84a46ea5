/* output_golden.c — every writer, byte for byte: planted results with known values (measured,
 * measured with NaN, infinity and tiny or huge figures, stuck; one lock and one "not a lock",
 * timing on and off, permits 1 and 3) go through the CSV header and rows, a sweep row's extra
 * columns, the JSON document, the metadata document and the table, and the text must equal
 * output_golden.txt exactly. The text was written by the writers before the metric table drove
 * them, so a change in any number's format, any empty/null/"-" or any column shows here.
 *
 *   output_golden EXPECTED          compare
 *   output_golden --print           print the text (to regenerate EXPECTED after a stated change)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/output.h"
#include "run/runner.h"
#include "test_util.h"

static const struct lb_lock_ops planted = {
	.name = "planted", .description = "a planted lock, for the writers",
};
static const struct lb_lock_ops planted_null = {
	.name = "planted_null", .description = "not a lock: \"excludes\" nothing",
	.props = LB_NOT_A_LOCK,
};

static uint64_t ops0[2] = { 61728394, 61728395 }, ops1[2] = { 0, 31 };

/* r[0] measured in full, r[1] measured with NaN, infinity and extreme values, r[2] stuck. */
static void plant_results(struct run_result r[3])
{
	for (unsigned i = 0; i < 3; i++)
		run_result_init(&r[i], i + 1);
	r[0].status = RUN_OK;
	r[0].measured = r[0].csw_measured = r[0].exclusion_ok = true;
	r[0].duration_s = 0.0500123456789;
	r[0].ops = 123456789;
	r[0].mops = 2468.5432109;
	r[0].fairness = 0.987654321;
	r[0].fairness_maxmin = 1.23456789;
	r[0].fairness_cv = 0.0123456789;
	r[0].thread_ops_min = ops0[0];
	r[0].thread_ops_max = ops0[1];
	r[0].thread_ops = ops0;
	r[0].lat_samples = 17636684;
	r[0].lat_every = 7;
	r[0].lat_p50_ns = 12.34;
	r[0].lat_p90_ns = 45.678;
	r[0].lat_p99_ns = 456.789;
	r[0].lat_p999_ns = 4567.891;
	r[0].lat_p9999_ns = 12345.678;
	r[0].lat_max_ns = 123456.789;
	r[0].timing_overhead_ns = 20.1234;
	r[0].timer_p50_ns = 30.45;
	r[0].timer_tick_ns = 10.0 / 3.0;
	r[0].cpu_ns_per_op = 456.789123;
	r[0].worker_util = 0.987654;
	r[0].csw_vol = 3;
	r[0].csw_invol = 40;
	r[0].cache_misses_per_op = 0.123456;
	snprintf(r[0].hw_counters, sizeof r[0].hw_counters, "available");

	r[1].status = RUN_VIOLATION;
	r[1].measured = true;
	snprintf(r[1].status_detail, sizeof r[1].status_detail,
		 "lost 5 updates, \"quoted\"; p99.99 needs 10000 samples");
	r[1].duration_s = 0.05;
	r[1].ops = 31;
	r[1].mops = 0.000031;
	r[1].fairness = 0.5;
	r[1].fairness_maxmin = INFINITY;
	r[1].fairness_cv = 1;
	r[1].thread_ops_min = ops1[0];
	r[1].thread_ops_max = ops1[1];
	r[1].thread_ops = ops1;
	r[1].lat_samples = 31;
	r[1].lat_every = 1;
	r[1].lat_p50_ns = 0.04;
	r[1].lat_p90_ns = 150000.25;
	r[1].lat_p99_ns = 17193212.5;
	r[1].timing_overhead_ns = 19.996;
	r[1].timer_p50_ns = 31;
	r[1].cpu_ns_per_op = 17193212.345;
	r[1].worker_util = NAN;
	r[1].lost_updates = 5;
	r[1].max_inside = 2;
	r[1].bind_failures = 1;
	snprintf(r[1].hw_counters, sizeof r[1].hw_counters, "unavailable: perf, \"paranoid\"");

	r[2].status = RUN_STUCK;
	snprintf(r[2].status_detail, sizeof r[2].status_detail,
		 "no thread made progress, waiting: 0-1");
}

static void plant_meta(struct run_meta *m)
{
	memset(m, 0, sizeof *m);
	snprintf(m->host, sizeof m->host, "host-1");
	snprintf(m->cpu_model, sizeof m->cpu_model, "Planted CPU @ 1.00GHz");
	snprintf(m->topology, sizeof m->topology, "1 package, 2 cores");
	snprintf(m->allowed_cpus, sizeof m->allowed_cpus, "0-1");
	m->allowed_count = 2;
	snprintf(m->kernel, sizeof m->kernel, "Linux 6.1 #1 SMP x86_64");
	snprintf(m->clocksource, sizeof m->clocksource, "tsc");
	snprintf(m->tsc, sizeof m->tsc, "invariant");
	snprintf(m->timing_clock, sizeof m->timing_clock, "rdtsc");
	snprintf(m->hw_counters, sizeof m->hw_counters, "unavailable");
	snprintf(m->glibc, sizeof m->glibc, "2.39");
	snprintf(m->virtualization, sizeof m->virtualization, "kvm");
	snprintf(m->mitigations, sizeof m->mitigations, "mds: Not affected\nl1tf: \"x\"\\y\n");
	m->compiler = "cc 1";
	m->cflags = "-O2";
	m->version = "0.0";
	m->git_revision = "abc";
	snprintf(m->date_utc, sizeof m->date_utc, "2026-01-01T00:00:00Z");
}

static void plant_point(struct run_params *p, struct thread_plan *plan, bool second)
{
	run_params_defaults(p);
	p->lock = second ? &planted_null : &planted;
	p->threads = 2;
	p->duration_ns = 50000000;
	p->warmup_ns = 12345678;
	p->cs_ns = 100;
	p->ncs_ns = second ? 0 : 250;
	p->reps = 3;
	p->permits = second ? 3 : 1;
	p->timing = !second;
	memset(plan, 0, sizeof *plan);
	plan->threads = 2;
	plan->cpu[0] = 0;
	plan->cpu[1] = second ? -1 : 1;
	plan->allowed_cpus = second ? 1 : 2;
	plan->oversubscribed = second;
	snprintf(plan->cpus_str, sizeof plan->cpus_str, second ? "0" : "0,1");
}

/* Everything the writers write for one point, in the order a reader meets it. */
static int write_point(FILE *f, const struct run_meta *m, bool second)
{
	struct run_params p;
	struct thread_plan plan;
	struct run_result r[3];
	plant_point(&p, &plan, second);
	plant_results(r);
	int rc = output_csv_header(f);
	for (unsigned i = 0; !rc && i < 3; i++)
		rc = output_csv_row(f, &p, &plan, &r[i]);
	if (!rc)
		rc = output_csv_row_more(f, &p, &plan, &r[0], ",sweep,\"x,y\"");
	if (!rc)
		rc = output_json(f, m, &p, &plan, r, 3);
	if (!rc)
		rc = output_meta_json(f, m, &p, &plan);
	if (!rc)
		rc = output_table_header(f, &p, &plan);
	for (unsigned i = 0; !rc && i < 3; i++)
		rc = output_table_row(f, &p, &r[i]);
	return rc ? rc : output_table_footer(f, &p, r, 3);
}

static char *write_all(int *rc)
{
	struct run_meta m;
	plant_meta(&m);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		tu_die("output_golden", "open_memstream", errno);
	*rc = write_point(f, &m, false);
	if (!*rc)
		*rc = write_point(f, &m, true);
	fclose(f);
	return buf;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		tu_die("output_golden", path, errno);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while (out && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, out);
	fclose(f);
	if (out)
		fclose(out);
	return buf;
}

/* The first line where a and b differ, printed both ways; returns its number or 0. */
static unsigned first_difference(const char *a, const char *b)
{
	for (unsigned line = 1;; line++) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		if (la != lb || memcmp(a, b, la) != 0 || a[la] != b[lb]) {
			printf("line %u differs:\n  expected: %.*s\n  written:  %.*s\n", line,
			       (int)la, a, (int)lb, b);
			return line;
		}
		if (!a[la])
			return 0;
		a += la + 1;
		b += lb + 1;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: output_golden EXPECTED | --print\n");
		return 2;
	}
	int rc;
	char *got = write_all(&rc);
	CHECK_EQ(rc, 0);
	if (strcmp(argv[1], "--print") == 0) {
		fputs(got, stdout);
		free(got);
		return rc != 0;
	}
	char *want = read_file(argv[1]);
	CHECK(want != NULL);
	if (want) {
		unsigned line = first_difference(want, got);
		CHECK_EQ(line, 0);
		printf("output_golden: %zu bytes of CSV, JSON and table, %s %s\n", strlen(got),
		       line ? "NOT identical to" : "identical to", argv[1]);
	}
	free(want);
	free(got);
	return tu_summary("output_golden");
}
