/* profile_format.h — the file a profiled process leaves behind for `lockbench exec --profile`.
 *
 * Why a file and not a pipe: the target may leave by _exit (no destructors), be killed by the
 * timeout, or fork children that exec other programs. So each process maps one file of its own,
 * DIR/prof.PID.lbp (DIR from LOCKBENCH_PROFILE_DIR), MAP_SHARED, and writes its counters straight
 * into it: whatever it did before it died is on disk. The lockbench parent reads every such file
 * after the program has ended, merges them and symbolises the call sites with libdw, never inside
 * the target.
 *
 * Writer: bench/preload/ (liblockbench-preload.so). Reader: bench/exec/. This header is the
 * whole contract between them; both include it and nothing else of each other.
 *
 * Layout (all offsets from the start of the file, all little-endian host order: the reader runs
 * on the machine that wrote it):
 *   struct lbp_header                          at 0
 *   struct lbp_mutex   [mutex_cap]             at mutexes_off
 *   struct lbp_thread  [thread_cap]            at threads_off
 *   struct lbp_record  [record_cap]            at records_off
 *   char               maps[maps_cap]          at maps_off: snapshots of /proc/self/maps, appended
 * The file is created at its full size with ftruncate (sparse: untouched pages cost nothing).
 *
 * Concurrency: slots are claimed with an atomic fetch-add on the *_used counters; a slot's
 * `state` becomes LBP_SLOT_READY (release store) only after its constant fields are written, and
 * the reader skips slots that are not READY (a process killed mid-claim leaves one such slot).
 * Counters in a record are written by one thread only (records are per thread), so they are plain
 * stores; the reader runs after the writer is dead.
 */
#ifndef LB_PROFILE_FORMAT_H
#define LB_PROFILE_FORMAT_H

#include <stdatomic.h>
#include <stdint.h>

#define LBP_MAGIC 0x3130465250424c4cull /* "LLBPRF01" read as little-endian bytes */
#define LBP_VERSION 1u
#define LBP_FILE_PREFIX "prof."
#define LBP_FILE_SUFFIX ".lbp"

#define LBP_FRAMES 8          /* return addresses kept per first-use call site */
#define LBP_HIST_BUCKETS 128  /* see lbp_bucket() */
#define LBP_LOCK_NAME 48
#define LBP_EXE 256

/* Default capacities (the writer may choose others; the reader uses the header's). */
#define LBP_MUTEX_CAP 65536u
#define LBP_THREAD_CAP 4096u
#define LBP_RECORD_CAP 131072u
#define LBP_MAPS_CAP (4u << 20)

enum lbp_slot_state { LBP_SLOT_FREE = 0, LBP_SLOT_CLAIMED = 1, LBP_SLOT_READY = 2 };

/* What a mutex is, as the interposer found it (glibc's __kind and the attribute). */
enum lbp_mutex_kind {
	LBP_KIND_NORMAL = 0,     /* PTHREAD_MUTEX_NORMAL / DEFAULT */
	LBP_KIND_RECURSIVE = 1,
	LBP_KIND_ERRORCHECK = 2,
	LBP_KIND_ADAPTIVE = 3,   /* PTHREAD_MUTEX_ADAPTIVE_NP */
	LBP_KIND_SPINLOCK = 4,   /* a pthread_spinlock_t */
};

enum lbp_mutex_flag {
	LBP_PASSTHROUGH = 1u << 0, /* left to glibc untouched (one of the three below) */
	LBP_PSHARED = 1u << 1,     /* PTHREAD_PROCESS_SHARED */
	LBP_ROBUST = 1u << 2,      /* PTHREAD_MUTEX_ROBUST */
	LBP_PRIO = 1u << 3,        /* PTHREAD_PRIO_INHERIT or PTHREAD_PRIO_PROTECT */
	LBP_STATIC = 1u << 4,      /* first seen without pthread_mutex_init (static initialiser) */
	LBP_SITE_TRUNCATED = 1u << 5, /* the frame walk stopped early (no frame pointers) */
};

struct lbp_header {
	uint64_t magic;
	uint32_t version;
	uint32_t header_bytes; /* sizeof(struct lbp_header) of the writer */
	int32_t pid, ppid;
	uint64_t start_ns;     /* CLOCK_MONOTONIC when the library initialised in this process */
	_Atomic uint64_t end_ns; /* set at exit when destructors ran; 0 after _exit or a kill */
	char lock[LBP_LOCK_NAME]; /* the replacement lock, "" when glibc's mutex stays underneath */
	char exe[LBP_EXE];     /* readlink(/proc/self/exe) */
	uint32_t mutex_cap, thread_cap, record_cap, maps_cap;
	_Atomic uint32_t mutex_used, thread_used, record_used, maps_used;
	/* Events that could not be recorded for lack of a slot: reported, never silently lost. */
	_Atomic uint64_t dropped_mutexes, dropped_threads, dropped_records;
	uint64_t mutexes_off, threads_off, records_off, maps_off;
	/* Sizes the writer used, so that a reader of another build refuses rather than misreads. */
	uint32_t mutex_bytes, thread_bytes, record_bytes, hist_buckets;
};

/* One mutex (or spinlock) this process touched. */
struct lbp_mutex {
	_Atomic uint32_t state;  /* enum lbp_slot_state */
	uint32_t kind;           /* enum lbp_mutex_kind */
	uint32_t flags;          /* enum lbp_mutex_flag */
	uint32_t nframes;        /* valid entries of site[] */
	uint64_t addr;           /* the pthread_mutex_t's address in this process */
	uint64_t first_use_ns;   /* CLOCK_MONOTONIC */
	uint64_t site[LBP_FRAMES]; /* return addresses of the first use, innermost first */
};

/* One thread of this process. */
struct lbp_thread {
	_Atomic uint32_t state;
	int32_t tid;
	uint64_t start_ns;
};

/* The counters of one (mutex, thread) pair, created the first time that thread uses that mutex.
 * Times in nanoseconds. wait: from the call to lock until it returned holding the lock (0 for an
 * uncontended acquisition); hold: from acquisition to the matching unlock. */
struct lbp_record {
	_Atomic uint32_t state;
	uint32_t mutex;          /* index into the mutex array */
	uint32_t thread;         /* index into the thread array */
	uint32_t pad;
	uint64_t acquisitions;   /* lock, successful trylock/timedlock, re-acquire after a cond wait */
	uint64_t contended;      /* acquisitions that found the lock held */
	uint64_t handoffs;       /* acquisitions whose previous owner was another thread */
	uint64_t trylock_busy;   /* trylock calls that returned EBUSY */
	uint64_t timeouts;       /* timedlock/clocklock calls that returned ETIMEDOUT */
	uint64_t cond_waits, cond_signals, cond_broadcasts;
	uint64_t bad_unlocks;    /* unlock by a thread that did not hold it */
	uint64_t wait_total_ns, wait_max_ns;
	uint64_t hold_total_ns, hold_max_ns;
	uint32_t wait_hist[LBP_HIST_BUCKETS];
	uint32_t hold_hist[LBP_HIST_BUCKETS];
};

/* Histogram buckets: log-linear, 4 per power of two, exact below 4 ns. Bucket b >= 4 covers
 * [lbp_bucket_low(b), lbp_bucket_low(b + 1)); the last bucket (127) takes everything from
 * 7 * 2^30 ns (~7.5 s) up. Relative resolution 25 %; percentiles report the bucket's low edge. */
static inline unsigned lbp_bucket(uint64_t ns)
{
	if (ns < 4)
		return (unsigned)ns;
	unsigned msb = 63u - (unsigned)__builtin_clzll(ns); /* >= 2 */
	unsigned sub = (unsigned)(ns >> (msb - 2)) & 3u;
	unsigned b = 4u * (msb - 1u) + sub;
	return b < LBP_HIST_BUCKETS ? b : LBP_HIST_BUCKETS - 1u;
}

static inline uint64_t lbp_bucket_low(unsigned b)
{
	if (b < 4)
		return b;
	unsigned msb = b / 4u + 1u, sub = b % 4u;
	return (4ull + sub) << (msb - 2);
}

#endif
