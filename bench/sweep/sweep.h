/* sweep.h — the main job: every lock over thread counts and critical-section lengths, in a
 * result set on disk (docs/SWEEP_FILES.md).
 *
 * sweep.c runs the points and appends one row per repetition to results.csv as each finishes;
 * sweep_files.c turns a result set's rows into summary.csv and latency_cdf.csv (also after an
 * interruption or a --resume), and reads the machine's noise indicators around each point.
 */
#ifndef LB_SWEEP_H
#define LB_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "run/params.h"
#include "run/result.h"
#include "results/file.h"


#define MAX_SWEEP_LOCKS 256
#define MAX_SWEEP_THREADS 64
#define MAX_SWEEP_CS 8
#define SWEEP_HOST_MAX 64
#define SWEEP_PLAN_HASH_LEN 16 /* FNV-1a 64 of the canonical plan text, in hex */

struct sweep_opts {
	const struct lb_lock_ops *locks[MAX_SWEEP_LOCKS];
	unsigned nlocks;
	unsigned threads[MAX_SWEEP_THREADS];
	unsigned nthreads;
	uint64_t cs_ns[MAX_SWEEP_CS];
	unsigned ncs;
	uint64_t ncs_ns, duration_ns, warmup_ns;
	unsigned reps, permits, cdf_threads;
	enum placement placement;
	bool quick, no_report, no_probe, no_lock_cost;
	unsigned ncpus; /* allowed CPUs: the lock-cost points' second thread count */
	uint64_t seed;
	bool seed_given;
	unsigned read_pct;    /* --read-pct: every point's; locks without LB_RW read exclusively */
	bool read_pct_given;
	char out[1024];
	char resume[1024];
	/* The host name recorded in the set (--host; default: the machine's, made safe). */
	char host[SWEEP_HOST_MAX];
	/* A --plan-file run: the plan's hash and CPU count, and the slice run (shard_n 0: all). */
	char plan_hash[SWEEP_PLAN_HASH_LEN + 1];
	char plan_text_path[1024]; /* the plan file, copied into the set as plan.json */
	unsigned plan_ncpus, shard_i, shard_n;
};

struct sweep_point {
	const struct lb_lock_ops *lock;
	unsigned permits, threads;
	uint64_t cs_ns, ncs_ns;
	uint64_t duration_ns, warmup_ns;
	bool lock_cost; /* a --cs 0 --ncs 0 point: what one lock + unlock costs */
	char key[160]; /* lock/permits/threads/cs_ns/ncs_ns: the `point` column */
};

/* Lock-cost points: every lock (and `null`, the harness's own loop, as the floor) at --cs 0
 * --ncs 0, at 1 thread and at the allowed CPUs. With 150 ns of calibrated work per operation a
 * lock that costs 5-15 ns is invisible; without it the locks differ by 2x. At cs 0 an operation
 * takes tens of ns, so a shorter window still holds millions of them: the quick window keeps
 * the default sweep within its 2 minutes on 2 CPUs. */
#define SWEEP_LOCK_COST_DURATION_NS (40 * 1000000ull)
#define SWEEP_LOCK_COST_WARMUP_NS (15 * 1000000ull)

/* The defaults, sized so the whole sweep fits 2 minutes on 2 CPUs (and --quick 20 s). */
#define SWEEP_DEFAULT_CS_SHORT_NS 50
#define SWEEP_DEFAULT_CS_LONG_NS 1000
#define SWEEP_DEFAULT_NCS_NS 100
#define SWEEP_DEFAULT_REPS 3
#define SWEEP_DEFAULT_DURATION_NS (100 * 1000000ull)
#define SWEEP_DEFAULT_WARMUP_NS (30 * 1000000ull)
#define SWEEP_QUICK_REPS 2
#define SWEEP_QUICK_DURATION_NS (40 * 1000000ull)
#define SWEEP_QUICK_WARMUP_NS (15 * 1000000ull)
/* Per run, beyond warm-up and window: fork, threads, calibration, drain, the two probes. */
#define SWEEP_EST_OVERHEAD_NS (45 * 1000000ull)

/* What a sweep ended as, for the command to turn into an exit status. */
struct sweep_outcome {
	bool user_error;     /* the failure returned is the user's mistake (exit 2) */
	int stop_signal;     /* SIGINT or SIGTERM that interrupted the sweep, else 0 */
	size_t ndone, total; /* runs done (by this and earlier invocations) of all planned */
	unsigned failures;   /* runs stuck, violating exclusion or failed */
	bool summarized;     /* summary.csv was written: the set can be read */
	bool complete;       /* meta.json was written saying "complete": every run is done */
	bool reported;       /* the plots and report were built */
	double elapsed_s;    /* from the first run to the report */
};

/* All fields zero or empty; unset lists (threads) stay empty for sweep_default_threads. */
void sweep_opts_init(struct sweep_opts *o);
/* Run the sweep `o` describes into o->out (a resumed set's directory when `resuming`; argc and
 * argv are recorded in a new set's sweep.args). Returns 0, or a negative errno with one line in
 * err: the first failure, after the set was still closed, summarised and its meta.json
 * written. *res is filled either way, and *o gets the out directory, seed and thread counts
 * the sweep decided. */
int sweep_run(struct sweep_opts *o, bool resuming, int argc, char **argv,
	      struct sweep_outcome *res, char *err, size_t errlen);
/* 1 .. CPUs (powers of two past 8), CPUs + 1, 2 × CPUs; --quick: 1, CPUs, 2 × CPUs. */
void sweep_default_threads(struct sweep_opts *o, unsigned ncpus);
/* The locks a sweep runs when --locks is not given (NULL-terminated names; a name this build
 * lacks, such as a Concurrency Kit reference without libck, is skipped): one or more of each
 * family, sized so that the default sweep ends within 2 minutes on 2 CPUs. `--locks all` runs
 * every mutual-exclusion lock (every rwlock, with --read-pct). */
extern const char *const sweep_default_locks[];
/* Every lock × permits variant × critical section × thread count, then the lock-cost points
 * (unless --no-lock-cost), into pts (room for sweep_max_points). Returns how many. */
size_t sweep_max_points(const struct sweep_opts *o);
size_t sweep_build_points(const struct sweep_opts *o, struct sweep_point *pts);
/* The planned wall time of the runs not yet done (done may be NULL: none), in ns. */
double sweep_estimate_ns(const struct sweep_point *pts, size_t npts, unsigned reps,
			 const unsigned char *done);
/* A point key as this lockbench writes it; an old 4-field key (lock/permits/threads/cs_ns, from
 * before ncs joined the key) gets the row's ncs_ns appended, so old sets still read. */
void sweep_point_key(char *buf, size_t len, const char *lock, unsigned permits, unsigned threads,
		     unsigned long long cs_ns, unsigned long long ncs_ns);
void sweep_normalize_key(char *buf, size_t len, const char *key, const char *ncs_ns);
/* idx = a permutation of 0..n-1 drawn from `seed` (splitmix64: the same on every machine). */
void sweep_shuffle(size_t *idx, size_t n, uint64_t seed);

/* The result set's own files (sweep_files.c). */
int sweep_mkdir_p(const char *path);
void sweep_default_out_dir(char *buf, size_t len);
/* The machine's host name as a set records it: [A-Za-z0-9._-] kept, anything else '_'. */
void sweep_default_host(char *buf, size_t len);
/* A --host NAME a set can record (1..63 of [A-Za-z0-9._-], not "." or ".."): it names a
 * folder of a merged set and is a CSV field. */
bool sweep_host_ok(const char *name);
void sweep_out_dir_for_host(char *buf, size_t len, const char *host);
int sweep_write_args(const char *dir, int argc, char **argv, uint64_t seed);
int sweep_read_args(const char *dir, int *argc, char ***argv, char **storage);
int sweep_trim_partial_line(const char *path);
/* The columns a sweep writes; --resume refuses a set whose files have other ones. */
#define RESULTS_SWEEP_COLUMNS ",point,order,seed,c2c_before_ns,c2c_after_ns,steal_pct,other_cpu_pct,host"
#define SWEEP_HIST_HEADER "lock,permits,threads,cs_ns,ncs_ns,rep,bucket_lo_ns,bucket_hi_ns,count"
int sweep_load_done(const char *dir, const struct sweep_point *pts, size_t npts, unsigned reps,
		    unsigned char *done, size_t *ndone, char *err, size_t errlen);

/* Repetitions whose throughput spread (max − min) / median exceeds this disagree. */
#define SWEEP_DISAGREE_RATIO 0.25
/* A point is noisy when its c2c round trips differ by more than this factor (two regimes)… */
#define SWEEP_NOISY_C2C_RATIO 2.0
/* … or when more than this share of CPU time was stolen by the hypervisor. */
#define SWEEP_NOISY_STEAL_PCT 5.0

/* A point is busy (the machine could not give it what it measures) when other processes took
 * more than this share of the CPUs during a repetition... */
#define SWEEP_BUSY_OTHER_PCT 25.0
/* ... or when run_is_busy() (stats.h) says so of its worker_util: below LB_BUSY_UTIL_MIN at 1
 * thread (any lock: a lone thread never waits) or, for spinning locks, at threads within the
 * CPUs. util and other_pct may be NAN (not measured): that part of the rule is then silent. */
bool point_is_busy(unsigned threads, bool oversubscribed, bool spins, double util,
		   double other_pct);

/* What /proc/stat says about all CPUs, in clock ticks. */
struct cpu_ticks {
	uint64_t busy;  /* user + nice + system + irq + softirq */
	uint64_t steal;
	uint64_t total; /* every field */
};
int cpu_ticks_read(struct cpu_ticks *t);

/* The CPU time of this process's waited-for children, in ns (getrusage RUSAGE_CHILDREN). */
uint64_t children_cpu_ns(void);

/* Read DIR/results.csv (and DIR/latency_hist.csv when present) and write DIR/summary.csv and
 * DIR/latency_cdf.csv through temporary names. `ncpus` decides the regimes. Returns the number
 * of points summarised (>= 0) or a negative errno with one line in err. */
int sweep_summarize(const char *dir, char *err, size_t errlen);
/* DIR/results.csv, read and checked to be a result file this lockbench reads. */
struct csv_table;
int sweep_read_results(const char *dir, struct csv_table *t, char *err, size_t errlen);

/* The physical floor (sweep_floor.c): DIR/c2c.csv (every pair of allowed CPUs, sampled past 16)
 * and DIR/handoff.csv (every lock's two-thread handoff next to half a c2c round trip probed just
 * before it). Header-only files with one allowed CPU. 0, or -errno with one line in err. */
struct topo;
int sweep_floor(const char *dir, struct topo *t, const struct lb_lock_ops *const *locks,
		unsigned nlocks, char *err, size_t errlen);

/* results.csv and latency_hist.csv are appended to through a file descriptor, one whole row
 * (or one whole histogram) per write, so a failed write can be undone exactly: the file is cut
 * back to where the row began and never keeps half a row (sweep_log.c). Each returns 0 or a
 * negative errno with one line in err. */
struct sweep_log {
	int fd;
	char path[1200];
};
/* Open DIR/NAME for appending, writing the header row when it is new. */
int sweep_log_open(struct sweep_log *l, const char *dir, const char *name, const char *header,
		   char *err, size_t errlen);
int sweep_log_close(struct sweep_log *l, char *err, size_t errlen);
/* One results.csv row: the harness's columns, then the sweep's. */
struct run_params;
struct thread_plan;
struct run_result;
struct latency_hist;
int sweep_log_row(struct sweep_log *l, const struct run_params *p,
		  const struct thread_plan *plan, const struct run_result *r,
		  const struct sweep_point *pt, size_t order, uint64_t seed, double c2c_before,
		  double c2c_after, double steal_pct, double other_pct, const char *host,
		  char *err, size_t errlen);
/* One repetition's latency histogram, a row per non-empty bucket. */
int sweep_log_hist(struct sweep_log *l, const struct sweep_point *pt, unsigned rep,
		   const struct latency_hist *h, char *err, size_t errlen);
/* DIR/meta.json: the machine, and the sweep's options and state ("running", "complete", ...). */
struct topo;
int sweep_write_meta(const char *dir, const struct topo *t, const struct sweep_opts *o,
		     size_t npts, size_t runs_done, size_t runs_total, const char *state,
		     double wall_s);

/* ---- plans and shards (sweep_shard.c) ------------------------------------------------------ */

#define SWEEP_PLAN_FORMAT "lockbench-plan v1"
struct topo;
/* Decide what a sweep on topology t decides (CPUs, thread counts, CDF threads, seed). */
void sweep_plan_decide(struct sweep_opts *o, const struct topo *t);
/* The plan as JSON (docs/SWEEP_FILES.md). `shards` > 0 adds that many slices' estimates
 * (outside the hashed content). hash gets the hex hash. 0 or -ENOMEM. */
int sweep_plan_render(const struct sweep_opts *o, const char *topology, unsigned shards,
		      char **text, size_t *len, char hash[SWEEP_PLAN_HASH_LEN + 1]);
/* Read a plan file into *o (sweep_opts_init first; --out/--host/--no-* untouched), checking
 * that its hash matches its content. 0, or -EINVAL with one line in err. */
int sweep_plan_read(const char *path, struct sweep_opts *o, char *topology, size_t toplen,
		    char *err, size_t errlen);
/* The slice (0..nshards-1) of every (point, rep) pair, slice[i * reps + r]: greedy, longest
 * first into the least-loaded slice (ties: the lower slice, the earlier point, the lower
 * rep), so the same plan splits the same way everywhere. load[] gets each slice's ns. */
void sweep_shard_assign(const struct sweep_point *pts, size_t npts, unsigned reps,
			unsigned nshards, unsigned *slice, double *load);

/* ---- merge (sweep_merge.c) ------------------------------------------------------------------- */

struct merge_outcome {
	bool user_error; /* the failure is the user's mistake (exit 2) */
	bool written;    /* OUT was written (possibly incomplete) */
	bool complete;   /* every plan's (point, rep) pairs are there */
};
/* `lockbench merge OUT SET...` (docs/SWEEP_FILES.md). 0, or a negative errno with one line in
 * err; an incomplete merge is written and returns -ENODATA with the missing shards named. */
int sweep_merge(const char *out, char *const *sets, size_t nsets, bool no_report,
		struct merge_outcome *res, char *err, size_t errlen);

#endif
