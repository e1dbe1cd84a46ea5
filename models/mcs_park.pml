/* models: locks/mcs_park.c sha256: 57aba729abc824a86d871db4bc98c4d63b3136e60d925333dd327461d53351de */
/* mcs_park.pml — the spin-then-park MCS queue lock of locks/mcs_park.c.
 *
 * The queue is mcs.pml's, statement for statement (tail, nxt[], the swap, the link, the wait for
 * a late link, the tail CAS); what this model adds is the wait and the handoff:
 * state[i]: GRANTED 0, WAITING 1, PARKED 2 (node i's state, also the futex word it sleeps on).
 * lock():   node_reset: nxt[me] = NIL; state[me] = WAITING; pred = exchange(tail, me);
 *           if pred != NIL: nxt[pred] = me; then mcs_park_wait:
 *             spin: the C code loads state[me] up to MCS_PARK_SPIN times and leaves when one
 *                   reads GRANTED. The loads write nothing, so k looks that read WAITING and
 *                   then stop are the same to every other process as none: the model makes at
 *                   most one look, which may see GRANTED or not, and that covers every bound
 *                   (an unbounded loop here would be a fair cycle of its own and break the
 *                   starvation-freedom check, which the C bound rules out);
 *             CAS(state[me], WAITING -> PARKED); if it failed (read GRANTED): done;
 *             while state[me] != GRANTED: futex_wait(state[me], PARKED).
 * unlock(): as mcs.pml to find next; then old = exchange(state[next], GRANTED);
 *           if old == PARKED: futex_wake(node next).
 * futex_wait/wake on node i: asleep[i] (common.pml's bit per process, here one futex word per
 * node, each slept on only by its owner): the wait sleeps only if the word still reads PARKED,
 * in one step; the wake clears asleep[next] if set. A wake that arrives after its target has
 * moved on (the C comment's late wake) clears the bit of a later sleep of the same process,
 * exactly the spurious wake-up the C loop absorbs: the model has it too.
 * With TRYLOCK a round may be trylock() instead (mcs.pml's, unchanged); timedlock polls
 * trylock (locks/deadline.h), so TRYLOCK covers it. The LB_TEST_HOOKS turn bookkeeping is left out.
 *
 * Checked: mutual exclusion; starvation freedom of lock() (FIFO handoff: nobody is passed over
 * for ever); no lost wake-up (ROUNDS acquisitions each, then quiescence: nobody asleep, lock free).
 * BROKEN == 1: the handoff reads the state, then stores GRANTED (two steps): the waiter's CAS to
 *   PARKED can fall between them, the unlocker does not wake it, and it sleeps for good
 *   (quiescence assertion).
 * BROKEN == 2: the waiter stores PARKED instead of the CAS: it overwrites a GRANTED that came
 *   first and sleeps although the lock is its own (quiescence assertion).
 */
#include "common.pml"

#define NIL 255
#define GRANTED 0
#define WAITING 1
#define PARKED 2
byte tail = NIL;
byte nxt[N];
byte state[N];

inline node_reset()
{
	nxt[_pid] = NIL;
	state[_pid] = WAITING
}

inline node_wait_futex()
{
	atomic {
		if
		:: state[_pid] == PARKED -> asleep[_pid] = 1
		:: else
		fi
	};
	!asleep[_pid]
}

active [N] proctype P()
{
	byte pred, next, old;
	bool ok, held;
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
		:: want[_pid] = 1;
			node_reset();
			atomic { pred = tail; tail = _pid };
			if
			:: pred != NIL ->
				nxt[pred] = _pid;
				/* the spin: at most one look (see the header) */
				if
				:: state[_pid] == GRANTED -> goto granted
				:: true
				fi;
#if BROKEN == 2
				state[_pid] = PARKED;
#else
				atomic {
					if
					:: state[_pid] == WAITING -> state[_pid] = PARKED
					:: else -> goto granted
					fi
				};
#endif
				do
				:: state[_pid] == GRANTED -> break
				:: else -> node_wait_futex()
				od
			:: else
			fi;
granted:
			ok = 1
#ifdef TRYLOCK
		/* `true ->`: without it the inner if's guards merge with this if's options, and its
		 * `else` (the CAS attempt) is never taken beside lock()'s always-executable first step:
		 * the trap of models/README.md; the reach checks of check.sh keep it out. */
		:: true ->
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
			assert(held);
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
					do
					:: nxt[_pid] != NIL -> next = nxt[_pid]; break
					:: else -> skip
					od
				:: else -> goto released
				fi
			:: else
			fi;
#if BROKEN == 1
			old = state[next];
			state[next] = GRANTED;
#else
			atomic { old = state[next]; state[next] = GRANTED };
#endif
			if
			:: old == PARKED -> asleep[next] = 0
			:: else
			fi
		:: else
		fi;
released:
		pred = NIL; next = NIL; ok = 0; old = 0
	od
}

#ifdef ROUNDS
QUIESCENCE_CHECK(tail == NIL)
#endif
