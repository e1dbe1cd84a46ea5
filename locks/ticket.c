/* ticket.c — ticket spinlock, unlock by a plain store (ticket; ticket-faa is the fetch-add one).
 *
 * Which ticket is which: `ticket`, this file, unlocks with a load and a release store of
 * serving + 1: no read-modify-write, so an uncontended lock+unlock is one locked instruction
 * (the fetch-add on `next`). `ticket-faa` (ticket_faa.c) unlocks with a fetch-add on `serving`,
 * which an earlier measurement found about 10 % faster at 2 threads (the handoff argument
 * below) and which costs 30-40 % at 1 thread. Of the variants tried for both, two lost 15-30 %
 * of the store's 1-thread throughput (store when `next` shows no waiter, else fetch-add; keep
 * the holder's ticket in the lock and store it + 1 without the load); a write prefetch of the
 * line before the load kept it in one run of two (0.86, 1.01), but needs an instruction plain
 * x86-64 code does not emit, and no variant's 2-thread side could be measured under that
 * session's load (docs/PERFORMANCE.md, "ticket and clh"). So both locks are kept.
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
 * Unlock is a load of `serving` and a release store of it + 1, not a fetch-add: the holder is the
 * only writer of `serving`, so no read-modify-write is needed, and at one thread the line is in
 * our cache and the two are a few cycles where a locked instruction is about twenty. With a
 * waiter spinning on the line, the load may fetch it shared and the store then upgrade it, two
 * coherence round trips on the handoff where a fetch-add makes one: that is ticket-faa's case.
 * Memory order: the acquire load of `serving` that sees our ticket pairs with the release
 * store of that value in the previous holder's unlock, so its critical section
 * happens-before ours.
 * The fetch-add on `next` is relaxed: the ticket's uniqueness comes from the atomicity of the
 * read-modify-write, not from ordering, and no data is published through `next`. In trylock
 * the acquire load of `serving` does the synchronizing, so the CAS may be relaxed. Unlock's load
 * of `serving` is relaxed: the holder is its only writer while it holds the lock, and its own
 * last write (or the acquire load that let it in) is what coherence returns, so the store writes
 * exactly the next ticket; the store is release and pairs with that ticket's acquire load as
 * above.
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
 * Context: none. Test builds keep the caller's last turn (ticket + 1) in a thread-local.
 */
#include <errno.h>
#include <stdatomic.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct ticket_lock {
	atomic_uint_fast64_t next;
	atomic_uint_fast64_t serving; /* the same line as next: see the header */
} LB_CACHE_ALIGNED;

#ifdef LB_TEST_HOOKS
static _Thread_local uint64_t ticket_last_turn;
#endif

static int ticket_init(void *lock, unsigned permits)
{
	struct ticket_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->next, 0);
	atomic_init(&l->serving, 0);
	return 0;
}

static void ticket_destroy(void *lock)
{
	(void)lock;
}

static int ticket_lock(void *lock, void *ctx)
{
	struct ticket_lock *l = lock;
	(void)ctx;
	uint64_t me = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	ticket_last_turn = me + 1;
#endif
	while (atomic_load_explicit(&l->serving, memory_order_acquire) != me)
		lb_cpu_relax();
	return 0;
}

static int ticket_trylock(void *lock, void *ctx)
{
	struct ticket_lock *l = lock;
	(void)ctx;
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
static int ticket_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ticket_trylock, lock, ctx, deadline_ns);
}

static int ticket_unlock(void *lock, void *ctx)
{
	struct ticket_lock *l = lock;
	(void)ctx;
	/* Relaxed load, release store: see the header. */
	uint64_t s = atomic_load_explicit(&l->serving, memory_order_relaxed);
	atomic_store_explicit(&l->serving, s + 1, memory_order_release);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t ticket_turn(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return ticket_last_turn;
}
#endif

const struct lb_lock_ops lb_ticket_ops = {
	.name = "ticket",
	.description = "ticket spinlock: fetch-add a ticket, spin until it is served, store to unlock (FIFO)",
	.props = LB_SPINS | LB_FIFO,
	.lock_size = sizeof(struct ticket_lock),
	.lock_align = _Alignof(struct ticket_lock),
	.init = ticket_init,
	.destroy = ticket_destroy,
	.lock = ticket_lock,
	.unlock = ticket_unlock,
	.trylock = ticket_trylock,
	.timedlock = ticket_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = ticket_turn,
#endif
};
