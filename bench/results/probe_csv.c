/* probe_csv.c — c2c.csv and handoff.csv: see probe_csv.h. */
#include "results/probe_csv.h"

#include <errno.h>
#include <math.h>

#include "results/csvread.h"
#include "results/output.h"

/* ",x.y", or "," alone for a figure that was not measured. */
static void put_ns(FILE *f, double v)
{
	if (isnan(v))
		fputc(',', f);
	else
		fprintf(f, ",%.1f", v);
}

int probe_csv_c2c(FILE *f, const struct c2c_matrix *m)
{
	fputs("cpu_a,cpu_b,samples,rtt_ns_median,rtt_ns_p10,rtt_ns_p90,rtt_ns_min,rtt_ns_max"
	      CSV_VERSION_HEADER "\n", f);
	for (unsigned i = 0; m && i < m->npairs; i++) {
		const struct c2c_pair *pr = &m->pairs[i];
		const struct c2c_summary *s = &pr->summary;
		fprintf(f, "%d,%d,%u", pr->cpu_a, pr->cpu_b, pr->samples);
		put_ns(f, s->median);
		put_ns(f, s->p10);
		put_ns(f, s->p90);
		put_ns(f, s->min);
		put_ns(f, s->max);
		fputs(CSV_VERSION_FIELD "\n", f);
	}
	return ferror(f) ? -EIO : 0;
}

int probe_csv_handoff_header(FILE *f)
{
	fputs("lock,lock_index,cpu_a,cpu_b,handoff_ns_median,handoff_ns_min,handoff_ns_max,"
	      "c2c_half_rtt_ns" CSV_VERSION_HEADER "\n",
	      f);
	return ferror(f) ? -EIO : 0;
}

int probe_csv_handoff_row(FILE *f, const struct lb_lock_ops *ops, unsigned lock_index, int cpu_a,
			  int cpu_b, const double *handoff_ns, unsigned n, double c2c_half_rtt_ns)
{
	struct c2c_summary s;
	int rc = c2c_summarize(handoff_ns, n, &s);
	if (rc)
		return rc;
	output_csv_field(f, ops->name);
	fprintf(f, ",%u,%d,%d", lock_index, cpu_a, cpu_b);
	put_ns(f, s.median);
	put_ns(f, s.min);
	put_ns(f, s.max);
	put_ns(f, c2c_half_rtt_ns);
	fputs(CSV_VERSION_FIELD "\n", f);
	return ferror(f) ? -EIO : 0;
}
