/* twa.c — TWA: a ticket lock augmented with a waiting array.
 *
 * Algorithm: Dice & Kogan, "TWA — Ticket Locks Augmented with a Waiting Array" (Euro-Par 2019).
 * A ticket lock (ticket.c) in which only the waiter next in line (distance 1 from `grant`, the
 * "short-term" waiter) spins on the lock's grant word. A waiter further back ("long-term") spins
 * instead on one slot of a waiting array shared by every TWA lock in the process, chosen by
 * hashing the lock's address and its ticket; unlock, after advancing grant to k, bumps the slot
 * of ticket k + TWA_THRESHOLD, the ticket that has just become short-term. The long-term waiter
 * sees its slot change, re-reads grant, and moves to the grant word. The point: a handoff
 * invalidates the grant line in one or two caches instead of in every waiter's, and long-term
 * waiters, spread over the array, barely touch shared lines. Departures from the paper: unlock is
 * a fetch-add on grant, as ticket.c's and for its reason; a long-term waiter also re-reads grant
 * every TWA_RECHECK_SPINS pauses (see "Missed notifications" below); the array has TWA_SLOTS = 4096
 * 32-bit slots, as in the paper, not padded: slots that share a line only cause wake-ups that
 * re-read grant and go back to waiting.
 * State: ticket = the next ticket to hand out; grant = the ticket that may hold the lock (one
 * line, as ticket.c: see there); twa_wait[] = the global waiting array of notification counters.
 * Free when ticket == grant.
 * Memory order:
 *  - The acquire load of grant that sees our ticket pairs with the release fetch-add on grant in
 *    the previous holder's unlock: its critical section happens-before ours.
 *  - The notification: unlock's release fetch-add on the slot comes after its grant fetch-add in
 *    program order. A long-term waiter loads the slot (acquire), then re-reads grant, then waits
 *    for the slot to differ from what it loaded. Either its slot load read the bump (or a later
 *    value), and then the acquire synchronizes with the release bump, so the grant advance
 *    happens-before its grant re-read, which sees it; or its slot load preceded the bump in the
 *    slot's modification order, and then it will see the slot change. Both ways it cannot wait on
 *    a slot while the grant it is waiting for is already there and unannounced (the spin model
 *    models/twa.pml checks this; its broken variant bumps before advancing grant and loses the
 *    wake-up).
 *  - The fetch-add on ticket is relaxed (only uniqueness matters, as ticket.c); trylock is
 *    ticket.c's: the acquire load of grant synchronizes, the CAS of ticket may be relaxed.
 * Missed notifications: the slot is a 32-bit counter. A long-term waiter preempted while its slot
 * is bumped exactly 2^32 times would read its old value again and wait for a bump that may never
 * come; sharing the array across locks makes that only astronomically unlikely, not impossible.
 * So the long-term wait re-reads grant every TWA_RECHECK_SPINS (1024) pauses: a lost wake-up costs
 * at most that, and the re-read is rare enough not to bring back the shared-line traffic.
 * Timed acquisition: NOT FIFO. A ticket, once taken, must be served, so timedlock never takes
 * one: it polls trylock with a bounded doubling back-off until the deadline (deadline.h's
 * lb_poll_trylock_until), taking the lock only when no ticket is outstanding; a steady queue of
 * lock() callers can pass it over until it times out. A past deadline on a held lock returns
 * after one try.
 * Fairness: FIFO in ticket order (the fetch-add is the doorway), for lock; timedlock is not.
 * Oversubscription: collapses, as ticket.c: the grant goes to the next ticket even when its
 * thread is preempted. The waiting array does not help there; it only saves coherence traffic.
 * Context: none. Test builds keep the caller's last turn (ticket + 1) in a thread-local.
 * Misuse: an unlock of a lock that is not held grants a ticket nobody was given: not detected
 * (as ticket.c).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

/* A waiter whose ticket is more than TWA_THRESHOLD ahead of grant is long-term. The paper's 1:
 * only the next in line watches grant. */
enum { TWA_THRESHOLD = 1 };
enum { TWA_SLOTS = 4096 }; /* a power of two */
enum { TWA_RECHECK_SPINS = 1024 };

/* Shared by every TWA lock of the process, as the paper's; aligned so that it starts a line. */
static atomic_uint twa_wait[TWA_SLOTS] LB_CACHE_ALIGNED;

struct twa_lock {
	atomic_uint_fast64_t ticket;
	atomic_uint_fast64_t grant; /* the same line as ticket: see ticket.c */
} LB_CACHE_ALIGNED;

#ifdef LB_TEST_HOOKS
static _Thread_local uint64_t twa_last_turn;
#endif

/* The slot of (lock, ticket): consecutive tickets of one lock land on different lines (16 slots
 * of 4 bytes per line, hence the factor 17 spreading them), different locks elsewhere. */
static atomic_uint *twa_slot(const struct twa_lock *l, uint64_t ticket)
{
	uint64_t h = ((uint64_t)(uintptr_t)l >> 6) * UINT64_C(0x9e3779b97f4a7c15) + ticket * 17;
	return &twa_wait[(h ^ (h >> 29)) & (TWA_SLOTS - 1)];
}

static int twa_init(void *lock, unsigned permits)
{
	struct twa_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->ticket, 0);
	atomic_init(&l->grant, 0);
	return 0;
}

static void twa_destroy(void *lock)
{
	(void)lock;
}

/* Long-term wait: until our ticket is within TWA_THRESHOLD of grant (see the header). */
static void twa_wait_long(struct twa_lock *l, uint64_t me)
{
	atomic_uint *slot = twa_slot(l, me);
	for (;;) {
		unsigned seen = atomic_load_explicit(slot, memory_order_acquire);
		/* Relaxed: the slot's acquire above orders this read after any bump it saw, and
		 * only the short-term spin below needs to synchronize with the holder. */
		uint64_t g = atomic_load_explicit(&l->grant, memory_order_relaxed);
		if (me - g <= TWA_THRESHOLD)
			return;
		for (unsigned i = 1; i % TWA_RECHECK_SPINS != 0; i++) {
			/* Relaxed: a change only sends us back to re-read with acquire. */
			if (atomic_load_explicit(slot, memory_order_relaxed) != seen)
				break;
			lb_cpu_relax();
		}
	}
}

static int twa_lock(void *lock, void *ctx)
{
	struct twa_lock *l = lock;
	(void)ctx;
	uint64_t me = atomic_fetch_add_explicit(&l->ticket, 1, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	twa_last_turn = me + 1;
#endif
	uint64_t g = atomic_load_explicit(&l->grant, memory_order_acquire);
	if (g == me)
		return 0;
	if (me - g > TWA_THRESHOLD)
		twa_wait_long(l, me);
	while (atomic_load_explicit(&l->grant, memory_order_acquire) != me)
		lb_cpu_relax();
	return 0;
}

static int twa_trylock(void *lock, void *ctx)
{
	struct twa_lock *l = lock;
	(void)ctx;
	uint64_t g = atomic_load_explicit(&l->grant, memory_order_acquire);
	uint_fast64_t expected = g;
	if (!atomic_compare_exchange_strong_explicit(&l->ticket, &expected, g + 1,
						     memory_order_relaxed, memory_order_relaxed))
		return -EBUSY;
#ifdef LB_TEST_HOOKS
	twa_last_turn = g + 1;
#endif
	return 0;
}

/* Not FIFO: see the header. */
static int twa_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(twa_trylock, lock, ctx, deadline_ns);
}

static int twa_unlock(void *lock, void *ctx)
{
	struct twa_lock *l = lock;
	(void)ctx;
	uint64_t k = atomic_fetch_add_explicit(&l->grant, 1, memory_order_release) + 1;
	/* Ticket k + TWA_THRESHOLD is now short-term: wake it if it waits on its slot. Release:
	 * pairs with the waiter's acquire load of the slot, so the grant advance above is seen. */
	atomic_fetch_add_explicit(twa_slot(l, k + TWA_THRESHOLD), 1, memory_order_release);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t twa_turn(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return twa_last_turn;
}
#endif

const struct lb_lock_ops lb_twa_ops = {
	.name = "twa",
	.description = "TWA: ticket lock, waiters beyond the next spin on a global waiting array (FIFO)",
	.props = LB_SPINS | LB_FIFO,
	.lock_size = sizeof(struct twa_lock),
	.lock_align = _Alignof(struct twa_lock),
	.init = twa_init,
	.destroy = twa_destroy,
	.lock = twa_lock,
	.unlock = twa_unlock,
	.trylock = twa_trylock,
	.timedlock = twa_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = twa_turn,
#endif
};
