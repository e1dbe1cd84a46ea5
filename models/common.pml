/* common.pml — what every model shares: the process count, the critical-section bookkeeping
 * the properties talk about, and the futex primitives. Included by each model; not a model.
 *
 * Processes are `active [N] proctype`, so a process's id is its _pid, 0 .. N-1. N comes from the
 * runner (spin -DN=3); models that need more than two processes for a property say so.
 *
 * Promela interleaves whole statements under sequential consistency. A C11 atomic
 * read-modify-write is one `atomic { }` (or d_step) block; a plain atomic load or store is one
 * statement. Nothing here checks memory orders: that is the ThreadSanitizer negative control's
 * job (see models/README.md).
 */
#ifndef N
#define N 2
#endif

bool want[N];  /* waiting: set at the first step of lock(), cleared as the process enters */
bool cs[N];    /* in the critical section */
byte incs;     /* how many processes are in a critical section */

/* Entering: in one step the process stops waiting and is inside, so that the claims below
 * never see a state where it is neither (which would let a process that has already been
 * served count as still waiting). */
/* ON_ENTER: ghost bookkeeping a model does in that same step (qspinlock's FIFO check). */
#ifndef ON_ENTER
#define ON_ENTER skip
#endif
inline enter_cs()
{
	atomic { want[_pid] = 0; cs[_pid] = 1; ON_ENTER }
}

/* The critical section. The assertion is the mutual-exclusion property (CAP = 1 for mutexes;
 * the bounded semaphore model sets CAP to its permits). */
#ifndef CAP
#define CAP 1
#endif
inline critical_section()
{
	enter_cs();
	incs++;
	assert(incs <= CAP);
	incs--;
	cs[_pid] = 0
}

/* Starvation freedom, one formula per process: whoever starts lock() gets in. Checked with
 * `pan -a -f` (weak fairness: a process that can move forever eventually moves), one claim at a
 * time (`pan -N sf0`). By symmetry one would do; the runner checks all of them. */
ltl sf0 { [] (want[0] -> <> cs[0]) }
ltl sf1 { [] (want[1] -> <> cs[1]) }
#if N > 2
ltl sf2 { [] (want[2] -> <> cs[2]) }
#endif

/* --- futex ---------------------------------------------------------------------------------
 * The kernel's futex wait queue for one word, abstracted to a bit per process:
 *   futex_wait(word, val): atomically, if word == val then queue the caller, and the caller
 *     then blocks until a futex_wake dequeues it; otherwise return at once (EAGAIN). The
 *     kernel's hash-bucket lock is what makes the check-and-queue one step.
 *   futex_wake(word, 1): dequeue one queued process, any one (Linux wakes in roughly FIFO
 *     order; any order is a superset), or do nothing when none is queued.
 * Spurious wake-ups (EINTR, a stale wake) are not modelled: they could only wake a sleeper
 * and would hide exactly the lost wake-up the quiescence check looks for. The C code loops
 * around futex_wait anyway, so it tolerates them. */
bool asleep[N];

inline futex_wait(word, val)
{
	atomic {
		if
		:: word == val -> asleep[_pid] = 1
		:: else -> skip
		fi
	};
	!asleep[_pid]
}

inline futex_wake_one()
{
	atomic {
		if
		:: asleep[0] -> asleep[0] = 0
		:: asleep[1] -> asleep[1] = 0
#if N > 2
		:: asleep[2] -> asleep[2] = 0
#endif
		:: else -> skip
		fi
	}
}

/* futex_wait with an absolute timeout (FUTEX_WAIT_BITSET), as timedlock uses it: the
 * check-and-queue of futex_wait; then the caller either is woken by a futex_wake, or its timer
 * fires while it is still queued, in which case it dequeues itself and timedout = 1 (ETIMEDOUT).
 * A process that a wake has dequeued is never reported as timed out, even if its timer has
 * fired too: the kernel's rule (kernel/futex/waitwake.c, "If we were woken (and unqueued), we
 * succeeded, whatever"), which is what keeps a waiter that gives up from taking a wake-up with
 * it. The timer may fire at any moment: nondeterministic, as it is to the lock. */
inline futex_wait_timed(word, val, timedout)
{
	atomic {
		if
		:: word == val -> asleep[_pid] = 1
		:: else -> skip
		fi
	};
	if
	:: !asleep[_pid] -> skip
	:: atomic { asleep[_pid] -> asleep[_pid] = 0; timedout = 1 }
	fi
}

#if N > 2
#define ANYONE_ASLEEP (asleep[0] || asleep[1] || asleep[2])
#else
#define ANYONE_ASLEEP (asleep[0] || asleep[1])
#endif

/* No lost wake-up: when every process that can still move has finished its ROUNDS, nobody is
 * left asleep on the futex (and the lock is free). `timeout` is Promela's "no other statement
 * in the whole system is executable". A model that uses this runs its processes for ROUNDS
 * acquisitions each instead of forever, so that quiescence is reachable. */
#define QUIESCENCE_CHECK(lockfree) \
active proctype quiescence() \
{ \
	timeout -> assert(!ANYONE_ASLEEP); assert(lockfree) \
}
