/* models: locks/reciprocating.c sha256: 68e3bc668cf9b4e64883390262ca82cc5ff4d6e7192fba616105f74a4407808c */
/* reciprocating.pml — the reciprocating lock of locks/reciprocating.c (Dice & Kogan, PPoPP 2025).
 *
 * State: `arrivals`: NIL (free), LE (LOCKED_EMPTY: held, nobody waiting) or the top of the
 * arrival stack (a process id); per process (its context): gate[i], NIL while it waits, then
 * the end-of-segment value its predecessor passed; succ and eos are locals.
 * lock():    gate[me] = NIL; succ = NIL; eos = me;
 *            tail = exchange(arrivals, me);
 *            if tail != NIL: succ = (tail == LE ? NIL : tail);
 *                            spin until (eos = load(gate[me])) != NIL;
 *                            if succ == eos: succ = NIL; eos = LE.
 * trylock(): if load(arrivals) != NIL: -EBUSY; gate[me] = NIL;
 *            compare_exchange(arrivals, NIL -> me), -EBUSY if it failed; succ = NIL; eos = me.
 * unlock():  if succ != NIL: store(gate[succ], eos)
 *            else if compare_exchange(arrivals, eos -> NIL) succeeded: free
 *            else w = exchange(arrivals, LE); store(gate[w], eos).
 * Each round a process calls lock(), or with TRYLOCK lock() or trylock() (a failed trylock ends
 * the round). timedlock() polls trylock() (locks/deadline.h): covered by TRYLOCK.
 * Abstractions: contexts are process ids (so eos compares ids, as the C compares addresses);
 * the spin on the gate is a wait for gate != NIL followed by one read (only one store ever
 * fills it per wait); the held flag of the misuse check and the LB_TEST_HOOKS doorway counter are
 * left out.
 *
 * The bypass bound, with ghost state updated in the same step as the exchange (the doorway) and
 * as the entry to the critical section: at its doorway, process j records in mask[j] the set of
 * processes that are waiting (past their doorway, not yet in); when j enters, each i still in
 * mask[j] is overtaken by j once more: ov[i][j]++, and assert(ov <= BOUND), where BOUND is the
 * bound locks/reciprocating.c claims per overtaking thread (1). When i enters, its counts are
 * reset and it leaves every mask. A trylock that succeeds finds the lock free, so nobody waits
 * and it overtakes nobody (mask 0).
 * Checked: mutual exclusion; the bypass bound (BOUND=1); starvation freedom (sfK).
 * BOUND=0 (not broken: the claim made too strong): spin finds a waiter overtaken, which shows
 *   the ghost check can fail: the bound of 1 is reached.
 * BROKEN == 1: an arrival that displaced LE takes it for a free lock instead of waiting for
 *   its gate (LOCKED_EMPTY coerced to NULL too early): it walks in on the holder of a detached
 *   segment, overtaking the waiters below it again and again (the bypass assertion; exclusion
 *   fails too, a step later).
 * BROKEN == 3 (with TRYLOCK): trylock takes LE for a free lock (CAS from NIL or LE): it walks in
 *   on a holder (mutual exclusion fails). Checked with NOBYPASS, which leaves the bypass
 *   assertion out: the search stops at the first error, and the barging also shows up as
 *   overtakes, which it would otherwise report first.
 * BROKEN == 2: no end-of-segment check: the bottom waiter of a segment keeps as its successor
 *   the context it displaced, which belongs to the thread that took the lock uncontended and
 *   may since have pushed itself again; its unlock then opens that context's gate while the
 *   lock is also handed on along the new segment (mutual exclusion fails).
 */
#include "common.pml"

#ifndef BOUND
#define BOUND 1
#endif
#define NIL 255
#define LE 254

byte arrivals = NIL;
byte gate[N] = NIL;
bool waiting[N];  /* ghost */
byte mask[N];     /* ghost: bit i of mask[j]: i was waiting at j's doorway and still is */
byte ov[N * N];   /* ghost: ov[i * N + j], overtakes of i's current wait by j */

active [N] proctype P()
{
	byte succ, eos, tail, w, k;
	bool ok;
	do
	:: want[_pid] = 1;
		if
		:: gate[_pid] = NIL;
			succ = NIL;
			eos = _pid;
			atomic {
				tail = arrivals;
				arrivals = _pid;
				d_step {
					mask[_pid] = 0;
					for (k : 0 .. N - 1) {
						if
						:: waiting[k] -> mask[_pid] = mask[_pid] | (1 << k)
						:: else
						fi
					}
					waiting[_pid] = 1;
					k = 0
				}
			};
#if BROKEN == 1
			if
			:: tail == LE -> tail = NIL
			:: else
			fi;
#endif
			if
			:: tail != NIL ->
				if
				:: tail == LE -> succ = NIL
				:: else -> succ = tail
				fi;
				gate[_pid] != NIL; /* spin until filled */
				eos = gate[_pid];
#if BROKEN != 2
				if
				:: succ == eos -> succ = NIL; eos = LE
				:: else
				fi
#endif
			:: else
			fi;
			tail = NIL;
			ok = 1
#ifdef TRYLOCK
		:: true -> /* not `:: if`: spin would weigh the inner `else` against the outer options */
			if
#if BROKEN == 3
			:: arrivals != NIL && arrivals != LE -> ok = 0
#else
			:: arrivals != NIL -> ok = 0
#endif
			:: else ->
				gate[_pid] = NIL;
				atomic {
					if
#if BROKEN == 3
					:: arrivals == NIL || arrivals == LE -> arrivals = _pid; ok = 1;
#else
					:: arrivals == NIL -> arrivals = _pid; ok = 1;
#endif
						mask[_pid] = 0; waiting[_pid] = 1
					:: else -> ok = 0
					fi
				};
				succ = NIL;
				eos = _pid
			fi
#endif
		fi;
		if
		:: ok ->
			/* ghost: the overtakes this entry makes, and this waiter's wait ends */
			d_step {
				for (k : 0 .. N - 1) {
					if
					:: mask[_pid] & (1 << k) ->
#ifndef NOBYPASS
						ov[k * N + _pid]++;
						assert(ov[k * N + _pid] <= BOUND)
#else
						skip
#endif
					:: else
					fi
				}
				for (k : 0 .. N - 1) {
					mask[k] = mask[k] & ~(1 << _pid);
					ov[_pid * N + k] = 0
				}
				waiting[_pid] = 0;
				mask[_pid] = 0;
				k = 0
			};
			critical_section();
			if
			:: succ != NIL -> gate[succ] = eos
			:: else ->
				atomic {
					if
					:: arrivals == eos -> arrivals = NIL; ok = 0
					:: else
					fi
				};
				if
				:: ok ->
					atomic { w = arrivals; arrivals = LE };
					gate[w] = eos
				:: else
				fi
			fi
		:: else -> want[_pid] = 0 /* a failed trylock: not waiting any more */
		fi;
		succ = NIL; eos = NIL; w = NIL; ok = 0
	od
}
