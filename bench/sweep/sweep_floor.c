/* sweep_floor.c — the physical floor of a result set: c2c.csv and handoff.csv.
 *
 * After the points, the sweep measures the core-to-core round trip of every pair of allowed
 * CPUs (a short c2c matrix) and, for every lock of the sweep, the strict two-thread handoff on
 * the first two CPUs. Each lock's handoff row carries half of a c2c round trip probed just
 * before it, not one figure from the start: these VMs switch between two round-trip regimes
 * within seconds, and a handoff must be set against the regime it ran in.
 * With one allowed CPU both files hold their header only, which the report shows as
 * unavailable.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/file.h"
#include "probe/c2c.h"
#include "parse/parse.h"
#include "plugin/plugin.h"
#include "probe/handoff.h"
#include "run/runner.h"
#include "results/probe_csv.h"
#include "sweep/sweep.h"
#include "topo/topo.h"

#define FLOOR_C2C_SAMPLES 500     /* per pair: 5 rounds of 100, ~0.5 s on 2 CPUs */
#define FLOOR_HANDOFF_SAMPLES 20  /* each the mean of HANDOFF_ROUNDS round trips */
#define FLOOR_HANDOFF_LIMIT_NS 1000000000ull

static long lock_index(const struct lb_lock_ops *ops)
{
	for (size_t i = 0; lockset_at(i); i++)
		if (lockset_at(i) == ops)
			return (long)i;
	return 1000;
}

static int write_c2c(const char *dir, struct topo *t, const int *cpus, unsigned n, char *err,
		     size_t errlen)
{
	struct c2c_matrix *m = NULL;
	if (n >= 2) {
		struct c2c_matrix_params mp;
		c2c_matrix_params_defaults(&mp);
		mp.samples = FLOOR_C2C_SAMPLES;
		int rc = c2c_matrix_run(t, cpus, n, &mp, &m);
		if (rc) {
			snprintf(err, errlen, "c2c: %s", strerror(-rc));
			return rc;
		}
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc = f ? probe_csv_c2c(f, m) : -ENOMEM;
	if (f && fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0)
		rc = file_write_atomic(dir, "c2c.csv", text, len);
	if (rc)
		snprintf(err, errlen, "c2c.csv: %s", strerror(-rc));
	free(text);
	c2c_matrix_free(m);
	return rc;
}

static int write_handoff(const char *dir, struct topo *t, const struct lb_lock_ops *const *locks,
			 unsigned nlocks, const int *cpus, unsigned n, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	int rc = probe_csv_handoff_header(f);
	/* A stop signal ends the floor between locks: within one lock's measurement. */
	bool stopped = false;
	for (unsigned i = 0; rc == 0 && n >= 2 && i < nlocks; i++) {
		if ((stopped = runner_interrupt_signal() != 0))
			break;
		if (!handoff_supported(locks[i]))
			continue;
		double ns[FLOOR_HANDOFF_SAMPLES], rtt = NAN;
		struct handoff_result res;
		c2c_probe(t, cpus[0], cpus[1], &rtt);
		int hr = handoff_measure(locks[i], t, cpus[0], cpus[1], 0, ns, FLOOR_HANDOFF_SAMPLES,
					 FLOOR_HANDOFF_LIMIT_NS, &res);
		/* A lock that could not hand over in time gets a row with empty figures. */
		unsigned got = hr == 0 ? res.samples : 0;
		rc = probe_csv_handoff_row(f, locks[i], (unsigned)lock_index(locks[i]), cpus[0],
					   cpus[1], ns, got, rtt / 2);
	}
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0 && !stopped) /* an interrupted floor leaves no part of handoff.csv */
		rc = file_write_atomic(dir, "handoff.csv", text, len);
	if (rc)
		snprintf(err, errlen, "handoff.csv: %s", strerror(-rc));
	free(text);
	return rc;
}

int sweep_floor(const char *dir, struct topo *t, const struct lb_lock_ops *const *locks,
		unsigned nlocks, char *err, size_t errlen)
{
	int cpus[LB_MAX_CPUS > 4096 ? 4096 : LB_MAX_CPUS];
	unsigned n = topo_allowed_cpus(t, cpus, sizeof cpus / sizeof cpus[0]);
	int picked[C2C_MAX_FULL_CPUS];
	unsigned np = n;
	const int *use = cpus;
	if (n > C2C_MAX_FULL_CPUS) {
		char how[256];
		int got = c2c_pick_cpus(t, cpus, n, C2C_MAX_FULL_CPUS, picked, how, sizeof how);
		if (got > 0) {
			np = (unsigned)got;
			use = picked;
		}
	}
	int rc = write_c2c(dir, t, use, np, err, errlen);
	if (rc == 0 && !runner_interrupt_signal())
		rc = write_handoff(dir, t, locks, nlocks, cpus, n, err, errlen);
	return rc;
}
