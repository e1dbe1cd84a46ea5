/* params.h — the plain structs that flow between lockbench's rooms:
 *
 *   cli (parse) → struct run_params → topo (plan) → struct thread_plan → runner → struct
 *   run_result (one per repetition) → stats → output.
 *
 * Units live in names. Nothing here includes hwloc or pthread: these are plain data.
 */
#ifndef LB_PARAMS_H
#define LB_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include <lockbench/lock.h>

#define LB_MAX_THREADS 1024

enum placement {
	PLACEMENT_COMPACT,
	PLACEMENT_SCATTER,
	PLACEMENT_NONE,
	PLACEMENT_LIST, /* --cpus was given: threads go round-robin over that list */
};

const char *placement_name(enum placement p);
/* Returns 0 and sets *out, or -EINVAL (the caller prints the valid choices). */
int placement_parse(const char *s, enum placement *out);

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
	enum placement placement;
	char cpus[256];         /* --cpus as given ("" when not given) */
	unsigned reps;
	bool timing;            /* sample acquisition latency (default on) */
	unsigned timing_every;  /* time one acquisition in this many; 0 = choose automatically */
	uint64_t watchdog_ns;   /* 0 = max(5 s, 10 × duration) */
	enum out_format format;
};

void run_params_defaults(struct run_params *p);

/* The thread → CPU plan a run uses. cpu[i] is an OS CPU index (hwloc's os_index), or -1 when
 * placement is `none` (the OS decides). */
struct thread_plan {
	unsigned threads;
	int cpu[LB_MAX_THREADS];
	unsigned allowed_cpus;  /* how many CPUs this process may use */
	bool oversubscribed;    /* threads > allowed CPUs (or > the --cpus list) */
	char cpus_str[512];     /* the CPUs used, as a list ("0-1"), for output */
};

struct latency_hist; /* stats.h */

enum run_status {
	RUN_OK,        /* finished, exclusion held (or `null`, where losses are the point) */
	RUN_VIOLATION, /* exclusion check failed: lost updates or more than N inside */
	RUN_STUCK,     /* the watchdog fired: no thread made progress */
	RUN_ERROR,     /* could not run (thread creation, binding, lock init failed) */
	RUN_INTERRUPTED,
};
const char *run_status_name(enum run_status s);

/* Latency percentiles need enough samples to mean anything; below these the field is empty. */
#define LB_MIN_SAMPLES_P99 100
#define LB_MIN_SAMPLES_P999 1000
#define LB_MIN_SAMPLES_P9999 10000

/* One repetition of one point. A double that could not be measured is NAN (written empty). */
struct run_result {
	unsigned rep;
	enum run_status status;
	char status_detail[256];   /* why stuck / which error / why a percentile is empty */

	double duration_s;         /* the measured window, as measured */
	uint64_t ops;              /* outermost acquisitions in the window, all threads */
	double mops;               /* ops / duration_s / 1e6 */
	double fairness;           /* Jain's index over per-thread ops, 1 = perfectly fair */
	double fairness_maxmin;    /* max/min per-thread ops; INFINITY when a thread did none */
	double fairness_cv;        /* stddev/mean of per-thread ops (population), 0 = fair */
	uint64_t thread_ops_min, thread_ops_max;
	uint64_t *thread_ops;      /* [threads], owned by the result */

	uint64_t lat_samples;
	unsigned lat_every;        /* one acquisition in lat_every was timed */
	double lat_p50_ns, lat_p90_ns, lat_p99_ns, lat_p999_ns, lat_p9999_ns, lat_max_ns;
	double timing_overhead_ns; /* cost of one timestamp pair, measured on this machine */
	double timer_p50_ns;       /* median of back-to-back empty timed intervals: the floor
				      under every latency figure */
	double timer_tick_ns;      /* the clock's granularity: GCD of raw tick differences */

	double cpu_ns_per_op;      /* CPU time of all workers in the window / ops */
	double worker_util;        /* workers' CPU time / (min(threads, CPUs) × window), 0–1 */
	uint64_t csw_vol, csw_invol;  /* context switches of all workers in the window */
	double cache_misses_per_op;   /* NAN: hardware counters unavailable */
	char hw_counters[64];         /* "available" or why not */

	bool exclusion_ok;
	uint64_t lost_updates;     /* expected − observed shared-counter total */
	unsigned max_inside;       /* most holders seen at once (≤ permits when correct) */
	unsigned bind_failures;    /* threads whose hwloc binding failed (errno in detail) */

	/* Added by the runner. */
	bool measured;             /* the window was measured (false: stuck, or failed before) */
	bool csw_measured;         /* csw_vol/csw_invol were read (/proc/self/task/TID/status) */
	struct latency_hist *lat_hist; /* merged over threads, owned; NULL when timing was off */
};

#endif
