/* models: bench/preload/condvar.c sha256: 1f1f43d0cbc7fdc1fe1036c2d88706454e76731ec39e062655e5ae13f1ae055f */
/* condvar.pml — the interposer's condition variable, bench/preload/condvar.c, with a mutex and
 * a predicate: consumers wait for items, producers add them and wake.
 *
 * State: `seq` (the futex word; counts modulo SEQMOD, 256 by default, which the bounded runs
 * never reach: the C word wraps at 2^32), `waiters`, and around them the mutex `mtx` (with its
 * `owner`) and the predicate `items`.
 * wait():      waiters++; old = seq; unlock(mutex); futex_wait(seq, old) [or time out];
 *              waiters--; lock(mutex).
 * signal():    if waiters > 0: seq++; futex_wake(seq, 1).
 * broadcast(): if waiters > 0: seq++; futex_wake(seq, all).
 * Each C atomic (fetch_add, load, the syscalls' compare-and-sleep and wake) is one statement.
 * The mutex is an abstract one, taken in one atomic step when free: the model checks the
 * condvar against any correct mutex, not a particular lock.
 * Consumer (N of them, each takes ROUNDS items): lock; while items == 0: wait(); assert
 *   items > 0; items--; unlock.
 * Producer (NP of them, N*ROUNDS/NP items each): lock; items++; then, chosen anew each time,
 *   signal and unlock, or unlock and signal, or broadcast and unlock, or unlock and broadcast.
 * TIMEOUTS = k: a consumer may leave the futex by its deadline up to k times (the kernel takes a
 *   timed-out waiter off the queue in one step, so a later wake cannot be spent on it). Checks
 *   that a time-out never strands another waiter.
 * Abstractions: futex as in common.pml (no spurious wake-ups: they could only hide a lost
 * wake-up; EINTR with seq unchanged sleeps again in the C code, which is the un-interrupted
 * path). Not modelled: destroy, an unlock callback that fails, memory orders (the C file argues
 * them from the mutex; see models/README.md on the memory model).
 *
 * Checked (safety, with the quiescence process of common.pml): no lost wake-up — when no
 * statement can move, nobody is asleep on the futex, every item was consumed, nobody is
 * registered, the mutex is free; a wait returns holding the mutex; a consumer never takes from
 * an empty buffer.
 * BROKEN == 1: wait reads seq after releasing the mutex: a producer's bump and wake in between
 *   are missed, and the waiter sleeps on the new value (lost wake-up).
 * BROKEN == 2: the consumer waits with "if" instead of "while": a broadcast (or a waiter that
 *   sees a bump on its way to the futex) returns more waiters than there are items, and one
 *   takes from an empty buffer. The condvar is right; this shows the safety assertion can fail
 *   and that wait may return without the predicate.
 * BROKEN == 3: signal wakes without bumping seq: a waiter between its unlock and the futex
 *   sleeps on an unchanged word (lost wake-up).
 * SEQMOD = 2 (not broken, a bound): seq wrapping after two bumps while a waiter is between its
 *   read and the futex: the ABA window the opening comment of condvar.c discusses for 2^32.
 */
#ifndef NP
#define NP 1
#endif
#ifndef ROUNDS
#define ROUNDS 1
#endif
#ifndef SEQMOD
#define SEQMOD 256
#endif
#ifndef TIMEOUTS
#define TIMEOUTS 0
#endif
#define PR (N * ROUNDS / NP)
#include "common.pml"

byte seq, waiters, items, consumed;
bit mtx;
byte owner; /* _pid + 1 of the holder, 0 when free */

inline mutex_lock()
{
	atomic { mtx == 0 -> mtx = 1; owner = _pid + 1 }
}

inline mutex_unlock()
{
	assert(owner == _pid + 1);
	atomic { owner = 0; mtx = 0 }
}

inline futex_wake_all()
{
	atomic {
		asleep[0] = 0;
		asleep[1] = 0;
#if N > 2
		asleep[2] = 0;
#endif
	}
}

inline cond_wait()
{
	waiters++;
#if BROKEN != 1
	old = seq;
#endif
	mutex_unlock();
#if BROKEN == 1
	old = seq;
#endif
	/* futex_wait(seq, old), or FUTEX_WAIT_BITSET with a deadline */
	atomic {
		if
		:: seq == old -> asleep[_pid] = 1
		:: else
		fi
	};
	do
	:: !asleep[_pid] -> break
	:: atomic { tmo > 0 && asleep[_pid] -> asleep[_pid] = 0; tmo-- } -> break
	od;
	waiters--;
	mutex_lock();
	assert(owner == _pid + 1);
	old = 0
}

inline cond_bump()
{
#if BROKEN != 3
	seq = (seq + 1) % SEQMOD;
#else
	skip;
#endif
}

inline cond_signal()
{
	if
	:: waiters > 0 -> cond_bump(); futex_wake_one()
	:: else
	fi
}

inline cond_broadcast()
{
	if
	:: waiters > 0 -> cond_bump(); futex_wake_all()
	:: else
	fi
}

active [N] proctype Consumer()
{
	byte old, round, tmo = TIMEOUTS;
	do
	:: round == ROUNDS -> break
	:: else ->
		mutex_lock();
#if BROKEN == 2
		if
		:: items == 0 -> cond_wait()
		:: else
		fi;
#else
		do
		:: items == 0 -> cond_wait()
		:: else -> break
		od;
#endif
		assert(items > 0);
		items--;
		consumed++;
		mutex_unlock();
		round++
	od
}

active [NP] proctype Producer()
{
	byte k;
	do
	:: k == PR -> break
	:: else ->
		mutex_lock();
		items++;
		if /* "true ->": an option may not open with the signal's own if ... else */
		:: true -> cond_signal(); mutex_unlock()
		:: mutex_unlock(); cond_signal()
		:: true -> cond_broadcast(); mutex_unlock()
		:: mutex_unlock(); cond_broadcast()
		fi;
		k++
	od
}

QUIESCENCE_CHECK(consumed == N * ROUNDS && items == 0 && waiters == 0 && mtx == 0)
