/* models: locks/clh_try.c sha256: 1cdcd061cb6e2377b4b6a8b5c7e983b6ad8da9a05af271776f3d74029a39abea */
/* models: locks/clh_common.h sha256: f6308e207705ed8ce63b34d68a9c6de1aa398eea664c2d0c5774f4c69b8bd1fd */
/* clh_try.pml — the CLH queue lock of locks/clh_try.c (clh-try), with its released mark in the
 * tail word. (models/clh.pml is plain clh, whose unlock is a store.)
 *
 * State: N + 1 nodes with a `waiting` flag each: node i starts as process i's (its context),
 * node N is the dummy that init puts in the tail. `tail` = 2 * node + mark, where mark = 1
 * (CLH_RELEASED) says that node's owner released the lock with no successor; initially the
 * dummy, marked. Each process holds `node` (the one it enqueues next) and, while it holds the
 * lock, `pred` (the node it adopts at unlock).
 * lock():    store(waiting[node], 1); prev = exchange(tail, 2 * node); pred = prev / 2;
 *            if prev is not marked: spin while load(waiting[pred]).
 * trylock(): prev = load(tail); if not marked: -EBUSY; store(waiting[node], 1);
 *            compare_exchange(tail, prev -> 2 * node), -EBUSY if it failed; pred = prev / 2.
 * unlock():  if pred == NONE: -EPERM (only holders unlock here: it always passes);
 *            if compare_exchange(tail, 2 * node -> 2 * node + 1) fails (a successor has
 *            swapped in): store(waiting[node], 0);  then node = pred; pred = NONE.
 * Each round a process calls lock(), or, with TRYLOCK, lock() or trylock() (a failed trylock
 * ends the round). TRYLOCK multiplies the states by about nine (nodes migrate along more
 * paths), so the runner checks it with two processes for everything and with three for
 * mutual exclusion.
 * timedlock(): polls trylock() until the deadline (locks/deadline.h): a run of trylock()
 * calls (a failed one only rewrites the caller's own unqueued node); it does not change the
 * protocol, and the TRYLOCK configurations cover it.
 * Abstractions: node addresses are node numbers; cpu_relax changes nothing; the LB_TEST_HOOKS
 * turn bookkeeping is left out.
 *
 * Checked: mutual exclusion; starvation freedom of lock().
 * BROKEN == 1: the exchange on tail is a load then a store: two processes can both take the
 *   same released tail and enter together.
 * BROKEN == 2: unlock keeps its own node instead of adopting the predecessor's: relocking
 *   stores waiting = 1 into the node its successor may not yet have seen cleared, and the two
 *   wait for each other forever (starvation freedom fails).
 */
#include "common.pml"

#define NONE 255
#define MARKED(t) ((t) % 2 == 1)
byte tail = 2 * N + 1;
bool waiting[N + 1];

active [N] proctype P()
{
	byte node = _pid, pred = NONE, prev;
	bool ok;
	do
	:: if
		:: want[_pid] = 1;
			waiting[node] = 1;
#if BROKEN == 1
			prev = tail;
			tail = 2 * node;
#else
			atomic { prev = tail; tail = 2 * node };
#endif
			pred = prev / 2;
			if
			:: !MARKED(prev) ->
				prev = 0;
				do
				:: !waiting[pred] -> break
				:: else -> skip
				od
			:: else -> prev = 0
			fi;
			ok = 1
#ifdef TRYLOCK
		:: prev = tail;
			if
			:: !MARKED(prev) -> ok = 0
			:: else ->
				waiting[node] = 1;
				atomic {
					if
					:: tail == prev -> tail = 2 * node; ok = 1
					:: else -> ok = 0
					fi
				};
				if
				:: ok -> pred = prev / 2
				:: else
				fi;
				prev = 0
			fi
#endif
		fi;
		if
		:: ok ->
			critical_section();
			assert(pred != NONE); /* else unlock would return -EPERM */
			atomic {
				if
				:: tail == 2 * node -> tail = 2 * node + 1; ok = 0
				:: else
				fi
			};
			if
			:: ok -> waiting[node] = 0
			:: else
			fi;
#if BROKEN != 2
			node = pred;
#endif
			pred = NONE
		:: else
		fi;
		prev = 0; ok = 0
	od
}
