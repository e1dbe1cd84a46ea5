/* worker.h — the measuring child's inside: its context shared by the coordinator (window.c)
 * and the worker threads (worker.c).
 */
#ifndef LB_WORKER_H
#define LB_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "run/perfev.h"
#include "run/window.h"

/* The fast loop takes this many operations per round (worker.c says why); the automatic
 * sampling rate is a whole number of rounds. */
#define LOOP_UNROLL 4

struct worker {
	struct point_ctx *c;
	unsigned index;
	int cpu;
	unsigned cluster;       /* the plan's, told to a NUMA-aware lock's context */
	pthread_t thread;
	pid_t tid;              /* published before the gate */
	int bind_err;           /* errno of a failed hwloc binding */
	int err;                /* first error of a lock call, negative errno */
	const char *err_what;
	unsigned max_inside;    /* permits > 1: most holders seen by this thread */
	uint64_t total_ops;     /* every outermost acquisition, warm-up included */
	uint64_t writes;        /* --read-pct: of those, exclusive ones (the lines' expected count) */
	uint64_t torn_reads;    /* --read-pct: shared holders that saw unequal lines */
	uint64_t sink;          /* the spin chain's value: kept, so the work is never dead */
	struct latency_hist *hist; /* NULL when timing is off */
	clockid_t cpu_clock;
	struct perfev misses;
} LB_CACHE_ALIGNED;

struct point_ctx {
	const struct run_params *p;
	struct topo *topo;
	struct runner_shared *sh;
	struct wl_instance *inst;
	struct worker *w;
	struct ts_clock clock;
	uint64_t cs_iters, ncs_iters;
	uint64_t op_limit; /* UINT64_MAX; a fixed count for worker_loop_inline */
	unsigned util_cpus; /* CPUs the workers can run on at once, for worker_util */
	pthread_mutex_t gate_mu;
	pthread_cond_t gate_cv;
	unsigned ready;
};


/* The thread function of worker `arg` (a struct worker): bind, set up, wait at the gate, run
 * the loops until the phase says stop. */
void *worker_main(void *arg);

/* Allocate and init c->p->instances lock instances with their lines into c->inst; 0, or a
 * negative errno (with a note in r when the lock's init refused). */
int worker_make_instances(struct point_ctx *c, struct run_result *r);

/* tests/perf/bench_floor.c's hook: the worker loop of point p (threads must be 1) run in the calling
 * thread for exactly `ops` operations (a multiple of 4: the fast loop checks its limit once a
 * round of 4), in the MEASURE phase, the work loops given as iteration counts, one acquisition
 * in lat_every timed with `clock` (lat_every 0: none, and clock may be NULL): no fork, no
 * calibration, no coordinator. *loop_cpu_ns is the loop's CPU time (the calling thread's CPU
 * clock, so time spent preempted does not count). 0, or a negative errno (a lock call failing,
 * allocation, init, fewer operations than asked, bad arguments). */
int worker_loop_inline(const struct run_params *p, uint64_t cs_iters, uint64_t ncs_iters,
			const struct ts_clock *clock, unsigned lat_every, uint64_t ops,
			uint64_t *loop_cpu_ns);

#endif
