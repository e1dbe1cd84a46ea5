/* models: locks/tas.c sha256: 9da56470a3a469714f1341d7f7072126d7c17a0096a83ae223fb3603d6c60efc */
/* tas.pml — the test-and-set spinlock of locks/tas.c.
 *
 * State: `held`, 0 free, 1 held, as in the C file.
 * lock():    repeat: old = exchange(held, 1); if old == 0, done; else cpu_relax.
 * unlock():  store(held, 0).
 * trylock(): one exchange; not modelled separately: it is the first iteration of lock().
 * timedlock(): lock()'s loop, reading the clock now and then, that may stop after a failed
 * exchange. A failed exchange on a held lock writes 1 over 1 and changes nothing, so a
 * timedlock that gives up is a lock() that stuttered and left: no new state, not modelled.
 * Abstractions: cpu_relax is a step that changes nothing; the LB_TEST_HOOKS doorway counter
 * (test-only arrival order) is left out, it does not touch the lock word.
 *
 * Checked: mutual exclusion (assertion in critical_section). Starvation freedom is NOT a
 * property of this lock, and the runner shows it: spin finds a fair cycle in which one
 * process's exchange always lands while the other holds the lock.
 * BROKEN == 1: the exchange is split into a load and a store (test, then set): two processes both
 * read 0 and both enter.
 */
#include "common.pml"

byte held;

active [N] proctype P()
{
	byte old;
	do
	:: want[_pid] = 1;
		do
		::
#if BROKEN == 1
			old = held;
			held = 1;
#else
			atomic { old = held; held = 1 };
#endif
			if
			:: old == 0 -> break
			:: else -> skip /* cpu_relax */
			fi
		od;
		critical_section();
		held = 0
	od
}
