/* models: locks/futex_spin.c sha256: 0167504396bd40c86959d1f9e4ae7c9bcf14f7360beed349124570b57efc113f */
/* models: locks/futex_word.h sha256: 7f79f7aaf4c0f8747380716b7582402c276efce96a1513bad868172297013ad3 */
/* models: locks/futex_spin_common.h sha256: ab8e895ef8128786c2dafd9a2839169705059b1eb6ad21596cf80180c545b016 */
/* futex_spin.pml — the spin-then-park futex mutex of locks/futex_spin.c: a compare-exchange,
 * then a bounded read-only spin, then futex_word.h's mutex3 slow path (see futex.pml).
 *
 * State: `word`, 0 free, 1 held with no sleeper, 2 held and a thread may sleep.
 * lock():   c = value seen by compare_exchange(word, 0 -> 1); if it succeeded, done;
 *           up to FUTEX_SPIN_LIMIT times: cpu_relax; c = load(word);
 *               if c == 0: c = value seen by compare_exchange(word, 0 -> 1); if it
 *               succeeded, done;
 *           futex_mutex_lock_slow(word, c), c the last value seen (never 0):
 *               if c != 2: c = exchange(word, 2);
 *               while c != 0: futex_wait(word, 2); c = exchange(word, 2).
 * unlock(): if exchange(word, 0) == 2: futex_wake(word, 1).
 * trylock(): one compare_exchange: covered by lock()'s first step, as in futex.pml.
 * timedlock(): the same CAS and spin, then futex_word.h's timed slow path
 * (futex_mutex_timedlock_slow), which futex.pml checks with TIMED: not modelled again here.
 * Abstractions: the spin bound (100 reads) is nondeterministic: after every read the process
 * may go on spinning or give up, a superset of every fixed bound that keeps the state space
 * free of the counter. futex as in common.pml.
 *
 * Checked: mutual exclusion; no lost wake-up (quiescence with ROUNDS acquisitions each). Note
 * the path the spin adds: a spinner whose last read was 2 enters the slow path with c == 2
 * and sleeps without its own exchange — covered, since the word stays 2 until the holder's
 * unlock reads it.
 * BROKEN == 1: a woken waiter takes the lock with exchange(word, 1): its unlock forgets the
 *   other sleepers (three processes).
 */
#include "common.pml"

byte word;

active [N] proctype P()
{
	byte c;
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
		do
		:: true -> break /* spin budget spent */
		:: true ->
			c = word; /* after cpu_relax; relaxed load */
			if
			:: c == 0 ->
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
				fi
			:: else
			fi
		od;
		/* futex_mutex_lock_slow(word, c), c != 0 */
		if
		:: c != 2 -> atomic { c = word; word = 2 }
		:: else
		fi;
		do
		:: c == 0 -> break
		:: else ->
			futex_wait(word, 2);
#if BROKEN == 1
			atomic { c = word; word = 1 }
#else
			atomic { c = word; word = 2 }
#endif
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
