/* models: locks/futex.c sha256: 61ff9ce3617b84698dd17663e03504e1c741de6d290baf7f57ad0e38ed8484c8 */
/* models: locks/futex_word.h sha256: 7f79f7aaf4c0f8747380716b7582402c276efce96a1513bad868172297013ad3 */
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
 * TIMED: each round is lock() or, nondeterministically, timedlock() (futex_word.h's
 *   futex_mutex_timedlock, which futex_spin.c and reentrant.c share): the same CAS; then, if
 *   the deadline has already passed (nondeterministic), give up before touching the word;
 *   else the slow path with futex_wait_timed (common.pml), giving up when it reports a
 *   timeout, without a last exchange. A round that gives up skips the critical section.
 *   Checked: mutual exclusion and no lost wake-up with timed waiters that give up.
 * BROKEN == 3 (with TIMED): a woken timed waiter may give up too, as if it had read the clock
 *   itself after the wake-up instead of trusting the kernel's ETIMEDOUT: it takes the wake-up
 *   with it and leaves another sleeper asleep on a free lock. Three processes.
 */
#include "common.pml"

byte word;

active [N] proctype P()
{
	byte c;
#ifdef TIMED
	bool timed;   /* this round is a timedlock() */
	bool gave_up; /* ... which returned -ETIMEDOUT */
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
		want[_pid] = 1;
#ifdef TIMED
		if
		:: timed = 1
		:: timed = 0
		fi;
		gave_up = 0;
#endif
		/* futex_mutex_lock, or futex_mutex_timedlock's identical CAS */
		atomic {
			c = word;
			if
			:: word == 0 -> word = 1
			:: else
			fi
		};
		if
		:: c != 0 ->
#ifdef TIMED
			/* futex_mutex_timedlock_slow: a deadline already past returns at once */
			if
			:: timed -> gave_up = 1
			:: true
			fi;
			if
			:: gave_up -> skip
			:: else ->
#endif
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
#ifdef TIMED
				if
				:: timed -> futex_wait_timed(word, 2, gave_up)
#if BROKEN == 3
					;
					if
					:: gave_up = 1
					:: true
					fi
#endif
				:: else -> futex_wait(word, 2)
				fi;
				if
				:: gave_up -> break
				:: else
				fi;
#else
				futex_wait(word, 2);
#endif
#if BROKEN == 1
				atomic { c = word; word = 1 }
#else
				atomic { c = word; word = 2 }
#endif
			od
#ifdef TIMED
			fi
#endif
		:: else
		fi;
#ifdef TIMED
		if
		:: gave_up ->
			want[_pid] = 0;
			c = 0;
			goto next_round
		:: else
		fi;
#endif
		critical_section();
		/* futex_mutex_unlock */
		atomic { c = word; word = 0 };
		if
		:: c == 2 -> futex_wake_one()
		:: else
		fi;
		c = 0;
next_round:
		skip
	od
}

#ifdef ROUNDS
QUIESCENCE_CHECK(word == 0)
#endif
