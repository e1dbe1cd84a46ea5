/* models: locks/reentrant.c sha256: 14f8f912ee575b3ec15190269432bd3483154f00a299fa13abfccdbea767049e */
/* models: locks/futex_word.h sha256: 7f79f7aaf4c0f8747380716b7582402c276efce96a1513bad868172297013ad3 */
/* reentrant.pml — the reentrant lock of locks/reentrant.c: an owner and a depth on top of
 * futex_word.h's three-state futex mutex (modelled as in futex.pml).
 *
 * State: `word` (0 free, 1 held, 2 held and a thread may sleep), `owner` (0 free, else the
 * holder's id; ids are _pid + 1, never 0, like the C file's TLS addresses), `depth`.
 * lock():   if load(owner) == me: depth++ (enter_again);
 *           else futex_mutex_lock(word); store(owner, me); depth = 1 (become_owner).
 * unlock(): if load(owner) != me: return -EPERM, changing nothing;
 *           if --depth > 0: return; store(owner, 0); futex_mutex_unlock(word).
 * trylock(): the same owner test, then the futex compare-exchange: its success is lock()'s
 * fast path, its failure changes nothing; not modelled separately.
 * Each round a process may first call unlock() without holding the lock (a stray release,
 * which must be refused), then takes the lock, may take it a second time inside its critical
 * section (depth 2) and releases it as often as it took it.
 * timedlock(): the owner test (re-entry as in lock()), then futex_word.h's
 * futex_mutex_timedlock, which futex.pml checks with TIMED; a timed-out caller writes neither
 * owner nor depth. Not modelled again here.
 * Abstractions: futex as in common.pml; the depth limit (UINT_MAX, -EAGAIN) is never reached.
 *
 * Checked: mutual exclusion between processes, at every depth; the holder always finds itself
 * the owner, at the right depth, and its own unlocks are never refused; a stray unlock leaves
 * the holder's lock alone (else the exclusion assertions fail); no lost wake-up (ROUNDS, quiescence: nobody
 * asleep, word, owner and depth all back to 0).
 * BROKEN == 1: unlock does not check the owner: a stray unlock releases another process's
 *   lock (mutual exclusion fails).
 * BROKEN == 2: unlock ignores the depth and releases the word at the inner unlock, while the
 *   holder is still inside its outer critical section (mutual exclusion fails).
 */
#include "common.pml"

byte word, owner, depth;

/* futex_mutex_lock (c is the caller's scratch variable) */
inline mutex_lock()
{
	atomic {
		c = word;
		if
		:: word == 0 -> word = 1
		:: else
		fi
	};
	if
	:: c != 0 ->
		if
		:: c != 2 -> atomic { c = word; word = 2 }
		:: else
		fi;
		do
		:: c == 0 -> break
		:: else ->
			futex_wait(word, 2);
			atomic { c = word; word = 2 }
		od
	:: else
	fi;
	c = 0
}

inline mutex_unlock()
{
	atomic { c = word; word = 0 };
	if
	:: c == 2 -> futex_wake_one()
	:: else
	fi;
	c = 0
}

inline reentrant_lock()
{
	if
	:: owner == me -> assert(depth < 255); depth++
	:: else -> mutex_lock(); owner = me; depth = 1
	fi
}

/* refused: set when unlock returned -EPERM */
inline reentrant_unlock()
{
	refused = 0;
#if BROKEN == 1
	if
	:: true
#else
	if
	:: owner != me -> refused = 1
	:: else
#endif
		depth--;
		if
#if BROKEN == 2
		:: true ->
#else
		:: depth > 0 -> skip
		:: else ->
#endif
			owner = 0;
			mutex_unlock()
		fi
	fi
}

active [N] proctype P()
{
	byte c, me = _pid + 1;
	bool refused;
#ifdef ROUNDS
	byte round;
	do
	:: round == ROUNDS -> break
	:: else -> round++;
#else
	do
	:: true ->
#endif
		if
		:: reentrant_unlock(); refused = 0 /* stray: we do not hold it; must change nothing */
		:: skip
		fi;
		want[_pid] = 1;
		reentrant_lock();
		enter_cs();
		incs++;
		assert(incs <= 1);
		assert(owner == me && depth == 1);
		if
		:: reentrant_lock();
			assert(owner == me && depth == 2);
			reentrant_unlock();
			assert(!refused);
			assert(incs <= 1);
			assert(owner == me && depth == 1)
		:: skip
		fi;
		incs--;
		cs[_pid] = 0;
		reentrant_unlock();
		assert(!refused)
	od
}

#ifdef ROUNDS
QUIESCENCE_CHECK(word == 0 && owner == 0 && depth == 0)
#endif
