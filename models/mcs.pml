/* models: locks/mcs.c sha256: df950d52affd8660d8fcf69e310b02481eb9f419e4f9ec9f4ea281ce50721392 */
/* mcs.pml — the MCS queue lock of locks/mcs.c.
 *
 * State: `tail` (the last node in the queue, or NIL for NULL), and one node per process, its
 * context: `nxt[i]` (the successor once it has linked, else NIL) and `waiting[i]`.
 * lock():    node_reset: store(nxt[me], NIL); store(waiting[me], 1);
 *            pred = exchange(tail, me);
 *            if pred != NIL: store(nxt[pred], me); spin while load(waiting[me]).
 * trylock(): if load(tail) != NIL: -EBUSY; node_reset;
 *            compare_exchange(tail, NIL -> me), -EBUSY if it failed.
 * unlock():  if !held: -EPERM (a flag private to the node's owner; set when lock or trylock
 *            succeeds, cleared here: only holders unlock in this model, so it always passes);
 *            held = 0; next = load(nxt[me]);
 *            if next == NIL: if compare_exchange(tail, me -> NIL) succeeded: return;
 *                            spin until (next = load(nxt[me])) != NIL;
 *            store(waiting[next], 0).
 * Each round a process calls lock(), or, with TRYLOCK, lock() or trylock() (a failed trylock
 * ends the round).
 * timedlock(): polls trylock() until the deadline (locks/deadline.h): a run of trylock()
 * calls; it does not change the protocol, and the TRYLOCK configurations cover it.
 * Abstractions: node addresses are process ids; cpu_relax changes nothing; the LB_TEST_HOOKS
 * turn bookkeeping (test builds only) is left out.
 *
 * Checked: mutual exclusion; starvation freedom of lock().
 * BROKEN == 1: the exchange on tail is a load then a store: two processes both see an empty
 *   queue and both enter (mutual exclusion fails).
 * BROKEN == 2: unlock does not wait for a late successor to link itself: when next is NIL and
 *   the compare-exchange fails it returns, and the successor waits forever (starvation
 *   freedom fails).
 * BROKEN == 3: the trylock option without its `true ->` (models/README.md's Promela trap): the
 *   CAS branch is never taken, so lock + trylock would check lock() alone; check.sh's reach check
 *   (every statement reached) catches it.
 */
#include "common.pml"

#define NIL 255
byte tail = NIL;
byte nxt[N];
bool waiting[N];

inline node_reset()
{
	nxt[_pid] = NIL;
	waiting[_pid] = 1
}

active [N] proctype P()
{
	byte pred, next;
	bool ok, held;
	do
	:: if
		:: want[_pid] = 1;
			node_reset();
#if BROKEN == 1
			pred = tail;
			tail = _pid;
#else
			atomic { pred = tail; tail = _pid };
#endif
			if
			:: pred != NIL ->
				nxt[pred] = _pid;
				do
				:: !waiting[_pid] -> break
				:: else -> skip
				od
			:: else
			fi;
			ok = 1
#ifdef TRYLOCK
		/* `true ->`: without it the inner if's guards merge with this if's options, and its
		 * `else` (the CAS attempt) is never taken beside lock()'s always-executable first step:
		 * the trap of models/README.md; the reach checks of check.sh keep it out. */
#if BROKEN == 3
		:: /* the trap: the successful trylock is unreachable */
#else
		:: true ->
#endif
			if
			:: tail != NIL -> ok = 0
			:: else ->
				node_reset();
				atomic {
					if
					:: tail == NIL -> tail = _pid; ok = 1
					:: else -> ok = 0
					fi
				}
			fi
#endif
		fi;
		if
		:: ok ->
			held = 1;
			critical_section();
			assert(held); /* else unlock would return -EPERM */
			held = 0;
			next = nxt[_pid];
			if
			:: next == NIL ->
				atomic {
					if
					:: tail == _pid -> tail = NIL; ok = 0
					:: else
					fi
				};
				if
				:: ok ->
#if BROKEN == 2
					goto released;
#endif
					do
					:: nxt[_pid] != NIL -> next = nxt[_pid]; break
					:: else -> skip
					od
				:: else -> goto released
				fi
			:: else
			fi;
			waiting[next] = 0
		:: else
		fi;
released:
		pred = NIL; next = NIL; ok = 0
	od
}
