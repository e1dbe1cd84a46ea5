/* ticket_faa.c — ticket spinlock, unlock by fetch-add (ticket-faa).
 *
 * Which ticket is which: `ticket` (ticket.c) unlocks with a load and a release store of
 * serving + 1, no atomic read-modify-write: the cheapest uncontended lock+unlock. `ticket-faa`,
 * this file, unlocks with a fetch-add on `serving`: one more locked instruction per operation,
 * which an earlier measurement found to buy about 10 % of 2-thread throughput (the coherence
 * argument below). No single design measured both (docs/PERFORMANCE.md, "ticket and clh"), so
 * both are kept: the same algorithm, state, trylock and model (models/ticket.pml, -DFAA).
 *
 * The algorithm (Reed & Kanodia 1979; Mellor-Crummey & Scott 1991), its state, layout, lock,
 * trylock, timedlock, fairness, oversubscription and the memory-order argument for everything
 * but unlock are in ticket_common.h, shared with ticket.c. This file departs only in unlock.
 * Unlock is a fetch-add on `serving`, not a load and a store: the holder's load of a line the
 * waiter has been reading would fetch it shared and the store then upgrade it, two coherence
 * round trips on the handoff's critical path where one read-for-ownership does (measured: about
 * 10 % of 2-thread throughput in November, on another host; ck's x86 unlock is a locked
 * increment for the same reason). At one thread the fetch-add costs 30-40 % of the
 * throughput (a locked instruction where a store does), which is why ticket.c has the store.
 * Memory order of unlock: the fetch-add on `serving` is release: the holder is its only writer
 * while it holds the lock, so the fetch-add stores exactly the next ticket, and its release
 * pairs with that ticket's acquire load in ticket_common_lock (or trylock's), so our critical
 * section happens-before the next holder's.
 */
#include <stdatomic.h>

#include "ticket_common.h"
#include <lockbench/lock.h>

static int ticket_faa_unlock(void *lock, void *ctx)
{
	struct ticket_lock *l = lock;
	(void)ctx;
	/* Release: see the header. */
	atomic_fetch_add_explicit(&l->serving, 1, memory_order_release);
	return 0;
}

const struct lb_lock_ops lb_ticket_faa_ops = {
	.name = "ticket-faa",
	.description = "ticket spinlock, fetch-add unlock (FIFO; ticket unlocks with a store)",
	TICKET_COMMON_OPS_FIELDS,
	.unlock = ticket_faa_unlock,
};
