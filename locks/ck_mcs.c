/* ck_mcs.c — Concurrency Kit's MCS queue lock (ck_spinlock_mcs), as a reference.
 *
 * Algorithm: Mellor-Crummey & Scott (ACM TOCS 1991), see mcs.c: swap our node into the tail,
 * link behind the predecessor, spin on our node's flag; unlock hands over to the linked
 * successor, or CASes the tail back to NULL. trylock: CAS the tail from NULL to our node.
 * State: ck's: the lock is a pointer to the tail node (NULL when free); a node is
 * { locked, next } (ck_spinlock_mcs_context_t).
 * Memory order: ck's: ck_pr_fence_store_atomic() publishes the node's initialization before the
 * swap; ck_pr_fence_lock() after acquiring pairs with ck_pr_fence_unlock() at the start of
 * unlock. Inline assembly, invisible to ThreadSanitizer: LB_TSAN_OPAQUE.
 * Timed acquisition: NOT FIFO. A waiter in the queue cannot leave it (ck's MCS node, once swapped
 * in, will be handed the lock), so timedlock never joins it: it polls trylock with a bounded
 * doubling back-off until the deadline (deadline.h's lb_poll_trylock_until). It takes the lock only
 * at an instant when the queue is empty, and a steady queue of lock() callers can pass it over
 * until it times out. A past deadline on a held lock returns after one try. Orders: trylock's.
 * Fairness: FIFO in swap order, for lock; timedlock is not.
 * Oversubscription: collapses, as mcs.c: the release goes to the next node even when its thread
 * is preempted; a thread preempted between swap and link stalls the unlocker.
 * Context: one ck node, on its own cache line. Any number of ck-mcs locks, one held at a time:
 * the node is free again when unlock returns. Unlock through a context that holds nothing
 * returns -EPERM (a private flag); ck's unlock would wait for ever for a successor.
 */
#include <ck_spinlock.h>
#include <errno.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct ck_mcs_lock {
	ck_spinlock_mcs_t tail;
} LB_CACHE_ALIGNED;

struct ck_mcs_ctx {
	ck_spinlock_mcs_context_t node;
	int held; /* private to the owning thread: for the misuse check in unlock */
} LB_CACHE_ALIGNED;

static int ck_mcs_init(void *lock, unsigned permits)
{
	struct ck_mcs_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	ck_spinlock_mcs_init(&l->tail);
	return 0;
}

static void ck_mcs_destroy(void *lock)
{
	(void)lock;
}

static int ck_mcs_ctx_init(void *ctx)
{
	struct ck_mcs_ctx *c = ctx;
	/* ck's lock and trylock set both fields before every use; this is for tidiness. */
	c->node.locked = 0;
	c->node.next = NULL;
	c->held = 0;
	return 0;
}

static void ck_mcs_ctx_destroy(void *ctx)
{
	(void)ctx;
}

static int ck_mcs_lock(void *lock, void *ctx)
{
	struct ck_mcs_lock *l = lock;
	struct ck_mcs_ctx *c = ctx;
	ck_spinlock_mcs_lock(&l->tail, &c->node);
	c->held = 1;
	return 0;
}

static int ck_mcs_trylock(void *lock, void *ctx)
{
	struct ck_mcs_lock *l = lock;
	struct ck_mcs_ctx *c = ctx;
	if (!ck_spinlock_mcs_trylock(&l->tail, &c->node))
		return -EBUSY;
	c->held = 1;
	return 0;
}

/* Not FIFO: see the header. */
static int ck_mcs_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_mcs_trylock, lock, ctx, deadline_ns);
}

static int ck_mcs_unlock(void *lock, void *ctx)
{
	struct ck_mcs_lock *l = lock;
	struct ck_mcs_ctx *c = ctx;
	if (!c->held)
		return -EPERM;
	c->held = 0;
	ck_spinlock_mcs_unlock(&l->tail, &c->node);
	return 0;
}

const struct lb_lock_ops lb_ck_mcs_ops = {
	.name = "ck-mcs",
	.description = "Concurrency Kit ck_spinlock_mcs: MCS queue lock (reference)",
	.props = LB_SPINS | LB_FIFO | LB_NEEDS_CTX | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_mcs_lock),
	.lock_align = _Alignof(struct ck_mcs_lock),
	.ctx_size = sizeof(struct ck_mcs_ctx),
	.ctx_align = _Alignof(struct ck_mcs_ctx),
	.init = ck_mcs_init,
	.destroy = ck_mcs_destroy,
	.ctx_init = ck_mcs_ctx_init,
	.ctx_destroy = ck_mcs_ctx_destroy,
	.lock = ck_mcs_lock,
	.unlock = ck_mcs_unlock,
	.trylock = ck_mcs_trylock,
	.timedlock = ck_mcs_timedlock,
};
