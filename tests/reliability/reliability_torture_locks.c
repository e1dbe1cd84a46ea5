/* reliability_torture_locks.c — the torture wrapper, a plugin: `torture-NAME` for every lock in
 * the registry, the same lock with random yields and short sleeps injected before it is taken,
 * inside its critical section (just after lock and trylock succeed, just before unlock) and
 * after it is released.
 *
 * It is a plugin so that the harness runs it unchanged, exclusion check and watchdog included:
 *     lockbench --plugin torture_locks.so run --lock torture-mcs --threads 4
 * The preemption it adds is what a loaded machine does to a lock at its worst moments: the holder
 * descheduled inside the critical section (waiters spin on, or sleep), a queue lock's next owner
 * descheduled just before it takes over, a waiter arriving just after a release. Inside lock()
 * itself, between an algorithm's steps, preemption comes from running the threads squeezed onto
 * one CPU next to a busy process (tests/reliability_torture.sh).
 *
 * The injection: per thread, an xorshift64* generator seeded from LB_TORTURE_SEED (default 1)
 * and the thread's order of first use; at each point, 1 in 4 sched_yield(), 1 in 64 a sleep of
 * 1..50 us, 1 in 8 a spin of up to 1000 pause instructions, else nothing. The seed is what
 * tests/reliability_torture.sh prints; with it the injection pattern (not the schedule) repeats.
 *
 * A second exclusion check: the wrapper counts the holders inside (an atomic occupancy counter
 * in its header, up on entry, down before release) and, when it sees more than the permits,
 * says so once on stderr and makes that unlock return -EPROTO, which the harness records as an
 * error. The harness's own check counts lost updates, which needs two holders running at the
 * same instant: with every thread on one CPU that almost never happens, but two holders
 * "inside" at once (one of them preempted there) does. Nested acquisitions of a reentrant lock
 * by its owner are told apart by a per-thread depth, which assumes what the harness does: a
 * thread holds one lock at a time.
 *
 * Layout: the wrapper's lock is a cache line holding the wrapped ops, the offset of the wrapped
 * lock, the permits and the occupancy, then the wrapped lock at its own alignment.
 * lock/unlock/trylock/destroy find the wrapped ops there; init cannot (the memory is still
 * blank), so each slot has its own init trampoline. The per-thread context is the wrapped lock's
 * own, its ctx_init/ctx_destroy used as they are. The entries carry LB_TEST_ONLY, so a sweep
 * without --locks leaves them out.
 *
 * The locks wrapped are the registry's (lb_locks) and those of plugins loaded before this one
 * (`--plugin broken_locks.so --plugin torture_locks.so` gives torture-broken, the negative
 * control), through lockbench's lockset_at when the executable exports it. Both resolve
 * against the lockbench executable, which exports its symbols for plugins.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lockbench/lock.h>

#define TORTURE_SLOTS 64
#define TORTURE_NAME_MAX 48

struct torture_hdr {
	const struct lb_lock_ops *inner;
	size_t offset;      /* where the wrapped lock starts */
	unsigned permits;
	atomic_uint inside; /* holders between a successful lock/trylock and their unlock */
	atomic_uint excess; /* most holders seen beyond the permits (0: none) */
};

/* lockbench's walk of the registry and the plugins loaded so far (cli.h); weak, so that the
 * module still loads into a program that has only lb_locks. */
extern const struct lb_lock_ops *lockset_at(size_t i) __attribute__((weak));

static const struct lb_lock_ops *slot_inner[TORTURE_SLOTS];
static size_t slot_offset[TORTURE_SLOTS];
static struct lb_lock_ops slot_ops[TORTURE_SLOTS];
static char slot_name[TORTURE_SLOTS][TORTURE_NAME_MAX + 1];
static char slot_desc[TORTURE_SLOTS][160];

/* What lockbench's plugin loader looks up: filled by the constructor, NULL-terminated. */
__attribute__((visibility("default"))) const struct lb_lock_ops *lb_plugin_locks[TORTURE_SLOTS + 1];

/* ---- the injection ------------------------------------------------------------------------ */

static uint64_t torture_seed = 1;
/* Relaxed: only distinctness of the values matters, not their order. */
static atomic_uint_fast64_t thread_counter;
static _Thread_local uint64_t rng_state;

static uint64_t rng_next(void)
{
	if (rng_state == 0) {
		uint64_t k = atomic_fetch_add_explicit(&thread_counter, 1, memory_order_relaxed) + 1;
		/* splitmix64 of (seed, k): a well-mixed nonzero start for xorshift. */
		uint64_t z = torture_seed + k * 0x9e3779b97f4a7c15ull;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		rng_state = (z ^ (z >> 31)) | 1;
	}
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void torture_point(void)
{
	uint64_t r = rng_next();
	unsigned pick = (unsigned)(r >> 58); /* 0..63 */
	if (pick == 0) {
		struct timespec ts = { 0, (long)(1000 + (r % 50) * 1000) };
		nanosleep(&ts, NULL);
	} else if (pick < 16) {
		sched_yield();
	} else if (pick < 24) {
		for (unsigned i = (unsigned)(r % 1000); i; i--)
			lb_cpu_relax();
	}
}

/* ---- the occupancy check ------------------------------------------------------------------- */

/* The lock this thread holds and how deep (a thread holds one lock at a time in the harness). */
static _Thread_local struct {
	void *lock;
	unsigned depth;
} held;

static void enter(struct torture_hdr *h)
{
	if (h->inner->props & LB_NOT_A_LOCK)
		return; /* `null`: holders pile up by design */
	if (held.lock == h && held.depth) {
		held.depth++; /* a reentrant lock taken again by its owner */
		return;
	}
	held.lock = h;
	held.depth = 1;
	/* Relaxed: the wrapped lock's acquire/release orders one holder's decrement before the
	 * next holder's increment; when it does not, the count overshoots, which is the point. */
	unsigned n = atomic_fetch_add_explicit(&h->inside, 1, memory_order_relaxed) + 1;
	if (n > h->permits) {
		unsigned was = atomic_exchange_explicit(&h->excess, n, memory_order_relaxed);
		if (!was) {
			char msg[200];
			int len = snprintf(msg, sizeof msg, "torture: %s: %u holders inside at once "
					   "with %u permits: exclusion violated\n",
					   h->inner->name, n, h->permits);
			if (len > 0 && write(2, msg, (size_t)len) < 0)
				(void)0; /* nowhere else to say it; unlock reports it too */
		}
	}
}

/* -EPROTO when this lock has been seen with too many holders (once per holder that leaves). */
static int leave(struct torture_hdr *h)
{
	if (h->inner->props & LB_NOT_A_LOCK)
		return 0;
	if (held.lock == h && held.depth > 1) {
		held.depth--;
		return 0;
	}
	held.depth = 0;
	atomic_fetch_sub_explicit(&h->inside, 1, memory_order_relaxed);
	return atomic_load_explicit(&h->excess, memory_order_relaxed) ? -EPROTO : 0;
}

/* ---- the wrapper -------------------------------------------------------------------------- */

static const struct lb_lock_ops *inner_of(void *lock)
{
	return ((struct torture_hdr *)lock)->inner;
}

static void *inner_lock(void *lock)
{
	return (char *)lock + ((struct torture_hdr *)lock)->offset;
}

static int slot_init(size_t i, void *lock, unsigned permits)
{
	/* Written before any thread exists: the harness starts its workers after init. */
	struct torture_hdr *h = lock;
	h->inner = slot_inner[i];
	h->offset = slot_offset[i];
	h->permits = permits;
	atomic_init(&h->inside, 0);
	atomic_init(&h->excess, 0);
	return slot_inner[i]->init(inner_lock(lock), permits);
}

static void torture_destroy(void *lock)
{
	inner_of(lock)->destroy(inner_lock(lock));
}

static int torture_lock(void *lock, void *ctx)
{
	torture_point(); /* outside: arriving late */
	int rc = inner_of(lock)->lock(inner_lock(lock), ctx);
	if (rc == 0) {
		enter(lock);
		torture_point(); /* inside: the holder preempted right after taking it */
	}
	return rc;
}

static int torture_trylock(void *lock, void *ctx)
{
	int rc = inner_of(lock)->trylock(inner_lock(lock), ctx);
	if (rc == 0) {
		enter(lock);
		torture_point();
	}
	return rc;
}

static int torture_unlock(void *lock, void *ctx)
{
	torture_point(); /* inside: the holder preempted just before releasing */
	int bad = leave(lock);
	int rc = inner_of(lock)->unlock(inner_lock(lock), ctx);
	torture_point(); /* outside: the releaser preempted before it can come back */
	return rc ? rc : bad;
}

/* One init per slot: the only entry point that cannot find its wrapped lock in memory. */
#define SLOT_INIT(b, i)                                                                    \
	static int slot_init_##b##_##i(void *lock, unsigned permits)                       \
	{                                                                                  \
		return slot_init(b * 8 + i, lock, permits);                                \
	}
#define SLOTS_8(X, b) X(b, 0) X(b, 1) X(b, 2) X(b, 3) X(b, 4) X(b, 5) X(b, 6) X(b, 7)
#define SLOTS_64(X) SLOTS_8(X, 0) SLOTS_8(X, 1) SLOTS_8(X, 2) SLOTS_8(X, 3) \
	SLOTS_8(X, 4) SLOTS_8(X, 5) SLOTS_8(X, 6) SLOTS_8(X, 7)
SLOTS_64(SLOT_INIT)
#define SLOT_INIT_PTR(b, i) slot_init_##b##_##i,
static int (*const slot_inits[TORTURE_SLOTS])(void *, unsigned) = { SLOTS_64(SLOT_INIT_PTR) };

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

__attribute__((constructor)) static void torture_register(void)
{
	const char *seed = getenv("LB_TORTURE_SEED");
	if (seed && *seed)
		torture_seed = strtoull(seed, NULL, 0);
	size_t n = 0;
	const struct lb_lock_ops *in;
	for (size_t i = 0; (in = lockset_at ? lockset_at(i) : lb_locks[i]) && n < TORTURE_SLOTS; i++) {
		if (strlen(in->name) + strlen("torture-") > TORTURE_NAME_MAX)
			continue; /* the test compares with the registry and names what is missing */
		size_t align = in->lock_align > LB_CACHELINE ? in->lock_align : LB_CACHELINE;
		slot_inner[n] = in;
		slot_offset[n] = round_up(sizeof(struct torture_hdr), align);
		snprintf(slot_name[n], sizeof slot_name[n], "torture-%s", in->name);
		snprintf(slot_desc[n], sizeof slot_desc[n],
			 "%s with random yields and sleeps around and inside its critical section",
			 in->name);
		slot_ops[n] = (struct lb_lock_ops){
			.name = slot_name[n],
			.description = slot_desc[n],
			/* Only the exclusive mode is wrapped: a reader-writer lock is tortured as a mutex. */
			.props = (in->props & ~(unsigned)LB_RW) | LB_TEST_ONLY,
			.lock_size = slot_offset[n] + in->lock_size,
			.lock_align = align,
			.ctx_size = in->ctx_size,
			.ctx_align = in->ctx_align,
			.init = slot_inits[n],
			.destroy = torture_destroy,
			.ctx_init = in->ctx_init,
			.ctx_destroy = in->ctx_destroy,
			.lock = torture_lock,
			.unlock = torture_unlock,
			.trylock = torture_trylock,
		};
		lb_plugin_locks[n] = &slot_ops[n];
		n++;
	}
	lb_plugin_locks[n] = NULL;
}
