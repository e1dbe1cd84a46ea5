/* models: locks/qspinlock.c sha256: 2fab64d3b8b42aaaa496316a48b774271ba1c591b57fca39485630051c751cd3 */
/* qspinlock.pml — the queued spinlock of locks/qspinlock.c (Linux's qspinlock in user space).
 *
 * State: the lock word `w`, encoded as in the C file with smaller fields: bit 0 = locked, bit 1 =
 * pending, bits 2.. = tail (0: no queue, else the pid + 1 of the last queued node); one node per
 * process, its context: `nxt[i]` (the successor once linked, else NIL) and `waiting[i]`.
 * lock():
 *   fast path:  compare_exchange(w, 0 -> LOCKED); done if it succeeded, else val = w.
 *   pending:    if val has no pending and no tail: val = fetch_or(w, PENDING);
 *                 if val had neither: spin until !(load(w) & LOCKED); fetch_sub(w, PENDING -
 *                   LOCKED); done.
 *                 else if val had no pending (the bit was ours): fetch_and(w, ~PENDING).
 *   queue:      store(nxt[me], NIL); store(waiting[me], 1);
 *               old = the CAS loop that swaps our tail in, keeping locked and pending (one atomic
 *                 step: the loop retries until its CAS is that step);
 *               if old has a tail: store(nxt[pred], me); spin while load(waiting[me]);
 *               spin until val = load(w) has neither locked nor pending;
 *               if val's tail is ours and compare_exchange(w, val -> LOCKED) succeeds: done;
 *               fetch_or(w, LOCKED); spin until next = load(nxt[me]) != NIL; store(waiting[next], 0).
 * trylock(): if load(w) != 0: -EBUSY; compare_exchange(w, 0 -> LOCKED), -EBUSY if it failed.
 * unlock():  fetch_sub(w, LOCKED) (the -EPERM check on a private flag always passes here: only
 *            holders unlock).
 * Each round a process calls lock(), or, with TRYLOCK, lock() or trylock() (a failed trylock
 * ends the round).
 * timedlock(): polls trylock() until the deadline (locks/deadline.h); the TRYLOCK
 * configurations cover it.
 * Abstractions: node addresses are pids, so the global context table (a fixed map from tail to
 * node, written before first use) is the identity. A spin loop is a blocking guard on its exit
 * condition: every loop here only reads, and each exit condition, once true, stays true until
 * the spinner moves (nobody else can set locked or pending under the queue head or the pending
 * waiter; a flag or link is written once), so weak fairness sees the same runs; the guards keep
 * the state space small enough for N = 3. A local that the C file reads once is read in place.
 * The LB_TEST_HOOKS build (the word widened to 64 bits, a doorway count in its upper half that
 * each placing RMW bumps, and the planted "overtaking" lock()) is left out: the model follows
 * the production word; its FIFO ghost numbers the same three doorways as that count.
 *
 * Checked: mutual exclusion (lock; lock + trylock); FIFO in doorway order at N = 3 (below);
 * starvation freedom of lock() at N = 2 (no waiter can be starved: the fast path needs a 0
 * word and the pending path a word without a tail, so arrivals never pass a queued waiter or
 * the pending one).
 * BROKEN == 1: the fast path takes the lock whenever the locked byte is clear, ignoring pending
 *   and tail (a CAS on the locked byte alone): a returning holder steals the lock from the
 *   pending waiter, which has seen the byte clear, and both enter (mutual exclusion fails, N = 2).
 * BROKEN == 2: a thread whose fetch-or of pending finds a queue does not undo its bit: the queue
 *   head waits for ever for pending to clear (starvation freedom fails).
 * FIFO (-DFIFO): the C file's FIFO claim, as a safety property (N = 3, where starvation freedom
 *   is out of the budget): ghost state numbers the doorways in the atomic step of the doorway
 *   itself (the fast-path CAS that wins, the fetch-or of pending that finds neither pending nor a
 *   queue, the tail swap), and entering asserts that nobody placed earlier is still waiting.
 *   Relative counts (`ahead`), not tickets: with FIFO holding they are a function of the lock's
 *   state, and the search stores exactly as many states as without them.
 * BROKEN == 3: the queue head waits for the locked bit only, not for pending: it enters before
 *   the pending waiter, placed earlier (FIFO fails).
 * BROKEN == 4: the pending path ignores the tail: an arrival that finds a queue but no pending
 *   waiter becomes the pending waiter and enters before the queue (FIFO fails; exclusion holds).
 */
#ifdef FIFO
/* Ghost state for the FIFO check (no C counterpart): placed[i] while process i has passed its
 * doorway and not yet entered; ahead[i] = how many placed processes passed theirs before it.
 * Relative counts rather than ticket numbers, so the ghost adds no rotation to the state. */
bool placed[N];
byte ahead[N];
/* The doorway: done inside the atomic step of the doorway operation itself. */
inline place()
{
#if N > 2
	ahead[_pid] = placed[0] + placed[1] + placed[2];
#else
	ahead[_pid] = placed[0] + placed[1];
#endif
	placed[_pid] = 1
}
/* On entry (common.pml's enter_cs, the same step): nobody placed before us is still waiting. */
#define ON_ENTER fifo_enter()
inline fifo_enter()
{
	assert(placed[_pid] && ahead[_pid] == 0);
	placed[_pid] = 0;
	if :: placed[0] -> ahead[0]-- :: else fi;
	if :: placed[1] -> ahead[1]-- :: else fi
#if N > 2
	; if :: placed[2] -> ahead[2]-- :: else fi
#endif
}
#else
inline place() { skip }
#endif
#include "common.pml"

#define NIL 255
#define LOCKED 1
#define PENDING 2
#define LP 3          /* locked | pending */
#define TAIL(p) (((p) + 1) << 2)

byte w;
byte nxt[N];
bool waiting[N];

active [N] proctype P()
{
	byte val, old;
	bool ok;
	do
	:: if
		:: want[_pid] = 1;
			atomic {
				if
#if BROKEN == 1
				:: (w & LOCKED) == 0 -> w = w | LOCKED; ok = 1
#else
				:: w == 0 -> w = LOCKED; ok = 1; place()
#endif
				:: else -> val = w; ok = 0
				fi
			};
			if
#if BROKEN == 4
			:: !ok && (val & PENDING) == 0 ->
#else
			:: !ok && (val & ~LOCKED) == 0 ->
#endif
#if BROKEN == 4
				atomic { val = w; w = w | PENDING; if :: (val & PENDING) == 0 -> place() :: else fi };
				if
				:: (val & PENDING) == 0 ->
#else
				atomic { val = w; w = w | PENDING; if :: (val & ~LOCKED) == 0 -> place() :: else fi };
				if
				:: (val & ~LOCKED) == 0 ->
#endif
					(w & LOCKED) == 0;
					w = w - PENDING + LOCKED;
					ok = 1
				:: else ->
#if BROKEN == 2
					skip
#else
					if
					:: (val & PENDING) == 0 -> atomic { w = w & ~PENDING; val = w }
					:: else
					fi
#endif
				fi
			:: else
			fi;
			if
			:: !ok ->
				nxt[_pid] = NIL;
				waiting[_pid] = 1;
				atomic { old = w; w = (w & LP) | TAIL(_pid); place() };
				if
				:: old >= 4 ->
					nxt[(old >> 2) - 1] = _pid;
					!waiting[_pid]
				:: else
				fi;
#if BROKEN == 1 || BROKEN == 3
				atomic { (w & LOCKED) == 0 -> val = w };
#else
				atomic { (w & LP) == 0 -> val = w };
#endif
				if
				:: (val >> 2) == _pid + 1 ->
					atomic {
						if
						:: w == val -> w = LOCKED; ok = 1
						:: else
						fi
					}
				:: else
				fi;
				if
				:: !ok ->
					w = w | LOCKED;
					nxt[_pid] != NIL;
					waiting[nxt[_pid]] = 0;
					ok = 1
				:: else
				fi
			:: else
			fi
#ifdef TRYLOCK
		/* `true ->`: without it the inner if's guards merge with this if's options, and its
		 * `else` (the CAS attempt) is never taken beside lock()'s always-executable first step:
		 * the trap of models/README.md; the reach checks of check.sh keep it out. */
		:: true ->
			if
			:: w != 0 -> ok = 0
			:: else ->
				atomic {
					if
					:: w == 0 -> w = LOCKED; ok = 1
					:: else -> ok = 0
					fi
				}
			fi
#endif
		fi;
		if
		:: ok ->
			critical_section();
			w = w - LOCKED
		:: else
		fi;
		atomic { val = 0; old = 0; ok = 0 }
	od
}
