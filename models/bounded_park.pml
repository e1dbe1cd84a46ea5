/* models: locks/bounded_park.c sha256: c7a636170f091dc6c55b637f883d60a27019a7e5f908c169751521c2837faadb */
/* bounded_park.pml — the bounded-bypass parking lock of locks/bounded_park.c.
 *
 * The lock word is one int here as it is one 64-bit word there, with the same fields, and every
 * C CAS is one atomic step that compares the whole word with the value read before it:
 *   bit 0 LOCKED, bit 1 PARKED, g (bits 2-5), limit (6-9), next (10-13), serving (14-17).
 * Counts do not wrap: runs are ROUNDS acquisitions per process (at most 6 in all), so g, next
 * and serving stay under 16, and the C code's modulo comparisons are plain ones here.
 * lock():   w = word; barge if !LOCKED and (next == serving or g != limit): CAS to LOCKED, g + 1;
 *           else doorway: CAS next + 1 (and limit = g + B if the queue was empty), t = old next,
 *           gd = old g. A C CAS loop that fails only re-reads the word: one atomic step that
 *           succeeds on the current value is the same.
 *           Not head (t != serving at the doorway): wait until serving == t: look at the word
 *           (spin), or mark the slot (fetch_or 1), look again, FUTEX_WAIT on the slot; then
 *           install: raise limit to gd + B.
 *           Head: read w; if !LOCKED: CAS to LOCKED, serving = t + 1; if that CAS saw next !=
 *           t + 1, RMW the slot of t + 1 (+2, or +1 clearing bit 0) and wake all on it if bit 0
 *           was set. If LOCKED: spin (look again), or park: seq = head_seq, CAS w -> w | PARKED,
 *           FUTEX_WAIT(head_seq, seq).
 * unlock(): CAS clearing LOCKED and PARKED; if PARKED was set: head_seq + 1, wake one on it.
 * Slots: SLOTS = 2 slots for tickets mod 2, so that two waiters can share one (as tickets t and
 * t + 16 share one in C). Futexes: common.pml's asleep[] bit, with sleepon[p] naming the futex
 * word p sleeps on (a slot, or HEADQ for head_seq); a wake clears the bit of sleepers on its word.
 * Spinning is a nondeterministic choice to look again or to go to sleep: a superset of every
 * spin bound. The LB_TEST_HOOKS turn bookkeeping and trylock/timedlock (a barge, or a run of
 * them) are left out.
 *
 * Checked (safety, ROUNDS acquisitions each):
 *   mutual exclusion; no lost wake-up (quiescence: nobody asleep, lock free);
 *   the bypass bound: from a process's doorway to its acquisition, every barge counts one
 *   overtake of it, as does any take by a ticket later than its own; assert ov[p] <= B.
 * BROKEN == 1: barging ignores limit: the bypass assertion fails.
 * BROKEN == 2: the head reads head_seq after setting PARKED: the release between the two goes
 *   unseen, and the head sleeps for good (quiescence).
 * BROKEN == 3: a waiter reads serving, then marks its slot and sleeps without looking again:
 *   the take between the two goes unseen (quiescence).
 */
#include "common.pml"

#ifndef B
#define B 1
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif
/* Configurations (check.sh): N=2 with ROUNDS=2 and 3 (enough for two barges to overtake one
 * waiter, so that B = 1 is tested at its edge), N=3 with ROUNDS=1. N=3 ROUNDS=2 also passes
 * but stores 8.4 million states in ~75 s here, over the models stage's budget per check. */
#define MYROUNDS ROUNDS
#define SLOTS 2
#define HEADQ 2

#define LK(w) ((w) & 1)
#define PK(w) (((w) >> 1) & 1)
#define G(w) (((w) >> 2) & 15)
#define LIM(w) (((w) >> 6) & 15)
#define NX(w) (((w) >> 10) & 15)
#define SV(w) (((w) >> 14) & 15)
#define SETLIM(w, v) (((w) & ~(15 << 6)) | ((v) << 6))
#define SETSV(w, v) (((w) & ~(15 << 14)) | ((v) << 14))

#if BROKEN == 1
#define MAY_BARGE(w) (!LK(w))
#else
#define MAY_BARGE(w) (!LK(w) && (NX(w) == SV(w) || G(w) != LIM(w)))
#endif

int word;
byte head_seq;
byte slot[SLOTS];
byte sleepon[N];
bool ticketed[N]; /* passed the doorway with a ticket, not yet holding */
byte tk[N];
byte ov[N];       /* overtakes since the doorway */

/* Every ticketed process other than me with a ticket earlier than t (t = 255: all) is overtaken. */
inline overtake_older(t)
{
	q = 0;
	do
	:: q < N ->
		if
		:: q != _pid && ticketed[q] && tk[q] < t -> ov[q]++; assert(ov[q] <= B)
		:: else
		fi;
		q++
	:: else -> break
	od
}

inline wake_on(which, all)
{
	q = 0;
	do
	:: q < N ->
		if
		:: asleep[q] && sleepon[q] == which -> asleep[q] = 0;
			if
			:: !all -> break
			:: else
			fi
		:: else
		fi;
		q++
	:: else -> break
	od
}

inline sleep_on_slot(i, expect)
{
	atomic {
		if
		:: slot[i] == expect -> asleep[_pid] = 1; sleepon[_pid] = i
		:: else
		fi
	};
	!asleep[_pid]
}

active [N] proctype P()
{
	int w;
	byte t, gd, round, s, seq, old, q;
	bool ok, barged;
	do
	:: round == MYROUNDS -> break
	:: else -> round++;
		want[_pid] = 1;
		/* barge or doorway: one successful CAS */
		atomic {
			w = word;
			if
			:: MAY_BARGE(w) ->
				word = w + 1 + (1 << 2);
				barged = 1;
				overtake_older(255)
			:: else ->
				t = NX(w); gd = G(w); barged = 0;
				if
				:: NX(w) == SV(w) -> word = SETLIM(w, G(w) + B) + (1 << 10)
				:: else -> word = w + (1 << 10)
				fi;
				ticketed[_pid] = 1; tk[_pid] = t; ov[_pid] = 0
			fi
		};
		if
		:: barged -> goto acquired
		:: else
		fi;
		if
		:: t != SV(w) ->
			/* bp_wait_turn */
			do
			:: SV(word) == t -> break
			:: else ->
				if
				:: skip /* spin: look again */
				:: 
#if BROKEN == 3
					ok = (SV(word) == t);
					atomic { s = slot[t % SLOTS] | 1; slot[t % SLOTS] = s };
					if
					:: ok -> break
					:: else -> sleep_on_slot(t % SLOTS, s)
					fi
#else
					atomic { s = slot[t % SLOTS] | 1; slot[t % SLOTS] = s };
					if
					:: SV(word) == t -> break
					:: else -> sleep_on_slot(t % SLOTS, s)
					fi
#endif
				fi
			od;
			/* bp_install */
			atomic {
				if
				:: LIM(word) < gd + B -> word = SETLIM(word, gd + B)
				:: else
				fi
			}
		:: else
		fi;
		/* bp_head */
		do
		:: w = word;
			if
			:: !LK(w) ->
				atomic {
					if
					:: word == w -> word = SETSV(w | 1, t + 1); ok = 1;
						overtake_older(t)
					:: else -> ok = 0
					fi
				};
				if
				:: ok ->
					if
					:: NX(w) != t + 1 ->
						atomic {
							old = slot[(t + 1) % SLOTS];
							if
							:: old & 1 -> slot[(t + 1) % SLOTS] = old + 1
							:: else -> slot[(t + 1) % SLOTS] = old + 2
							fi
						};
						if
						:: old & 1 -> atomic { wake_on((t + 1) % SLOTS, 1) }
						:: else
						fi
					:: else
					fi;
					break
				:: else
				fi
			:: else ->
				if
				:: skip /* spin */
				:: /* park */
#if BROKEN == 2
					atomic {
						if
						:: word == w -> word = w | 2; ok = 1
						:: else -> ok = 0
						fi
					};
					seq = head_seq;
#else
					seq = head_seq;
					atomic {
						if
						:: word == w -> word = w | 2; ok = 1
						:: else -> ok = 0
						fi
					};
#endif
					if
					:: ok ->
						atomic {
							if
							:: head_seq == seq -> asleep[_pid] = 1; sleepon[_pid] = HEADQ
							:: else
							fi
						};
						!asleep[_pid]
					:: else
					fi
				fi
			fi
		od;
		ticketed[_pid] = 0;
acquired:
		critical_section();
		/* unlock */
		atomic { w = word; word = w & ~3 };
		if
		:: PK(w) -> head_seq++; atomic { wake_on(HEADQ, 0) }
		:: else
		fi;
		w = 0; ok = 0; s = 0; seq = 0; old = 0; t = 0; gd = 0; barged = 0; q = 0
	od
}

QUIESCENCE_CHECK(!LK(word))
