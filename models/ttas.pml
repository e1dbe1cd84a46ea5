/* models: locks/ttas.c sha256: f6ee47e90a3ecef63c72e043955fcd5a69b6ba25e6059e09d30f2b6f6e3d7e75 */
/* ttas.pml — the test-and-test-and-set spinlock with exponential backoff of locks/ttas.c.
 *
 * State: `held`, 0 free, 1 held.
 * lock():   repeat: spin while load(held) != 0; if exchange(held, 1) == 0, done; else back off.
 * unlock(): store(held, 0).
 * trylock(): if load(held) != 0: -EBUSY; else the exchange: one iteration of lock()'s loop,
 * not modelled separately (its success is lock()'s, its failure changes nothing).
 * timedlock(): lock()'s loops, reading the clock now and then, that may stop after a read or
 * a failed exchange (which writes 1 over 1): neither changes the state, so a timedlock that
 * gives up is a lock() that stuttered and left: not modelled separately.
 * Abstractions: the backoff (a bounded, growing number of cpu_relax) is a delay, and a delay
 * is a stutter in an interleaving model: it is left out, and every interleaving a delay could
 * produce is still explored. cpu_relax changes nothing.
 *
 * Checked: mutual exclusion. Like tas, it is not starvation free, and the runner shows it.
 * BROKEN == 1: after reading 0 the waiter takes the lock with a plain store instead of the
 *   exchange: two readers of 0 both enter.
 */
#include "common.pml"

byte held;

active [N] proctype P()
{
	byte old;
	do
	:: want[_pid] = 1;
		do
		:: do
			:: held == 0 -> break
			:: else -> skip /* cpu_relax */
			od;
#if BROKEN == 1
			held = 1;
			old = 0;
#else
			atomic { old = held; held = 1 };
#endif
			if
			:: old == 0 -> break
			:: else -> skip /* backoff */
			fi
		od;
		critical_section();
		held = 0
	od
}
