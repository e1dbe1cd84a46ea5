/* models: locks/clh.c sha256: 366c75ca3bea38e3305572bc8ccfce09431d6ff9f237b82328711255d558ac45 */
/* models: locks/clh_common.h sha256: f6308e207705ed8ce63b34d68a9c6de1aa398eea664c2d0c5774f4c69b8bd1fd */
/* clh.pml — the CLH queue lock of locks/clh.c (plain clh: unlock is one store), with its
 * trylock that may find an ABA on the tail. (models/clh_try.pml is clh-try.)
 *
 * State: N + 1 nodes with a `waiting` flag each: node i starts as process i's (its context),
 * node N is the dummy that init puts in the tail, released (waiting 0). `tail` = the last node
 * enqueued. Each process holds `node` (the one it enqueues next) and, while it holds the lock,
 * `pred` (the node it adopts at unlock).
 * lock():    store(waiting[node], 1); pred = exchange(tail, node); spin while load(waiting[pred]).
 * trylock(): t = load(tail); if load(waiting[t]): -EBUSY;               (1: a hint)
 *            store(waiting[node], 1); compare_exchange(tail, t -> node), -EBUSY if it failed; (2)
 *            if !load(waiting[t]): pred = t, holds;                      (3)
 *            else if compare_exchange(tail, node -> t): -EBUSY;          (4: backed out)
 *            else spin while load(waiting[t]); pred = t, holds.          (5: the double race)
 * unlock():  store(waiting[node], 0); node = pred; pred = NONE.
 * Each round a process calls lock(), or, with TRYLOCK, lock() or trylock() (a failed trylock
 * ends the round). The ABA of the header needs a node to be passed, adopted and relocked
 * between a trylock's steps 1 and 2: with N = 2 the other process does exactly that (the dummy
 * comes back as tail relocked), and the double race of step 5 needs a third process to swap
 * in between steps 2 and 4: N = 3 with TRYLOCK covers it.
 * timedlock(): polls trylock() until the deadline (locks/deadline.h): a run of trylock() calls;
 * the TRYLOCK configurations cover it.
 * Abstractions: node addresses are node numbers; cpu_relax changes nothing; the type-stable free
 * list is not modelled (nodes never leave the model: what it guarantees in C, that step 1 reads
 * a node, holds here by construction); the LB_TEST_HOOKS turn bookkeeping is left out.
 *
 * Checked: mutual exclusion (lock; lock + trylock, including the ABA and the double race);
 * starvation freedom of lock().
 * BROKEN == 1: the exchange on tail is a load then a store: two processes can both take the
 *   same released tail and enter together.
 * BROKEN == 2: unlock keeps its own node instead of adopting the predecessor's: relocking
 *   stores waiting = 1 into the node its successor may not yet have seen cleared, and the two
 *   wait for each other forever (starvation freedom fails).
 * BROKEN == 3: trylock trusts its step-1 check: it enters after a successful CAS without
 *   reading the predecessor's flag again. The ABA (the tail node relocked between the check
 *   and the CAS) then lets it in beside the holder: caught by the exclusion assertion.
 * BROKEN == 4: trylock backs out unconditionally (a store of t into tail instead of the CAS of
 *   step 4): a lock() caller that swapped in behind it is cut out of the queue and the next
 *   arrival queues behind t beside it: caught by the exclusion assertion.
 */
#include "common.pml"

#define NONE 255
byte tail = N;
bool waiting[N + 1];

active [N] proctype P()
{
	byte node = _pid, pred = NONE, t;
	bool ok;
	do
	:: if
		:: want[_pid] = 1;
			waiting[node] = 1;
#if BROKEN == 1
			pred = tail;
			tail = node;
#else
			atomic { pred = tail; tail = node };
#endif
			do
			:: !waiting[pred] -> break
			:: else -> skip
			od;
			ok = 1
#ifdef TRYLOCK
		:: t = tail;
			if
			:: waiting[t] -> ok = 0
			:: else ->
				waiting[node] = 1;
				atomic {
					if
					:: tail == t -> tail = node; ok = 1
					:: else -> ok = 0
					fi
				};
				if
				:: ok ->
#if BROKEN == 3
					skip
#else
					if
					:: !waiting[t] -> skip
					:: else ->
#if BROKEN == 4
						tail = t; ok = 0
#else
						atomic {
							if
							:: tail == node -> tail = t; ok = 0
							:: else
							fi
						};
						if
						:: ok ->
							do
							:: !waiting[t] -> break
							:: else -> skip
							od
						:: else
						fi
#endif
					fi
#endif
				:: else
				fi;
				if
				:: ok -> pred = t
				:: else
				fi
			fi;
			t = 0
#endif
		fi;
		if
		:: ok ->
			critical_section();
			assert(pred != NONE); /* else unlock would return -EPERM */
			waiting[node] = 0;
#if BROKEN != 2
			node = pred;
#endif
			pred = NONE
		:: else
		fi;
		ok = 0
	od
}
