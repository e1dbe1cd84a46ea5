/* params.h — one measurement point's parameters, as `lockbench run` takes them:
 *
 *   cli (parse) → struct run_params → topo (plan, topo/topo.h) → runner → struct run_result
 *   (run/result.h, one per repetition) → stats → results.
 *
 * Units live in names. Nothing here includes hwloc or pthread: these are plain data.
 */
#ifndef LB_PARAMS_H
#define LB_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include <lockbench/lock.h>

#include "topo/placement.h"

enum out_format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON };

/* One measurement point, as `lockbench run` takes it. */
struct run_params {
	const struct lb_lock_ops *lock;
	unsigned threads;
	uint64_t duration_ns;   /* the measured window */
	uint64_t warmup_ns;
	uint64_t cs_ns;         /* calibrated work inside the critical section */
	uint64_t ncs_ns;        /* calibrated work between acquisitions */
	unsigned cs_lines;      /* shared cache lines written in each critical section */
	unsigned instances;     /* lock instances; thread i uses instance i % instances */
	unsigned permits;       /* 1 = mutual exclusion; N for counting semaphores */
	unsigned reentry;       /* each acquisition takes the lock this many times, nested */
	unsigned read_pct;      /* 0..100: share of operations taken in shared mode (LB_RW only) */
	uint64_t seed;          /* seeds each thread's read/write draw (thread i: seed + i) */
	enum placement placement;
	char cpus[256];         /* --cpus as given ("" when not given) */
	unsigned reps;
	bool timing;            /* sample acquisition latency (default on) */
	unsigned timing_every;  /* time one acquisition in this many; 0 = choose automatically */
	uint64_t watchdog_ns;   /* 0 = max(5 s, 10 × duration) */
	enum out_format format;
};

void run_params_defaults(struct run_params *p);

#endif
