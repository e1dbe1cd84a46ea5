/* ck_ticket.c — Concurrency Kit's ticket spinlock (ck_spinlock_ticket), as a reference.
 *
 * Algorithm: the ticket lock (Reed & Kanodia 1979; Mellor-Crummey & Scott 1991), see
 * ticket_common.h. On x86 ck packs both counters into one word (request in the high half,
 * position in the low half, 16-bit halves of a 32-bit word here): lock is one fetch-add of the
 * high half, then a spin until the halves match; unlock increments the low half; trylock is one
 * CAS of the whole word from "halves equal" to "request + 1". ticket.c keeps the counters as two
 * words instead; the two together measure that layout choice.
 * State, memory order, trylock, timedlock, unlock, portability: ck_ticket_common.h, shared with
 * ck-ticket-pb, which differs only in how lock waits.
 * Fairness: FIFO in ticket order, for lock; timedlock is not.
 * Oversubscription: collapses, as ticket.c: the release goes to the next ticket even when its
 * thread is preempted.
 * Context: none.
 */
#include <ck_spinlock.h>

#include "ck_ticket_common.h"
#include <lockbench/lock.h>

static int ck_ticket_lock(void *lock, void *ctx)
{
	struct ck_ticket_lock *l = lock;
	(void)ctx;
	ck_spinlock_ticket_lock(&l->ticket);
	return 0;
}

const struct lb_lock_ops lb_ck_ticket_ops = {
	.name = "ck-ticket",
	.description = "Concurrency Kit ck_spinlock_ticket: both counters in one word (reference)",
	.props = LB_SPINS | LB_FIFO | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_ticket_lock),
	.lock_align = _Alignof(struct ck_ticket_lock),
	.init = ck_ticket_common_init,
	.destroy = ck_ticket_common_destroy,
	.lock = ck_ticket_lock,
	.unlock = ck_ticket_common_unlock,
	.trylock = ck_ticket_common_trylock,
	.timedlock = ck_ticket_common_timedlock,
};
