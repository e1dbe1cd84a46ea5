/* condvar.c — the interposer's condition variable: a sequence-number futex condvar whose mutex
 * is released and re-taken through callbacks (condvar.h says why).
 *
 * Algorithm: the "sequence counter" condition variable that Drepper's "Futexes Are Tricky"
 * (2004, rev. 2011) builds from FUTEX_WAIT's compare-and-sleep, with a waiter count so that a
 * signal nobody waits for is one load: no atomic read-modify-write, no system call. No requeue to the mutex (FUTEX_CMP_REQUEUE):
 * the mutex is opaque, reached only through the callbacks.
 *   wait:      fetch_add(waiters, 1); old = load(seq); unlock(mutex);
 *              futex_wait(seq, old [, absolute deadline]), again on EINTR while seq == old;
 *              fetch_sub(waiters, 1); lock(mutex).
 *   signal:    if load(waiters) > 0: fetch_add(seq, 1); futex_wake(seq, 1).
 *   broadcast: if load(waiters) > 0: fetch_add(seq, 1); futex_wake(seq, INT_MAX).
 * State, in the words of struct lbp_cond (all zero is the default condition):
 *   seq      the futex word, bumped by each signal and broadcast that finds a waiter, wrapping
 *            at 2^32;
 *   waiters  threads between registering in wait and leaving the futex (not counting the relock);
 *   flags    COND_MONOTONIC (else CLOCK_REALTIME), COND_SHARED (else process-private); written
 *            by init only.
 *
 * No lost wake-up. POSIX's promise: if another thread takes the mutex after the waiter released
 * it in wait and then signals (holding the mutex or after releasing it), the waiter is woken.
 * The waiter registers and reads `old` while holding the mutex; that signaller took the mutex
 * after the waiter's unlock, so (the mutex's release -> acquire) the waiter's registration and
 * its read of seq happen-before the signaller's read of `waiters` and its bump. Hence the
 * signaller sees waiters >= 1 (a fetch_sub only ever removes what a fetch_add of the same
 * thread added), so it bumps, which makes seq != old, and calls FUTEX_WAKE. A signaller that
 * sees 0 owes nobody a wake-up: no waiter's registration was ordered before it, and one that
 * registers later reads seq later. FUTEX_WAIT compares seq with old and
 * queues the caller as one step, totally ordered against FUTEX_WAKE on the same word (futex(2)):
 * either the compare comes after the bump and fails (EAGAIN: wait returns at once), or the
 * waiter is queued before the FUTEX_WAKE, which wakes it or an earlier-queued waiter (below).
 * models/condvar.pml checks this with producers, consumers, signal inside and outside the
 * mutex, broadcast and timeouts; and that reading seq after the unlock loses wake-ups.
 *
 * Memory order. Every happens-before edge that the caller's predicate needs comes from the
 * mutex: the waiter re-takes it before returning. So the condvar's own words need only be
 * atomic, and the argument above uses only the mutex's release -> acquire:
 *   - waiters: relaxed everywhere. Its value is all that matters (RMWs never lose an update,
 *     and the mutex orders the registration before the signaller's load, see above).
 *   - seq: the bump is a release and wait's loads are acquires, paired with each other: a
 *     waiter whose load sees a bump also sees what that signaller wrote before signalling. Not
 *     needed with a real mutex; it costs nothing on x86 (fetch_add is a locked instruction, an
 *     acquire load a plain load) and spares a caller who writes a flag outside the mutex.
 *   - The kernel orders the bump before FUTEX_WAKE's look at its queue (its own barriers), so
 *     the compare-and-sleep argument holds whatever the C11 order of the bump.
 *   - flags: relaxed. Written by init, which the program orders before any use of the condition
 *     (as it must for any pthread object).
 *
 * Which waiter a signal wakes. FUTEX_WAKE takes the first of the queue, which Linux keeps in
 * priority order, FIFO among equals. Every waiter queued before the bump is ahead of any queued
 * after it, so a signal wakes one that was waiting when it was sent, or one that had not yet
 * reached the futex and then returns at once with EAGAIN. With real-time priorities a
 * higher-priority waiter that arrived after the signal can be woken instead, and the older one
 * sleeps on: the "stolen signal" of glibc's bug 13165, which this design keeps.
 *
 * Fairness: none. No FIFO order among waiters beyond the kernel queue's, a woken waiter
 * competes for the mutex with everyone, and spurious wake-ups happen (POSIX allows them; the
 * caller re-checks its predicate): wait returns 0 after any return from FUTEX_WAIT except an
 * EINTR with seq unchanged (which waits again, to the same absolute deadline), so one signal
 * can return several waiters (those between their unlock and the futex, which see the bump).
 *
 * Timeouts: FUTEX_WAIT_BITSET with FUTEX_BITSET_MATCH_ANY takes an absolute deadline, on
 * CLOCK_REALTIME with FUTEX_CLOCK_REALTIME (so a clock step moves it, as POSIX wants) and on
 * CLOCK_MONOTONIC otherwise. ETIMEDOUT: the kernel removed us from the queue, so no
 * FUTEX_WAKE was spent on us; wait re-takes the mutex and returns ETIMEDOUT. A deadline already
 * past still unlocks and re-locks (other threads get the mutex), and a negative tv_sec is one.
 * With a deadline, EINVAL (tv_nsec outside [0, 1e9), a clock other than REALTIME and MONOTONIC)
 * is returned before anything is touched: the mutex stays held. Without one the clock is unused
 * and not checked.
 *
 * Wrap-around: seq wraps at 2^32, which is harmless, except for the ABA window: a waiter that
 * read `old` and is delayed before its FUTEX_WAIT while exactly k * 2^32 bumps happen sleeps
 * although it was signalled. Every bump is followed by a FUTEX_WAKE system call (a bump needs a
 * registered waiter), so at a generous 100 ns each that is a delay of over 7 minutes in the few
 * instructions between the unlock and the system call; possible in principle (a stopped
 * process, a debugger), not in practice. glibc's older condvar had the same kind of window.
 *
 * Oversubscription: waiters sleep in the kernel, so they take no CPU from the mutex holder.
 * broadcast wakes every waiter at once and they all queue on the mutex (the thundering herd that
 * FUTEX_CMP_REQUEUE avoids for glibc's own mutex; ours is opaque).
 *
 * Destroy: a woken waiter still touches `waiters` after FUTEX_WAIT returns, so destroy yields
 * until `waiters` is 0, at most DESTROY_YIELDS times, and says EBUSY after that (a waiter
 * still blocked, which POSIX makes undefined, or one descheduled for that long in those few
 * instructions).
 *
 * Context: none. No malloc, no pthread call; the only system calls are futex and, in destroy,
 * sched_yield.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/condvar.h"

#ifdef LBP_COND_TEST_BUG
#include <time.h>
#endif

enum { COND_MONOTONIC = 1u << 0, COND_SHARED = 1u << 1 };
enum { DESTROY_YIELDS = 1000 };

/* The words of struct lbp_cond as condvar.c sees them; only this file looks inside. */
struct cond_state {
	atomic_uint seq;
	atomic_uint waiters;
	atomic_uint flags;
};

_Static_assert(sizeof(atomic_uint) == sizeof(uint32_t), "a futex word is 32 bits");
_Static_assert(sizeof(struct cond_state) <= sizeof(struct lbp_cond), "fits in lbp_cond");
_Static_assert(_Alignof(struct cond_state) <= _Alignof(struct lbp_cond), "aligned as lbp_cond");

static struct cond_state *state(struct lbp_cond *c)
{
	return (struct cond_state *)(void *)c->words;
}

static int clock_valid(clockid_t clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC;
}

int lbp_cond_init(struct lbp_cond *c, clockid_t clock, int pshared)
{
	struct cond_state *s = state(c);
	if (!clock_valid(clock))
		return EINVAL;
	for (unsigned i = 0; i < sizeof c->words / sizeof c->words[0]; i++)
		c->words[i] = 0;
	/* Relaxed: see "flags" in the opening comment. */
	atomic_store_explicit(&s->flags,
			      (clock == CLOCK_MONOTONIC ? COND_MONOTONIC : 0u) |
				      (pshared ? COND_SHARED : 0u),
			      memory_order_relaxed);
	return 0;
}

clockid_t lbp_cond_clock(const struct lbp_cond *c)
{
	struct cond_state *s = state((struct lbp_cond *)c);
	/* Relaxed: see "flags" in the opening comment. */
	return (atomic_load_explicit(&s->flags, memory_order_relaxed) & COND_MONOTONIC) ?
		       CLOCK_MONOTONIC :
		       CLOCK_REALTIME;
}

int lbp_cond_destroy(struct lbp_cond *c)
{
	struct cond_state *s = state(c);
	for (unsigned i = 0; i < DESTROY_YIELDS; i++) {
		/* Relaxed: only the count matters; the caller orders its own use of the memory. */
		if (atomic_load_explicit(&s->waiters, memory_order_relaxed) == 0)
			return 0;
		sched_yield();
	}
	return EBUSY;
}

static int futex_op(unsigned flags, int op)
{
	return (flags & COND_SHARED) ? op : (op | FUTEX_PRIVATE_FLAG);
}

/* Sleep while seq == old, until `abstime` on `clock` when given. Returns 0 (woken, or seq had
 * changed), EINTR or ETIMEDOUT, or another errno of futex(2). */
static int futex_sleep(struct cond_state *s, unsigned flags, unsigned old, clockid_t clock,
		       const struct timespec *abstime)
{
	long rc;
	if (!abstime) {
		rc = syscall(SYS_futex, (void *)&s->seq, futex_op(flags, FUTEX_WAIT), old, NULL,
			     NULL, 0);
	} else {
		int op = futex_op(flags, FUTEX_WAIT_BITSET);
		if (clock == CLOCK_REALTIME)
			op |= FUTEX_CLOCK_REALTIME;
		rc = syscall(SYS_futex, (void *)&s->seq, op, old, abstime, NULL,
			     FUTEX_BITSET_MATCH_ANY);
	}
	if (rc == 0 || errno == EAGAIN)
		return 0;
	return errno;
}

int lbp_cond_wait(struct lbp_cond *c, const struct lbp_cond_mutex *m, clockid_t clock,
		  const struct timespec *abstime)
{
	struct cond_state *s = state(c);
	if (abstime && (!clock_valid(clock) || abstime->tv_nsec < 0 ||
			abstime->tv_nsec >= 1000000000L))
		return EINVAL;
	/* Relaxed: see "flags" in the opening comment. */
	unsigned flags = atomic_load_explicit(&s->flags, memory_order_relaxed);

	/* Relaxed: the mutex we hold orders this before any later signaller's load (see "No lost
	 * wake-up"); the signaller needs the count, not anything written before it. */
	atomic_fetch_add_explicit(&s->waiters, 1, memory_order_relaxed);
#ifndef LBP_COND_TEST_BUG
	/* Acquire pairs with the release bump in cond_bump. Read while we hold the mutex: the
	 * whole point (see "No lost wake-up"). */
	unsigned old = atomic_load_explicit(&s->seq, memory_order_acquire);
#endif
	int err = m->unlock(m->arg);
	if (err) {
		/* Not the caller's mutex (an error-checking one says EPERM): nothing waited.
		 * Relaxed: only the count matters (at worst a signaller made a futile wake). */
		atomic_fetch_sub_explicit(&s->waiters, 1, memory_order_relaxed);
		return err;
	}
#ifdef LBP_COND_TEST_BUG
	/* The planted bug for the tests' negative control: seq read after the unlock, so that a
	 * signal sent in between is missed; the nap widens that window so that tests see it. */
	nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	unsigned old = atomic_load_explicit(&s->seq, memory_order_acquire);
#endif

	int ret = 0;
	if (abstime && abstime->tv_sec < 0) {
		ret = ETIMEDOUT; /* before the epoch: past; the kernel would say EINVAL */
	} else {
		for (;;) {
			int r = futex_sleep(s, flags, old, clock, abstime);
			/* Acquire: as above. A signal handler interrupted us: sleep on unless a
			 * bump came meanwhile (then returning is a wake-up, not a spurious one). */
			if (r == EINTR &&
			    atomic_load_explicit(&s->seq, memory_order_acquire) == old)
				continue;
			if (r == ETIMEDOUT)
				ret = ETIMEDOUT;
			/* Anything else: a wake-up, real or spurious; the caller re-checks. */
			break;
		}
	}
	/* Relaxed: only the count matters (see the fetch_add). Before the relock, so that a
	 * destroy right after the broadcast waits only for this, not for our turn at the mutex. */
	atomic_fetch_sub_explicit(&s->waiters, 1, memory_order_relaxed);

	err = m->lock(m->arg);
	return err ? err : ret;
}

static void cond_bump(struct cond_state *s, int nwake)
{
	/* Relaxed: see the fetch_add in lbp_cond_wait. 0 means no thread is between its
	 * registration (ordered before us by the mutex) and its return from the futex. */
	if (atomic_load_explicit(&s->waiters, memory_order_relaxed) == 0)
		return;
	/* Release pairs with the acquire loads of seq in lbp_cond_wait. */
	atomic_fetch_add_explicit(&s->seq, 1, memory_order_release);
	/* Relaxed: flags as in the opening comment. */
	unsigned flags = atomic_load_explicit(&s->flags, memory_order_relaxed);
	/* It cannot fail for a valid aligned word; a waker could do nothing about it anyway. */
	(void)syscall(SYS_futex, (void *)&s->seq, futex_op(flags, FUTEX_WAKE), nwake, NULL, NULL,
		      0);
}

int lbp_cond_signal(struct lbp_cond *c)
{
	cond_bump(state(c), 1);
	return 0;
}

int lbp_cond_broadcast(struct lbp_cond *c)
{
	cond_bump(state(c), INT_MAX);
	return 0;
}
