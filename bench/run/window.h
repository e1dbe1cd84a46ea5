/* window.h — one measurement point inside the child process runner.c forks (through child.c):
 * worker threads, the start gate, warm-up, the window's edge snapshots, the exclusion check.
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
#ifndef LB_WINDOW_H
#define LB_WINDOW_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "run/params.h"
#include "run/result.h"
#include "topo/topo.h"
#include "run/workload.h"

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

/* What a point needs measured about the machine before it runs: how many work-loop iterations
 * make a nanosecond, the timestamp clock, and what timing one acquisition costs. */
struct window_calib {
	struct workload_calib work;
	struct ts_clock clock;
	struct ts_timer_floor floor; /* ts_clock_floor: the pair's cost, p50 and tick */
};

/* Measure all three (about 45 ms: the work loop 16, the TSC against CLOCK_MONOTONIC 20, the
 * timestamp pair 7). 0, or a negative errno when the clock does not advance. */
int window_calibrate(struct window_calib *cal);

/* Measure the point into *r (initialised by run_result_init) with the calibration `cal`; the
 * caller sends it on. */
void window_measure_point(struct topo *t, const struct run_params *p,
			  const struct thread_plan *plan, const struct window_calib *cal,
			  struct runner_shared *sh, struct run_result *r);

/* The automatic latency sampling rate: time one acquisition in K, K chosen from the warm-up's
 * operations `ops` in `wall_ns` of wall time and `cpu_ns` of the workers' CPU time (NAN if
 * unknown) so that timing, pair_ns per timed acquisition, costs under 2 % of an operation. */
unsigned window_choose_lat_every(double pair_ns, uint64_t ops, uint64_t wall_ns, double cpu_ns);
/* Whether a probe that saw no operation (ops 0) was starved rather than slow: its workers got
 * under half of one CPU over the probe's wall time (or their CPU time is unknown, or the probe
 * had no wall time at all). A point so
 * slow that no acquisition completes in the probe still burns CPU spinning; a worker that got
 * no CPU says nothing about the rate. For starved probes window_choose_lat_every returns
 * window_lat_every_fallback() instead of 1: timing every acquisition of a 50 ns critical
 * section costs +17-25 % per operation. */
bool window_probe_starved(uint64_t ops, uint64_t wall_ns, double cpu_ns);
/* The sparse rate: what the budget asks for an operation of WINDOW_FALLBACK_OP_NS (10 ns, an
 * uncontended acquire-release of an atomic word), so that it is under budget for any lock. */
unsigned window_lat_every_fallback(double pair_ns);

#endif
