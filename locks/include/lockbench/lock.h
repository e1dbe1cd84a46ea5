/* lock.h — lockbench's lock library: one vtable that every lock implements.
 *
 * Every lock is a `const struct lb_lock_ops` exported by exactly one file in locks/ and listed
 * once in registry.c. A caller never sees a lock's type: it allocates `lock_size` bytes aligned
 * to `lock_align` (lb_lock_alloc does this), and, when `ctx_size` is non-zero, one per-thread
 * context of `ctx_size`/`ctx_align` bytes per thread (queue locks keep their queue node there).
 *
 * Error convention: every function returns 0 on success or a negative errno value; the library
 * never prints and never aborts. `unlock` reports misuse (a non-owner release of a reentrant
 * lock: -EPERM; a release beyond a bounded semaphore's count: -EOVERFLOW) through its return.
 *
 * Capacity: `init` takes a number of permits. Mutual-exclusion locks accept only 1 (-EINVAL
 * otherwise); locks with LB_COUNTING accept any N >= 1 and admit up to N holders at once.
 */
#ifndef LB_LOCK_H
#define LB_LOCK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One cache line. x86-64 and most arm64 parts use 64 bytes; adjacent-line prefetch makes 128
 * the safer padding on some Intel parts, but 64 is what the queue-lock papers and Concurrency Kit
 * assume, and what keeps the per-thread contexts small. */
#define LB_CACHELINE 64
#define LB_CACHE_ALIGNED __attribute__((aligned(LB_CACHELINE)))

/* Properties: what a lock is, so that generic tests and the harness know what to expect. */
enum lb_lock_prop {
	LB_SPINS = 1u << 0,        /* waits by spinning on the CPU */
	LB_SLEEPS = 1u << 1,       /* waits by sleeping in the kernel (possibly after spinning) */
	LB_FIFO = 1u << 2,         /* grants in arrival order (doorway order) */
	LB_NEEDS_CTX = 1u << 3,    /* needs a per-thread context (ctx_size > 0) */
	LB_REENTRANT = 1u << 4,    /* the owner may take it again; unlock must be called as often */
	LB_COUNTING = 1u << 5,     /* accepts permits > 1: not mutual exclusion when permits > 1 */
	LB_NOT_A_LOCK = 1u << 6,   /* no exclusion at all (`null`): swept only as the lock-cost floor */
	LB_TSAN_OPAQUE = 1u << 7,  /* its atomics are inline asm that ThreadSanitizer cannot see */
	LB_OWNER_CHECKED = 1u << 8, /* a non-owner unlock is refused with -EPERM */
	LB_BOUNDED = 1u << 9,      /* a release beyond the initial count is refused, -EOVERFLOW */
	LB_TEST_ONLY = 1u << 10,   /* a deliberately broken lock for negative controls */
	LB_REFERENCE = 1u << 11,   /* a third-party reference implementation (Concurrency Kit) */
	LB_NUMA_AWARE = 1u << 12,  /* prefers handing over within a cluster: ctx_set_cluster, cluster_bound */
	LB_RW = 1u << 13,          /* reader-writer: the read_* operations admit many readers at once */
	LB_BYPASS_BOUNDED = 1u << 14, /* not FIFO, but a waiter is overtaken at most bypass_bound times */
};

struct lb_lock_ops {
	const char *name;        /* what users type: "mcs", "pthread-mutex" */
	const char *description; /* one line */
	unsigned props;          /* enum lb_lock_prop bits */
	size_t lock_size, lock_align;
	size_t ctx_size, ctx_align; /* 0, 0 when no per-thread context is needed */

	int (*init)(void *lock, unsigned permits);
	void (*destroy)(void *lock);
	/* Optional: prepare / release a per-thread context. A context may be used with any number
	 * of locks of this kind, one held at a time per context. */
	int (*ctx_init)(void *ctx);
	void (*ctx_destroy)(void *ctx);

	int (*lock)(void *lock, void *ctx);
	int (*unlock)(void *lock, void *ctx);
	/* 0 when acquired, -EBUSY when not available right now. */
	int (*trylock)(void *lock, void *ctx);
	/* Timed acquisition: 0 when acquired, -ETIMEDOUT once CLOCK_MONOTONIC reaches deadline_ns
	 * (absolute, nanoseconds) without acquiring it. Every lock implements it (the interposer
	 * maps pthread_mutex_timedlock/clocklock here). A spinning lock reads the clock while it
	 * spins, a sleeping one waits with a timeout; a FIFO lock whose waiter cannot leave its queue
	 * polls trylock until the deadline, which is not FIFO: its opening comment says so. */
	int (*timedlock)(void *lock, void *ctx, uint64_t deadline_ns);

	/* Test-only hook, set only in the library built with LB_TEST_HOOKS (lb_locks_test, built for
	 * the tests and never installed):
	 * the turn the caller took in its most recent lock() (ticket number or queue position,
	 * counted from 1 in doorway order). NULL in the production library. */
	uint64_t (*turn)(void *lock, void *ctx);

	/* Optional, LB_NUMA_AWARE: tell a context which cluster (NUMA node or cache domain, numbered
	 * from 0 by the caller) its thread runs in. Called after ctx_init and before the context is
	 * first used; a context never told is in cluster 0. The library never asks hwloc: the harness
	 * passes what its placement plan says, and tests pass fake topologies the same way. */
	int (*ctx_set_cluster)(void *ctx, unsigned cluster);
	/* LB_NUMA_AWARE: the most consecutive handoffs within one cluster while a waiter of another
	 * cluster is queued (then the lock must leave the cluster). 0: no bound stated. */
	unsigned cluster_bound;
	/* LB_BYPASS_BOUNDED: the most times a waiter that has passed the doorway (the turn() order)
	 * can be overtaken by any one other thread arriving later, before it acquires (so at most
	 * bypass_bound × (threads − 1) in all). 0 with LB_FIFO: never overtaken. */
	unsigned bypass_bound;

	/* Reader-writer locks (LB_RW), else NULL. lock/unlock/trylock/timedlock above are the
	 * exclusive (writer) mode; these are the shared (reader) mode, same return conventions.
	 * A reader holds the lock with other readers and never with a writer. */
	int (*read_lock)(void *lock, void *ctx);
	int (*read_unlock)(void *lock, void *ctx);
	int (*read_trylock)(void *lock, void *ctx);
	int (*read_timedlock)(void *lock, void *ctx, uint64_t deadline_ns);
};

/* The family a lock belongs to, for grouping plots and tables (one word or two, lower case):
 * "reader-writer", "reference", "numa", "fifo queue", "sleeping", "spinning", "not a lock".
 * Derived from props, first match in that order: a FIFO or bypass-bounded lock that parks is
 * "fifo queue", a NUMA-aware one that is also FIFO is "numa". */
const char *lb_lock_family(const struct lb_lock_ops *ops);

/* The registry: NULL-terminated, in the order `lockbench list` shows. */
extern const struct lb_lock_ops *const lb_locks[];

const struct lb_lock_ops *lb_lock_find(const char *name);
size_t lb_lock_count(void);

static inline int lb_is_mutex(const struct lb_lock_ops *ops, unsigned permits)
{
	return !(ops->props & LB_NOT_A_LOCK) && permits == 1;
}

/* CLOCK_MONOTONIC now, in nanoseconds: the clock and unit of timedlock's deadline. A deadline
 * `timeout_ns` from now is lb_now_ns() + timeout_ns. */
uint64_t lb_now_ns(void);

/* Convenience allocation that honours size and alignment: returns NULL with errno set. The
 * memory is zeroed; init must still be called. Sizes are rounded up to whole cache lines so
 * that two allocations never share one. */
void *lb_lock_alloc(const struct lb_lock_ops *ops);
void *lb_ctx_alloc(const struct lb_lock_ops *ops);
void lb_free(void *p);

/* The CPU's spin-wait hint (x86 `pause`, arm64 `yield`): every spin loop calls it. */
static inline void lb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

#ifdef __cplusplus
}
#endif
#endif
