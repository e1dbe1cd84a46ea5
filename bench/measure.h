/* measure.h — one measurement point inside the child process runner.c forks: worker threads,
 * the start gate, warm-up, the window's edge snapshots, and the exclusion check.
 *
 * Phases (runner_shared.phase, written by the coordinator only):
 *   INIT     workers bind themselves, allocate their context, and wait at the gate
 *   WARMUP   everybody runs; when the latency sampling rate is automatic, the second half of
 *            the warm-up measures the operation rate it is chosen from
 *   MEASURE  the window: its edges are snapshots of every worker's counter taken by the
 *            coordinator; one acquisition in lat_every is timed
 *   DRAIN    the window is over; workers keep running (untimed) while the coordinator reads
 *            the CPU clocks, context switches and perf counters, so that both edges read them
 *            in the same order under the same load
 *   STOP     workers leave their loop; the coordinator joins them
 */
#ifndef LB_MEASURE_H
#define LB_MEASURE_H

#include <stdatomic.h>
#include <stdint.h>

#include "params.h"

struct topo;

enum runner_phase { PH_INIT, PH_WARMUP, PH_MEASURE, PH_DRAIN, PH_STOP };
enum worker_state { WS_STARTING, WS_READY, WS_RUNNING, WS_DONE, WS_FAILED };

/* One worker's progress, on its own cache line: written by its owner only, read by the
 * coordinator at the window edges and by the parent's watchdog. */
struct runner_progress {
	atomic_uint_fast64_t ops; /* outermost acquisitions completed since the start */
	atomic_int state;         /* enum worker_state */
} LB_CACHE_ALIGNED;

/* Shared between the parent and the child (MAP_SHARED, zeroed, made before fork). */
struct runner_shared {
	/* Read by every worker on every operation, written only at phase changes: its own line,
	 * so the workers' counter stores never invalidate it. */
	atomic_int phase;          /* enum runner_phase */
	atomic_uint lat_every;     /* time one acquisition in this many (0: none) */
	char pad[LB_CACHELINE - sizeof(atomic_int) - sizeof(atomic_uint)];
	struct runner_progress thread[];
};

/* Measure the point into *r (initialised by run_result_init); the caller sends it on. */
void measure_point(struct topo *t, const struct run_params *p, const struct thread_plan *plan,
		   struct runner_shared *sh, struct run_result *r);

#endif
