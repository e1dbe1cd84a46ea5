/* clh.c — CLH queue lock (the papers' one-atomic version; clh-try is the strong-trylock one).
 *
 * Which CLH is which: `clh`, this file, is the papers' lock: one atomic per lock+unlock (the
 * swap; unlock is a plain release store), so it costs what ck-clh costs, with a trylock whose
 * guarantees are weaker (below). `clh-try` (clh_try.c) pays a CAS in every unlock for a trylock
 * that never waits and fails only when the lock is held or contended. Take clh unless a program
 * leans on trylock (pthread_mutex_trylock under `lockbench exec`, for instance).
 *
 * Algorithm: Craig ("Building FIFO and priority-queuing spin locks from atomic swap", UW TR
 * 93-02-02, 1993) and Magnusson, Landin & Hagersten ("Queue locks on cache coherent
 * multiprocessors", IPPS 1994). The queue is implicit: each waiter sets waiting = 1 in its
 * node, swaps the node into `tail`, and spins on the waiting flag of the node it got back (its
 * predecessor's). Unlock clears the flag in its own node, and the thread then adopts its
 * predecessor's node as its node for next time: nodes migrate between threads.
 * State: tail = the last node enqueued (init puts a dummy there with waiting = 0). node.waiting =
 * 1 from the moment its owner sets it before the swap until the owner's unlock clears it.
 * The queue: following pred links back from tail gives the nodes enqueued and not yet passed;
 * tail is always its last node, and a node is in at most one queue at most once (its owner
 * enqueues only the node its context holds, which no queue references).
 *
 * trylock (the papers have none; ck has none for CLH):
 *   1. t = load(tail); if t.waiting != 0, fail (-EBUSY). A hint only, never a decision.
 *   2. waiting = 1 in our node; CAS tail t -> ours; fail if tail moved.
 *   3. We are now in the queue, behind t, exactly as if lock() had swapped. Read t.waiting: 0
 *      means t's holder has released and we hold the lock (return 0).
 *   4. Else back out: CAS tail ours -> t. It succeeds iff nobody queued behind us (tail is the
 *      last node), and then the queue is as it was before step 2: fail (-EBUSY).
 *   5. Else a lock() caller has swapped in behind us and spins on our node, so we cannot leave:
 *      we wait for t like lock() does, and return 0 once we hold the lock.
 * ABA on the tail, and why it never admits two holders: between steps 1 and 2 the node t can
 * be passed by a thread C (C swaps in behind it and enters), adopted by C at its unlock, and
 * relocked by C (waiting = 1, swapped back into tail): tail went t -> ... -> t, and step 2's
 * CAS succeeds behind a node whose owner holds or waits for the lock. So the check of step 1
 * proves nothing, and the code never enters on it: the only ways in are steps 3 and 5, which
 * read t's flag after the CAS has put us behind t's current incarnation. That read cannot see
 * a 0 of an earlier incarnation: C's waiting = 1 is sequenced before its swap (release), every
 * write to tail is a read-modify-write, so our acquire CAS, reading that swap's value or a later
 * RMW's, synchronizes with it (a release sequence) and sees the 1 or the 0 of C's own unlock.
 * Entering on that 0 is CLH's handoff, which admits one successor per node. An ABA therefore
 * costs a failed trylock (step 4), or in the double race (an ABA between steps 1 and 2, and a
 * lock() swapping in between steps 2 and 4) a wait (step 5). models/clh.pml checks this with
 * nodes that migrate and come back (N=3, TRYLOCK), and a variant that enters on step 1's check
 * (BROKEN=3) is caught by the exclusion assertion.
 * trylock's weaker guarantees (compared with clh-try): it may fail while the lock is free (step
 * 1 read a flag that was being cleared, or a recycled node; step 3 after an ABA), and in the
 * double race it waits for the holders queued ahead of it, like lock() (FIFO, so bounded by
 * their critical sections), then succeeds. A program that uses trylock to avoid a lock-order
 * deadlock could, in that window, deadlock; clh-try cannot.
 * Node memory is type-stable: step 1 reads a node it does not own, which may meanwhile have
 * migrated to a thread that destroyed its context. So nodes are never returned to malloc:
 * destroy and ctx_destroy put them on a free list that init and ctx_init take from first, and
 * step 1 always reads a node (maybe a recycled one, whose flag is then a meaningless hint).
 * Memory held: the most nodes ever live at once (#locks + #contexts), reused, freed at exit.
 * Memory order: the node's waiting = 1 published by the swap's release half, and the handoff
 * (the acquire spin on pred.waiting, paired with the release store of 0 in pred's unlock), are
 * clh_common.h's, shared with clh-try. What is clh's own:
 *  - trylock's acquire read of step 3 pairs, as the spin does, with the release store of 0 in
 *    t's unlock. The dummy's 0 comes from init, published with the lock itself.
 *  - trylock's load of tail is acquire so that the node it then reads is published (initialised
 *    before its address reached tail); step 1's read of the flag is relaxed (a hint). A failed
 *    CAS in steps 2 and 4 is relaxed: trylock gives up, or waits with acquire loads. Step 4's
 *    successful CAS is release for the release sequence above (it writes t back into tail for
 *    the next swap); it publishes nothing of its own.
 *  - The free list is guarded by a test-and-set flag (acquire / release); only init, destroy,
 *    ctx_init and ctx_destroy touch it, never lock or unlock. Not a pthread mutex: under
 *    `lockbench exec` that would be the interposed lock itself.
 * Timed acquisition: NOT FIFO. A waiter in the queue cannot leave it (its successor spins on its
 * node, which only its unlock releases), so timedlock never joins it: it polls trylock with a
 * bounded doubling back-off until the deadline (deadline.h's lb_poll_trylock_until). It takes the
 * lock only at an instant when the tail's node is released, and a steady queue of lock() callers
 * can pass it over until it times out. A past deadline on a held lock returns after one try;
 * in trylock's double race a poll can outlast its deadline by the queue's critical sections.
 * Orders: trylock's.
 * Fairness: FIFO in swap order (the swap is the doorway), for lock; timedlock is not.
 * Oversubscription: collapses, as every FIFO spinlock: the release goes to the next node even
 * when its thread is preempted.
 * Context: a pointer to the node this thread enqueues next (plus, while it holds a lock, the
 * predecessor's node it will adopt). Node lifetime: init takes the dummy node; ctx_init one
 * node; each lock/unlock pair gives the context's node to the queue and takes back the
 * predecessor's, and a trylock that backs out keeps its own, so there are always exactly
 * #locks + #contexts nodes. When everything is quiescent each lock's tail is a released node
 * that no context holds and each context holds one node that no queue references; these are
 * all distinct, so destroy (the tail's node) and ctx_destroy (the context's node) give every
 * node back to the free list exactly once. A context can be used with several CLH locks, one
 * held at a time, because the node it holds between acquisitions belongs to no queue.
 * Misuse: unlock without a matching lock is refused with -EPERM (the context has no
 * predecessor node to adopt), which keeps two contexts from ever sharing a node.
 * Test hooks (LB_TEST_HOOKS only): the turn numbers of clh_common.h. A trylock that backs out
 * leaves a turn number that the next arrival takes again; it reports none.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "clh_common.h"
#include "deadline.h"
#include <lockbench/lock.h>

struct clh_lock {
	_Atomic(struct clh_node *) tail;
} LB_CACHE_ALIGNED;

/* The type-stable free list (see the header). */
static atomic_flag free_busy = ATOMIC_FLAG_INIT;
static struct clh_node *free_head;

static void free_list_lock(void)
{
	/* Acquire, paired with free_list_unlock's release: the list's links are plain. */
	while (atomic_flag_test_and_set_explicit(&free_busy, memory_order_acquire))
		lb_cpu_relax();
}

static void free_list_unlock(void)
{
	atomic_flag_clear_explicit(&free_busy, memory_order_release);
}

/* A node with waiting = 0. A recycled node may still be read by a stale trylock (step 1), so
 * it is reset with atomic stores, never re-initialised. */
static struct clh_node *node_new(void)
{
	free_list_lock();
	struct clh_node *n = free_head;
	if (n)
		free_head = n->free_next;
	free_list_unlock();
	if (n) {
		/* Relaxed: published with the lock or context it goes to (init's caller shares the
		 * lock, the context's thread enqueues it through the swap's release). */
		atomic_store_explicit(&n->waiting, 0, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
		atomic_store_explicit(&n->turn, 0, memory_order_relaxed);
#endif
		return n;
	}
	return clh_node_alloc();
}

static void node_free(struct clh_node *n)
{
	if (!n)
		return;
	free_list_lock();
	n->free_next = free_head;
	free_head = n;
	free_list_unlock();
}

static int clh_init(void *lock, unsigned permits)
{
	struct clh_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	struct clh_node *dummy = node_new();
	if (!dummy)
		return -ENOMEM;
	atomic_init(&l->tail, dummy);
	return 0;
}

static void clh_destroy(void *lock)
{
	struct clh_lock *l = lock;
	/* Relaxed: destroy requires quiescence, which the caller has established. */
	node_free(atomic_load_explicit(&l->tail, memory_order_relaxed));
}

static int clh_ctx_init(void *ctx)
{
	return clh_ctx_setup(ctx, node_new());
}

static void clh_ctx_destroy(void *ctx)
{
	node_free(clh_ctx_take_node(ctx)); /* to the free list: a stale trylock may still read it */
}

static int clh_lock(void *lock, void *ctx)
{
	struct clh_lock *l = lock;
	struct clh_ctx *c = ctx;
	clh_node_prepare(c->node);
	struct clh_node *pred = atomic_exchange_explicit(&l->tail, c->node, memory_order_acq_rel);
#ifdef LB_TEST_HOOKS
	clh_turn_take(c, pred);
#endif
	clh_wait_for(pred);
	c->pred = pred;
	return 0;
}

/* Steps 1-5 of the header. */
static int clh_trylock(void *lock, void *ctx)
{
	struct clh_lock *l = lock;
	struct clh_ctx *c = ctx;
	struct clh_node *n = c->node;
	struct clh_node *t = atomic_load_explicit(&l->tail, memory_order_acquire);
	if (atomic_load_explicit(&t->waiting, memory_order_relaxed))
		return -EBUSY;
	clh_node_prepare(n);
	if (!atomic_compare_exchange_strong_explicit(&l->tail, &t, n, memory_order_acq_rel,
						     memory_order_relaxed))
		return -EBUSY;
#ifdef LB_TEST_HOOKS
	clh_turn_take(c, t);
#endif
	if (atomic_load_explicit(&t->waiting, memory_order_acquire)) {
		struct clh_node *expected = n;
		if (atomic_compare_exchange_strong_explicit(&l->tail, &expected, t,
							    memory_order_release,
							    memory_order_relaxed))
			return -EBUSY; /* backed out: n is ours again, in no queue */
		clh_wait_for(t);   /* the double race: a successor spins on n */
	}
	c->pred = t;
	return 0;
}

/* Not FIFO: see the header. */
static int clh_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(clh_trylock, lock, ctx, deadline_ns);
}

static int clh_unlock(void *lock, void *ctx)
{
	struct clh_ctx *c = ctx;
	(void)lock;
	if (!c->pred)
		return -EPERM;
	/* Release: pairs with the successor's acquire spin (or trylock's read) on this flag. */
	atomic_store_explicit(&c->node->waiting, 0, memory_order_release);
	/* Our node now belongs to the queue; the predecessor's is ours (nobody reads it again but
	 * a stale trylock's hint). */
	clh_adopt_pred(c);
	return 0;
}

const struct lb_lock_ops lb_clh_ops = {
	.name = "clh",
	.description = "CLH queue lock: swap a node into the tail, spin on the predecessor's (FIFO)",
	CLH_OPS_FIELDS
};
