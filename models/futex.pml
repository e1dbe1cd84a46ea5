/* models: locks/futex.c sha256: b20c4706d5b3bb59c8962255cb69e530093f602fb881543c97efee2caab3bb0f */
/* models: locks/futex_word.h sha256: b26921c74dab0d5b4c6450a8141d17d7f6d533e00457d39b3031461b6054dcf6 */
/* futex.pml — the three-state futex mutex of locks/futex.c, whose code is futex_word.h's
 * futex_mutex_lock / futex_mutex_lock_slow / futex_mutex_unlock: Drepper's "mutex3"
 * ("Futexes Are Tricky"), with unlock as one exchange.
 *
 * State: `word`, 0 free, 1 held with no sleeper, 2 held and a thread may sleep.
 * lock():   c = value seen by compare_exchange(word, 0 -> 1); if it succeeded, done;
 *           slow path (c != 0): if c != 2: c = exchange(word, 2);
 *                               while c != 0: futex_wait(word, 2); c = exchange(word, 2).
 * unlock(): if exchange(word, 0) == 2: futex_wake(word, 1).
 * trylock(): the fast path's compare_exchange alone. Not modelled separately: its success is
 * lock()'s fast path and its failure changes nothing.
 * Abstractions: futex_wait / futex_wake as in common.pml (compare-and-queue in one step, wake
 * any one sleeper, no spurious wake-ups; the C loop re-examines the word after every return,
 * so EAGAIN and EINTR are the `word != 2` case and a retry).
 *
 * Checked: mutual exclusion (processes loop forever), and no lost wake-up: with ROUNDS
 * acquisitions per process, every run ends with nobody asleep and the word 0 (the quiescence
 * process of common.pml).
 * Not checked: starvation freedom: this lock barges, a sleeper can be passed over forever.
 * BROKEN == 1: the classic one: a woken waiter takes the lock with exchange(word, 1) instead
 *   of 2, forgetting the other sleepers; its unlock sees 1 and wakes nobody. Needs three
 *   processes (two sleepers).
 * BROKEN == 2: the slow path sleeps on the value it saw (1) without first announcing itself
 *   with exchange(word, 2): the holder's unlock sees 1 and wakes nobody. Two processes.
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
		/* futex_mutex_lock */
		atomic {
			c = word;
			if
			:: word == 0 -> word = 1
			:: else
			fi
		};
		if
		:: c != 0 ->
			/* futex_mutex_lock_slow(word, c) */
#if BROKEN == 2
			futex_wait(word, c);
			atomic { c = word; word = 2 };
#else
			if
			:: c != 2 -> atomic { c = word; word = 2 }
			:: else
			fi;
#endif
			do
			:: c == 0 -> break
			:: else ->
				futex_wait(word, 2);
#if BROKEN == 1
				atomic { c = word; word = 1 }
#else
				atomic { c = word; word = 2 }
#endif
			od
		:: else
		fi;
		critical_section();
		/* futex_mutex_unlock */
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
