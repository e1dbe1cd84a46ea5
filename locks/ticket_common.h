/* ticket_common.h — what ticket (ticket.c) and ticket-faa (ticket_faa.c) share: the lock type,
 * init, lock, trylock, timedlock and the test hook. Everything but unlock, which is where the
 * two differ (a release store vs a release fetch-add on `serving`; each file argues its own).
 * Static inline so that each including file keeps exactly one exported symbol (its ops), and
 * each gets its own copy of the test-only thread-local. Not installed.
 *
 * Algorithm: Reed & Kanodia's sequencers ("Synchronization with eventcounts and sequencers",
 * CACM 1979), as the ticket lock of Mellor-Crummey & Scott ("Algorithms for scalable
 * synchronization on shared-memory multiprocessors", ACM TOCS 1991). A thread takes a ticket
 * with one fetch-add on `next` and spins until `serving` equals it; unlock increments `serving`.
 * trylock takes a ticket only if it would be served at once: it reads `serving` = s and CASes
 * `next` from s to s + 1. If the CAS succeeds, next was s, so no ticket past s - 1 had been
 * issued; serving never passes next and never goes back, so serving is still s: ticket s is
 * ours and is being served.
 * State: next = the next ticket to hand out; serving = the ticket that may hold the lock. Free
 * when they are equal. 64-bit, so neither wraps in practice; with 32 bits, a trylock preempted
 * between its read and its CAS for 2^32 acquisitions would take ticket s while serving is still
 * behind it, and enter while another thread holds the lock.
 * Layout: next and serving are two words of one cache line. Apart (one line each), arrivals
 * would only touch `next` and the spinners' line would change once per handoff; but each
 * handoff then moves two lines between the cores instead of one, and on this 2-CPU VM, where a
 * line takes 55-350 ns to cross, that made ticket about 15 % slower than ck-ticket (one word)
 * at 2 threads (docs/PERFORMANCE.md). The price is paid with many waiters: every arrival's
 * fetch-add invalidates the line they all spin on. Two words, not ck's packed one,
 * because our trylock needs no common word (the argument above) and 64-bit counters do not wrap.
 * Memory order, the shared part: the acquire load of `serving` that sees our ticket pairs with
 * the release write of that value in the previous holder's unlock (ticket.c: a store;
 * ticket_faa.c: a fetch-add), so its critical section happens-before ours.
 * The fetch-add on `next` is relaxed: the ticket's uniqueness comes from the atomicity of the
 * read-modify-write, not from ordering, and no data is published through `next`. In trylock
 * the acquire load of `serving` does the synchronizing, so the CAS may be relaxed. Unlock may
 * write serving + 1 from its own read of `serving` because the holder is its only writer while
 * it holds the lock.
 * Timed acquisition: NOT FIFO. A waiter in the queue cannot leave it (a ticket, once taken, must be
 * served, or every later ticket waits for ever), so timedlock never joins it: it polls trylock with
 * a bounded doubling back-off until the deadline (deadline.h's lb_poll_trylock_until). It takes the
 * lock only at an instant when no ticket is outstanding, and a steady queue of lock() callers can
 * pass it over until it times out. A past deadline on a held lock returns after one try. Orders:
 * trylock's.
 * Fairness: FIFO in ticket order (the fetch-add is the doorway), for lock; timedlock is not.
 * Oversubscription: collapses. Each release goes to exactly one thread, the next in line; when
 * that thread is preempted, the lock stays idle until it is scheduled again, and every waiter
 * behind it spins through its time slice. With 2 CPUs and more threads, handoffs happen at
 * scheduler-tick rate: orders of magnitude slower.
 * Context: none.
 * Test hooks (LB_TEST_HOOKS only): the caller's last turn (ticket + 1) in a thread-local.
 */
#ifndef LB_TICKET_COMMON_H
#define LB_TICKET_COMMON_H

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct ticket_lock {
	atomic_uint_fast64_t next;
	atomic_uint_fast64_t serving; /* the same line as next: see the header */
} LB_CACHE_ALIGNED;

#ifdef LB_TEST_HOOKS
static _Thread_local uint64_t ticket_last_turn;
#endif

static inline int ticket_common_init(void *lock, unsigned permits)
{
	struct ticket_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->next, 0);
	atomic_init(&l->serving, 0);
	return 0;
}

static inline void ticket_common_destroy(void *lock)
{
	(void)lock;
}

static inline int ticket_common_lock(void *lock, void *ctx)
{
	struct ticket_lock *l = lock;
	(void)ctx;
	/* Relaxed: see the header. */
	uint64_t me = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	ticket_last_turn = me + 1;
#endif
	/* Acquire: pairs with the unlock that writes `me` into serving (see the header). */
	while (atomic_load_explicit(&l->serving, memory_order_acquire) != me)
		lb_cpu_relax();
	return 0;
}

static inline int ticket_common_trylock(void *lock, void *ctx)
{
	struct ticket_lock *l = lock;
	(void)ctx;
	/* Acquire load, relaxed CAS: see the header. */
	uint64_t s = atomic_load_explicit(&l->serving, memory_order_acquire);
	uint_fast64_t expected = s;
	if (!atomic_compare_exchange_strong_explicit(&l->next, &expected, s + 1,
						     memory_order_relaxed, memory_order_relaxed))
		return -EBUSY;
#ifdef LB_TEST_HOOKS
	ticket_last_turn = s + 1;
#endif
	return 0;
}

/* Not FIFO: see the header. */
static inline int ticket_common_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ticket_common_trylock, lock, ctx, deadline_ns);
}

#ifdef LB_TEST_HOOKS
#define TICKET_COMMON_OPS_TURN , .turn = ticket_common_turn
#else
#define TICKET_COMMON_OPS_TURN
#endif
/* The ops fields both locks fill alike; the file adds .name, .description and .unlock. */
#define TICKET_COMMON_OPS_FIELDS                                                              \
	.props = LB_SPINS | LB_FIFO, .lock_size = sizeof(struct ticket_lock),                 \
	.lock_align = _Alignof(struct ticket_lock), .init = ticket_common_init,               \
	.destroy = ticket_common_destroy, .lock = ticket_common_lock,                         \
	.trylock = ticket_common_trylock,                                                     \
	.timedlock = ticket_common_timedlock TICKET_COMMON_OPS_TURN

#ifdef LB_TEST_HOOKS
static inline uint64_t ticket_common_turn(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return ticket_last_turn;
}
#endif

#endif
