/* tsan.h — telling ThreadSanitizer about synchronisation it cannot see. Private, not installed.
 *
 * TSan learns about a pthread mutex or a semaphore by intercepting the calls: pthread_mutex_lock,
 * _trylock, _timedlock, _unlock, sem_wait, sem_timedwait, sem_post. The runtimes we build with
 * (clang 14's and gcc 12's, checked with nm) intercept neither pthread_mutex_clocklock nor
 * sem_clockwait, which the timed paths of pthread_common.h and sem_common.h call. Unannotated,
 * TSan would see the unlock of a mutex it never saw locked ("unlock of an unlocked mutex") and no
 * happens-before edge into the critical section (false data races). So around those two calls
 * we say what the missing interceptor would have: a mutex acquired as by pthread_mutex_timedlock
 * (which TSan treats as a try-lock: a timed wait cannot deadlock for ever), and an acquire on
 * the semaphore that pairs with the release TSan records in sem_post. Outside a TSan build these
 * are empty.
 */
#ifndef LB_TSAN_H
#define LB_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define LB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LB_TSAN 1
#endif
#endif
#ifndef LB_TSAN
#define LB_TSAN 0
#endif

#if LB_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* Around a pthread_mutex_clocklock of mutex m: before, and after with its result. */
static inline void lb_tsan_timedlock_pre(void *m)
{
#if LB_TSAN
	__tsan_mutex_pre_lock(m, __tsan_mutex_try_lock);
#else
	(void)m;
#endif
}

static inline void lb_tsan_timedlock_post(void *m, int acquired)
{
#if LB_TSAN
	unsigned failed = acquired ? 0 : __tsan_mutex_try_lock_failed;
	__tsan_mutex_post_lock(m, __tsan_mutex_try_lock | failed, 0);
#else
	(void)m;
	(void)acquired;
#endif
}

/* After a sem_clockwait on s that took a permit. */
static inline void lb_tsan_sem_acquired(void *s)
{
#if LB_TSAN
	__tsan_acquire(s);
#else
	(void)s;
#endif
}

#endif
