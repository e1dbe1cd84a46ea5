/* clh_try.c — CLH queue lock with a strong trylock (clh-try).
 *
 * Which CLH is which: `clh` (clh.c) is the papers' lock, one atomic per lock+unlock (the swap;
 * unlock is a store), with a weaker trylock (it may fail while the lock is free; see clh.c).
 * `clh-try`, this file, pays a second atomic (unlock's CAS on the tail) for a trylock that
 * fails only when the lock is held or contended, never dereferences a node it does not own,
 * and never waits. Take clh unless a program leans on trylock. Measured side by side in
 * docs/PERFORMANCE.md.
 *
 * Algorithm: Craig ("Building FIFO and priority-queuing spin locks from atomic swap", UW TR
 * 93-02-02, 1993) and Magnusson, Landin & Hagersten ("Queue locks on cache coherent
 * multiprocessors", IPPS 1994). The queue is implicit: each waiter sets waiting = 1 in its
 * node, swaps the node into `tail`, and spins on the waiting flag of the node it got back (its
 * predecessor's). Unlock clears the flag in its own node, and the thread then adopts its
 * predecessor's node as its node for next time: nodes migrate between threads.
 * Departure from the papers, for trylock: unlock first tries to CAS `tail` from its node to
 * (its node | CLH_RELEASED), and only when that fails (a successor has swapped in) clears the
 * flag. So a free lock is visible in the tail word itself, and:
 *  - lock: a swap that returns a marked node has the lock at once, without reading that node;
 *  - trylock: if the tail is marked, CAS it from that value to our node; it fails (-EBUSY) if
 *    anything changed. It never dereferences the tail node: with the plain CLH check ("the
 *    tail's flag is clear, CAS the tail") the node read may since have migrated to a thread that
 *    destroyed its context (use after free), and an ABA (the node released, recycled and
 *    re-enqueued between the read and the CAS) would leave us queued behind a holder in what
 *    must be a non-blocking call. A marked tail value can only have been written by an unlock
 *    (or init) of a lock that nobody has entered since, so a successful CAS means the lock was
 *    free at that instant, whatever happened in between.
 * The price: an uncontended unlock is a CAS on the tail line (which our own swap left in our
 * cache) instead of CLH's single store; a contended one is a failed CAS and the store.
 * clh and ck-clh are the papers' algorithm, so the benchmark shows the cost.
 * State: tail = address of the last node enqueued, bit 0 set (CLH_RELEASED) when that node's
 * owner has released the lock with no successor. node.waiting = 1 from the moment its owner
 * sets it before the swap until the owner's unlock clears it (when it has a successor; with no
 * successor the flag stays 1 and the mark in tail says the node is released).
 * Memory order: the node's waiting = 1 published by the swap's release half, and the handoff
 * (our acquire spin on pred.waiting, paired with the release store of 0 in pred's unlock), are
 * clh_common.h's, shared with clh. Departing from clh:
 *  - A swap (or trylock CAS) that returns a marked value acquires from the release CAS in the
 *    unlock that marked it: that holder's critical section happens-before ours.
 *  - Otherwise the shared handoff (clh_wait_for).
 *  - A failed CAS (unlock's or trylock's) is relaxed: unlock then releases through the store,
 *    trylock gives up. trylock's first load of tail is relaxed: a hint; the CAS decides.
 * Timed acquisition: NOT FIFO. A waiter in the queue cannot leave it (its successor spins on its
 * node, which only its unlock releases), so timedlock never joins it: it polls trylock with a
 * bounded doubling back-off until the deadline (deadline.h's lb_poll_trylock_until). It takes the
 * lock only at an instant when the tail is marked released, and a steady queue of lock() callers
 * can pass it over until it times out. A past deadline on a held lock returns after one try.
 * Orders: trylock's.
 * Fairness: FIFO in swap order (the swap is the doorway), for lock; timedlock is not.
 * Oversubscription: collapses, as every FIFO spinlock: the release goes to the next node even
 * when its thread is preempted.
 * Context: a pointer to the node this thread enqueues next (plus, while it holds a lock, the
 * predecessor's node it will adopt). Node lifetime: init allocates the dummy node that starts in
 * tail (marked); ctx_init allocates one node; each lock/unlock pair gives the context's node to
 * the queue and takes back the predecessor's, so there are always exactly #locks + #contexts
 * nodes. When everything is quiescent (no thread holds or waits) each lock's tail is a released
 * node that no context holds (its owner adopted another when it unlocked), and each context
 * holds one node that no queue references (it was a predecessor, and its only reader, our
 * thread, has finished with it); these are all distinct, so destroy (the tail's node) and
 * ctx_destroy (the context's node) free every node exactly once. A context can be used with
 * several CLH locks, one held at a time, because the node it holds between acquisitions belongs
 * to no queue: which lock it next joins does not matter.
 * Misuse: unlock without a matching lock is refused with -EPERM (the context has no
 * predecessor node to adopt), which keeps two contexts from ever sharing a node.
 * Test hooks (LB_TEST_HOOKS only): the turn numbers of clh_common.h.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "clh_common.h"
#include "deadline.h"
#include <lockbench/lock.h>

#define CLH_RELEASED ((uintptr_t)1)

struct clh_lock {
	atomic_uintptr_t tail; /* struct clh_node *, | CLH_RELEASED */
} LB_CACHE_ALIGNED;

_Static_assert(_Alignof(struct clh_node) > 1, "bit 0 of a node's address is free for the mark");

static struct clh_node *node_of(uintptr_t tail)
{
	return (struct clh_node *)(tail & ~CLH_RELEASED);
}

static int clh_init(void *lock, unsigned permits)
{
	struct clh_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	struct clh_node *dummy = clh_node_alloc();
	if (!dummy)
		return -ENOMEM;
	atomic_init(&l->tail, (uintptr_t)dummy | CLH_RELEASED);
	return 0;
}

static void clh_destroy(void *lock)
{
	struct clh_lock *l = lock;
	/* Relaxed: destroy requires quiescence, which the caller has established. */
	free(node_of(atomic_load_explicit(&l->tail, memory_order_relaxed)));
}

static int clh_ctx_init(void *ctx)
{
	return clh_ctx_setup(ctx, clh_node_alloc());
}

static void clh_ctx_destroy(void *ctx)
{
	free(clh_ctx_take_node(ctx)); /* nobody reads a node it does not own: back to malloc */
}

static int clh_lock(void *lock, void *ctx)
{
	struct clh_lock *l = lock;
	struct clh_ctx *c = ctx;
	clh_node_prepare(c->node);
	uintptr_t prev = atomic_exchange_explicit(&l->tail, (uintptr_t)c->node,
						  memory_order_acq_rel);
	struct clh_node *pred = node_of(prev);
#ifdef LB_TEST_HOOKS
	clh_turn_take(c, pred);
#endif
	if (!(prev & CLH_RELEASED))
		clh_wait_for(pred);
	c->pred = pred;
	return 0;
}

static int clh_trylock(void *lock, void *ctx)
{
	struct clh_lock *l = lock;
	struct clh_ctx *c = ctx;
	uintptr_t prev = atomic_load_explicit(&l->tail, memory_order_relaxed);
	if (!(prev & CLH_RELEASED))
		return -EBUSY;
	clh_node_prepare(c->node);
	if (!atomic_compare_exchange_strong_explicit(&l->tail, &prev, (uintptr_t)c->node,
						     memory_order_acq_rel, memory_order_relaxed))
		return -EBUSY;
	c->pred = node_of(prev);
#ifdef LB_TEST_HOOKS
	clh_turn_take(c, c->pred);
#endif
	return 0;
}

/* Not FIFO: see the header. */
static int clh_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(clh_trylock, lock, ctx, deadline_ns);
}

static int clh_unlock(void *lock, void *ctx)
{
	struct clh_lock *l = lock;
	struct clh_ctx *c = ctx;
	struct clh_node *n = c->node;
	if (!c->pred)
		return -EPERM;
	uintptr_t expected = (uintptr_t)n;
	if (!atomic_compare_exchange_strong_explicit(&l->tail, &expected,
						     (uintptr_t)n | CLH_RELEASED,
						     memory_order_release, memory_order_relaxed))
		atomic_store_explicit(&n->waiting, 0, memory_order_release);
	/* n now belongs to the queue (our successor spins on it, or tail marks it released). */
	clh_adopt_pred(c);
	return 0;
}

const struct lb_lock_ops lb_clh_try_ops = {
	.name = "clh-try",
	.description = "CLH queue lock, CAS unlock for a strong trylock (FIFO; clh is the one-atomic version)",
	CLH_OPS_FIELDS
};
