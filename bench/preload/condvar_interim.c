/* condvar_interim.c — NOT the real condvar: a minimal futex sequence-counter condvar so that the
 * interposer links and its tests run until bench/preload/condvar.c lands in main. meson uses it
 * only when condvar.c does not exist. No spinning, no requeue: every wake-up is a syscall.
 * words[0]: sequence, bumped by every signal/broadcast; words[1]: 1 = CLOCK_MONOTONIC.
 * A waiter reads the sequence (acquire) before it releases the mutex, so a signal after that
 * release changes the word and FUTEX_WAIT returns at once (no lost wake-up). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/condvar.h"

static _Atomic uint32_t *seq(struct lbp_cond *c)
{
	return (_Atomic uint32_t *)&c->words[0];
}

int lbp_cond_init(struct lbp_cond *c, clockid_t clock, int pshared)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	for (unsigned i = 0; i < 8; i++)
		c->words[i] = 0;
	c->words[1] = clock == CLOCK_MONOTONIC;
	c->words[2] = pshared != 0;
	return 0;
}

int lbp_cond_destroy(struct lbp_cond *c)
{
	(void)c;
	return 0;
}

clockid_t lbp_cond_clock(const struct lbp_cond *c)
{
	return c->words[1] ? CLOCK_MONOTONIC : CLOCK_REALTIME;
}

int lbp_cond_wait(struct lbp_cond *c, const struct lbp_cond_mutex *m, clockid_t clock,
		  const struct timespec *abstime)
{
	if (abstime && (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000L))
		return EINVAL;
	/* Acquire: pairs with the release bump in signal (orders nothing else; cheap). */
	uint32_t s = atomic_load_explicit(seq(c), memory_order_acquire);
	int rc = m->unlock(m->arg);
	if (rc)
		return rc;
	int op = FUTEX_WAIT_BITSET | (c->words[2] ? 0 : FUTEX_PRIVATE_FLAG);
	if (abstime && clock == CLOCK_REALTIME)
		op |= FUTEX_CLOCK_REALTIME;
	long r = syscall(SYS_futex, seq(c), op, s, abstime, NULL, FUTEX_BITSET_MATCH_ANY);
	int timed_out = r != 0 && errno == ETIMEDOUT;
	rc = m->lock(m->arg);
	if (rc)
		return rc;
	return timed_out ? ETIMEDOUT : 0;
}

static int wake(struct lbp_cond *c, int n)
{
	/* Release: pairs with the waiter's acquire read of the sequence. */
	atomic_fetch_add_explicit(seq(c), 1, memory_order_release);
	syscall(SYS_futex, seq(c), FUTEX_WAKE | (c->words[2] ? 0 : FUTEX_PRIVATE_FLAG), n);
	return 0;
}

int lbp_cond_signal(struct lbp_cond *c)
{
	return wake(c, 1);
}

int lbp_cond_broadcast(struct lbp_cond *c)
{
	return wake(c, INT_MAX);
}
