/* models: locks/sem_bounded.c sha256: 52f2388f6705fcc89ac55381af08762f89aaaae600ac84b37434df536a6e5dca */
/* models: locks/futex_word.h sha256: b26921c74dab0d5b4c6450a8141d17d7f6d533e00457d39b3031461b6054dcf6 */
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
		sem_lock();
		critical_section();
		sem_unlock();
#ifndef STRAY
		assert(ok); /* we held a permit: there was room to give it back */
#endif
		ok = 0
	od
}

#ifdef ROUNDS
QUIESCENCE_CHECK(count == MAX && sleepers == 0)
#endif
