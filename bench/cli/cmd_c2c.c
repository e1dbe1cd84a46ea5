/* cmd_c2c.c — `lockbench c2c`: the core-to-core round-trip matrix, as a table or as c2c.csv.
 *
 * The table shows the distribution, not one average: a matrix of medians, then per pair the
 * median, p10, p90, min and max, the share of samples in each bucket of a log-scale histogram,
 * and a time series of per-round medians. On these VMs the round trip switches between two
 * regimes within seconds; the histogram shows both as two humps with nothing between them,
 * the time series shows when the switches happened.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results/file.h"
#include "probe/c2c.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "results/probe_csv.h"
#include "topo/topo.h"

enum { OPT_CPUS = 256, OPT_SAMPLES, OPT_FORMAT, OPT_OUT, OPT_HELP };

static const struct option c2c_options[] = {
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "samples", required_argument, NULL, OPT_SAMPLES },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

#define C2C_MAX_SAMPLES 100000u /* 1000 rounds: 100 s */

struct c2c_cli {
	const char *cpus; /* NULL: every allowed CPU (sampled past C2C_MAX_FULL_CPUS) */
	unsigned samples;
	enum out_format format;
	const char *out;  /* NULL: stdout */
};

static void c2c_usage(FILE *f)
{
	struct c2c_matrix_params d;
	c2c_matrix_params_defaults(&d);
	fprintf(f,
		"usage: lockbench c2c [--cpus LIST] [--samples N] [--format table|csv] [--out FILE]\n"
		"\n"
		"The core-to-core cache-line round trip for every pair of allowed CPUs: two threads\n"
		"pinned with hwloc pass one cache line back and forth. A sample is the mean of %u\n"
		"round trips; the samples of all pairs are taken in interleaved rounds of %u, one\n"
		"round every %.1f s at most, so that every pair is seen over the same seconds (these\n"
		"VMs switch between round-trip regimes within seconds); the default takes 2 s.\n"
		"\n"
		"  --cpus LIST      measure every pair of these CPUs (e.g. 0,2,4-7; each must be allowed)\n"
		"                   default: every allowed CPU; past %u allowed CPUs, up to %u\n"
		"                   representative ones (per last-level cache: a CPU, its SMT sibling,\n"
		"                   the last core), and the output says so\n"
		"  --samples N      samples per pair, 1..%u (default %u)\n"
		"  --format FMT     table (default): medians, percentiles, histogram, time series;\n"
		"                   csv: c2c.csv of docs/SWEEP_FILES.md\n"
		"  --out FILE       write there (through a temporary file) instead of stdout\n"
		"  --help           this text\n"
		"\n"
		"With one allowed CPU it says 'unavailable' and exits 0 (csv: the header only).\n",
		d.pair.batch_rtts, d.samples_per_round, (double)d.round_every_ns / 1e9,
		C2C_MAX_FULL_CPUS, C2C_MAX_FULL_CPUS, C2C_MAX_SAMPLES, d.samples);
}

/* Returns -1 after a usage error, 1 after --help, 0 to run. */
static int c2c_parse(int argc, char **argv, struct c2c_cli *c)
{
	struct c2c_matrix_params d;
	c2c_matrix_params_defaults(&d);
	*c = (struct c2c_cli){ .samples = d.samples, .format = FORMAT_TABLE };
	cli_getopt_reset();
	for (;;) {
		int opt = getopt_long(argc, argv, ":h", c2c_options, NULL);
		if (opt == -1)
			break;
		switch (opt) {
		case 'h':
		case OPT_HELP:
			c2c_usage(stdout);
			return 1;
		case OPT_CPUS:
			c->cpus = optarg;
			break;
		case OPT_SAMPLES:
			if (parse_uint(optarg, 1, C2C_MAX_SAMPLES, &c->samples)) {
				usage_error("--samples: '%s' is not an integer in 1..%u", optarg,
					    C2C_MAX_SAMPLES);
				return -1;
			}
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "table") == 0) {
				c->format = FORMAT_TABLE;
			} else if (strcmp(optarg, "csv") == 0) {
				c->format = FORMAT_CSV;
			} else {
				usage_error("--format: '%s' is not one of table, csv", optarg);
				return -1;
			}
			break;
		case OPT_OUT:
			if (!*optarg) {
				usage_error("--out: expected a file name");
				return -1;
			}
			c->out = optarg;
			break;
		default:
			cli_getopt_error("c2c", opt, c2c_options, argv);
			return -1;
		}
	}
	if (optind < argc) {
		cli_extra_argument("c2c", argv[optind]);
		return -1;
	}
	return 0;
}

/* ---- the table ---------------------------------------------------------------------------- */

/* Histogram buckets: lower edges 16 ns · √2^k, so two buckets per octave; below 16 ns and from
 * 16 µs up, one bucket each. Wide enough to keep the 55 ns and the 350 ns regimes apart and
 * to put a preempted batch (tens of µs) where it cannot be mistaken for either. */
#define HB_FIRST_NS 16.0
#define HB_EDGES 21 /* 16 ns .. 16 µs */
#define HB_BUCKETS (HB_EDGES + 1)

static double hb_edge(unsigned k)
{
	return HB_FIRST_NS * pow(2.0, k / 2.0);
}

static unsigned hb_index(double v)
{
	unsigned k = 0;
	while (k < HB_EDGES && v >= hb_edge(k))
		k++;
	return k; /* 0: below 16 ns; k: [edge(k-1), edge(k)); HB_EDGES: 16 µs and up */
}

static void hb_label(unsigned b, char *buf, size_t len)
{
	if (b == 0) {
		snprintf(buf, len, "<%.0f", HB_FIRST_NS);
		return;
	}
	double lo = hb_edge(b - 1);
	if (lo < 1000)
		snprintf(buf, len, "%.0f", lo);
	else if (lo < 10000)
		snprintf(buf, len, "%.1fk", lo / 1000);
	else
		snprintf(buf, len, "%.0fk", lo / 1000);
}

static void print_matrix(FILE *f, const struct c2c_matrix *m)
{
	fprintf(f, "median round trip (ns)\n%6s", "");
	for (unsigned j = 0; j < m->ncpus; j++)
		fprintf(f, " %7d", m->cpus[j]);
	fputc('\n', f);
	for (unsigned i = 0; i < m->ncpus; i++) {
		fprintf(f, "%6d", m->cpus[i]);
		for (unsigned j = 0; j < m->ncpus; j++) {
			const struct c2c_pair *pr = i == j ? NULL
						    : c2c_matrix_pair(m, m->cpus[i], m->cpus[j]);
			if (!pr || isnan(pr->summary.median))
				fprintf(f, " %7s", "-");
			else
				fprintf(f, " %7.1f", pr->summary.median);
		}
		fputc('\n', f);
	}
}

static void print_percentiles(FILE *f, const struct c2c_matrix *m)
{
	fprintf(f, "\n%-11s %8s %8s %8s %8s %8s %8s   (ns)\n", "pair", "samples", "median", "p10",
		"p90", "min", "max");
	for (unsigned i = 0; i < m->npairs; i++) {
		const struct c2c_pair *pr = &m->pairs[i];
		const struct c2c_summary *s = &pr->summary;
		char name[32];
		snprintf(name, sizeof name, "%d-%d", pr->cpu_a, pr->cpu_b);
		fprintf(f, "%-11s %8u %8.1f %8.1f %8.1f %8.1f %8.1f", name, pr->samples, s->median,
			s->p10, s->p90, s->min, s->max);
		if (pr->error)
			fprintf(f, "   failed: %s", strerror(-pr->error));
		fputc('\n', f);
	}
}

static void print_histograms(FILE *f, const struct c2c_matrix *m)
{
	unsigned lo = HB_BUCKETS, hi = 0;
	for (unsigned i = 0; i < m->npairs; i++)
		for (unsigned k = 0; k < m->pairs[i].samples; k++) {
			unsigned b = hb_index(m->pairs[i].rtt_ns[k]);
			lo = b < lo ? b : lo;
			hi = b > hi ? b : hi;
		}
	if (lo > hi)
		return;
	fprintf(f, "\nhistogram: %% of samples per bucket (lower edge, ns; 2 buckets per octave; "
		   "'.' none, '+' under 0.5 %%)\n%-11s", "pair");
	for (unsigned b = lo; b <= hi; b++) {
		char label[16];
		hb_label(b, label, sizeof label);
		fprintf(f, " %5s", label);
	}
	fputc('\n', f);
	for (unsigned i = 0; i < m->npairs; i++) {
		const struct c2c_pair *pr = &m->pairs[i];
		unsigned count[HB_BUCKETS] = { 0 };
		for (unsigned k = 0; k < pr->samples; k++)
			count[hb_index(pr->rtt_ns[k])]++;
		char name[32];
		snprintf(name, sizeof name, "%d-%d", pr->cpu_a, pr->cpu_b);
		fprintf(f, "%-11s", name);
		for (unsigned b = lo; b <= hi; b++) {
			double pct = pr->samples ? 100.0 * count[b] / pr->samples : 0;
			if (count[b] == 0)
				fprintf(f, " %5s", ".");
			else if (pct < 0.5)
				fprintf(f, " %5s", "+");
			else
				fprintf(f, " %5.0f", pct);
		}
		fputc('\n', f);
	}
}

#define TS_MAX_COLUMNS 32

static void print_time_series(FILE *f, const struct c2c_matrix *m, unsigned per_round)
{
	unsigned cols = m->rounds < TS_MAX_COLUMNS ? m->rounds : TS_MAX_COLUMNS;
	if (cols < 2)
		return; /* one round: the histogram says it all */
	unsigned per_col = (m->rounds + cols - 1) / cols;
	cols = (m->rounds + per_col - 1) / per_col;
	double apart_s = m->round_start_s[m->rounds - 1] / (m->rounds - 1);
	if (per_col == 1)
		fprintf(f, "\ntime series: median of each round of %u samples (rounds %.2f s apart, "
			   "%.1f s in all), ns\n",
			per_round, apart_s, m->wall_s);
	else
		fprintf(f, "\ntime series: median of each %u rounds of %u samples (rounds %.2f s "
			   "apart, %.1f s in all), ns\n",
			per_col, per_round, apart_s, m->wall_s);
	for (unsigned i = 0; i < m->npairs; i++) {
		const struct c2c_pair *pr = &m->pairs[i];
		char name[32];
		snprintf(name, sizeof name, "%d-%d", pr->cpu_a, pr->cpu_b);
		fprintf(f, "%-11s", name);
		for (unsigned c = 0; c < cols; c++) {
			unsigned r0 = c * per_col, r1 = r0 + per_col < m->rounds ? r0 + per_col
										 : m->rounds;
			unsigned from = r0 ? pr->round_end[r0 - 1] : 0, to = pr->round_end[r1 - 1];
			struct c2c_summary s;
			if (to > from && c2c_summarize(pr->rtt_ns + from, to - from, &s) == 0)
				fprintf(f, " %4.0f", s.median);
			else
				fprintf(f, " %4s", "-");
		}
		fputc('\n', f);
	}
}

static void print_table(FILE *f, const struct topo *t, const struct c2c_matrix *m,
			const struct c2c_matrix_params *p, const char *chosen)
{
	char summary[256];
	topo_summary(t, summary, sizeof summary);
	fprintf(f,
		"c2c: core-to-core cache-line round trip, threads pinned with hwloc\n"
		"machine: %s\n"
		"CPUs: %s\n"
		"%u pair%s; %u samples per pair, each the mean of %u round trips, in %u "
		"interleaved round%s over %.1f s\n\n",
		summary, chosen, m->npairs, m->npairs == 1 ? "" : "s", p->samples,
		p->pair.batch_rtts, m->rounds, m->rounds == 1 ? "" : "s", m->wall_s);
	print_matrix(f, m);
	print_percentiles(f, m);
	print_histograms(f, m);
	print_time_series(f, m, p->samples_per_round);
}

/* ---- the command -------------------------------------------------------------------------- */

struct sink {
	FILE *f;
	char tmp[4096];
};

static int sink_open(struct sink *s, const char *out)
{
	if (!out) {
		s->f = stdout;
		return 0;
	}
	/* Streamed (the matrix can be large), under results/file.h's temporary name. */
	if (file_temp_path(s->tmp, sizeof s->tmp, out) != 0)
		return runtime_error("--out: '%s': the name is too long", out);
	s->f = fopen(s->tmp, "w");
	if (!s->f)
		return runtime_error("--out: '%s': %s", s->tmp, strerror(errno));
	return 0;
}

/* Close and move into place; nothing is renamed over FILE unless every write succeeded. */
static int sink_close(struct sink *s, const char *out, int write_rc)
{
	if (!out) {
		if (fflush(stdout) != 0 || write_rc)
			return runtime_error("c2c: writing to stdout failed");
		return 0;
	}
	int rc = write_rc;
	if (fclose(s->f) != 0)
		rc = -EIO;
	if (rc == 0 && rename(s->tmp, out) != 0)
		rc = -errno;
	if (rc) {
		unlink(s->tmp);
		return runtime_error("--out: '%s': %s", out, strerror(-rc));
	}
	return 0;
}

static int write_output(const struct c2c_cli *c, const struct topo *t, const struct c2c_matrix *m,
			const struct c2c_matrix_params *p, const char *chosen)
{
	struct sink s;
	int rc = sink_open(&s, c->out);
	if (rc)
		return rc;
	int wrc = 0;
	if (c->format == FORMAT_CSV) {
		/* The CSV has no place for notes: what the reader must know goes to stderr. */
		wrc = probe_csv_c2c(s.f, m);
		if (!m)
			fprintf(stderr, "c2c: unavailable: only one CPU allowed\n");
		else if (strncmp(chosen, "sampled", 7) == 0)
			fprintf(stderr, "c2c: CPUs %s\n", chosen);
	} else if (!m) {
		fprintf(s.f, "c2c: unavailable: only one CPU allowed\n");
	} else {
		print_table(s.f, t, m, p, chosen);
	}
	if (ferror(s.f))
		wrc = -EIO;
	return sink_close(&s, c->out, wrc);
}

/* The CPUs to measure, into cpus[] (capacity LB_MAX_CPUS); *chosen says which and why. */
static int choose_cpus(const struct c2c_cli *c, const struct topo *t, int *cpus, unsigned *n,
		       char *chosen, size_t len)
{
	char allowed[512];
	topo_allowed_str(t, allowed, sizeof allowed);
	unsigned nallowed = topo_allowed_cpus(t, cpus, LB_MAX_CPUS);
	if (c->cpus) {
		if (parse_cpulist(c->cpus, LB_MAX_CPUS - 1, cpus, LB_MAX_CPUS, n))
			return usage_error("--cpus: '%s' is not a CPU list (e.g. 0,2,4-7; no "
					   "duplicates)",
					   c->cpus);
		for (unsigned i = 0; i < *n; i++) {
			struct cpu_place pl;
			if (topo_cpu_place(t, cpus[i], &pl) != 0)
				return usage_error("--cpus: CPU %d is not one this process may use "
						   "(allowed: %s)",
						   cpus[i], allowed);
		}
		if (*n < 2 && nallowed >= 2)
			return usage_error("--cpus: '%s' names one CPU; a round trip needs two",
					   c->cpus);
		snprintf(chosen, len, "%s (as given; allowed: %s)", c->cpus, allowed);
		return 0;
	}
	*n = nallowed;
	if (nallowed <= C2C_MAX_FULL_CPUS) {
		snprintf(chosen, len, "%s (every allowed CPU)", allowed);
		return 0;
	}
	int *all = malloc(nallowed * sizeof *all);
	if (!all)
		return runtime_error("c2c: out of memory");
	memcpy(all, cpus, nallowed * sizeof *all);
	char how[256];
	int np = c2c_pick_cpus(t, all, nallowed, C2C_MAX_FULL_CPUS, cpus, how, sizeof how);
	free(all);
	if (np < 0)
		return runtime_error("c2c: choosing representative CPUs: %s", strerror(-np));
	*n = (unsigned)np;
	int k = snprintf(chosen, len, "sampled, not all pairs: %s; CPUs ", how);
	for (int i = 0; i < np && k > 0 && (size_t)k < len; i++)
		k += snprintf(chosen + k, len - (size_t)k, "%s%d", i ? "," : "", cpus[i]);
	return 0;
}

int cmd_c2c(int argc, char **argv)
{
	struct c2c_cli c;
	int rc = c2c_parse(argc, argv, &c);
	if (rc)
		return rc < 0 ? LB_EXIT_USAGE : LB_EXIT_OK;

	struct topo *t;
	char err[512];
	if (topo_open_system(&t, err, sizeof err) != 0)
		return runtime_error("c2c: %s", err);
	int *cpus = malloc(LB_MAX_CPUS * sizeof *cpus);
	char chosen[1024];
	unsigned n = 0;
	if (!cpus) {
		topo_close(t);
		return runtime_error("c2c: out of memory");
	}
	rc = choose_cpus(&c, t, cpus, &n, chosen, sizeof chosen);
	if (rc)
		goto out;

	struct c2c_matrix_params p;
	c2c_matrix_params_defaults(&p);
	p.samples = c.samples;
	struct c2c_matrix *m = NULL;
	if (n >= 2) {
		int mrc = c2c_matrix_run(t, cpus, n, &p, &m);
		if (mrc) {
			rc = runtime_error("c2c: %s", strerror(-mrc));
			goto out;
		}
	}
	rc = write_output(&c, t, m, &p, chosen);
	for (unsigned i = 0; m && i < m->npairs && !rc; i++)
		if (m->pairs[i].error)
			rc = runtime_error("c2c: CPUs %d and %d: %s", m->pairs[i].cpu_a,
					   m->pairs[i].cpu_b, strerror(-m->pairs[i].error));
	c2c_matrix_free(m);
out:
	free(cpus);
	topo_close(t);
	return rc;
}
