/* models: locks/malthusian.c sha256: b7f1a040fb6ae6e00e6f68238f9d7e1365b44d0f389f06dd0aaf71804a5c16ae */
/* models: locks/mcs_queue.h sha256: 4b014e17a369dc7bdd58027c2cedc295fa8a3e3e92370b02e831fc12363776ff */
/* malthusian.pml — the Malthusian MCS of locks/malthusian.c: culling and re-admission.
 *
 * The queue, the wait and the handoff are mcs_park.pml's, from locks/mcs_queue.h as in
 * mcs_park.c (see there: nxt[], state[] GRANTED 0 / WAITING 1 / PARKED 2, mcsq_reset, mcsq_swap,
 * mcsq_link, then mcsq_park_wait: one optional look of the spin, the CAS to PARKED, FUTEX_WAIT on
 * the node; grant = mcsq_park_grant: exchange state to GRANTED and wake if it was PARKED, here
 * in one atomic step where C has two: the wake only clears asleep[x], and a wake sent later
 * finds x still asleep or is the late, spurious wake-up mcs_park.pml models, after which x
 * re-checks its word and sleeps again, so no sleeper that C can strand is missed). unlock is
 * malthusian.c's, with mcs_queue.h's tail CAS (mcsq_cas_tail) and wait for a link
 * (mcsq_wait_link):
 *   next = nxt[me];
 *   if next == NIL:
 *     if the passive list is not empty (work conservation): p = its oldest; nxt[p] = NIL;
 *       CAS(tail, me -> p); if that failed, wait for nxt[me] and set nxt[p] = it; grant(p); done.
 *     CAS(tail, me -> NIL): done if it succeeded; else wait for the link: next = nxt[me].
 *   re-admit (when the passive list is not empty): p = its oldest; nxt[p] = next; grant(p); done.
 *   after = nxt[next]; if after != NIL: append next to the passive list; grant(after);
 *   else grant(next).
 * The passive list is a FIFO array of process ids, plain data: only the holder touches it. The
 * C code re-admits on every R-th unlock; the model re-admits or not, nondeterministically,
 * whenever the list is not empty: a superset of every R.
 * No trylock (malthusian.c's is mcs.c's CAS of tail from NULL; a tail of NULL implies an empty
 * passive list, so it adds nothing here), no LB_TEST_HOOKS.
 *
 * Checked (ROUNDS acquisitions each, N = 3: culling needs a holder, a successor and its
 * successor): mutual exclusion; no lost waiter or wake-up: at quiescence nobody sleeps, the
 * passive list is empty and the lock is free. Not checked: starvation freedom, which holds only
 * through R (the model may decline to re-admit for ever).
 * BROKEN == 1: no work conservation: with no successor the holder frees the lock although the
 *   passive list is not empty; the passive waiters sleep for good (quiescence).
 * BROKEN == 2: a re-admitted waiter is granted without being linked to the holder's successor:
 *   the chain behind it is lost (quiescence).
 */
#include "common.pml"

#ifndef ROUNDS
#define ROUNDS 2
#endif
#define NIL 255
#define GRANTED 0
#define WAITING 1
#define PARKED 2
byte tail = NIL;
byte nxt[N];
byte state[N];
byte pq[N] = NIL; /* the passive list, oldest first */
byte plen;

inline grant(x)
{
	atomic {
		old = state[x];
		state[x] = GRANTED;
		if
		:: old == PARKED -> asleep[x] = 0
		:: else
		fi
	}
}

inline passive_pop(p)
{
	p = pq[0];
	pq[0] = pq[1];
#if N > 2
	pq[1] = pq[2];
	pq[2] = NIL;
#else
	pq[1] = NIL;
#endif
	plen--
}

active [N] proctype P()
{
	byte pred, next, after, old, p, round;
	bool ok;
	do
	:: round == ROUNDS -> break
	:: else -> round++;
		want[_pid] = 1;
		nxt[_pid] = NIL;
		state[_pid] = WAITING;
		atomic { pred = tail; tail = _pid };
		if
		:: pred != NIL ->
			nxt[pred] = _pid;
			if
			:: state[_pid] == GRANTED -> goto granted
			:: true
			fi;
			atomic {
				if
				:: state[_pid] == WAITING -> state[_pid] = PARKED
				:: else -> goto granted
				fi
			};
			do
			:: state[_pid] == GRANTED -> break
			:: else ->
				atomic {
					if
					:: state[_pid] == PARKED -> asleep[_pid] = 1
					:: else
					fi
				};
				!asleep[_pid]
			od
		:: else
		fi;
granted:
		critical_section();
		/* unlock */
		next = nxt[_pid];
		if
		:: next == NIL ->
#if BROKEN != 1
			if
			:: plen > 0 ->
				passive_pop(p);
				nxt[p] = NIL;
				atomic {
					if
					:: tail == _pid -> tail = p; ok = 1
					:: else -> ok = 0
					fi
				};
				if
				:: !ok -> nxt[_pid] != NIL; nxt[p] = nxt[_pid]
				:: else
				fi;
				grant(p);
				goto released
			:: else
			fi;
#endif
			atomic {
				if
				:: tail == _pid -> tail = NIL; ok = 1
				:: else -> ok = 0
				fi
			};
			if
			:: ok -> goto released
			:: else -> nxt[_pid] != NIL; next = nxt[_pid]
			fi
		:: else
		fi;
		if
		:: plen > 0 -> /* re-admit (or not: see the header) */
			passive_pop(p);
#if BROKEN != 2
			nxt[p] = next;
#endif
			grant(p);
			goto released
		:: true
		fi;
		after = nxt[next];
		if
		:: after != NIL ->
			pq[plen] = next;
			plen++;
			grant(after)
		:: else -> grant(next)
		fi;
released:
		pred = NIL; next = NIL; after = NIL; old = 0; p = 0; ok = 0
	od
}

active proctype quiescence()
{
	timeout -> assert(!ANYONE_ASLEEP); assert(plen == 0); assert(tail == NIL)
}
