/* models: locks/rw_phase_fair.c sha256: 72e233111fc5831d9d7c49f77c9758ff867562b5dc9969a6a7792dd2de285621 */
/* rw_phase_fair.pml — the phase-fair ticket rwlock (PF-T) of locks/rw_phase_fair.c.
 *
 * State: rin, rout, win, wout as in the C file, with RINC = 4 instead of 0x100 (the low two bits
 * are the same PRES = 2 and PHID = 1; the count above them only has to stay clear of them).
 * Each RMW is one atomic step; each spin is a guard (a blocked process is a spinning one).
 *   read_lock:    atomically w = rin & 3, rin += 4; if w != 0, wait until (rin & 3) != w.
 *   read_unlock:  rout += 4.
 *   lock:         atomically t = win, win++; wait until wout == t; atomically r = rin,
 *                 rin += 2 | (t & 1); wait until rout == (r & ~3).
 *   unlock:       rin &= ~3; wout++.
 *   trylock:      (TRYLOCK) t = wout; fail if win != t; in = rin; fail if (in & 3) != 0 or
 *                 (in & ~3) != rout; CAS win t -> t + 1 or fail; atomically r = rin,
 *                 rin += 2 | (t & 1); wait until rout == (r & ~3) (readers that slipped in).
 *   read_trylock: (TRYLOCK) atomically: if (rin & 3) == 0 then rin += 4, else fail.
 *   The timed modes poll these trylocks (the C file's header): TRYLOCK covers them.
 * No modulo: each process runs ROUNDS rounds, so the counters stay far below a byte's 256 (they
 * are 32-bit in C, and compare equal modulo 2^24 readers in flight).
 * Checked: a writer is never inside with anyone; every process finishes (quiescence: nobody
 * spins for good, which is how PF-T's phase hand-off would fail).
 * BROKEN == 1: the writer does not wait for the readers inside (no rout wait): exclusion fails.
 * BROKEN == 2: no phase id (writers set PRES only): readers blocked by one writer do not see the
 *   next writer's bits as a change, and that writer waits for them: deadlock (quiescence).
 * BROKEN == 3 (with TRYLOCK): the C file's first trylock, which backed out (clear the bits,
 *   wout + 1) when a reader had slipped in: the ticket it gives back flips the phase parity, and
 *   a reader still blocked on the previous writer deadlocks with the next one (quiescence).
 */
#include "common.pml"

#ifndef ROUNDS
#define ROUNDS 2
#endif
#if BROKEN == 2
#define PHASE(t) 0
#else
#define PHASE(t) ((t) & 1)
#endif

byte rin, rout, win, wout;
byte nw, nr;
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
	nr--
}

inline write_release()
{
	atomic { rin = rin & 252 };
	atomic { wout++ }
}

active [N] proctype P()
{
	byte round, t, r, w, in;
	bool ok;
	do
	:: round == ROUNDS -> break
	:: else -> round++;
		if
		:: true -> /* lock */
			atomic { t = win; win++ };
			(wout == t);
			atomic { r = rin; rin = rin + (2 | PHASE(t)) };
#if BROKEN != 1
			(rout == (r & 252));
#endif
			write_cs();
			write_release()
		:: true -> /* read_lock */
			atomic { w = rin & 3; rin = rin + 4 };
			if
			:: w != 0 -> ((rin & 3) != w)
			:: else -> skip
			fi;
			read_cs();
			atomic { rout = rout + 4 }
#ifdef TRYLOCK
		:: true -> /* trylock */
			ok = 0;
			t = wout;
#if BROKEN == 3
			in = rin;
			if
			:: (in & 252) == rout -> ok = 1
			:: else -> skip
			fi;
#else
			if
			:: win == t ->
				in = rin;
				if
				:: (in & 3) == 0 && (in & 252) == rout -> ok = 1
				:: else -> skip
				fi
			:: else -> skip
			fi;
#endif
			if
			:: ok ->
				atomic {
					if
					:: win == t -> win = t + 1
					:: else -> ok = 0
					fi
				}
			:: else -> skip
			fi;
			if
			:: ok ->
				atomic { r = rin; rin = rin + (2 | PHASE(t)) };
#if BROKEN == 3
				if
				:: rout == (r & 252) -> write_cs()
				:: else -> skip
				fi;
#else
				(rout == (r & 252));
				write_cs();
#endif
				write_release()
			:: else -> skip
			fi
		:: true -> /* read_trylock */
			atomic {
				if
				:: (rin & 3) == 0 -> rin = rin + 4; ok = 1
				:: else -> ok = 0
				fi
			};
			if
			:: ok -> read_cs(); atomic { rout = rout + 4 }
			:: else -> skip
			fi
#endif
		fi
	od;
	finished++
}

active proctype quiescence()
{
	timeout -> assert(finished == N)
}
