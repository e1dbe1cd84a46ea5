/* preload_internal.h — what the files of liblockbench-preload.so share, and nothing else sees.
 *
 * The library is split by concern: preload.c (start-up, the environment, the mutex and spinlock
 * symbols), preload_cond.c (the condition-variable symbols), sidetable.c (where a mutex's
 * replacement lives, the per-thread contexts) and profile_writer.c (the prof.PID.lbp file).
 * Everything here is hidden: the only exported symbols are the pthread functions.
 */
#ifndef LBP_PRELOAD_INTERNAL_H
#define LBP_PRELOAD_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <lockbench/lock.h>

#define LBP_HIDDEN __attribute__((visibility("hidden")))
#define LBP_EXPORT __attribute__((visibility("default")))

/* glibc's __data.__kind bits (nptl/pthreadP.h, glibc 2.36; checked by tests/preload): the type
 * is the low two bits; a robust mutex also carries the pshared bit. */
#define LBP_GLIBC_KIND_MASK 3
#define LBP_GLIBC_ROBUST 16
#define LBP_GLIBC_PRIO_INHERIT 32
#define LBP_GLIBC_PRIO_PROTECT 64
#define LBP_GLIBC_PSHARED 128

/* The side entry of one mutex, spinlock or process-shared condition variable (sidetable.c). */
enum lbp_entry_state {
	LBE_SETUP = 0, /* key claimed (or being re-initialised): the other fields are not ready */
	LBE_LIVE = 1,  /* ours: replaced (lock != NULL) or glibc underneath (lock == NULL) */
	LBE_DEAD = 2,  /* destroyed: the next use initialises a fresh lock in place */
	LBE_PASS = 3,  /* left to glibc (pshared, robust, PI/PP, or our lock's init failed) */
};

struct lbp_entry {
	_Atomic uintptr_t key;   /* the object's address; 0 = free slot; never changes once set */
	_Atomic uint32_t state;  /* enum lbp_entry_state */
	uint32_t kind;           /* enum lbp_mutex_kind */
	uint32_t flags;          /* enum lbp_mutex_flag */
	_Atomic int owner;       /* tid of the holder, 0 when free */
	uint32_t depth;          /* recursion depth; read and written by the owner only */
	_Atomic int last_owner;  /* the previous holder, for handoffs; relaxed (see sidetable.c) */
	_Atomic uint64_t prof;   /* profile mutex slot: generation << 32 | (index + 1); 0 = none */
	uint64_t hold_start_ns;  /* the owner's acquisition time (profiling only) */
	void *lock;              /* the replacement's object in the arena; NULL: glibc underneath */
	_Atomic uint32_t cond_mutex; /* a cond's entry: the last waiter's mutex entry index + 1 */
} LB_CACHE_ALIGNED;

/* preload.c: process-wide state, fixed after initialisation. */
struct lbp_real {
	int (*mutex_init)(pthread_mutex_t *, const pthread_mutexattr_t *);
	int (*mutex_destroy)(pthread_mutex_t *);
	int (*mutex_lock)(pthread_mutex_t *);
	int (*mutex_trylock)(pthread_mutex_t *);
	int (*mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
	int (*mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
	int (*mutex_unlock)(pthread_mutex_t *);
	int (*spin_init)(pthread_spinlock_t *, int);
	int (*spin_destroy)(pthread_spinlock_t *);
	int (*spin_lock)(pthread_spinlock_t *);
	int (*spin_trylock)(pthread_spinlock_t *);
	int (*spin_unlock)(pthread_spinlock_t *);
	int (*cond_init)(pthread_cond_t *, const pthread_condattr_t *);
	int (*cond_destroy)(pthread_cond_t *);
	int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
	int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
	int (*cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t,
			      const struct timespec *);
	int (*cond_signal)(pthread_cond_t *);
	int (*cond_broadcast)(pthread_cond_t *);
};

extern struct lbp_real lbp_real LBP_HIDDEN;
extern const struct lb_lock_ops *lbp_ops LBP_HIDDEN; /* NULL: glibc's mutex underneath */
extern int lbp_profiling LBP_HIDDEN;                /* LOCKBENCH_PROFILE_DIR set and open */
extern int lbp_counting LBP_HIDDEN;                 /* LOCKBENCH_PRELOAD_STATS set */
extern _Atomic uint64_t lbp_n_interposed LBP_HIDDEN, lbp_n_real LBP_HIDDEN;
extern _Atomic uint32_t lbp_pshared_conds LBP_HIDDEN; /* process-shared conds ever seen */

/* Returns 1 when the library is ready, 0 when the caller is the thread initialising it (a
 * call from inside initialisation: forward to glibc without bookkeeping). The inline part is the
 * check every call makes; lbp_ensure_init_slow runs (or waits for) the initialisation. */
extern _Atomic int lbp_init_state LBP_HIDDEN; /* 2 = done (preload.c) */
int lbp_ensure_init_slow(void) LBP_HIDDEN;
static inline int lbp_ensure_init(void)
{
	/* Acquire: pairs with the release store of "done" at the end of do_init. */
	if (__builtin_expect(atomic_load_explicit(&lbp_init_state, memory_order_acquire) == 2, 1))
		return 1;
	return lbp_ensure_init_slow();
}
/* Set once, before "done", when the library has nothing to do but forward: glibc's mutex
 * underneath (LOCKBENCH_LOCK unset), no profile, no stats. Then every mutex, spinlock and cond
 * call is a bare forward to glibc's function through lbp_real: glibc keeps its own semantics
 * (recursion, error checking, robustness), and we keep nothing. The flag never changes after
 * initialisation (a fork child inherits it with the environment it was computed from).
 * Acquire: pairs with the release store in do_init, so lbp_real is seen filled in. */
extern _Atomic int lbp_forward_only LBP_HIDDEN;
static inline int lbp_forwarding(void)
{
	return atomic_load_explicit(&lbp_forward_only, memory_order_acquire);
}
/* This thread's kernel tid, cached (reset in a fork child: its tid differs). Inline: every
 * interposed call asks for it. */
extern __thread int lbp_cached_tid LBP_HIDDEN __attribute__((tls_model("initial-exec")));
int lbp_tid_slow(void) LBP_HIDDEN;
static inline int lbp_tid(void)
{
	int t = lbp_cached_tid;
	return __builtin_expect(t != 0, 1) ? t : lbp_tid_slow();
}
/* The address of this copy's pthread_mutex_lock (not the global scope's, which may be the copy
 * loaded first). */
uintptr_t lbp_self_mutex_lock_addr(void) LBP_HIDDEN;
uint64_t lbp_now_ns(void) LBP_HIDDEN;

static inline void lbp_count_interposed(void)
{
	/* Relaxed: a tally read once, at exit, after every thread's calls. */
	if (lbp_counting)
		atomic_fetch_add_explicit(&lbp_n_interposed, 1, memory_order_relaxed);
}

static inline void lbp_count_real(void)
{
	if (lbp_counting)
		atomic_fetch_add_explicit(&lbp_n_real, 1, memory_order_relaxed);
}

/* A call from inside the replacement lock (the pthread-based locks of the library call
 * pthread_mutex_lock & co., which bind to ours): the exported functions forward those to glibc
 * uncounted. Thread-local depth. */
extern __thread unsigned lbp_nested LBP_HIDDEN __attribute__((tls_model("initial-exec")));

/* The mutex operations on an entry (preload.c), shared with the condvar callbacks. */
struct lbp_site {
	void *ra;  /* __builtin_return_address(0) of the exported function */
	void *fp;  /* __builtin_frame_address(0) of the exported function */
};
int lbp_entry_lock(struct lbp_entry *e, pthread_mutex_t *m, const struct lbp_site *site,
		   int cond_reacquire) LBP_HIDDEN;
int lbp_entry_unlock(struct lbp_entry *e, pthread_mutex_t *m, const struct lbp_site *site,
		     int cond_release) LBP_HIDDEN;
/* The bookkeeping alone, around a wait in glibc's cond (glibc underneath). */
void lbp_entry_note_acquired(struct lbp_entry *e, void *obj, const struct lbp_site *site,
			     int contended, uint64_t t0) LBP_HIDDEN;
void lbp_entry_note_release(struct lbp_entry *e, void *obj, const struct lbp_site *site)
	LBP_HIDDEN;

/* sidetable.c */
int lbp_table_init(const struct lb_lock_ops *ops) LBP_HIDDEN;
/* The entry of a mutex, created from its glibc __kind when new (a static initialiser) or DEAD.
 * NULL when the table has no room for it: the caller passes it to glibc (counted). */
struct lbp_entry *lbp_mutex_entry(pthread_mutex_t *m) LBP_HIDDEN;
/* The same, first through the entry pointer a replaced mutex carries in its own
 * __data.__list.__prev (sidetable.c says why that word is free), falling back to
 * lbp_mutex_entry, which installs it. */
extern struct lbp_entry *lbp_table_base LBP_HIDDEN;
#define LBP_TABLE_CAP (1u << 16)
static inline _Atomic(uintptr_t) *lbp_mutex_slot(pthread_mutex_t *m)
{
	return (_Atomic(uintptr_t) *)(void *)&m->__data.__list.__prev;
}
static inline struct lbp_entry *lbp_mutex_entry_fast(pthread_mutex_t *m)
{
	/* Relaxed: the word is only a hint; what makes it usable is the entry's key (never
	 * changes once set) and its state, loaded with acquire (pairs with the release that
	 * published the entry), checked below. Any stale or foreign value fails them. */
	uintptr_t p = atomic_load_explicit(lbp_mutex_slot(m), memory_order_relaxed);
	uintptr_t off = p - (uintptr_t)lbp_table_base;
	if (__builtin_expect(off < (uintptr_t)LBP_TABLE_CAP * sizeof(struct lbp_entry) &&
				     off % sizeof(struct lbp_entry) == 0, 1)) {
		struct lbp_entry *e = (struct lbp_entry *)p;
		if (__builtin_expect(atomic_load_explicit(&e->key, memory_order_relaxed) ==
						     (uintptr_t)m &&
					     atomic_load_explicit(&e->state, memory_order_acquire) ==
						     LBE_LIVE,
				     1))
			return e;
	}
	return lbp_mutex_entry(m);
}
/* (Re)initialise the entry of a mutex from its attributes (pthread_mutex_init). */
struct lbp_entry *lbp_mutex_entry_init(pthread_mutex_t *m, uint32_t kind, uint32_t flags)
	LBP_HIDDEN;
struct lbp_entry *lbp_spin_entry(pthread_spinlock_t *s, int init, int pshared) LBP_HIDDEN;
/* Mark destroyed: the next use gets a fresh lock. */
void lbp_entry_destroy(struct lbp_entry *e) LBP_HIDDEN;
/* Process-shared condition variables: recorded so that signal/broadcast go to glibc too. */
void lbp_cond_mark_pshared(pthread_cond_t *c) LBP_HIDDEN;
int lbp_cond_is_pshared(pthread_cond_t *c) LBP_HIDDEN;
/* A cond's own entry (profiling: which mutex its waiters use), created on demand. */
struct lbp_entry *lbp_cond_entry(pthread_cond_t *c) LBP_HIDDEN;
struct lbp_entry *lbp_entry_at(uint32_t index) LBP_HIDDEN;
uint32_t lbp_entry_index(const struct lbp_entry *e) LBP_HIDDEN;
/* This thread's context for a lock it is about to take (NULL when the lock needs none);
 * lbp_ctx_find returns the one it holds that lock with. Full pool: NULL with *full set. */
extern int lbp_ctx_needed LBP_HIDDEN; /* the replacement has ctx_size > 0: use the pool */
void *lbp_ctx_take(void *lock, int *full) LBP_HIDDEN;
void *lbp_ctx_find(void *lock) LBP_HIDDEN;
void lbp_ctx_release(void *ctx) LBP_HIDDEN;
void lbp_table_after_fork_child(void) LBP_HIDDEN;

/* profile_writer.c: every function is a no-op unless lbp_profiling. */
int lbp_profile_open(const char *dir, const char *lock_name, uint64_t start_ns) LBP_HIDDEN;
void lbp_profile_at_exit(void) LBP_HIDDEN;
void lbp_profile_after_fork_child(void) LBP_HIDDEN;
struct lbp_record *lbp_profile_record(struct lbp_entry *e, const void *addr,
				      const struct lbp_site *site) LBP_HIDDEN;
void lbp_profile_hist_add(uint32_t *hist, uint64_t *total, uint64_t *max, uint64_t ns)
	LBP_HIDDEN;

#endif
