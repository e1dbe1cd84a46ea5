/* params.c — a run's defaults, the values `lockbench run --help` states. */
#include "run/params.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

void run_params_defaults(struct run_params *p)
{
	*p = (struct run_params){
		.lock = NULL,
		.threads = 0,
		.duration_ns = 1 * NS_PER_S,
		.warmup_ns = 200 * NS_PER_MS,
		.cs_ns = 100,
		/* Some work between acquisitions: with none, a 2-thread figure mostly measures
		 * one thread re-acquiring a lock it just released, not a handover. */
		.ncs_ns = 100,
		.cs_lines = 1,
		.instances = 1,
		.permits = 1,
		.reentry = 1,
		.read_pct = 0,
		.seed = 1,
		.placement = PLACEMENT_COMPACT,
		.cpus = "",
		.reps = 1,
		.timing = true,
		.timing_every = 0,
		.watchdog_ns = 0,
		.format = FORMAT_TABLE,
	};
}
