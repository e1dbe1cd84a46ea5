/* models: locks/ticket.c sha256: 7372b45c5be46f545a2af6243bd9166471b4a6df68f09412cc4a00dca615a4c8 */
/* models: locks/ticket_faa.c sha256: 69c244fcc9557763bd3393e345ebeb359e22bff76b292de85063901fa66d5241 */
/* models: locks/ticket_common.h sha256: f593a63600a9f9009106f492b0d8b0df128905d47484920e7cb57b6641550c1b */
/* ticket.pml — the ticket spinlocks of locks/ticket.c (ticket) and locks/ticket_faa.c
 * (ticket-faa, -DFAA). They differ only in unlock: a load and a store of serving + 1, or one
 * fetch-add; with one writer of `serving` (the holder) the two store the same value, and the
 * model checks both so that the claim is checked rather than assumed.
 *
 * State: `next` (the next ticket to hand out) and `serving` (the ticket that may hold the lock).
 * lock():    me = fetch_add(next, 1); spin until load(serving) == me.
 * trylock(): s = load(serving); compare_exchange(next, s -> s + 1); holds if it succeeded,
 *            else -EBUSY.
 * unlock():  s = load(serving); store(serving, s + 1).      (ticket)
 *            fetch_add(serving, 1).                        (ticket-faa, -DFAA)
 * Each round a process calls lock(), or, with TRYLOCK, lock() or trylock() (a failed trylock
 * ends the round without entering).
 * The counters: the C file's are 64-bit and never wrap in practice. Two models of them:
 *  - default: modulo TMOD = N + 1. For lock() alone that is the same arithmetic, since at most
 *    N tickets are ever outstanding; it keeps the state space finite for the infinite runs the
 *    starvation-freedom claims need.
 *  - ROUNDS: no modulo; each process runs ROUNDS rounds, so the counters stay below
 *    N * ROUNDS + 1 and behave exactly as 64-bit ones do. This is how trylock is checked:
 *    its argument ("if the CAS succeeds, next was s, so serving is still s") relies on the
 *    counters not wrapping between its load and its CAS.
 * With TRYLOCK and the modulo counters that argument fails, and spin finds the interleaving:
 * a trylock that sleeps between its load and its CAS while TMOD tickets go by takes a ticket
 * that is not being served. That is the header's 32-bit caveat, shown (the runner expects the
 * violation).
 * timedlock(): polls trylock() until the deadline (locks/deadline.h): a run of trylock()
 * calls, each of which either succeeds or changes nothing. It does not change the protocol:
 * the TRYLOCK configurations, where each failed trylock ends a round, cover it.
 * Abstractions: cpu_relax changes nothing; the LB_TEST_HOOKS turn record is left out.
 *
 * Checked: mutual exclusion (lock, and lock + trylock); starvation freedom of lock().
 * BROKEN == 1: the fetch-add is a load then a store: two processes draw the same ticket and
 *   enter together.
 */
#include "common.pml"

#ifdef ROUNDS
#define INC(x) ((x) + 1)
#else
#define INC(x) (((x) + 1) % (N + 1))
#endif

byte next, serving;

active [N] proctype P()
{
	byte me, s;
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
#if BROKEN == 1
			me = next;
			next = INC(me);
#else
			atomic { me = next; next = INC(next) };
#endif
			do
			:: serving == me -> break
			:: else -> skip /* cpu_relax */
			od;
			ok = 1
#ifdef TRYLOCK
		:: s = serving;
			atomic {
				if
				:: next == s -> next = INC(s); ok = 1
				:: else -> ok = 0
				fi
			}
#endif
		fi;
		if
		:: ok ->
			critical_section();
#ifdef FAA
			atomic { serving = INC(serving) }
#else
			s = serving;
			serving = INC(s)
#endif
		:: else
		fi;
		me = 0; s = 0; ok = 0
	od
}
