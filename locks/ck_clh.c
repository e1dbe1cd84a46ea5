/* ck_clh.c — Concurrency Kit's CLH queue lock (ck_spinlock_clh), as a reference.
 *
 * Algorithm: Craig (1993) and Magnusson, Landin & Hagersten (IPPS 1994), the paper's version:
 * set our node's wait flag, swap the node into the tail, spin on the predecessor's flag; unlock
 * clears our flag and the thread adopts the predecessor's node (ck's unlock takes the address of
 * the thread's node pointer and rewrites it). clh.c departs from this to get a safe trylock;
 * this one keeps CLH's one-store unlock, so together they measure the price.
 * trylock: ck has none for CLH. Ours, from ck's primitives: if the tail node's flag is clear
 * (ck_spinlock_clh_locked), set our flag and CAS the tail from that node to ours; -EBUSY if the
 * CAS fails. Two limits, both from reading the tail node before the CAS (clh.c explains how it
 * avoids them):
 *  - ABA: if that node was released, adopted and re-enqueued between our read and our CAS, the
 *    CAS succeeds behind a node that is not released. We are in the queue by then and cannot
 *    leave, so trylock waits for it like lock would. It stays correct; it is just not
 *    non-blocking in that window.
 *  - The node read may have migrated to a thread that has since destroyed its context and freed
 *    it: a read of freed memory (never a write: such a node is never the tail, so the CAS then
 *    fails). Harmless with glibc's allocator, but undefined; a user who needs strict
 *    correctness destroys contexts only when no thread may be in ck-clh's trylock.
 * State: ck's: the lock is a pointer to the tail node; a node is { wait, previous }.
 * Memory order: ck's: ck_pr_fence_store_atomic() publishes wait = 1 before the swap (or our
 * CAS); ck_pr_fence_load() orders the swap before reading the predecessor; ck_pr_fence_lock()
 * after acquiring pairs with ck_pr_fence_unlock() before the store that clears wait. Inline
 * assembly, invisible to ThreadSanitizer: LB_TSAN_OPAQUE.
 * Timed acquisition: NOT FIFO. A waiter in the queue cannot leave it (its successor spins on its
 * node), so timedlock never joins it: it polls trylock with a bounded doubling back-off until the
 * deadline (deadline.h's lb_poll_trylock_until). It takes the lock only at an instant when the tail
 * node's flag is clear, and a steady queue of lock() callers can pass it over until it times out. A
 * past deadline on a held lock returns after one try. Orders: trylock's.
 * It inherits trylock's limit above: after an ABA a trylock waits in the queue, so a poll can then
 * outlast its deadline by the holder's critical section.
 * Fairness: FIFO in swap order, for lock; timedlock is not.
 * Oversubscription: collapses, as every FIFO spinlock.
 * Context: a pointer to the thread's current node. Node lifetime is clh.c's: init allocates the
 * unowned node ck_spinlock_clh_init puts in the tail, ctx_init one node per context, each
 * lock/unlock swaps a node between context and queue; when quiescent, destroy frees the tail's
 * node and ctx_destroy the context's, each node exactly once. One context serves any number of
 * ck-clh locks, one held at a time. Unlock without lock is refused (-EPERM): it would otherwise
 * adopt a stale predecessor and let two contexts share a node.
 */
#include <ck_spinlock.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "deadline.h"
#include <lockbench/lock.h>

/* One node per cache line; ck's struct is its first member, so ck's pointers are ours. */
struct ck_clh_node {
	ck_spinlock_clh_t ck;
} LB_CACHE_ALIGNED;

struct ck_clh_lock {
	ck_spinlock_clh_t *tail;
} LB_CACHE_ALIGNED;

struct ck_clh_ctx {
	ck_spinlock_clh_t *node;
	int held;
} LB_CACHE_ALIGNED;

static ck_spinlock_clh_t *node_new(void)
{
	struct ck_clh_node *n = aligned_alloc(_Alignof(struct ck_clh_node), sizeof *n);
	if (!n)
		return NULL;
	n->ck.wait = 0;
	n->ck.previous = NULL;
	return &n->ck;
}

static int ck_clh_init(void *lock, unsigned permits)
{
	struct ck_clh_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	ck_spinlock_clh_t *unowned = node_new();
	if (!unowned)
		return -ENOMEM;
	ck_spinlock_clh_init(&l->tail, unowned);
	return 0;
}

static void ck_clh_destroy(void *lock)
{
	struct ck_clh_lock *l = lock;
	free(l->tail);
}

static int ck_clh_ctx_init(void *ctx)
{
	struct ck_clh_ctx *c = ctx;
	c->node = node_new();
	c->held = 0;
	return c->node ? 0 : -ENOMEM;
}

static void ck_clh_ctx_destroy(void *ctx)
{
	struct ck_clh_ctx *c = ctx;
	free(c->node);
	c->node = NULL;
}

static int ck_clh_lock(void *lock, void *ctx)
{
	struct ck_clh_lock *l = lock;
	struct ck_clh_ctx *c = ctx;
	ck_spinlock_clh_lock(&l->tail, c->node);
	c->held = 1;
	return 0;
}

static int ck_clh_trylock(void *lock, void *ctx)
{
	struct ck_clh_lock *l = lock;
	struct ck_clh_ctx *c = ctx;
	ck_spinlock_clh_t *tail = ck_pr_load_ptr(&l->tail);
	if (ck_pr_load_uint(&tail->wait))
		return -EBUSY;
	c->node->wait = 1;
	ck_pr_fence_store_atomic();
	if (!ck_pr_cas_ptr(&l->tail, tail, c->node))
		return -EBUSY;
	c->node->previous = tail;
	ck_pr_fence_load();
	while (ck_pr_load_uint(&tail->wait)) /* only after an ABA, see the header */
		lb_cpu_relax();
	ck_pr_fence_lock();
	c->held = 1;
	return 0;
}

/* Not FIFO: see the header. */
static int ck_clh_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_clh_trylock, lock, ctx, deadline_ns);
}

static int ck_clh_unlock(void *lock, void *ctx)
{
	struct ck_clh_ctx *c = ctx;
	(void)lock;
	if (!c->held)
		return -EPERM;
	c->held = 0;
	ck_spinlock_clh_unlock(&c->node);
	return 0;
}

const struct lb_lock_ops lb_ck_clh_ops = {
	.name = "ck-clh",
	.description = "Concurrency Kit ck_spinlock_clh: CLH queue lock (reference)",
	.props = LB_SPINS | LB_FIFO | LB_NEEDS_CTX | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_clh_lock),
	.lock_align = _Alignof(struct ck_clh_lock),
	.ctx_size = sizeof(struct ck_clh_ctx),
	.ctx_align = _Alignof(struct ck_clh_ctx),
	.init = ck_clh_init,
	.destroy = ck_clh_destroy,
	.ctx_init = ck_clh_ctx_init,
	.ctx_destroy = ck_clh_ctx_destroy,
	.lock = ck_clh_lock,
	.unlock = ck_clh_unlock,
	.trylock = ck_clh_trylock,
	.timedlock = ck_clh_timedlock,
};
