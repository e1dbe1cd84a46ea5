/* models: locks/futex_osq.c sha256: 307b3459c769fdb9f5a37761214ce94d4f2be776358b4f7a8067ec8571143e0a */
/* models: locks/futex_word.h sha256: 7f79f7aaf4c0f8747380716b7582402c276efce96a1513bad868172297013ad3 */
/* models: locks/futex_spin_common.h sha256: ab8e895ef8128786c2dafd9a2839169705059b1eb6ad21596cf80180c545b016 */
/* futex_osq.pml — the futex mutex with one optimistic spinner at a time, locks/futex_osq.c: a
 * compare-exchange; then, if the spinner flag can be taken, a bounded read-only spin; then
 * futex_word.h's mutex3 slow path (see futex.pml and futex_spin.pml).
 *
 * State: `word`, 0 free, 1 held with no sleeper, 2 held and a thread may sleep; `spinner`, 1
 * while a thread owns the right to spin.
 * lock():   c = value seen by compare_exchange(word, 0 -> 1); if it succeeded, done;
 *           if load(spinner) == 0 and compare_exchange(spinner, 0 -> 1) succeeded:
 *               up to FUTEX_OSQ_SPIN_LIMIT times: cpu_relax; c = load(word);
 *                   if c == 0: c = value seen by compare_exchange(word, 0 -> 1); if it
 *                   succeeded, stop spinning (acquired);
 *               store(spinner, 0);
 *           if not acquired: futex_mutex_lock_slow(word, c), c the last value seen (never 0):
 *               if c != 2: c = exchange(word, 2);
 *               while c != 0: futex_wait(word, 2); c = exchange(word, 2).
 * unlock(): if exchange(word, 0) == 2: futex_wake(word, 1).
 * trylock(): lock()'s first compare_exchange alone; timedlock(): the same spin, then
 * futex_word.h's timed slow path, which futex.pml checks with TIMED: neither modelled again.
 * Abstractions: the spin bound is nondeterministic (after every read the spinner may go on or
 * give up), as in futex_spin.pml; futex as in common.pml; `spinning` is a ghost count of the
 * threads inside the spin.
 *
 * Checked: mutual exclusion; at most one spinner (assert spinning <= 1); no lost wake-up
 * (quiescence with ROUNDS acquisitions each).
 * BROKEN == 1: the spinner flag is taken by a load and then a store, not a compare-exchange:
 *   two threads spin at once (the spinner assertion).
 * BROKEN == 2: a spinner that gives up sleeps on the value it last saw (1) without announcing
 *   itself with exchange(word, 2): the holder's unlock sees 1 and wakes nobody (quiescence).
 */
#include "common.pml"

byte word;
bool spinner;
byte spinning; /* ghost */

active [N] proctype P()
{
	byte c;
	bool spin_ok, got;
#ifdef ROUNDS
	byte round;
	do
	:: round == ROUNDS -> break
	:: else -> round++;
#else
	do
	:: true ->
#endif
		want[_pid] = 1;
		atomic {
			c = word;
			if
			:: word == 0 -> word = 1
			:: else
			fi
		};
		if
		:: c == 0 -> goto acquired
		:: else
		fi;
		/* take the right to spin: a plain load first, then the CAS */
		if
		:: spinner -> spin_ok = 0
		:: else ->
#if BROKEN == 1
			spinner = 1; spin_ok = 1
#else
			atomic {
				if
				:: !spinner -> spinner = 1; spin_ok = 1
				:: else -> spin_ok = 0
				fi
			}
#endif
		fi;
		if
		:: spin_ok ->
			spinning++;
			assert(spinning <= 1);
			do
			:: true -> break /* spin budget spent */
			:: true ->
				c = word; /* after cpu_relax; relaxed load */
				if
				:: c == 0 ->
					atomic {
						c = word;
						if
						:: word == 0 -> word = 1; got = 1
						:: else
						fi
					};
					if
					:: got -> break
					:: else
					fi
				:: else
				fi
			od;
			spinning--;
			spinner = 0;
			spin_ok = 0;
			if
			:: got -> got = 0; goto acquired
			:: else
			fi
#if BROKEN == 2
			; futex_wait(word, c)
#endif
		:: else
		fi;
		/* futex_mutex_lock_slow(word, c), c != 0 */
		if
		:: c != 2 -> atomic { c = word; word = 2 }
		:: else
		fi;
		do
		:: c == 0 -> break
		:: else ->
			futex_wait(word, 2);
			atomic { c = word; word = 2 }
		od;
acquired:
		critical_section();
		atomic { c = word; word = 0 };
		if
		:: c == 2 -> futex_wake_one()
		:: else
		fi;
		c = 0
	od
}

#ifdef ROUNDS
QUIESCENCE_CHECK(word == 0)
#endif
