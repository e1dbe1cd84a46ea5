/* models: locks/sem_bounded.c sha256: fe49b4482874daf332ea66b8850efb96bd19b64e7e491c38421f58639112beb7 */
/* models: locks/futex_word.h sha256: 7f79f7aaf4c0f8747380716b7582402c276efce96a1513bad868172297013ad3 */
/* sem_bounded.pml — the bounded counting semaphore of locks/sem_bounded.c.
 *
 * State: `count` (free permits, the futex word), `sleepers` (threads between announcing and
 * retracting), MAX (the permits given to init, also the ceiling). Starts with count = MAX.
 * trylock(): c = load(count); while c > 0: compare_exchange(count, c -> c - 1), done if it
 *            succeeded, else c = the value it saw; fails (-EBUSY) when c is 0.
 * lock():    forever: if trylock() succeeds, done; fetch_add(sleepers, 1);
 *            if load(count) == 0: futex_wait(count, 0); fetch_sub(sleepers, 1).
 * unlock():  c = load(count); repeat: if c >= MAX: return -EOVERFLOW;
 *            until compare_exchange(count, c -> c + 1) succeeds (else c = the value it saw);
 *            if load(sleepers) > 0: futex_wake(count, 1).
 * compare_exchange_weak may also fail spuriously; that is one more trip round a loop that
 * re-reads, and is not modelled. All four sleeper/count accesses are seq_cst in the C file,
 * which is what makes Promela's sequentially consistent interleaving a faithful model of them.
 * Abstractions: futex as in common.pml.
 *
 * Two configurations:
 *  - default: each process takes a permit, holds it, gives it back. Checked: never more than
 *    MAX processes inside (CAP = MAX), a holder's release is never refused, and with ROUNDS
 *    the quiescence check (nobody asleep, count back to MAX, no sleeper announced): no lost wake-up.
 *  - STRAY: processes may also release a permit they never took (legal for a semaphore; the
 *    bound is what refuses it once count is MAX). Checked: count never exceeds MAX.
 * BROKEN == 1: the bound is tested on a plain read and the permit added with fetch_add ("read
 *   the value, then post"): two racing releases both see room for one (STRAY catches it).
 * BROKEN == 2: release reads `sleepers` before adding the permit: a waiter can announce
 *   itself, see 0 and sleep in between, and nobody wakes it (lost wake-up).
 * TIMED: each round takes its permit with lock() or, nondeterministically, timedlock():
 *   timedlock(): forever: if trylock() succeeds, done; if the deadline has passed
 *                (nondeterministic): give up; fetch_add(sleepers, 1); if load(count) == 0:
 *                futex_wait_timed(count, 0) (common.pml); fetch_sub(sleepers, 1); give up if
 *                the wait timed out.
 *   A round that gives up skips the critical section and the release. Checked: at most MAX
 *   inside and no lost wake-up with timed waiters that give up.
 * BROKEN == 3 (with TIMED): a woken timed waiter may give up too, as if it had read the clock
 *   itself after the wake-up: the post's wake-up leaves with it while another sleeper stays
 *   asleep next to a free permit.
 */
#ifndef MAX
#define MAX 1
#endif
#ifdef STRAY
#define CAP 255 /* strays add permits: exclusion is not the property here */
#else
#define CAP MAX
#endif
#include "common.pml"

byte count = MAX, sleepers;

inline sem_trylock()
{
	ok = 0;
	c = count;
	do
	:: c > 0 ->
		atomic {
			if
			:: count == c -> count = c - 1; ok = 1
			:: else -> c = count
			fi
		};
		if
		:: ok -> break
		:: else
		fi
	:: else -> break
	od;
	c = 0
}

inline sem_lock()
{
	do
	:: sem_trylock();
		if
		:: ok -> break
		:: else
		fi;
		sleepers++;
		if
		:: count == 0 -> futex_wait(count, 0)
		:: else
		fi;
		sleepers--
	od
}

#ifdef TIMED
/* gave_up: 1 when it returned -ETIMEDOUT */
inline sem_timedlock()
{
	do
	:: sem_trylock();
		if
		:: ok -> break
		:: else
		fi;
		if
		:: gave_up = 1; break /* the deadline has passed */
		:: true
		fi;
		sleepers++;
		if
		:: count == 0 -> futex_wait_timed(count, 0, gave_up)
#if BROKEN == 3
			;
			if
			:: gave_up = 1
			:: true
			fi
#endif
		:: else
		fi;
		sleepers--;
		if
		:: gave_up -> break
		:: else
		fi
	od
}
#endif

/* ok: 1 when the permit was returned, 0 for -EOVERFLOW */
inline sem_unlock()
{
#if BROKEN == 2
	s = sleepers;
#endif
#if BROKEN == 1
	if
	:: count >= MAX -> ok = 0
	:: else -> count++; ok = 1
	fi;
#else
	c = count;
	do
	:: c >= MAX -> ok = 0; break
	:: else ->
		atomic {
			if
			:: count == c -> count = c + 1; ok = 1
			:: else -> c = count; ok = 0
			fi
		};
		if
		:: ok -> break
		:: else
		fi
	od;
#endif
	assert(count <= MAX);
	if
	:: ok ->
#if BROKEN != 2
		s = sleepers;
#endif
		if
		:: s > 0 -> futex_wake_one()
		:: else
		fi
	:: else
	fi;
	c = 0; s = 0
}

active [N] proctype P()
{
	byte c, s;
	bool ok;
#ifdef TIMED
	bool gave_up;
#endif
#ifdef ROUNDS
	byte round;
	do
	:: round == ROUNDS -> break
	:: else -> round++;
#else
	do
	:: true ->
#endif
#ifdef STRAY
		if
		:: sem_unlock() /* a release without a take: refused once count is MAX */
		:: skip
		fi;
#endif
		want[_pid] = 1;
#ifdef TIMED
		if
		:: sem_timedlock()
		:: sem_lock()
		fi;
		if
		:: gave_up ->
			want[_pid] = 0;
			gave_up = 0;
			goto next_round
		:: else
		fi;
#else
		sem_lock();
#endif
		critical_section();
		sem_unlock();
#ifndef STRAY
		assert(ok); /* we held a permit: there was room to give it back */
#endif
		ok = 0;
next_round:
		skip
	od
}

#ifdef ROUNDS
QUIESCENCE_CHECK(count == MAX && sleepers == 0)
#endif
