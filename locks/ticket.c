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
 * The algorithm (Reed & Kanodia 1979; Mellor-Crummey & Scott 1991), its state, layout, lock,
 * trylock, timedlock, fairness, oversubscription and the memory-order argument for everything
 * but unlock are in ticket_common.h, shared with ticket_faa.c. This file departs only in unlock.
 * Unlock is a load of `serving` and a release store of it + 1, not a fetch-add: the holder is the
 * only writer of `serving`, so no read-modify-write is needed, and at one thread the line is in
 * our cache and the two are a few cycles where a locked instruction is about twenty. With a
 * waiter spinning on the line, the load may fetch it shared and the store then upgrade it, two
 * coherence round trips on the handoff where a fetch-add makes one: that is ticket-faa's case.
 * Memory order of unlock: the load of `serving` is relaxed: the holder is its only writer while
 * it holds the lock, and its own last write (or the acquire load that let it in) is what
 * coherence returns, so the store writes exactly the next ticket; the store is release and
 * pairs with that ticket's acquire load in ticket_common_lock (or trylock's), so our critical
 * section happens-before the next holder's.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "ticket_common.h"
#include <lockbench/lock.h>

static int ticket_unlock(void *lock, void *ctx)
{
	struct ticket_lock *l = lock;
	(void)ctx;
	/* Relaxed load, release store: see the header. */
	uint64_t s = atomic_load_explicit(&l->serving, memory_order_relaxed);
	atomic_store_explicit(&l->serving, s + 1, memory_order_release);
	return 0;
}

const struct lb_lock_ops lb_ticket_ops = {
	.name = "ticket",
	.description = "ticket spinlock: fetch-add a ticket, spin until it is served, store to unlock (FIFO)",
	TICKET_COMMON_OPS_FIELDS,
	.unlock = ticket_unlock,
};
