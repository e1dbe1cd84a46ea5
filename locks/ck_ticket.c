/* ck_ticket.c — Concurrency Kit's ticket spinlock (ck_spinlock_ticket), as a reference.
 *
 * Algorithm: the ticket lock (Reed & Kanodia 1979; Mellor-Crummey & Scott 1991), see ticket.c.
 * On x86 ck packs both counters into one word (request in the high half, position in the low
 * half, 16-bit halves of a 32-bit word here): lock is one fetch-add of the high half, then a
 * spin until the halves match; unlock increments the low half; trylock is one CAS of the whole
 * word from "halves equal" to "request + 1". ticket.c keeps the counters on separate lines
 * instead; the two together measure that layout choice.
 * State: ck's word: request (next ticket) and position (now serving); free when equal. 16-bit
 * halves: more than 65535 waiting threads would wrap, far beyond anything we run.
 * Memory order: ck's: ck_pr_fence_lock() after seeing our ticket served pairs with
 * ck_pr_fence_unlock() before the increment in unlock (on x86, TSO and the locked fetch-add
 * give these; the fences are compiler barriers). Inline assembly, invisible to ThreadSanitizer:
 * LB_TSAN_OPAQUE.
 * Timed acquisition: NOT FIFO. A waiter in the queue cannot leave it (ck's ticket, once taken, must
 * be served), so timedlock never joins it: it polls trylock with a bounded doubling back-off until
 * the deadline (deadline.h's lb_poll_trylock_until). It takes the lock only at an instant when the
 * two halves are equal, and a steady queue of lock() callers can pass it over until it times out. A
 * past deadline on a held lock returns after one try. Orders: trylock's.
 * Fairness: FIFO in ticket order, for lock; timedlock is not.
 * Oversubscription: collapses, as ticket.c: the release goes to the next ticket even when its
 * thread is preempted.
 * Context: none.
 * Portability: ck provides ck_spinlock_ticket_trylock only where it packs the word (x86 with
 * TSO); elsewhere (arm64) its struct has separate next/position counters and no trylock, and we
 * build one from ck's primitives in the way ticket.c argues: read position, CAS next from it.
 * The fallback's counters are 32-bit: a trylock preempted between its read and its CAS for 2^32
 * acquisitions could succeed while an earlier ticket holds the lock (see ticket.c). ck's own
 * lock has the same 2^32 limit.
 */
#include <ck_spinlock.h>
#include <errno.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct ck_ticket_lock {
	ck_spinlock_ticket_t ticket;
} LB_CACHE_ALIGNED;

static int ck_ticket_init(void *lock, unsigned permits)
{
	struct ck_ticket_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	ck_spinlock_ticket_init(&l->ticket);
	return 0;
}

static void ck_ticket_destroy(void *lock)
{
	(void)lock;
}

static int ck_ticket_lock(void *lock, void *ctx)
{
	struct ck_ticket_lock *l = lock;
	(void)ctx;
	ck_spinlock_ticket_lock(&l->ticket);
	return 0;
}

static int ck_ticket_trylock(void *lock, void *ctx)
{
	struct ck_ticket_lock *l = lock;
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
static int ck_ticket_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_ticket_trylock, lock, ctx, deadline_ns);
}

static int ck_ticket_unlock(void *lock, void *ctx)
{
	struct ck_ticket_lock *l = lock;
	(void)ctx;
	ck_spinlock_ticket_unlock(&l->ticket);
	return 0;
}

const struct lb_lock_ops lb_ck_ticket_ops = {
	.name = "ck-ticket",
	.description = "Concurrency Kit ck_spinlock_ticket: both counters in one word (reference)",
	.props = LB_SPINS | LB_FIFO | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_ticket_lock),
	.lock_align = _Alignof(struct ck_ticket_lock),
	.init = ck_ticket_init,
	.destroy = ck_ticket_destroy,
	.lock = ck_ticket_lock,
	.unlock = ck_ticket_unlock,
	.trylock = ck_ticket_trylock,
	.timedlock = ck_ticket_timedlock,
};
