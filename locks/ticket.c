/* ticket.c — ticket spinlock.
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
 * between its read and its CAS for 2^32 acquisitions would take a ticket still being waited for.
 * Layout: next and serving on separate cache lines. Concurrency Kit keeps them in one word, which
 * lets its trylock be a single CAS of both and keeps the uncontended path on one line; the price
 * is that every arrival's fetch-add invalidates the line that every waiter is spinning on, and
 * steals it from the holder about to store its release. Apart, arrivals only touch `next`, and
 * the spinners' line changes once per handoff, when it must. Our trylock needs no common word
 * (the argument above). The cost is one more line per lock and a second line touched on the
 * uncontended path; ck-ticket is the one-word layout, so the benchmark measures the trade.
 * Memory order: the acquire load of `serving` that sees our ticket pairs with the release store
 * of that value in the previous holder's unlock, so its critical section happens-before ours.
 * The fetch-add on `next` is relaxed: the ticket's uniqueness comes from the atomicity of the
 * read-modify-write, not from ordering, and no data is published through `next`. In trylock
 * the acquire load of `serving` does the synchronizing, so the CAS may be relaxed. In unlock,
 * the holder reads `serving` relaxed: it is the only writer while it holds the lock, and it
 * has already read this value (our acquire load) itself.
 * Fairness: FIFO in ticket order (the fetch-add is the doorway).
 * Oversubscription: collapses. Each release goes to exactly one thread, the next in line; when
 * that thread is preempted, the lock stays idle until it is scheduled again, and every waiter
 * behind it spins through its time slice. With 2 CPUs and more threads, handoffs happen at
 * scheduler-tick rate: orders of magnitude slower.
 * Context: none. Test builds keep the caller's last turn (ticket + 1) in a thread-local.
 */
#include <errno.h>
#include <stdatomic.h>

#include "lock.h"

struct ticket_lock {
	atomic_uint_fast64_t next LB_CACHE_ALIGNED;
	atomic_uint_fast64_t serving LB_CACHE_ALIGNED;
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

static int ticket_unlock(void *lock, void *ctx)
{
	struct ticket_lock *l = lock;
	(void)ctx;
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
	.description = "ticket spinlock: fetch-add a ticket, spin until it is served (FIFO)",
	.props = LB_SPINS | LB_FIFO,
	.lock_size = sizeof(struct ticket_lock),
	.lock_align = _Alignof(struct ticket_lock),
	.init = ticket_init,
	.destroy = ticket_destroy,
	.lock = ticket_lock,
	.unlock = ticket_unlock,
	.trylock = ticket_trylock,
#ifdef LB_TEST_HOOKS
	.turn = ticket_turn,
#endif
};
