/* preload_mutex.c — the interposed pthread_mutex_* and pthread_spin_* functions.
 *
 * Why the interposer keeps recursion and error checking itself rather than asking the
 * replacement: the registry's locks are plain mutual exclusion, and the program's mutex kind is
 * a property of the pthread_mutex_t, not of the lock. So the side entry holds owner (tid) and
 * depth; a recursive re-lock only counts, an error-checking re-lock returns EDEADLK, and only the
 * first acquisition and last release reach the lock. With glibc's mutex underneath
 * (LOCKBENCH_LOCK unset) and neither a profile nor stats, every call is a bare forward to glibc
 * through lbp_real (lbp_forwarding): glibc keeps all its semantics, we keep nothing, so the
 * "glibc" baseline costs one indirect call. With a profile or stats the same bookkeeping as for a
 * replacement runs, so glibc then sees only first-acquire/last-release.
 *
 * Cost: a replaced mutex's entry is found through the pointer it carries (sidetable.c); owner
 * and depth sit in the entry's one line with its key, state and lock pointer; last_owner (the
 * profile's handoffs) is written only when profiling; locks without per-thread contexts skip the
 * context pool.
 *
 * An unlock by a thread that does not hold the mutex is counted (bad_unlocks) and refused with
 * EPERM for recursive and error-checking mutexes, as glibc does. For a normal mutex glibc says
 * nothing and releases; we say nothing too but never release our lock from a non-owner (a queue
 * lock would be corrupted), while with glibc underneath the call goes to glibc as before.
 *
 * Passed-through mutexes (process-shared, robust, priority-inheritance/protect) go to glibc as
 * they came, each call counted as forwarded; the profile records their acquisitions only.
 *
 * Profiling on: lock tries trylock first; if that fails the acquisition is contended and its
 * wait is timed. Profiling off: no clock is read here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "preload/preload_internal.h"
#include "preload/profile_format.h"

enum acq_mode { ACQ_LOCK, ACQ_TRY, ACQ_TIMED };

#define SITE_HERE {__builtin_return_address(0), __builtin_frame_address(0)}

/* The glibc call that stands for one mode, on a mutex or a spinlock. */
struct real_call {
	int is_spin;
	clockid_t clock; /* ACQ_TIMED: the caller's clock; -1 for pthread_mutex_timedlock */
	const struct timespec *abstime;
};

static inline int real_acquire(void *obj, enum acq_mode mode, const struct real_call *rc)
{
	if (rc->is_spin)
		return mode == ACQ_TRY ? lbp_real.spin_trylock(obj) : lbp_real.spin_lock(obj);
	switch (mode) {
	case ACQ_TRY:
		return lbp_real.mutex_trylock(obj);
	case ACQ_TIMED:
		return rc->clock == (clockid_t)-1
			       ? lbp_real.mutex_timedlock(obj, rc->abstime)
			       : lbp_real.mutex_clocklock(obj, rc->clock, rc->abstime);
	default:
		return lbp_real.mutex_lock(obj);
	}
}

static inline int real_release(void *obj, int is_spin)
{
	return is_spin ? lbp_real.spin_unlock(obj) : lbp_real.mutex_unlock(obj);
}

/* An absolute time on `clock` as a CLOCK_MONOTONIC deadline in ns (lock.h's timedlock). */
static int deadline_ns(clockid_t clock, const struct timespec *abs, uint64_t *out)
{
	if (!abs || abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000L)
		return EINVAL;
	int64_t abs_ns = abs->tv_sec < 0 ? 0 : (int64_t)abs->tv_sec * 1000000000 + abs->tv_nsec;
	if (clock == CLOCK_MONOTONIC) {
		*out = (uint64_t)abs_ns;
		return 0;
	}
	if (clock != CLOCK_REALTIME)
		return EINVAL;
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	int64_t left = abs_ns - ((int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec);
	uint64_t now = lbp_now_ns();
	*out = left > 0 ? now + (uint64_t)left : now;
	return 0;
}

/* Until every lock has timedlock: poll trylock, sleeping a little longer each time (capped at
 * 1 ms), until the deadline. Not fair, but bounded. */
static int poll_until(void *lock, void *ctx, uint64_t deadline)
{
	long nap_ns = 1000;
	for (;;) {
		int rc = lbp_ops->trylock(lock, ctx);
		if (rc != -EBUSY)
			return rc;
		uint64_t now = lbp_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		uint64_t left = deadline - now;
		struct timespec nap = {0, (long)(left < (uint64_t)nap_ns ? left : (uint64_t)nap_ns)};
		nanosleep(&nap, NULL);
		if (nap_ns < 1000000)
			nap_ns *= 2;
	}
}

/* The replacement's acquisition. Returns 0 or a positive errno; *contended when the first try
 * found the lock busy (only tried first when profiling or timed). */
static inline int lock_acquire(struct lbp_entry *e, enum acq_mode mode, uint64_t deadline,
			int *contended)
{
	int full = 0;
	void *ctx = __builtin_expect(lbp_ctx_needed, 0) ? lbp_ctx_take(e->lock, &full) : NULL;
	if (__builtin_expect(full, 0))
		return EAGAIN; /* more mutexes of a context-needing lock held at once than CTX_SLOTS */
	int rc;
	lbp_nested++;
	if (mode == ACQ_TRY) {
		rc = lbp_ops->trylock(e->lock, ctx);
	} else if (mode == ACQ_LOCK && !lbp_profiling) {
		rc = lbp_ops->lock(e->lock, ctx);
	} else {
		rc = lbp_ops->trylock(e->lock, ctx);
		if (rc == -EBUSY) {
			*contended = 1;
			if (mode == ACQ_LOCK)
				rc = lbp_ops->lock(e->lock, ctx);
			else if (lbp_ops->timedlock)
				rc = lbp_ops->timedlock(e->lock, ctx, deadline);
			else
				rc = poll_until(e->lock, ctx, deadline);
		}
	}
	lbp_nested--;
	if (__builtin_expect(rc != 0, 0) && ctx)
		lbp_ctx_release(ctx);
	return -rc;
}

void lbp_entry_note_acquired(struct lbp_entry *e, void *obj, const struct lbp_site *site,
			     int contended, uint64_t t0)
{
	int tid = lbp_tid();
	atomic_store_explicit(&e->owner, tid, memory_order_relaxed);
	e->depth = 1;
	if (__builtin_expect(lbp_profiling, 0)) {
		/* last_owner serves the profile's handoffs only: not written otherwise, one store
		 * fewer in the line the next acquirer reads. */
		int prev = atomic_load_explicit(&e->last_owner, memory_order_relaxed);
		atomic_store_explicit(&e->last_owner, tid, memory_order_relaxed);
		uint64_t t1 = contended ? lbp_now_ns() : t0;
		e->hold_start_ns = t1;
		struct lbp_record *r = lbp_profile_record(e, obj, site);
		if (r) {
			r->acquisitions++;
			r->contended += (uint64_t)contended;
			r->handoffs += (uint64_t)(prev != 0 && prev != tid);
			lbp_profile_hist_add(r->wait_hist, &r->wait_total_ns, &r->wait_max_ns,
					     t1 - t0);
		}
	}
}

void lbp_entry_note_release(struct lbp_entry *e, void *obj, const struct lbp_site *site)
{
	if (lbp_profiling) {
		struct lbp_record *r = lbp_profile_record(e, obj, site);
		if (r)
			lbp_profile_hist_add(r->hold_hist, &r->hold_total_ns, &r->hold_max_ns,
					     lbp_now_ns() - e->hold_start_ns);
	}
	e->depth = 0;
	atomic_store_explicit(&e->owner, 0, memory_order_relaxed);
}

static inline int entry_acquire(struct lbp_entry *e, void *obj, enum acq_mode mode,
			 const struct real_call *call, const struct lbp_site *site, int reacquire)
{
	int tid = lbp_tid();
	if (atomic_load_explicit(&e->owner, memory_order_relaxed) == tid) {
		if (e->kind == LBP_KIND_RECURSIVE) {
			if (e->depth == UINT32_MAX)
				return EAGAIN;
			e->depth++;
			return 0;
		}
		if (e->kind == LBP_KIND_ERRORCHECK)
			return EDEADLK;
		/* normal, adaptive, spinlock: trylock says busy; lock deadlocks as with glibc. */
		if (mode == ACQ_TRY)
			goto busy;
	}
	uint64_t deadline = 0;
	if (mode == ACQ_TIMED && e->lock) {
		int rc = deadline_ns(call->clock == (clockid_t)-1 ? CLOCK_REALTIME : call->clock,
				     call->abstime, &deadline);
		if (rc)
			return rc;
	}
	uint64_t t0 = lbp_profiling ? lbp_now_ns() : 0;
	int contended = 0, rc;
	if (e->lock) {
		rc = lock_acquire(e, mode, deadline, &contended);
	} else {
		lbp_count_real();
		if (lbp_profiling && mode != ACQ_TRY) {
			rc = real_acquire(obj, ACQ_TRY, call);
			if (rc == EBUSY) {
				contended = 1;
				lbp_count_real();
				rc = real_acquire(obj, mode, call);
			}
		} else {
			rc = real_acquire(obj, mode, call);
		}
	}
	if (rc == EBUSY)
		goto busy;
	if (rc != 0) {
		if (rc == ETIMEDOUT && lbp_profiling) {
			struct lbp_record *r = lbp_profile_record(e, obj, site);
			if (r)
				r->timeouts++;
		}
		return rc;
	}
	(void)reacquire;
	lbp_entry_note_acquired(e, obj, site, contended, t0);
	return 0;
busy:
	if (lbp_profiling) {
		struct lbp_record *r = lbp_profile_record(e, obj, site);
		if (r)
			r->trylock_busy++;
	}
	return EBUSY;
}

static inline int entry_release(struct lbp_entry *e, void *obj, int is_spin, const struct lbp_site *site)
{
	int tid = lbp_tid();
	if (atomic_load_explicit(&e->owner, memory_order_relaxed) != tid) {
		if (lbp_profiling) {
			struct lbp_record *r = lbp_profile_record(e, obj, site);
			if (r)
				r->bad_unlocks++;
		}
		if (e->kind == LBP_KIND_RECURSIVE || e->kind == LBP_KIND_ERRORCHECK)
			return EPERM;
		if (!e->lock) {
			lbp_count_real();
			return real_release(obj, is_spin);
		}
		return 0;
	}
	if (e->depth > 1) {
		e->depth--;
		return 0;
	}
	lbp_entry_note_release(e, obj, site);
	if (!e->lock) {
		lbp_count_real();
		return real_release(obj, is_spin);
	}
	void *ctx = __builtin_expect(lbp_ctx_needed, 0) ? lbp_ctx_find(e->lock) : NULL;
	lbp_nested++;
	int rc = lbp_ops->unlock(e->lock, ctx);
	lbp_nested--;
	if (ctx)
		lbp_ctx_release(ctx);
	return -rc;
}

/* A passed-through object: glibc does everything; the profile counts what it can see. */
static int pass_acquire(struct lbp_entry *e, void *obj, enum acq_mode mode,
			const struct real_call *call, const struct lbp_site *site)
{
	lbp_count_real();
	int rc = real_acquire(obj, mode, call);
	if (lbp_profiling) {
		struct lbp_record *r = lbp_profile_record(e, obj, site);
		if (r) {
			r->acquisitions += (uint64_t)(rc == 0 || rc == EOWNERDEAD);
			r->trylock_busy += (uint64_t)(rc == EBUSY);
			r->timeouts += (uint64_t)(rc == ETIMEDOUT);
		}
	}
	return rc;
}

int lbp_entry_lock(struct lbp_entry *e, pthread_mutex_t *m, const struct lbp_site *site,
		   int cond_reacquire)
{
	struct real_call call = {0, -1, NULL};
	if (atomic_load_explicit(&e->state, memory_order_relaxed) == LBE_PASS)
		return pass_acquire(e, m, ACQ_LOCK, &call, site);
	return entry_acquire(e, m, ACQ_LOCK, &call, site, cond_reacquire);
}

int lbp_entry_unlock(struct lbp_entry *e, pthread_mutex_t *m, const struct lbp_site *site,
		     int cond_release)
{
	(void)cond_release;
	if (atomic_load_explicit(&e->state, memory_order_relaxed) == LBE_PASS) {
		lbp_count_real();
		return lbp_real.mutex_unlock(m);
	}
	return entry_release(e, m, 0, site);
}

/* ---- the exported symbols ---- */

/* Out of line, like mutex_release and spin_acquire: the exported functions then stay small
 * enough that their forwarding test (lbp_forwarding) needs no register saves and the forward is
 * a jump. */
static __attribute__((noinline)) int mutex_acquire(pthread_mutex_t *m, enum acq_mode mode, const struct real_call *call,
			 const struct lbp_site *site)
{
	if (__builtin_expect(lbp_nested != 0, 0) || !lbp_ensure_init()) {
		if (!lbp_real.mutex_lock)
			return 0; /* before glibc's functions are known: single-threaded start-up */
		return real_acquire(m, mode, call);
	}
	lbp_count_interposed();
	struct lbp_entry *e = lbp_mutex_entry_fast(m);
	if (__builtin_expect(!e, 0)) {
		lbp_count_real();
		return real_acquire(m, mode, call);
	}
	if (atomic_load_explicit(&e->state, memory_order_relaxed) == LBE_PASS)
		return pass_acquire(e, m, mode, call, site);
	return entry_acquire(e, m, mode, call, site, 0);
}

LBP_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	if (lbp_forwarding())
		return lbp_real.mutex_lock(m);
	struct lbp_site site = SITE_HERE;
	struct real_call call = {0, -1, NULL};
	return mutex_acquire(m, ACQ_LOCK, &call, &site);
}

LBP_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
	if (lbp_forwarding())
		return lbp_real.mutex_trylock(m);
	struct lbp_site site = SITE_HERE;
	struct real_call call = {0, -1, NULL};
	return mutex_acquire(m, ACQ_TRY, &call, &site);
}

LBP_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	if (lbp_forwarding())
		return lbp_real.mutex_timedlock(m, abstime);
	struct lbp_site site = SITE_HERE;
	struct real_call call = {0, (clockid_t)-1, abstime};
	return mutex_acquire(m, ACQ_TIMED, &call, &site);
}

LBP_EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
				       const struct timespec *abstime)
{
	if (lbp_forwarding())
		return lbp_real.mutex_clocklock(m, clock, abstime);
	struct lbp_site site = SITE_HERE;
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	struct real_call call = {0, clock, abstime};
	return mutex_acquire(m, ACQ_TIMED, &call, &site);
}

static __attribute__((noinline)) int mutex_release(pthread_mutex_t *m,
						       const struct lbp_site *site)
{
	if (__builtin_expect(lbp_nested != 0, 0) || !lbp_ensure_init())
		return lbp_real.mutex_unlock ? lbp_real.mutex_unlock(m) : 0;
	lbp_count_interposed();
	struct lbp_entry *e = lbp_mutex_entry_fast(m);
	if (__builtin_expect(!e, 0)) {
		lbp_count_real();
		return lbp_real.mutex_unlock(m);
	}
	return lbp_entry_unlock(e, m, site, 0);
}

LBP_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (lbp_forwarding())
		return lbp_real.mutex_unlock(m);
	struct lbp_site site = SITE_HERE;
	return mutex_release(m, &site);
}

LBP_EXPORT int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	if (lbp_forwarding())
		return lbp_real.mutex_init(m, attr);
	if (__builtin_expect(lbp_nested != 0, 0) || !lbp_ensure_init())
		return lbp_real.mutex_init ? lbp_real.mutex_init(m, attr) : 0;
	lbp_count_interposed();
	int type = PTHREAD_MUTEX_DEFAULT, pshared = PTHREAD_PROCESS_PRIVATE;
	int robust = PTHREAD_MUTEX_STALLED, protocol = PTHREAD_PRIO_NONE;
	if (attr) {
		pthread_mutexattr_gettype(attr, &type);
		pthread_mutexattr_getpshared(attr, &pshared);
		pthread_mutexattr_getrobust(attr, &robust);
		pthread_mutexattr_getprotocol(attr, &protocol);
	}
	uint32_t kind = type == PTHREAD_MUTEX_RECURSIVE    ? LBP_KIND_RECURSIVE
			: type == PTHREAD_MUTEX_ERRORCHECK ? LBP_KIND_ERRORCHECK
			: type == PTHREAD_MUTEX_ADAPTIVE_NP ? LBP_KIND_ADAPTIVE
							    : LBP_KIND_NORMAL;
	uint32_t flags = 0;
	if (pshared == PTHREAD_PROCESS_SHARED)
		flags |= LBP_PSHARED | LBP_PASSTHROUGH;
	if (robust == PTHREAD_MUTEX_ROBUST)
		flags |= LBP_ROBUST | LBP_PASSTHROUGH;
	if (protocol != PTHREAD_PRIO_NONE)
		flags |= LBP_PRIO | LBP_PASSTHROUGH;
	/* glibc's own init for every mutex: the pthread_mutex_t then holds what the program
	 * asked for (__kind above all), whoever later reads it. Counted as forwarded only for the
	 * mutexes glibc keeps; for ours it only fills in the object, never locks it. */
	if (flags & LBP_PASSTHROUGH)
		lbp_count_real();
	int rc = lbp_real.mutex_init(m, attr);
	if (rc != 0)
		return rc;
	if (!lbp_mutex_entry_init(m, kind, flags) && !(flags & LBP_PASSTHROUGH))
		lbp_count_real(); /* no room in the table: glibc's mutex from now on */
	return 0;
}

LBP_EXPORT int pthread_mutex_destroy(pthread_mutex_t *m)
{
	if (lbp_forwarding())
		return lbp_real.mutex_destroy(m);
	if (__builtin_expect(lbp_nested != 0, 0) || !lbp_ensure_init())
		return lbp_real.mutex_destroy ? lbp_real.mutex_destroy(m) : 0;
	lbp_count_interposed();
	struct lbp_entry *e = lbp_mutex_entry(m);
	if (e && atomic_load_explicit(&e->state, memory_order_relaxed) != LBE_PASS) {
		if (atomic_load_explicit(&e->owner, memory_order_relaxed) != 0)
			return EBUSY; /* glibc: a locked mutex cannot be destroyed */
		lbp_entry_destroy(e);
		return 0;
	}
	if (e)
		lbp_entry_destroy(e);
	lbp_count_real();
	return lbp_real.mutex_destroy(m);
}

/* A hidden alias: its address is this object's definition whatever the global scope says. */
extern int lbp_self_mutex_lock(pthread_mutex_t *m)
	__attribute__((alias("pthread_mutex_lock"), visibility("hidden"), nothrow, nonnull(1)));

uintptr_t lbp_self_mutex_lock_addr(void)
{
	return (uintptr_t)&lbp_self_mutex_lock;
}

/* pthread_spinlock_t is a volatile int: our code reads it only through glibc or the lock. */
static void *spin_obj(pthread_spinlock_t *s)
{
	return (void *)(uintptr_t)s;
}

static __attribute__((noinline)) int spin_acquire(pthread_spinlock_t *s, enum acq_mode mode, const struct lbp_site *site)
{
	struct real_call call = {1, -1, NULL};
	if (__builtin_expect(lbp_nested != 0, 0) || !lbp_ensure_init()) {
		if (!lbp_real.spin_lock)
			return 0;
		return real_acquire(spin_obj(s), mode, &call);
	}
	lbp_count_interposed();
	struct lbp_entry *e = lbp_spin_entry(s, 0, 0);
	if (!e) {
		lbp_count_real();
		return real_acquire(spin_obj(s), mode, &call);
	}
	if (atomic_load_explicit(&e->state, memory_order_relaxed) == LBE_PASS)
		return pass_acquire(e, spin_obj(s), mode, &call, site);
	return entry_acquire(e, spin_obj(s), mode, &call, site, 0);
}

LBP_EXPORT int pthread_spin_lock(pthread_spinlock_t *s)
{
	if (lbp_forwarding())
		return lbp_real.spin_lock(s);
	struct lbp_site site = SITE_HERE;
	return spin_acquire(s, ACQ_LOCK, &site);
}

LBP_EXPORT int pthread_spin_trylock(pthread_spinlock_t *s)
{
	if (lbp_forwarding())
		return lbp_real.spin_trylock(s);
	struct lbp_site site = SITE_HERE;
	return spin_acquire(s, ACQ_TRY, &site);
}

static __attribute__((noinline)) int spin_release(pthread_spinlock_t *s,
						      const struct lbp_site *site)
{
	if (__builtin_expect(lbp_nested != 0, 0) || !lbp_ensure_init())
		return lbp_real.spin_unlock ? lbp_real.spin_unlock(s) : 0;
	lbp_count_interposed();
	struct lbp_entry *e = lbp_spin_entry(s, 0, 0);
	if (!e || atomic_load_explicit(&e->state, memory_order_relaxed) == LBE_PASS) {
		lbp_count_real();
		return lbp_real.spin_unlock(s);
	}
	return entry_release(e, spin_obj(s), 1, site);
}

LBP_EXPORT int pthread_spin_unlock(pthread_spinlock_t *s)
{
	if (lbp_forwarding())
		return lbp_real.spin_unlock(s);
	struct lbp_site site = SITE_HERE;
	return spin_release(s, &site);
}

LBP_EXPORT int pthread_spin_init(pthread_spinlock_t *s, int pshared)
{
	if (lbp_forwarding())
		return lbp_real.spin_init(s, pshared);
	if (__builtin_expect(lbp_nested != 0, 0) || !lbp_ensure_init())
		return lbp_real.spin_init ? lbp_real.spin_init(s, pshared) : 0;
	lbp_count_interposed();
	int shared = pshared == PTHREAD_PROCESS_SHARED;
	if (shared)
		lbp_count_real();
	if (!lbp_spin_entry(s, 1, shared) && !shared)
		lbp_count_real();
	/* glibc's init for every spinlock: the word then means "unlocked" in glibc's encoding
	 * (1 on x86-64, not 0), for whoever uses it later. It only stores; counted as forwarded
	 * only for the spinlocks glibc keeps. */
	return lbp_real.spin_init(s, pshared);
}

LBP_EXPORT int pthread_spin_destroy(pthread_spinlock_t *s)
{
	if (lbp_forwarding())
		return lbp_real.spin_destroy(s);
	if (__builtin_expect(lbp_nested != 0, 0) || !lbp_ensure_init())
		return lbp_real.spin_destroy ? lbp_real.spin_destroy(s) : 0;
	lbp_count_interposed();
	struct lbp_entry *e = lbp_spin_entry(s, 0, 0);
	if (e)
		lbp_entry_destroy(e);
	return 0; /* glibc's does nothing either */
}
