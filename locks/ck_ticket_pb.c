/* ck_ticket_pb.c — Concurrency Kit's ticket spinlock with proportional back-off
 * (ck_spinlock_ticket_lock_pb), as a reference.
 *
 * Algorithm: the ticket lock (Reed & Kanodia 1979; Mellor-Crummey & Scott 1991, see
 * ticket_common.h) with the proportional back-off Mellor-Crummey & Scott propose for it: a
 * waiter d tickets from being served pauses for a time proportional to d between two reads of
 * the word, so that the waiters far back read the shared line less often. ck's lock_pb waits
 * (d << CKPB_SHIFT) rounds of its exponential back-off between reads (ck_backoff_eb: that many
 * compiler barriers, and the count doubles while the waiter keeps failing, up to ck's ceiling).
 * This is the only departure from ck-ticket: lock_pb uses the same word, so state, memory
 * order, trylock, timedlock, unlock and portability are ck-ticket's, in ck_ticket_common.h (on
 * arm64 lock_pb works on ck's separate next/position counters, as ck's plain lock does).
 * Fairness: FIFO in ticket order, for lock; timedlock is not.
 * Oversubscription: collapses, as ticket.c; the back-off makes the next in line later still to
 * notice its turn when it was far back.
 * Context: none.
 */
#include <ck_spinlock.h>

#include "ck_ticket_common.h"
#include <lockbench/lock.h>

/* Back-off base: ck's lock_pb shifts the distance by this. 0: one round per ticket of distance,
 * the smallest; the 2-CPU machines we run rarely see a distance above 3. */
enum { CKPB_SHIFT = 0 };

static int ck_ticket_pb_lock(void *lock, void *ctx)
{
	struct ck_ticket_lock *l = lock;
	(void)ctx;
	ck_spinlock_ticket_lock_pb(&l->ticket, CKPB_SHIFT);
	return 0;
}

const struct lb_lock_ops lb_ck_ticket_pb_ops = {
	.name = "ck-ticket-pb",
	.description = "Concurrency Kit ck_spinlock_ticket_lock_pb: ticket lock, proportional back-off (reference)",
	.props = LB_SPINS | LB_FIFO | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_ticket_lock),
	.lock_align = _Alignof(struct ck_ticket_lock),
	.init = ck_ticket_common_init,
	.destroy = ck_ticket_common_destroy,
	.lock = ck_ticket_pb_lock,
	.unlock = ck_ticket_common_unlock,
	.trylock = ck_ticket_common_trylock,
	.timedlock = ck_ticket_common_timedlock,
};
