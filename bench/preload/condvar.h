/* condvar.h — the condition variable of the interposer (interface; condvar.c says how).
 *
 * Why our own: glibc's pthread_cond_wait releases and re-takes the mutex inside libc, not through
 * the interposed pthread_mutex_unlock/lock, so it cannot wait on a mutex that is really one of our
 * locks. This one takes the mutex's unlock and lock as callbacks.
 *
 * It lives inside the program's pthread_cond_t (48 bytes), so it must fit there and an all-zero
 * pthread_cond_t (PTHREAD_COND_INITIALIZER) must be a valid, default-initialised lbp_cond:
 * CLOCK_REALTIME for timedwait, process-private.
 *
 * Return values follow pthreads, not lock.h: 0, or a positive errno (ETIMEDOUT, EINVAL).
 * No function here calls malloc or any pthread function, and none can fail with a lost wake-up.
 */
#ifndef LBP_CONDVAR_H
#define LBP_CONDVAR_H

#include <stdint.h>
#include <time.h>

struct lbp_cond {
	uint32_t words[8]; /* condvar.c's state; all zeros is a valid default */
};

_Static_assert(sizeof(struct lbp_cond) <= 48, "must fit inside a pthread_cond_t");

/* The mutex a wait releases and re-takes. Both callbacks return 0 or a positive errno. */
struct lbp_cond_mutex {
	int (*unlock)(void *arg);
	int (*lock)(void *arg);
	void *arg;
};

/* clock: CLOCK_REALTIME or CLOCK_MONOTONIC (the condattr's clock, for timedwait). */
int lbp_cond_init(struct lbp_cond *c, clockid_t clock, int pshared);
int lbp_cond_destroy(struct lbp_cond *c);
/* abstime NULL: wait until signalled. Otherwise an absolute time on `clock`
 * (timedwait passes the condition's own clock: lbp_cond_clock()). Re-takes the mutex before
 * returning, also on ETIMEDOUT. Spurious wake-ups are allowed, as POSIX allows them. */
int lbp_cond_wait(struct lbp_cond *c, const struct lbp_cond_mutex *m, clockid_t clock,
		  const struct timespec *abstime);
int lbp_cond_signal(struct lbp_cond *c);
int lbp_cond_broadcast(struct lbp_cond *c);
clockid_t lbp_cond_clock(const struct lbp_cond *c);

#endif
