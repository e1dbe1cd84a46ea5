/* anderson.c — Anderson's array-based queue lock.
 *
 * Algorithm: T. E. Anderson, "The performance of spin lock alternatives for shared-memory
 * multiprocessors" (IEEE TPDS 1(1), 1990), the array-based queueing lock. A thread takes a ticket
 * t with one fetch-add on `next` and spins on its own flag, slot t % AN_SLOTS (one cache line
 * each); the lock is handed over by setting the next slot's flag. The entering thread clears its
 * flag so that the slot can be reused by ticket t + AN_SLOTS. Slot 0 starts set.
 * More threads than slots: in the paper the array has one slot per processor and at most that
 * many threads may wait, because ticket t + AN_SLOTS shares t's slot and could see t's flag
 * (set for t) before t has cleared it: two holders. We make it safe by admission, counted in
 * tickets: the holder of ticket t publishes `entered` = t + 1 after clearing its flag, and ticket
 * u, before it looks at its slot, waits until u - entered < AN_SLOTS, i.e. until ticket
 * u - AN_SLOTS (its slot's previous user) has entered and cleared the flag. Then the only 1 the
 * slot can hold next is the one written for u by the unlock of u - 1. With at most AN_SLOTS
 * threads the condition already holds when it is first read (u - AN_SLOTS has entered, since
 * every ticket between it and u belongs to a different thread), so the admission wait costs one
 * load of `entered`; with more, the extra waiters wait there, in ticket order, behind the
 * AN_SLOTS that own slots. No broken exclusion at any thread count.
 * State: next = next ticket (own line); entered = tickets that have entered, written only by the
 * holder (own line; the holder's ticket is entered - 1, which unlock reads back); flag[i] = 1
 * when slot i's ticket may enter (one line each).
 * Memory order:
 *  - The acquire load of our flag that sees 1 pairs with the release store of 1 in the unlock
 *    of ticket t - 1: the previous critical section happens-before ours.
 *  - Clearing our flag is relaxed: it is published by the release store of `entered` that
 *    follows it, which pairs with the acquire load of `entered` in the admission wait of ticket
 *    t + AN_SLOTS (and in trylock): the clear happens-before that waiter's first look at the slot,
 *    so it cannot read the 1 that the clear overwrote.
 *  - The fetch-add on next is relaxed: it only hands out unique tickets (as ticket.c).
 *  - Unlock reads `entered` relaxed: it is its own write, made while it held the lock.
 *  - trylock: e = entered (acquire: as the admission wait, ticket e - AN_SLOTS has cleared slot
 *    e % AN_SLOTS), then flag[e % AN_SLOTS] (acquire; 1 means ticket e - 1 has released), then a
 *    CAS of next from e to e + 1 (relaxed: the loads synchronized): success means ticket e, whose
 *    slot is set, is ours.
 * Timed acquisition: NOT FIFO. A ticket once taken must be served, so timedlock never takes one:
 * it polls trylock with a bounded doubling back-off until the deadline (deadline.h's
 * lb_poll_trylock_until), taking the lock only when no ticket is outstanding; a steady queue of
 * lock() callers can pass it over until it times out. A past deadline on a held lock returns
 * after one try.
 * Fairness: FIFO in ticket order (the fetch-add is the doorway; the admission wait comes after
 * it and lets tickets through in order), for lock; timedlock is not.
 * Oversubscription: collapses, as every FIFO spinlock: the flag is set for the next ticket even
 * when its thread is preempted.
 * Context: none. Test builds keep the caller's last turn (ticket + 1) in a thread-local.
 * Misuse: an unlock of a lock that is not held sets a flag nobody was granted: two holders
 * later; not detected (as ticket.c).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

/* 16 slots, 1152 bytes per lock: more than the threads we normally run per CPU on the machines
 * we target; more waiters than that wait in the admission step. A power of two, so that the
 * (theoretical) wrap of the 64-bit ticket keeps t % AN_SLOTS continuous. */
enum { AN_SLOTS = 16 };

struct an_slot {
	atomic_uint flag;
} LB_CACHE_ALIGNED;

struct an_lock {
	struct {
		atomic_uint_fast64_t next;
	} LB_CACHE_ALIGNED arrive;
	struct {
		atomic_uint_fast64_t entered;
	} LB_CACHE_ALIGNED held;
	struct an_slot slot[AN_SLOTS];
} LB_CACHE_ALIGNED;

#ifdef LB_TEST_HOOKS
static _Thread_local uint64_t an_last_turn;
#endif

static int an_init(void *lock, unsigned permits)
{
	struct an_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->arrive.next, 0);
	atomic_init(&l->held.entered, 0);
	for (unsigned i = 0; i < AN_SLOTS; i++)
		atomic_init(&l->slot[i].flag, i == 0);
	return 0;
}

static void an_destroy(void *lock)
{
	(void)lock;
}

/* Inside: clear our flag for the slot's next user, then publish that we entered. */
static void an_enter(struct an_lock *l, uint64_t me)
{
	atomic_store_explicit(&l->slot[me % AN_SLOTS].flag, 0, memory_order_relaxed);
	atomic_store_explicit(&l->held.entered, me + 1, memory_order_release);
}

static int an_lock(void *lock, void *ctx)
{
	struct an_lock *l = lock;
	(void)ctx;
	uint64_t me = atomic_fetch_add_explicit(&l->arrive.next, 1, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	an_last_turn = me + 1;
#endif
	/* Admission (see the header): entered <= me always, since ticket me has not entered. */
	while (me - atomic_load_explicit(&l->held.entered, memory_order_acquire) >= AN_SLOTS)
		lb_cpu_relax();
	atomic_uint *flag = &l->slot[me % AN_SLOTS].flag;
	while (!atomic_load_explicit(flag, memory_order_acquire))
		lb_cpu_relax();
	an_enter(l, me);
	return 0;
}

static int an_trylock(void *lock, void *ctx)
{
	struct an_lock *l = lock;
	(void)ctx;
	uint_fast64_t e = atomic_load_explicit(&l->held.entered, memory_order_acquire);
	if (!atomic_load_explicit(&l->slot[e % AN_SLOTS].flag, memory_order_acquire))
		return -EBUSY;
	if (!atomic_compare_exchange_strong_explicit(&l->arrive.next, &e, e + 1, memory_order_relaxed,
						     memory_order_relaxed))
		return -EBUSY;
#ifdef LB_TEST_HOOKS
	an_last_turn = e + 1;
#endif
	an_enter(l, e);
	return 0;
}

/* Not FIFO: see the header. */
static int an_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(an_trylock, lock, ctx, deadline_ns);
}

static int an_unlock(void *lock, void *ctx)
{
	struct an_lock *l = lock;
	(void)ctx;
	/* Relaxed: our own write (see the header). */
	uint64_t next = atomic_load_explicit(&l->held.entered, memory_order_relaxed);
	atomic_store_explicit(&l->slot[next % AN_SLOTS].flag, 1, memory_order_release);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t an_turn(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return an_last_turn;
}
#endif

const struct lb_lock_ops lb_anderson_ops = {
	.name = "anderson",
	.description = "Anderson's array lock: a ticket picks one of 16 flags, one line each (FIFO)",
	.props = LB_SPINS | LB_FIFO,
	.lock_size = sizeof(struct an_lock),
	.lock_align = _Alignof(struct an_lock),
	.init = an_init,
	.destroy = an_destroy,
	.lock = an_lock,
	.unlock = an_unlock,
	.trylock = an_trylock,
	.timedlock = an_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = an_turn,
#endif
};
