/* probe_csv.h — c2c.csv and handoff.csv (docs/SWEEP_FILES.md): the probes' numbers as files.
 * The probes (probe/c2c.c, probe/handoff.c) measure; this is where their rows are written.
 */
#ifndef LB_PROBE_CSV_H
#define LB_PROBE_CSV_H

#include <stdio.h>

#include <lockbench/lock.h>
#include "probe/c2c.h"

/* c2c.csv: the version line, the header, one row per measured pair with cpu_a < cpu_b (the
 * round trip is symmetric; a heatmap mirrors it), unmeasurable fields empty. m may be NULL (one
 * CPU: the header only). Returns 0 or -EIO when a write failed. */
int probe_csv_c2c(FILE *f, const struct c2c_matrix *m);

/* handoff.csv: the version line and the header; then one row per lock. handoff_ns[] are the
 * lock's samples (n may be 0: empty fields); c2c_half_rtt_ns may be NAN. Each returns 0, -EIO
 * when a write failed, or -ENOMEM. */
int probe_csv_handoff_header(FILE *f);
int probe_csv_handoff_row(FILE *f, const struct lb_lock_ops *ops, unsigned lock_index, int cpu_a,
			  int cpu_b, const double *handoff_ns, unsigned n, double c2c_half_rtt_ns);

#endif
