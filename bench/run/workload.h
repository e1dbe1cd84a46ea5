/* workload.h — what a worker does around the lock: calibrated spin work, the shared lines its
 * critical section writes, the exclusion counters, and the clock that times acquisitions.
 *
 * Work. `--cs NS` and `--ncs NS` become iteration counts of workload_spin(), a dependency chain
 * of multiply-adds (each step needs the previous result, so the CPU cannot overlap or skip
 * steps, and an empty asm makes the value opaque so the compiler cannot fold the loop into a
 * formula). It touches no memory and no `volatile`. workload_calibrate() times the loop against
 * CLOCK_MONOTONIC once per lockbench process (runner.c, before its first point's fork, so that
 * every point does the same work for the same --cs): the iteration count is doubled until one
 * run takes >= 2 ms, then the fastest of 5 runs gives iterations per ns (the fastest, because
 * preemption and interrupts only ever add time). On this VM one step is about 1.3 ns; on a
 * machine whose clock scales with load the figure holds for the frequency during calibration.
 *
 * Shared lines. Each lock instance has its own block of lines on their own cache lines: line 0
 * holds the exclusion counter, written by every critical section (so even --cs-lines 0 moves one
 * line per hand-over, as any real critical section would); --cs-lines K adds K more, each also
 * incremented in every critical section. With one permit the increments are plain
 * read-modify-writes, so their totals equal the number of critical sections only if the lock
 * excludes. With N > 1 permits they race by design; occupancy is then counted with an atomic.
 *
 * Clock. When the TSC is invariant (constant_tsc and nonstop_tsc in /proc/cpuinfo, and the
 * kernel's clocksource is tsc, i.e. it trusts it across CPUs), timestamps are `rdtsc; lfence`
 * at the start and `lfence; rdtsc` at the stop (see lb_rdtsc_start), converted with a rate
 * calibrated against CLOCK_MONOTONIC; otherwise clock_gettime(CLOCK_MONOTONIC).
 */
#ifndef LB_WORKLOAD_H
#define LB_WORKLOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <lockbench/lock.h>
#include "stats/stats.h"

struct workload_calib {
	double iters_per_ns;
};

int workload_calibrate(struct workload_calib *c);
uint64_t workload_iters(const struct workload_calib *c, uint64_t ns);

static inline uint64_t workload_spin(uint64_t iters, uint64_t x)
{
	for (uint64_t i = 0; i < iters; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		/* Volatile so the chain is computed even though nobody uses x; "+r" makes x opaque,
		 * so the compiler cannot compute the loop's result in closed form. */
		__asm__ __volatile__("" : "+r"(x));
	}
	return x;
}

/* One shared line. `value` is a plain word on purpose (see wl_plain_increment). */
struct wl_line {
	uint64_t value;
	char pad[LB_CACHELINE - sizeof(uint64_t)];
} LB_CACHE_ALIGNED;

struct wl_occupancy {
	atomic_uint inside;
	char pad[LB_CACHELINE - sizeof(atomic_uint)];
} LB_CACHE_ALIGNED;

/* One lock instance with its shared data; thread i uses instance i % instances. */
struct wl_instance {
	void *lock;               /* lb_lock_alloc'ed: its own lines */
	struct wl_line *lines;    /* [1 + cs_lines]; lines[0] is the exclusion counter */
	struct wl_occupancy *occ; /* holders right now, for permits > 1 */
};

/* A plain, non-atomic increment. The empty asm with a "memory" clobber between the load and
 * the store stops the compiler from fusing them into one read-modify-write instruction or
 * from keeping the value in a register across critical sections: the load and the store stay
 * two separate accesses, and an increment whose load raced with another thread's store is
 * lost. That lost update is what makes a broken lock visible. An atomic or `volatile` word
 * would hide it (atomics cannot lose updates) or change what is measured. The accesses are data
 * races in C11 terms exactly when the lock fails to exclude, which is the thing being tested;
 * ThreadSanitizer builds are told not to instrument this function.
 * Returns the value it loaded: the critical section's work is seeded from it (measure.c), so the
 * work cannot start before the load, which itself cannot complete before the acquisition. */
__attribute__((no_sanitize("thread"))) static inline uint64_t
wl_plain_increment(struct wl_line *l)
{
	uint64_t v = l->value;
	__asm__ __volatile__("" ::: "memory");
	l->value = v + 1;
	return v;
}

/* The timestamp source for acquisition latency. */
struct lb_clock {
	bool tsc;             /* timestamps are TSC ticks, else CLOCK_MONOTONIC ns */
	double ns_per_tick;   /* 1.0 for CLOCK_MONOTONIC */
	char desc[96];        /* "rdtsc (invariant TSC, 2994.4 MHz)" or "clock_gettime (…)" */
};

static inline uint64_t lb_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#define LB_HAVE_RDTSC 1
/* A timed interval is lb_clock_start() … lb_clock_stop(). rdtsc alone is not ordered: the CPU
 * may read the counter before earlier instructions finish or after later ones start. At the
 * start, the lfence after rdtsc keeps the timed code (the lock call) from starting before the
 * counter is read; at the stop, the lfence before rdtsc makes the read wait until the timed
 * code has completed. The other two fences (before the start, after the stop) would only keep
 * untimed code out of the interval and cost as much again (~35 vs ~90 ns a pair on this VM). */
static inline uint64_t lb_rdtsc_start(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t lb_rdtsc_stop(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}
#else
#define LB_HAVE_RDTSC 0
static inline uint64_t lb_rdtsc_start(void)
{
	return lb_mono_ns();
}

static inline uint64_t lb_rdtsc_stop(void)
{
	return lb_mono_ns();
}
#endif

static inline uint64_t lb_clock_start(const struct lb_clock *c)
{
	return c->tsc ? lb_rdtsc_start() : lb_mono_ns();
}

static inline uint64_t lb_clock_stop(const struct lb_clock *c)
{
	return c->tsc ? lb_rdtsc_stop() : lb_mono_ns();
}

/* Rounded to the nearest ns, not truncated (truncation read every sample up to a tick low). Not
 * llround(): this runs on the timed path, and +0.5 then truncation is the same for ticks >= 0
 * without a libm call. */
static inline uint64_t lb_clock_ns(const struct lb_clock *c, uint64_t ticks)
{
	return c->tsc ? (uint64_t)((double)ticks * c->ns_per_tick + 0.5) : ticks;
}

/* Whether the TSC can be trusted as a clock here. Returns 1 (yes) or 0 and says why not, and
 * fills `flags` with what was found ("constant_tsc nonstop_tsc, clocksource tsc"). */
int lb_tsc_invariant(char *flags, size_t flags_len, char *why, size_t why_len);
/* Whether the first "flags" line of /proc/cpuinfo has `flag` as a word: 1, 0, or -1 when there
 * is no such line (not x86, or no /proc). */
int lb_cpuinfo_flag(const char *flag);
/* The kernel's current clocksource ("tsc", "hpet", …), or "unknown". */
void lb_clocksource(char *buf, size_t len);

/* Choose and calibrate the clock (TSC against CLOCK_MONOTONIC over ~20 ms when invariant). */
int lb_clock_init(struct lb_clock *c);
/* What the clock itself puts under every latency figure, from back-to-back empty intervals. */
struct lb_timer_floor {
	double pair_ns; /* timing one acquisition: a timestamp pair plus a histogram update */
	double p50_ns;  /* median of the empty intervals: a latency at or below it is the timer's */
	double tick_ns; /* granularity: the GCD of the raw tick differences, in ns (clock_getres
			   says 1 ns whatever the clock really steps by) */
};
/* Measure it (~7 ms). 0, or -ENOMEM (the fields are NAN then). */
int lb_clock_floor(const struct lb_clock *c, struct lb_timer_floor *f);
/* lb_clock_floor's pair_ns alone (NAN on failure). */
double lb_clock_pair_cost_ns(const struct lb_clock *c);

#endif
