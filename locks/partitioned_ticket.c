/* partitioned_ticket.c — partitioned ticket lock.
 *
 * Algorithm: Dice, "Brief announcement: a partitioned ticket lock" (SPAA 2011). A ticket lock
 * whose single `serving` word is split into PT_SLOTS grant slots, one cache line each: ticket t
 * waits on slot t % PT_SLOTS until that slot holds t, and unlock writes t + 1 into slot
 * (t + 1) % PT_SLOTS. Consecutive waiters therefore spin on different lines, and a handoff
 * invalidates only the line of the one thread it is meant for (ticket.c's handoff invalidates
 * the line every waiter spins on). Arrivals still meet on `next`, which sits on its own line.
 * State: next = the next ticket to hand out (its own line); grant[i] = the last ticket granted
 * through slot i (one line each); owner = the holder's ticket, written by each holder inside
 * its critical section so that unlock knows which slot comes next (plain: only holders touch it,
 * and the handoff orders one holder's accesses before the next one's). Slot 0 starts at 0 (ticket
 * 0 may enter); every other slot i starts at UINT64_MAX, a value no ticket ever waits for.
 * Why the slots hold whole tickets, not flags: a slot is shared by tickets t, t + PT_SLOTS,
 * t + 2 * PT_SLOTS, … and each waits for its own 64-bit value, which is written once (by the
 * unlock of the ticket before it) and never again before that waiter has entered. So more
 * threads than slots is safe with no admission control: extra waiters share a slot and a line,
 * as in a plain ticket lock, and wait for a value that is not theirs to pass. 64-bit tickets do
 * not wrap in practice (as ticket.c).
 * Memory order: the acquire load of grant[t % PT_SLOTS] that sees t pairs with the release store
 * of t in the previous holder's unlock: its critical section (and its write of owner) happens-
 * before ours. The fetch-add on `next` is relaxed: it only hands out unique tickets, publishes
 * nothing (as ticket.c). trylock: it reads n = next (relaxed: a guess that the CAS checks), then
 * grant[n % PT_SLOTS] with acquire; if that slot holds n, ticket n - 1 has released (its unlock is
 * the only writer of the value n), and the CAS of next from n to n + 1 (relaxed: the acquire
 * load did the synchronizing) makes ticket n ours. If next moved in between, the CAS fails.
 * Timed acquisition: NOT FIFO. A ticket once taken must be served (the slot it would be granted
 * through is written by the unlock before it, whether or not anyone waits), so timedlock never
 * takes one: it polls trylock with a bounded doubling back-off until the deadline
 * (deadline.h's lb_poll_trylock_until). It takes the lock only when no ticket is outstanding,
 * and a steady queue of lock() callers can pass it over until it times out. A past deadline on a
 * held lock returns after one try.
 * Fairness: FIFO in ticket order (the fetch-add is the doorway), for lock; timedlock is not.
 * Oversubscription: collapses, as every FIFO spinlock: the grant goes to the next ticket even
 * when its thread is preempted, and all the waiters behind it spin through their time slices.
 * Context: none. Test builds keep the caller's last turn (ticket + 1) in a thread-local.
 * Misuse: an unlock of a lock that is not held grants a ticket nobody was given, after which the
 * lock admits two holders at once: not detected (as ticket.c).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

/* 8 lines: enough that, on the machines we run, consecutive waiters never share a slot (more
 * waiters than slots only makes some share a line); 640 bytes per lock. A power of two, so
 * that ticket % PT_SLOTS is a mask and survives the (theoretical) wrap of 64-bit tickets. */
enum { PT_SLOTS = 8 };

struct pt_slot {
	atomic_uint_fast64_t grant;
} LB_CACHE_ALIGNED;

struct pt_lock {
	struct {
		atomic_uint_fast64_t next;
	} LB_CACHE_ALIGNED arrive;
	struct {
		uint64_t owner; /* only the holder reads or writes it */
	} LB_CACHE_ALIGNED held;
	struct pt_slot slot[PT_SLOTS];
} LB_CACHE_ALIGNED;

#ifdef LB_TEST_HOOKS
static _Thread_local uint64_t pt_last_turn;
#endif

static int pt_init(void *lock, unsigned permits)
{
	struct pt_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->arrive.next, 0);
	l->held.owner = 0;
	atomic_init(&l->slot[0].grant, 0);
	for (unsigned i = 1; i < PT_SLOTS; i++)
		atomic_init(&l->slot[i].grant, UINT64_MAX);
	return 0;
}

static void pt_destroy(void *lock)
{
	(void)lock;
}

static int pt_lock(void *lock, void *ctx)
{
	struct pt_lock *l = lock;
	(void)ctx;
	uint64_t me = atomic_fetch_add_explicit(&l->arrive.next, 1, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	pt_last_turn = me + 1;
#endif
	atomic_uint_fast64_t *g = &l->slot[me % PT_SLOTS].grant;
	while (atomic_load_explicit(g, memory_order_acquire) != me)
		lb_cpu_relax();
	l->held.owner = me;
	return 0;
}

static int pt_trylock(void *lock, void *ctx)
{
	struct pt_lock *l = lock;
	(void)ctx;
	/* Relaxed: a guess; the CAS below checks it. */
	uint_fast64_t n = atomic_load_explicit(&l->arrive.next, memory_order_relaxed);
	if (atomic_load_explicit(&l->slot[n % PT_SLOTS].grant, memory_order_acquire) != n)
		return -EBUSY;
	if (!atomic_compare_exchange_strong_explicit(&l->arrive.next, &n, n + 1, memory_order_relaxed,
						     memory_order_relaxed))
		return -EBUSY;
#ifdef LB_TEST_HOOKS
	pt_last_turn = n + 1;
#endif
	l->held.owner = n;
	return 0;
}

/* Not FIFO: see the header. */
static int pt_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(pt_trylock, lock, ctx, deadline_ns);
}

static int pt_unlock(void *lock, void *ctx)
{
	struct pt_lock *l = lock;
	(void)ctx;
	uint64_t next = l->held.owner + 1;
	atomic_store_explicit(&l->slot[next % PT_SLOTS].grant, next, memory_order_release);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t pt_turn(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return pt_last_turn;
}
#endif

const struct lb_lock_ops lb_partitioned_ticket_ops = {
	.name = "partitioned-ticket",
	.description = "Dice's partitioned ticket lock: waiters spin on 8 grant slots, one line each (FIFO)",
	.props = LB_SPINS | LB_FIFO,
	.lock_size = sizeof(struct pt_lock),
	.lock_align = _Alignof(struct pt_lock),
	.init = pt_init,
	.destroy = pt_destroy,
	.lock = pt_lock,
	.unlock = pt_unlock,
	.trylock = pt_trylock,
	.timedlock = pt_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = pt_turn,
#endif
};
