/* models: locks/hemlock.c sha256: 83f8413f3b0ca50ba8897dc90ad213d32ec49d187e9ae8bdc95d4b1de10bf3e6 */
/* hemlock.pml — Hemlock (locks/hemlock.c), with TWO locks, to show that one grant word per
 * thread serves every lock it holds.
 *
 * State: per lock L (0, 1): tail[L], the last context in its queue or NIL; per process (its
 * context): grant[i], NIL or the lock it is handing over.
 * lock(L):    pred = exchange(tail[L], me);
 *             if pred != NIL: spin until load(grant[pred]) == L; store(grant[pred], NIL).
 * trylock(L): if load(tail[L]) != NIL: -EBUSY; compare_exchange(tail[L], NIL -> me).
 * unlock(L):  if compare_exchange(tail[L], me -> NIL) succeeded: return;
 *             store(grant[me], L); spin until load(grant[me]) == NIL.
 * Each round a process takes lock 0, or lock 1, or both (0 then 1, so that the rounds cannot
 * deadlock on the order), and releases both in either order: so a process hands over two locks
 * in a row through its one grant, with a successor waiting on each. With TRYLOCK a single-lock
 * round may use trylock (a failed one ends the round).
 * timedlock() polls trylock() (locks/deadline.h): covered by TRYLOCK.
 * Abstractions: contexts are process ids; a spin loop is a blocking guard (a waiter that can
 * never see its condition is then blocked, which the end check below sees); the held count of
 * the misuse check and the LB_TEST_HOOKS turn bookkeeping are left out. The turn steps are the
 * only code hemlock.c takes from locks/mcs_queue.h (mcsq_turn_*; its queue has no next
 * pointers), so this model does not name that header in its first lines.
 *
 * Checked, with ROUNDS rounds per process: mutual exclusion on each lock (assertion in each
 * critical section), and no lost handoff: when nothing can move any more, every process has
 * finished its rounds, both locks are free and every grant is NIL (the `done` assertion).
 * BROKEN == 1: unlock does not wait for the acknowledgement: a second handoff through the same
 *   grant (the other lock's, or the same lock's again) overwrites or reuses it before the first
 *   successor saw it, and that successor waits for ever (the `done` assertion).
 */
#ifndef N
#define N 3
#endif
#ifndef ROUNDS
#define ROUNDS 1
#endif
#define NIL 255

byte tail[2] = NIL;
byte grant[N] = NIL;
byte incs[2];
byte done;

inline acquire(L)
{
	atomic { pred = tail[L]; tail[L] = _pid };
	if
	:: pred != NIL ->
		grant[pred] == L; /* spin until it names L */
		grant[pred] = NIL /* the acknowledgement */
	:: else
	fi;
	pred = NIL;
	incs[L]++;
	assert(incs[L] <= 1)
}

inline release(L)
{
	incs[L]--;
	atomic {
		if
		:: tail[L] == _pid -> tail[L] = NIL; freed = 1
		:: else -> freed = 0
		fi
	};
	if
	:: freed -> skip
	:: else ->
		grant[_pid] = L;
#if BROKEN != 1
		grant[_pid] == NIL /* spin until acknowledged */
#endif
	fi;
	freed = 0
}

active [N] proctype P()
{
	byte pred = NIL;
	bool freed;
	byte round;
	do
	:: round == ROUNDS -> break
	:: else -> round++;
		if
		:: acquire(0); release(0)
		:: acquire(1); release(1)
		:: acquire(0); acquire(1);
			if
			:: release(0); release(1)
			:: release(1); release(0)
			fi
#ifdef TRYLOCK
		:: true -> /* not `:: atomic { if`: spin would weigh its `else` against the outer options */
			atomic {
			if
			:: tail[0] == NIL -> tail[0] = _pid; freed = 1
			:: else -> freed = 0
			fi
		   };
			if
			:: freed -> freed = 0; incs[0]++; assert(incs[0] <= 1); release(0)
			:: else
			fi
#endif
		fi
	od;
	done++
}

active proctype end_check()
{
	timeout ->
	assert(done == N && tail[0] == NIL && tail[1] == NIL);
	assert(grant[0] == NIL && grant[1] == NIL && grant[N - 1] == NIL)
}
