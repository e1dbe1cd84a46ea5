/* workload.h — what a worker does around the lock: calibrated spin work, the shared lines its
 * critical section writes, and the exclusion counters. The clock that times acquisitions is
 * clock.h.
 *
 * Work. `--cs NS` and `--ncs NS` become iteration counts of workload_spin(), a dependency chain
 * of multiply-adds (each step needs the previous result, so the CPU cannot overlap or skip
 * steps, and an empty asm makes the value opaque so the compiler cannot fold the loop into a
 * formula). It touches no memory and no `volatile`. workload_calibrate() times the loop against
 * CLOCK_MONOTONIC once per lockbench process (runner.c, before its first point's fork, so that
 * every point does the same work for the same --cs): the iteration count is doubled until one
 * run takes >= 2 ms, then the fastest of 5 runs gives iterations per ns (the fastest, because
 * preemption and interrupts only ever add time). On an AMD EPYC VM (2026) one step was about 1.3 ns; on a
 * machine whose clock scales with load the figure holds for the frequency during calibration.
 *
 * Shared lines. Each lock instance has its own block of lines on their own cache lines: line 0
 * holds the exclusion counter, written by every critical section (so even --cs-lines 0 moves one
 * line per hand-over, as any real critical section would); --cs-lines K adds K more, each also
 * incremented in every critical section. With one permit the increments are plain
 * read-modify-writes, so their totals equal the number of critical sections only if the lock
 * excludes. With N > 1 permits they race by design; occupancy is then counted with an atomic.
 */
#ifndef LB_WORKLOAD_H
#define LB_WORKLOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <lockbench/lock.h>
#include "run/clock.h"

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
 * Returns the value it loaded: the critical section's work is seeded from it (worker.c), so the
 * work cannot start before the load, which itself cannot complete before the acquisition. */
__attribute__((no_sanitize("thread"))) static inline uint64_t
wl_plain_increment(struct wl_line *l)
{
	uint64_t v = l->value;
	__asm__ __volatile__("" ::: "memory");
	l->value = v + 1;
	return v;
}

/* --read-pct: a shared holder's look at the lines. It loaded lines[0] (returned by
 * wl_plain_load, the seed of its work, as a writer's wl_plain_increment) before its critical
 * section's work and reads the others after it; a writer increments every line once, so under a
 * lock that keeps writers out while readers are inside, all lines carry the same count. Any line
 * that differs from `first` is a write the reader saw half done (or that happened during its
 * critical section): a torn read. Plain loads, uninstrumented for ThreadSanitizer, as above. */
__attribute__((no_sanitize("thread"))) static inline uint64_t wl_plain_load(const struct wl_line *l)
{
	uint64_t v = l->value;
	__asm__ __volatile__("" ::: "memory");
	return v;
}

__attribute__((no_sanitize("thread"))) static inline bool
wl_lines_torn(const struct wl_line *lines, unsigned k, uint64_t first)
{
	__asm__ __volatile__("" ::: "memory");
	bool torn = false;
	for (unsigned l = 1; l <= k; l++)
		torn |= lines[l].value != first;
	return torn;
}

/* The per-thread read/write draw of --read-pct: xorshift64* (Vigna, 2016) seeded by splitmix64
 * of (run seed + thread index), so a run's sequence of modes is reproducible per thread. */
static inline uint64_t wl_draw_seed(uint64_t seed, unsigned index)
{
	uint64_t z = seed + index + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 1; /* xorshift's state must not be 0 */
}

/* true with probability pct/100. */
static inline bool wl_draw_read(uint64_t *state, unsigned pct)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return ((x * 0x2545f4914f6cdd1dull) >> 32) % 100 < pct;
}

#endif
