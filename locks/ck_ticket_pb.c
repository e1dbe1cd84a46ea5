/* ck_ticket_pb.c — Concurrency Kit's ticket spinlock with proportional back-off
 * (ck_spinlock_ticket_lock_pb), as a reference.
 *
 * Algorithm: the ticket lock (Reed & Kanodia 1979; Mellor-Crummey & Scott 1991, see ticket.c)
 * with the proportional back-off Mellor-Crummey & Scott propose for it: a waiter d tickets from
 * being served pauses for a time proportional to d between two reads of the word, so that the
 * waiters far back read the shared line less often. ck's lock_pb waits (d << CKPB_SHIFT) rounds
 * of its exponential back-off between reads (ck_backoff_eb: that many compiler barriers, and the
 * count doubles while the waiter keeps failing, up to ck's ceiling).
 * State: ck's one word, as ck-ticket (see ck_ticket.c): request and position halves, free when
 * equal. lock_pb uses the same word, so trylock and unlock are ck-ticket's.
 * Memory order: ck's: ck_pr_fence_lock() after seeing our ticket served pairs with
 * ck_pr_fence_unlock() before the increment in unlock. Inline assembly, invisible to
 * ThreadSanitizer: LB_TSAN_OPAQUE.
 * Timed acquisition: NOT FIFO, as ck-ticket: a ticket once taken must be served, so timedlock
 * polls trylock with a bounded doubling back-off until the deadline (deadline.h's
 * lb_poll_trylock_until). A past deadline on a held lock returns after one try.
 * Fairness: FIFO in ticket order, for lock; timedlock is not.
 * Oversubscription: collapses, as ticket.c; the back-off makes the next in line later still to
 * notice its turn when it was far back.
 * Context: none.
 * Portability: ck provides ck_spinlock_ticket_trylock only where it packs the word (x86 with
 * TSO); elsewhere (arm64) its lock_pb works on separate next/position counters, and trylock is
 * built from ck's primitives as ck_ticket.c's is (read position, CAS next from it; its 2^32 caveat).
 */
#include <ck_spinlock.h>
#include <errno.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

/* Back-off base: ck's lock_pb shifts the distance by this. 0: one round per ticket of distance,
 * the smallest; the 2-CPU machines we run rarely see a distance above 3. */
enum { CKPB_SHIFT = 0 };

struct ck_ticket_pb_lock {
	ck_spinlock_ticket_t ticket;
} LB_CACHE_ALIGNED;

static int ck_ticket_pb_init(void *lock, unsigned permits)
{
	struct ck_ticket_pb_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	ck_spinlock_ticket_init(&l->ticket);
	return 0;
}

static void ck_ticket_pb_destroy(void *lock)
{
	(void)lock;
}

static int ck_ticket_pb_lock(void *lock, void *ctx)
{
	struct ck_ticket_pb_lock *l = lock;
	(void)ctx;
	ck_spinlock_ticket_lock_pb(&l->ticket, CKPB_SHIFT);
	return 0;
}

static int ck_ticket_pb_trylock(void *lock, void *ctx)
{
	struct ck_ticket_pb_lock *l = lock;
	(void)ctx;
#ifdef CK_F_SPINLOCK_TICKET_TRYLOCK
	return ck_spinlock_ticket_trylock(&l->ticket) ? 0 : -EBUSY;
#else
	/* Success means next was `position`, so ticket `position` is ours and being served. */
	unsigned int position = ck_pr_load_uint(&l->ticket.position);
	if (!ck_pr_cas_uint(&l->ticket.next, position, position + 1))
		return -EBUSY;
	ck_pr_fence_lock();
	return 0;
#endif
}

/* Not FIFO: see the header. */
static int ck_ticket_pb_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_ticket_pb_trylock, lock, ctx, deadline_ns);
}

static int ck_ticket_pb_unlock(void *lock, void *ctx)
{
	struct ck_ticket_pb_lock *l = lock;
	(void)ctx;
	ck_spinlock_ticket_unlock(&l->ticket);
	return 0;
}

const struct lb_lock_ops lb_ck_ticket_pb_ops = {
	.name = "ck-ticket-pb",
	.description = "Concurrency Kit ck_spinlock_ticket_lock_pb: ticket lock, proportional back-off (reference)",
	.props = LB_SPINS | LB_FIFO | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_ticket_pb_lock),
	.lock_align = _Alignof(struct ck_ticket_pb_lock),
	.init = ck_ticket_pb_init,
	.destroy = ck_ticket_pb_destroy,
	.lock = ck_ticket_pb_lock,
	.unlock = ck_ticket_pb_unlock,
	.trylock = ck_ticket_pb_trylock,
	.timedlock = ck_ticket_pb_timedlock,
};
