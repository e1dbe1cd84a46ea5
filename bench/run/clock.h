/* clock.h — the clock that times acquisitions, and what it costs.
 *
 * When the TSC is invariant (constant_tsc and nonstop_tsc in /proc/cpuinfo, and the
 * kernel's clocksource is tsc, i.e. it trusts it across CPUs), timestamps are `rdtsc; lfence`
 * at the start and `lfence; rdtsc` at the stop (see rdtsc_start), converted with a rate
 * calibrated against CLOCK_MONOTONIC; otherwise clock_gettime(CLOCK_MONOTONIC).
 */
#ifndef LB_CLOCK_H
#define LB_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The timestamp source for acquisition latency. */
struct ts_clock {
	bool tsc;             /* timestamps are TSC ticks, else CLOCK_MONOTONIC ns */
	double ns_per_tick;   /* 1.0 for CLOCK_MONOTONIC */
	char desc[96];        /* "rdtsc (invariant TSC, 2994.4 MHz)" or "clock_gettime (…)" */
};

static inline uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#define LB_HAVE_RDTSC 1
/* A timed interval is ts_clock_start() … ts_clock_stop(). rdtsc alone is not ordered: the CPU
 * may read the counter before earlier instructions finish or after later ones start. At the
 * start, the lfence after rdtsc keeps the timed code (the lock call) from starting before the
 * counter is read; at the stop, the lfence before rdtsc makes the read wait until the timed
 * code has completed. The other two fences (before the start, after the stop) would only keep
 * untimed code out of the interval and cost as much again (~35 vs ~90 ns a pair on this VM). */
static inline uint64_t rdtsc_start(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdtsc_stop(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}
#else
#define LB_HAVE_RDTSC 0
static inline uint64_t rdtsc_start(void)
{
	return mono_ns();
}

static inline uint64_t rdtsc_stop(void)
{
	return mono_ns();
}
#endif

static inline uint64_t ts_clock_start(const struct ts_clock *c)
{
	return c->tsc ? rdtsc_start() : mono_ns();
}

static inline uint64_t ts_clock_stop(const struct ts_clock *c)
{
	return c->tsc ? rdtsc_stop() : mono_ns();
}

/* Rounded to the nearest ns, not truncated (truncation read every sample up to a tick low). Not
 * llround(): this runs on the timed path, and +0.5 then truncation is the same for ticks >= 0
 * without a libm call. */
static inline uint64_t ts_clock_ns(const struct ts_clock *c, uint64_t ticks)
{
	return c->tsc ? (uint64_t)((double)ticks * c->ns_per_tick + 0.5) : ticks;
}

/* Whether the TSC can be trusted as a clock here. Returns 1 (yes) or 0 and says why not, and
 * fills `flags` with what was found ("constant_tsc nonstop_tsc, clocksource tsc"). */
int tsc_invariant(char *flags, size_t flags_len, char *why, size_t why_len);
/* Whether the first "flags" line of /proc/cpuinfo has `flag` as a word: 1, 0, or -1 when there
 * is no such line (not x86, or no /proc). */
int cpuinfo_has_flag(const char *flag);
/* The kernel's current clocksource ("tsc", "hpet", …), or "unknown". */
void clocksource_name(char *buf, size_t len);

/* Choose and calibrate the clock (TSC against CLOCK_MONOTONIC over ~20 ms when invariant). */
int ts_clock_init(struct ts_clock *c);
/* What the clock itself puts under every latency figure, from back-to-back empty intervals. */
struct ts_timer_floor {
	double pair_ns; /* timing one acquisition: a timestamp pair plus a histogram update */
	double p50_ns;  /* median of the empty intervals: a latency at or below it is the timer's */
	double tick_ns; /* granularity: the GCD of the raw tick differences, in ns (clock_getres
			   says 1 ns whatever the clock really steps by) */
};
/* Measure it (~7 ms). 0, or -ENOMEM (the fields are NAN then). */
int ts_clock_floor(const struct ts_clock *c, struct ts_timer_floor *f);
/* ts_clock_floor's pair_ns alone (NAN on failure). */
double ts_clock_pair_cost_ns(const struct ts_clock *c);

#endif
