/* workload.c — calibration of the spin work. See workload.h. */
#define _GNU_SOURCE
#include "run/workload.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALIB_MIN_NS 2000000u /* one calibration run: at least 2 ms */
#define CALIB_RUNS 5

/* Keeps the spin's result alive so the calibration loop is the loop the workers run. */
static uint64_t calib_sink;

int workload_calibrate(struct workload_calib *c)
{
	uint64_t iters = 1u << 12, ns = 0;
	for (;;) {
		uint64_t t0 = mono_ns();
		calib_sink += workload_spin(iters, calib_sink);
		ns = mono_ns() - t0;
		if (ns >= CALIB_MIN_NS)
			break;
		if (iters > (UINT64_C(1) << 40))
			return -EIO; /* the clock does not advance */
		iters *= 2;
	}
	uint64_t best = ns;
	for (int run = 0; run < CALIB_RUNS; run++) {
		uint64_t t0 = mono_ns();
		calib_sink += workload_spin(iters, calib_sink);
		ns = mono_ns() - t0;
		if (ns < best)
			best = ns;
	}
	c->iters_per_ns = (double)iters / (double)(best ? best : 1);
	return 0;
}

uint64_t workload_iters(const struct workload_calib *c, uint64_t ns)
{
	return ns ? (uint64_t)llround((double)ns * c->iters_per_ns) : 0;
}
