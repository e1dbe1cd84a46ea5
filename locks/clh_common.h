/* clh_common.h — what clh (clh.c) and clh-try (clh_try.c) share: the node and context types,
 * allocating a node, setting up a context, preparing a node for the queue, the handoff spin,
 * adopting the predecessor's node at unlock, and the test hooks' turn numbers. The lock word
 * (a node pointer in clh, a pointer with a released mark in clh-try), trylock, unlock's release
 * step and where nodes go when freed are each file's own, argued in its header. Static inline so
 * that each including file keeps exactly one exported symbol (its ops). Not installed.
 *
 * Algorithm: Craig ("Building FIFO and priority-queuing spin locks from atomic swap", UW TR
 * 93-02-02, 1993) and Magnusson, Landin & Hagersten ("Queue locks on cache coherent
 * multiprocessors", IPPS 1994): each waiter sets waiting = 1 in its node, swaps the node into
 * the tail, and spins on the waiting flag of the node it got back (its predecessor's). Unlock
 * releases its own node, and the thread then adopts its predecessor's node as its node for
 * next time: nodes migrate between threads.
 * Memory order, the shared part:
 *  - waiting = 1 is stored relaxed before the swap (or a trylock's CAS); the swap is acq_rel and
 *    its release half publishes it: the successor's swap returning our node (acquire) reads
 *    from ours, so it sees 1 (or the later 0) and never the 0 left over from the node's
 *    previous use.
 *  - The acquire spin on pred.waiting (clh_wait_for) pairs with the release store of 0 in
 *    pred's unlock: that holder's critical section happens-before ours.
 * Context: a pointer to the node this thread enqueues next, plus, while it holds a lock, the
 * predecessor's node it will adopt at unlock (NULL otherwise: unlock refuses with -EPERM, which
 * keeps two contexts from ever sharing a node). A context can be used with several CLH locks, one
 * held at a time, because the node it holds between acquisitions belongs to no queue.
 * Test hooks (LB_TEST_HOOKS only): node.turn = its queue position, counted from 1 in swap order;
 * CLH_TURN_UNKNOWN (stored before the swap) until known. After the swap (or trylock's CAS), turn
 * = pred.turn + 1, spinning until pred's is known. The dummy's turn is 0 and known from init,
 * and every node publishes its turn right after its swap, before waiting, so the chain of waits
 * ends. pred's node is valid while we read it: it is in our queue until we adopt it. Relaxed:
 * the reset reaches our successor through the swap's release/acquire, and the number carries
 * no other data.
 */
#ifndef LB_CLH_COMMON_H
#define LB_CLH_COMMON_H

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include <lockbench/lock.h>

struct clh_node {
	atomic_uint waiting;
#ifdef LB_TEST_HOOKS
	atomic_uint_fast64_t turn;
#endif
	/* clh's type-stable free list only (guarded by its free_busy); clh-try frees to malloc.
	 * Within the node's one cache line either way. */
	struct clh_node *free_next;
} LB_CACHE_ALIGNED;

#ifdef LB_TEST_HOOKS
#define CLH_TURN_UNKNOWN UINT64_MAX
#endif

struct clh_ctx {
	struct clh_node *node; /* ours: enqueued while we hold or wait, else free */
	struct clh_node *pred; /* while we hold: the node we adopt at unlock; else NULL */
#ifdef LB_TEST_HOOKS
	uint64_t last_turn;
#endif
} LB_CACHE_ALIGNED;

/* The ops fields both locks fill alike: each file defines its own struct clh_lock and its own
 * static clh_init, clh_destroy, clh_ctx_init, clh_ctx_destroy, clh_lock, clh_unlock,
 * clh_trylock and clh_timedlock, which these designated initializers name; the file adds
 * .name and .description. */
#ifdef LB_TEST_HOOKS
#define CLH_OPS_TURN .turn = clh_common_turn,
#else
#define CLH_OPS_TURN
#endif
#define CLH_OPS_FIELDS                                                                        \
	.props = LB_SPINS | LB_FIFO | LB_NEEDS_CTX, .lock_size = sizeof(struct clh_lock),     \
	.lock_align = _Alignof(struct clh_lock), .ctx_size = sizeof(struct clh_ctx),          \
	.ctx_align = _Alignof(struct clh_ctx), .init = clh_init, .destroy = clh_destroy,      \
	.ctx_init = clh_ctx_init, .ctx_destroy = clh_ctx_destroy, .lock = clh_lock,           \
	.unlock = clh_unlock, .trylock = clh_trylock, .timedlock = clh_timedlock, CLH_OPS_TURN

/* A fresh node from malloc, waiting = 0. */
static inline struct clh_node *clh_node_alloc(void)
{
	struct clh_node *n = aligned_alloc(_Alignof(struct clh_node), sizeof(struct clh_node));
	if (!n)
		return NULL;
	atomic_init(&n->waiting, 0);
#ifdef LB_TEST_HOOKS
	atomic_init(&n->turn, 0);
#endif
	return n;
}

/* ctx_init with the node the caller allocated (NULL: out of memory). */
static inline int clh_ctx_setup(void *ctx, struct clh_node *node)
{
	struct clh_ctx *c = ctx;
	c->node = node;
	if (!c->node)
		return -ENOMEM;
	c->pred = NULL;
#ifdef LB_TEST_HOOKS
	c->last_turn = 0;
#endif
	return 0;
}

/* ctx_destroy's first half: the context's node, which no queue references (see clh.c's node
 * lifetime), taken out of the context for the caller to free its own way. */
static inline struct clh_node *clh_ctx_take_node(void *ctx)
{
	struct clh_ctx *c = ctx;
	struct clh_node *n = c->node;
	c->node = NULL;
	return n;
}

/* Relaxed: published by the release half of the swap or CAS that enqueues the node. */
static inline void clh_node_prepare(struct clh_node *n)
{
	atomic_store_explicit(&n->waiting, 1, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	atomic_store_explicit(&n->turn, CLH_TURN_UNKNOWN, memory_order_relaxed);
#endif
}

#ifdef LB_TEST_HOOKS
static inline void clh_turn_take(struct clh_ctx *c, struct clh_node *pred)
{
	uint64_t t;
	/* Relaxed: see the header. */
	while ((t = atomic_load_explicit(&pred->turn, memory_order_relaxed)) == CLH_TURN_UNKNOWN)
		lb_cpu_relax();
	atomic_store_explicit(&c->node->turn, t + 1, memory_order_relaxed);
	c->last_turn = t + 1;
}

static inline uint64_t clh_common_turn(void *lock, void *ctx)
{
	struct clh_ctx *c = ctx;
	(void)lock;
	return c->last_turn;
}
#endif

/* Acquire: pairs with the release store of 0 in pred's unlock (the handoff). */
static inline void clh_wait_for(struct clh_node *pred)
{
	while (atomic_load_explicit(&pred->waiting, memory_order_acquire))
		lb_cpu_relax();
}

/* The end of unlock, after our node is released: it now belongs to the queue, and the
 * predecessor's node, which nobody waits on any more, is ours. */
static inline void clh_adopt_pred(struct clh_ctx *c)
{
	c->node = c->pred;
	c->pred = NULL;
}

#endif
