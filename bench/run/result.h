/* result.h — one repetition of one point, as the runner fills it and the outputs read it.
 *
 * Units live in names. The prose in status_detail is written here and by the runner; stats
 * returns numbers only.
 */
#ifndef LB_RESULT_H
#define LB_RESULT_H

#include <stdbool.h>
#include <stdint.h>

struct latency_hist; /* stats.h */

enum run_status {
	RUN_OK,        /* finished, exclusion held (or `null`, where losses are the point) */
	RUN_VIOLATION, /* exclusion check failed: lost updates or more than N inside */
	RUN_STUCK,     /* the watchdog fired: no thread made progress */
	RUN_ERROR,     /* could not run (thread creation, binding, lock init failed) */
	RUN_INTERRUPTED,
};
const char *run_status_name(enum run_status s);

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
	uint64_t torn_reads;       /* --read-pct: shared holders that saw lines of two writes */
	unsigned max_inside;       /* most holders seen at once (≤ permits when correct) */
	unsigned bind_failures;    /* threads whose hwloc binding failed (errno in detail) */

	/* Added by the runner. */
	bool measured;             /* the window was measured (false: stuck, or failed before) */
	bool csw_measured;         /* csw_vol/csw_invol were read (/proc/self/task/TID/status) */
	struct latency_hist *lat_hist; /* merged over threads, owned; NULL when timing was off */
};

/* Append "; "-separated text to r->status_detail; a note that does not fit is cut and the detail
 * ends in "..." (never overflowing). */
void run_result_note(struct run_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Put the reason for a failed status in front of the notes already there. */
void run_result_note_first(struct run_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fill r->lat_samples and the percentile fields from h (NULL: timing was off, all NAN). A
 * percentile with too few samples (stats.h's LB_MIN_SAMPLES_*) is NAN and the reason is
 * appended to r->status_detail. */
void run_result_fill_latency(struct run_result *r, const struct latency_hist *h);

#endif
