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
 * preemption and interrupts only ever add time). On this VM one step is about 1.3 ns; on a
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

#endif
