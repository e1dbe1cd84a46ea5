/* preload_cond.c — the interposed pthread_cond_* functions.
 *
 * Why: glibc's pthread_cond_wait releases and re-takes the mutex with its internal functions,
 * never through pthread_mutex_unlock/lock. With one of our locks under the mutex, glibc would
 * "release" a glibc mutex nobody holds and the real holder would keep our lock: deadlock. So,
 * with a replacement lock (LOCKBENCH_LOCK set), every process-private condition variable is ours
 * (condvar.h), and it releases and re-takes the mutex through our entry functions, whatever the
 * mutex is (replaced, or a robust one glibc keeps).
 *
 * Process-shared condition variables go to glibc (its GLIBC_2.3.2 functions) with their mutex,
 * which is process-shared and so glibc's too; pthread_cond_init records them in the side table so
 * that signal and broadcast find them. A process-shared cond initialised by another process and
 * never by this one cannot be told apart from a private one: documented limit.
 *
 * With glibc's mutex underneath (LOCKBENCH_LOCK unset) glibc's cond is left in charge, so that
 * the "glibc" baseline is glibc's alone; we keep the owner bookkeeping and the profile around the
 * wait.
 *
 * Profile: a wait counts on the (mutex, thread) record, and the re-acquisition after it counts
 * as an acquisition. Signals and broadcasts carry no mutex: they are counted on the record of the
 * mutex the cond's last waiter used (remembered in the cond's side entry), and not at all before
 * anyone waited.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "preload/condvar.h"
#include "preload/preload_internal.h"
#include "preload/profile_format.h"

#define SITE_HERE {__builtin_return_address(0), __builtin_frame_address(0)}

_Static_assert(sizeof(struct lbp_cond) <= sizeof(pthread_cond_t), "lbp_cond fits a cond");

/* Also when the library only forwards (lbp_forwarding): then glibc's cond with glibc's mutex,
 * nothing of ours in between. */
static inline int not_ready(void)
{
	return lbp_forwarding() || __builtin_expect(lbp_nested != 0, 0) || !lbp_ensure_init();
}

static int use_glibc(pthread_cond_t *c)
{
	return !lbp_ops || lbp_cond_is_pshared(c);
}

struct cond_mutex_arg {
	struct lbp_entry *e;
	pthread_mutex_t *m;
	const struct lbp_site *site;
	uint32_t depth; /* a recursive mutex's depth, restored when the wait re-takes it */
};

static int cb_unlock(void *p)
{
	struct cond_mutex_arg *a = p;
	a->depth = a->e->depth;
	if (a->depth > 1)
		a->e->depth = 1; /* release it completely, as glibc's cond does */
	return lbp_entry_unlock(a->e, a->m, a->site, 1);
}

static int cb_lock(void *p)
{
	struct cond_mutex_arg *a = p;
	int rc = lbp_entry_lock(a->e, a->m, a->site, 1);
	if (rc == 0 && a->depth > 1)
		a->e->depth = a->depth;
	return rc;
}

static void count_cond(pthread_cond_t *c, struct lbp_entry *mutex_entry, pthread_mutex_t *m,
		       const struct lbp_site *site, int what)
{
	struct lbp_entry *ce = lbp_cond_entry(c);
	if (!ce)
		return;
	if (mutex_entry) {
		/* Relaxed: a hint for the profile, not synchronisation. */
		atomic_store_explicit(&ce->cond_mutex, lbp_entry_index(mutex_entry) + 1,
				      memory_order_relaxed);
	} else {
		uint32_t i = atomic_load_explicit(&ce->cond_mutex, memory_order_relaxed);
		if (!i)
			return;
		mutex_entry = lbp_entry_at(i - 1);
		m = (pthread_mutex_t *)atomic_load_explicit(&mutex_entry->key,
							    memory_order_relaxed);
	}
	struct lbp_record *r = lbp_profile_record(mutex_entry, m, site);
	if (!r)
		return;
	if (what == 0)
		r->cond_waits++;
	else if (what == 1)
		r->cond_signals++;
	else
		r->cond_broadcasts++;
}

/* clock == -1: the cond's own clock (timedwait); abstime NULL: no timeout. */
static int cond_wait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
		     const struct timespec *abstime, const struct lbp_site *site)
{
	if (not_ready()) {
		if (!lbp_real.cond_wait)
			return EINVAL;
		if (!abstime)
			return lbp_real.cond_wait(c, m);
		return clock == (clockid_t)-1 ? lbp_real.cond_timedwait(c, m, abstime)
					      : lbp_real.cond_clockwait(c, m, clock, abstime);
	}
	lbp_count_interposed();
	if (clock != (clockid_t)-1 && clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	struct lbp_entry *e = lbp_mutex_entry_fast(m);
	int tid = lbp_tid();
	int pass = !e || atomic_load_explicit(&e->state, memory_order_relaxed) == LBE_PASS;
	if (!pass && atomic_load_explicit(&e->owner, memory_order_relaxed) != tid &&
	    (e->kind == LBP_KIND_RECURSIVE || e->kind == LBP_KIND_ERRORCHECK))
		return EPERM;
	if (lbp_profiling && e)
		count_cond(c, e, m, site, 0);
	if (use_glibc(c) || !e) {
		if (e && e->lock)
			return EINVAL; /* a process-shared cond with a process-private mutex of ours */
		uint32_t depth = 0;
		if (!pass) {
			depth = e->depth;
			lbp_entry_note_release(e, m, site);
		}
		lbp_count_real();
		int rc;
		if (!abstime)
			rc = lbp_real.cond_wait(c, m);
		else if (clock == (clockid_t)-1)
			rc = lbp_real.cond_timedwait(c, m, abstime);
		else
			rc = lbp_real.cond_clockwait(c, m, clock, abstime);
		if (!pass) {
			lbp_entry_note_acquired(e, m, site, 0, lbp_profiling ? lbp_now_ns() : 0);
			e->depth = depth ? depth : 1;
		}
		return rc;
	}
	struct lbp_cond *lc = (struct lbp_cond *)(void *)c;
	struct cond_mutex_arg arg = {e, m, site, 0};
	struct lbp_cond_mutex cm = {cb_unlock, cb_lock, &arg};
	if (clock == (clockid_t)-1)
		clock = lbp_cond_clock(lc);
	/* A cond wait's ETIMEDOUT is not a lock timeout: `timeouts` counts timedlock/clocklock. */
	return lbp_cond_wait(lc, &cm, clock, abstime);
}

LBP_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	struct lbp_site site = SITE_HERE;
	return cond_wait(c, m, (clockid_t)-1, NULL, &site);
}

LBP_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
				      const struct timespec *abstime)
{
	struct lbp_site site = SITE_HERE;
	return cond_wait(c, m, (clockid_t)-1, abstime, &site);
}

LBP_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
				      const struct timespec *abstime)
{
	struct lbp_site site = SITE_HERE;
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	return cond_wait(c, m, clock, abstime, &site);
}

static int cond_wake(pthread_cond_t *c, int all, const struct lbp_site *site)
{
	if (not_ready()) {
		if (!lbp_real.cond_signal)
			return 0;
		return all ? lbp_real.cond_broadcast(c) : lbp_real.cond_signal(c);
	}
	lbp_count_interposed();
	if (lbp_profiling)
		count_cond(c, NULL, NULL, site, all ? 2 : 1);
	if (use_glibc(c)) {
		lbp_count_real();
		return all ? lbp_real.cond_broadcast(c) : lbp_real.cond_signal(c);
	}
	struct lbp_cond *lc = (struct lbp_cond *)(void *)c;
	return all ? lbp_cond_broadcast(lc) : lbp_cond_signal(lc);
}

LBP_EXPORT int pthread_cond_signal(pthread_cond_t *c)
{
	struct lbp_site site = SITE_HERE;
	return cond_wake(c, 0, &site);
}

LBP_EXPORT int pthread_cond_broadcast(pthread_cond_t *c)
{
	struct lbp_site site = SITE_HERE;
	return cond_wake(c, 1, &site);
}

LBP_EXPORT int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
	if (not_ready())
		return lbp_real.cond_init ? lbp_real.cond_init(c, attr) : 0;
	lbp_count_interposed();
	clockid_t clock = CLOCK_REALTIME;
	int pshared = PTHREAD_PROCESS_PRIVATE;
	if (attr) {
		pthread_condattr_getclock(attr, &clock);
		pthread_condattr_getpshared(attr, &pshared);
	}
	if (!lbp_ops || pshared == PTHREAD_PROCESS_SHARED) {
		if (lbp_ops)
			lbp_cond_mark_pshared(c);
		lbp_count_real();
		return lbp_real.cond_init(c, attr);
	}
	return lbp_cond_init((struct lbp_cond *)(void *)c, clock, 0);
}

LBP_EXPORT int pthread_cond_destroy(pthread_cond_t *c)
{
	if (not_ready())
		return lbp_real.cond_destroy ? lbp_real.cond_destroy(c) : 0;
	lbp_count_interposed();
	if (use_glibc(c)) {
		lbp_count_real();
		return lbp_real.cond_destroy(c);
	}
	return lbp_cond_destroy((struct lbp_cond *)(void *)c);
}
