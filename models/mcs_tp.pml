/* models: locks/mcs_tp.c sha256: b799996a25b3e9dcca72e5aa10d208e7070a2b8744dcf94890ba6ee6b016c3ec */
/* models: locks/mcs_queue.h sha256: 4b014e17a369dc7bdd58027c2cedc295fa8a3e3e92370b02e831fc12363776ff */
/* mcs_tp.pml — the time-published MCS of locks/mcs_tp.c: skipping and removing stale waiters.
 *
 * The queue is mcs.pml's (tail, nxt[]); state[i]: GRANTED 0, WAITING 1, REMOVED 2 (the node
 * word q.wait). From locks/mcs_queue.h, named in brackets: the reset, the swap, the link, both
 * tail CASes and the grant; mcs_tp.c's own: the waiter's spin (it publishes and yields), the
 * wait for a link (it yields), the walk and the store of REMOVED.
 * lock():   loop: nxt[me] = NIL; state[me] = WAITING [mcsq_reset];
 *           pred = exchange(tail, me) [mcsq_swap];
 *           if pred == NIL: hold. Else nxt[pred] = me [mcsq_link];
 *           spin until state[me] != WAITING; GRANTED: hold; REMOVED: enqueue afresh (loop).
 * unlock(): s = nxt[me]; if NIL: CAS(tail, me -> NIL) [mcsq_cas_tail] frees the lock, else
 *           wait for the link (wait_link).
 *           Walk: if s is fresh: state[s] = GRANTED [mcsq_handoff], done. If stale: after =
 *           nxt[s]; if NIL: CAS(tail, s -> NIL) [mcsq_cas_tail]: if it succeeded, state[s] =
 *           REMOVED, done (the lock is free); else wait for nxt[s] (wait_link); then state[s] =
 *           REMOVED; s = after; walk on.
 * Timestamps are abstracted away: whether a waiter looks stale is a nondeterministic choice of
 * the unlocker at each step of the walk, a superset of every clock and threshold (the C code's
 * ts is a heuristic and its reads are relaxed for that reason). The waiters' publications, the
 * yields and trylock/timedlock (mcs.c's trylock CAS) are left out.
 *
 * Checked (ROUNDS acquisitions each): mutual exclusion; no lost waiter: at quiescence every
 * process has finished its rounds and the lock is free (a waiter spinning on a node nobody will
 * ever grant or remove is blocked, which is the quiescence the check looks for). Not checked:
 * starvation freedom, which the lock does not have (a waiter may be found stale every time).
 * BROKEN == 1: the unlocker marks a stale waiter REMOVED before reading its next: the waiter
 *   re-enqueues and resets it, and the walk follows the wrong link (a waiter is lost or two
 *   processes hold the lock).
 * BROKEN == 2: a stale last waiter is marked REMOVED without the tail CAS: tail still names it,
 *   so the lock is never free again.
 */
#include "common.pml"

#ifndef ROUNDS
#define ROUNDS 2
#endif
#define NIL 255
#define GRANTED 0
#define WAITING 1
#define REMOVED 2
byte tail = NIL;
byte nxt[N];
byte state[N];
byte finished;

active [N] proctype P()
{
	byte pred, s, after, round;
	bool ok;
	do
	:: round == ROUNDS -> break
	:: else -> round++;
		want[_pid] = 1;
		do
		:: nxt[_pid] = NIL;
			state[_pid] = WAITING;
			atomic { pred = tail; tail = _pid };
			if
			:: pred == NIL -> break
			:: else
			fi;
			nxt[pred] = _pid;
			state[_pid] != WAITING;
			if
			:: state[_pid] == GRANTED -> break
			:: else /* REMOVED: again */
			fi
		od;
		critical_section();
		/* unlock */
		s = nxt[_pid];
		if
		:: s == NIL ->
			atomic {
				if
				:: tail == _pid -> tail = NIL; ok = 1
				:: else -> ok = 0
				fi
			};
			if
			:: ok -> goto released
			:: else -> nxt[_pid] != NIL; s = nxt[_pid]
			fi
		:: else
		fi;
		do
		:: state[s] = GRANTED; break /* fresh */
		:: /* stale */
#if BROKEN == 1
			state[s] = REMOVED;
#endif
			after = nxt[s];
			if
			:: after == NIL ->
#if BROKEN == 2
				ok = 1;
#else
				atomic {
					if
					:: tail == s -> tail = NIL; ok = 1
					:: else -> ok = 0
					fi
				};
#endif
				if
				:: ok -> state[s] = REMOVED; break
				:: else -> nxt[s] != NIL; after = nxt[s]
				fi
			:: else
			fi;
#if BROKEN != 1
			state[s] = REMOVED;
#endif
			s = after
		od;
released:
		pred = NIL; s = NIL; after = NIL; ok = 0
	od;
	finished++
}

active proctype quiescence()
{
	timeout -> assert(finished == N); assert(tail == NIL)
}
