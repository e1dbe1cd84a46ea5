/* models: locks/twa.c sha256: a8b7b831801e0a47346e8b46ae5029a9d7c38a22144b377e830d27f5e838108b */
/* twa.pml — TWA, the ticket lock with a waiting array, of locks/twa.c.
 *
 * State: `ticket` (next ticket to hand out), `grant` (the ticket that may hold the lock), and
 * the waiting array `wa[WA]` of notification counters. The hash of (lock, ticket) is
 * ticket % WA: with WA = 2, consecutive tickets use different slots, as the C hash spreads them.
 * lock():    me = fetch_add(ticket, 1); g = load(grant); if g == me: enter.
 *            if me - g > THRESHOLD (long-term): loop { seen = load(wa[me % WA]);
 *              g = load(grant); if me - g <= THRESHOLD: break; spin while load(wa[..]) == seen }.
 *            spin until load(grant) == me.
 * trylock(): ticket.c's: s = load(grant); compare_exchange(ticket, s -> s + 1).
 * unlock():  k = fetch_add(grant, 1) + 1; fetch_add(wa[(k + THRESHOLD) % WA], 1).
 * THRESHOLD is the C file's 1: with N = 3 the third process in line is long-term.
 * Counters: modulo TMOD = 4 for the infinite runs (at most N = 3 tickets are outstanding, and
 * TMOD is a multiple of WA so that the slot of a ticket does not depend on the wrap), the slot
 * counters modulo 4 (between a long-term waiter's read of its slot and its move to grant, its slot
 * is bumped at most twice with N = 3, so no wrap can hide a bump). With ROUNDS, no modulo (for
 * trylock, as ticket.pml explains).
 * Abstractions: the C long-term wait also re-reads grant every TWA_RECHECK_SPINS pauses, a safety
 * net for a slot counter that wraps all the way round; the model leaves it out, so that the check
 * shows that the notification protocol alone wakes every long-term waiter (with the re-read, a
 * missed notification would only cost time, and nothing could catch BROKEN == 1). cpu_relax
 * changes nothing; the LB_TEST_HOOKS turn record is left out. Spin loops that only read are
 * blocking guards on their exit condition (each stays true once true, until the spinner moves),
 * except the slot wait, which is a guard on "the slot differs from seen": also stable, as the
 * counter only moves forward within the 4 values.
 *
 * Checked: mutual exclusion (lock; lock + trylock); starvation freedom of lock() (which here
 * also means no lost notification: a long-term waiter that misses its bump waits for ever).
 * BROKEN == 1: unlock bumps the slot before it advances grant (a missed notification): the
 *   long-term waiter reads the bumped slot, then the old grant, and waits for a bump that has
 *   already happened (starvation freedom fails).
 */
#include "common.pml"

#define THRESHOLD 1
#define WA 2
#ifdef ROUNDS
#define INC(x) ((x) + 1)
#define DIST(a, b) ((a) - (b))
#define BUMP(x) ((x) + 1)
#else
#define TMOD 4
#define INC(x) (((x) + 1) % TMOD)
#define DIST(a, b) (((a) + TMOD - (b)) % TMOD)
#define BUMP(x) (((x) + 1) % 4)
#endif

byte ticket, grant;
byte wa[WA];

active [N] proctype P()
{
	byte me, g, seen, k;
	bool ok;
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
			atomic { me = ticket; ticket = INC(ticket) };
			g = grant;
			if
			:: g != me && DIST(me, g) > THRESHOLD ->
				do
				:: seen = wa[me % WA];
					g = grant;
					if
					:: DIST(me, g) <= THRESHOLD -> break
					:: else -> wa[me % WA] != seen
					fi
				od
			:: else
			fi;
			grant == me;
			ok = 1
#ifdef TRYLOCK
		:: g = grant;
			atomic {
				if
				:: ticket == g -> ticket = INC(g); ok = 1
				:: else -> ok = 0
				fi
			}
#endif
		fi;
		if
		:: ok ->
			critical_section();
#if BROKEN == 1
			k = INC(grant);
			wa[INC(k) % WA] = BUMP(wa[INC(k) % WA]);
			grant = k
#else
			atomic { k = INC(grant); grant = k };
			wa[INC(k) % WA] = BUMP(wa[INC(k) % WA])
#endif
		:: else
		fi;
		atomic { me = 0; g = 0; seen = 0; k = 0; ok = 0 }
	od
}
