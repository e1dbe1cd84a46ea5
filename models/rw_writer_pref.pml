/* models: locks/rw_writer_pref.c sha256: e202bf44f529cc9bd900727b04d11e482b4216c21781bce8544b4a7db97d229c */
/* rw_writer_pref.pml — the writer-preferring counter rwlock of locks/rw_writer_pref.c.
 *
 * State: the C file's one word, as its three fields: W (a writer inside), waiters (writers that
 * have announced themselves), readers (readers inside). Every change of the word is one atomic
 * step here, as it is one RMW (fetch-add, fetch-sub, CAS) there; a CAS that the C code retries
 * after a relaxed load is a guarded atomic step (the guard is the CAS's expected value: the step
 * can only happen while it holds, and a spinning process is a blocked one).
 *   lock:        waiters++ ; then atomically (when !W && readers == 0) waiters--, W = 1.
 *   trylock:     atomically: if !W && readers == 0 then W = 1 (barging over waiters) else fail.
 *   timedlock:   (TIMED) lock, but a waiter may give up at any moment: waiters--.
 *   unlock:      W = 0.
 *   read_lock:   atomically (when !W && waiters == 0) readers++.
 *   read_trylock: atomically: if !W && waiters == 0 then readers++ else fail.
 *   read_unlock: readers--.
 * Each process runs ROUNDS rounds; each round is, nondeterministically, a write or a read
 * (lock or trylock, read_lock or read_trylock; with TIMED also a timedlock). A `quiescence`
 * process asserts, once nothing can move, that everyone finished: a process spinning for ever on
 * a lock nobody holds would be caught there (spinning locks have no sleep to lose, but a count
 * left behind by a writer that gave up would block readers for good).
 * Checked: a writer is never inside with anyone (writers <= 1, and no reader while a writer is
 * in); every process finishes (no one is left waiting on a free lock).
 * SHOWOVERLAP: asserts that two readers are never inside at once, which must FAIL: readers do
 * share the lock.
 * BROKEN == 1: the writer's acquisition is a check, then a separate store (not a CAS): two
 *   writers, or a writer and a reader, enter together.
 * BROKEN == 2: a timed writer that gives up leaves its waiting count behind: readers wait for
 *   ever (caught by the quiescence assertion).
 */
#include "common.pml"

#ifndef ROUNDS
#define ROUNDS 2
#endif

bool W;
byte waiters, readers;
byte nw, nr;          /* writers, readers inside their critical sections */
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
#ifdef SHOWOVERLAP
	assert(nr < 2);
#endif
	nr--
}

active [N] proctype P()
{
	byte round;
	bool ok;
	do
	:: round == ROUNDS -> break
	:: else -> round++;
		if
		:: true -> /* lock */
			atomic { waiters++ };
#if BROKEN == 1
			(!W && readers == 0);
			waiters--;
			W = 1;
#else
			atomic { (!W && readers == 0) -> waiters--; W = 1 };
#endif
			write_cs();
			W = 0
		:: true -> /* trylock */
			atomic {
				if
				:: !W && readers == 0 -> W = 1; ok = 1
				:: else -> ok = 0
				fi
			};
			if
			:: ok -> write_cs(); W = 0
			:: else -> skip
			fi
#ifdef TIMED
		:: true -> /* timedlock: acquire, or give up at any time while waiting */
			atomic { waiters++ };
			if
			:: atomic { (!W && readers == 0) -> waiters--; W = 1 };
				write_cs();
				W = 0
			:: true ->
#if BROKEN == 2
				skip
#else
				atomic { waiters-- }
#endif
			fi
#endif
		:: true -> /* read_lock */
			atomic { (!W && waiters == 0) -> readers++ };
			read_cs();
			atomic { readers-- }
		:: true -> /* read_trylock */
			atomic {
				if
				:: !W && waiters == 0 -> readers++; ok = 1
				:: else -> ok = 0
				fi
			};
			if
			:: ok -> read_cs(); atomic { readers-- }
			:: else -> skip
			fi
		fi
	od;
	finished++
}

active proctype quiescence()
{
	timeout -> assert(finished == N)
}
