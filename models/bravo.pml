/* models: locks/bravo.c sha256: 2a16792b58b60e5f76b0594ab69fa47e2d4711c4dccaa7c900c885aba403b059 */
/* bravo.pml — BRAVO's revocation (locks/bravo.c) over an abstract underlying rwlock.
 *
 * The underlying lock (rw-writer-pref, modelled on its own in rw_writer_pref.pml) is abstracted
 * to a correct rwlock: uw (a writer holds it) and ur (readers holding it), each acquisition one
 * guarded atomic step. What is modelled is BRAVO's layer, statement by statement:
 *   reader fast path: if rbias: CAS slot[me] NULL -> lock (here: the slot is per process and
 *     free, or, nondeterministically, taken by someone else: the slow path); re-read rbias; if
 *     still set, inside; else clear the slot and take the slow path.
 *   reader slow path: the underlying read lock; then, if rbias is off and the inhibition has
 *     passed (nondeterministic), rbias = 1.
 *   read_unlock: clear the slot (fast) or release the underlying read lock (slow).
 *   lock: the underlying write lock; if rbias: rbias = 0, then wait for every slot to be clear.
 *   trylock (TRYLOCK): the underlying write trylock; if rbias: rbias = 0, scan once; a slot in
 *     use turns the bias back on, releases the underlying lock, fails. timedlock's give-up is the
 *     same step after a partial wait (TRYLOCK covers it).
 *   unlock: the underlying write unlock.
 * Promela's interleaving is sequentially consistent: the seq_cst orders of the Dekker pair
 * (slot store / rbias load against rbias store / slot loads) are what it assumes.
 * Checked: a writer is never inside with anyone; every process finishes (nobody spins for ever
 * on a slot or the lock: quiescence).
 * BROKEN == 1: the writer clears rbias but does not scan the slots: a fast reader is inside
 *   with it.
 * BROKEN == 2 (with TRYLOCK): a trylock that found a fast reader leaves the bias off (the first
 *   version of bravo.c): a later writer, seeing it off, skips the scan while that reader is
 *   still inside.
 */
#include "common.pml"

#ifndef ROUNDS
#define ROUNDS 2
#endif

bool rbias = 1;
bool uw;
byte ur;
bool slot[N];
byte nw, nr;
byte finished;

inline write_cs()
{
	nw++;
	assert(nw <= 1 && nr == 0);
	nw--
}

inline read_cs()
{
	nr++;
	assert(nw == 0);
	nr--
}

active [N] proctype P()
{
	byte round, i;
	bool ok, fast;
	do
	:: round == ROUNDS -> break
	:: else -> round++;
		if
		:: true -> /* lock */
			atomic { (!uw && ur == 0) -> uw = 1 };
			if
			:: rbias ->
				rbias = 0;
#if BROKEN != 1
				i = 0;
				do
				:: i == N -> break
				:: i < N -> (!slot[i]); i++
				od
#endif
			:: else -> skip
			fi;
			write_cs();
			uw = 0
#ifdef TRYLOCK
		:: true -> /* trylock */
			ok = 0;
			atomic {
				if
				:: !uw && ur == 0 -> uw = 1; ok = 1
				:: else -> skip
				fi
			};
			if
			:: ok && rbias ->
				rbias = 0;
				i = 0;
				do
				:: i == N -> break
				:: i < N && slot[i] -> ok = 0; break
				:: i < N && !slot[i] -> i++
				od;
				if
				:: !ok ->
#if BROKEN != 2
					rbias = 1;
#endif
					uw = 0
				:: else -> skip
				fi
			:: else -> skip
			fi;
			if
			:: ok -> write_cs(); uw = 0
			:: else -> skip
			fi
#endif
		:: true -> /* read_lock */
			fast = 0;
			if
			:: rbias ->
				if
				:: slot[_pid] = 1;
					if
					:: rbias -> fast = 1
					:: else -> slot[_pid] = 0
					fi
				:: true -> skip /* the slot is taken by another thread or lock */
				fi
			:: else -> skip
			fi;
			if
			:: !fast ->
				atomic { !uw -> ur++ };
				if
				:: !rbias -> rbias = 1 /* the inhibition has passed */
				:: true -> skip
				fi
			:: else -> skip
			fi;
			read_cs();
			if
			:: fast -> slot[_pid] = 0
			:: else -> atomic { ur-- }
			fi
		fi
	od;
	finished++
}

active proctype quiescence()
{
	timeout -> assert(finished == N)
}
