/* ck_ticket_common.h — what ck-ticket (ck_ticket.c) and ck-ticket-pb (ck_ticket_pb.c) share:
 * the lock type (ck's one word), init, trylock, timedlock and unlock. Everything but lock, where
 * the two differ (ck_spinlock_ticket_lock vs ck_spinlock_ticket_lock_pb; each file argues its
 * own). Static inline so that each including file keeps exactly one exported symbol (its ops).
 * Only compiled with Concurrency Kit (LB_HAVE_CK). Not installed.
 *
 * State: ck's word: request (next ticket) and position (now serving); free when equal. On x86
 * ck packs both into one 32-bit word, 16-bit halves: more than 65535 waiting threads would
 * wrap, far beyond anything we run. Both locks use the same word, so trylock and unlock are one.
 * Memory order: ck's: ck_pr_fence_lock() after seeing our ticket served (in either lock, or in
 * trylock) pairs with ck_pr_fence_unlock() before the increment in unlock (on x86, TSO and the
 * locked fetch-add give these; the fences are compiler barriers). Inline assembly, invisible to
 * ThreadSanitizer: both locks are LB_TSAN_OPAQUE.
 * Timed acquisition: NOT FIFO. A waiter in the queue cannot leave it (ck's ticket, once taken, must
 * be served), so timedlock never joins it: it polls trylock with a bounded doubling back-off until
 * the deadline (deadline.h's lb_poll_trylock_until). It takes the lock only at an instant when the
 * two halves are equal, and a steady queue of lock() callers can pass it over until it times out. A
 * past deadline on a held lock returns after one try. Orders: trylock's.
 * Portability: ck provides ck_spinlock_ticket_trylock only where it packs the word (x86 with
 * TSO); elsewhere (arm64) its struct has separate next/position counters and no trylock, and we
 * build one from ck's primitives in the way ticket_common.h argues: read position, CAS next from
 * it. The fallback's counters are 32-bit: a trylock preempted between its read and its CAS for
 * 2^32 acquisitions could succeed while an earlier ticket holds the lock (see ticket_common.h).
 * ck's own lock has the same 2^32 limit.
 */
#ifndef LB_CK_TICKET_COMMON_H
#define LB_CK_TICKET_COMMON_H

#include <ck_spinlock.h>
#include <errno.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct ck_ticket_lock {
	ck_spinlock_ticket_t ticket;
} LB_CACHE_ALIGNED;

static inline int ck_ticket_common_init(void *lock, unsigned permits)
{
	struct ck_ticket_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	ck_spinlock_ticket_init(&l->ticket);
	return 0;
}

static inline void ck_ticket_common_destroy(void *lock)
{
	(void)lock;
}

static inline int ck_ticket_common_trylock(void *lock, void *ctx)
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
static inline int ck_ticket_common_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_ticket_common_trylock, lock, ctx, deadline_ns);
}

static inline int ck_ticket_common_unlock(void *lock, void *ctx)
{
	struct ck_ticket_lock *l = lock;
	(void)ctx;
	ck_spinlock_ticket_unlock(&l->ticket);
	return 0;
}

#endif
