/* cna.c — CNA, the compact NUMA-aware lock.
 *
 * Algorithm: Dice & Kogan, "Compact NUMA-aware locks" (EuroSys 2019), in the form proposed for
 * Linux's qspinlock slow path (Kogan's "Add NUMA-awareness to qspinlock" series): an MCS queue
 * (mcs.c) whose unlocker prefers a successor of its own cluster. Each waiter brings a node (its
 * context) tagged with its cluster (ctx_set_cluster; 0 if never told), swaps it into `tail`,
 * links behind its predecessor and spins on its own `granted`. The holder, at unlock, looks down
 * the main queue for the first node of its own cluster; the nodes of other clusters it passes
 * over are cut out and appended to a secondary queue, which travels with the lock from holder to
 * holder (the new holder's node is told its head and tail at the handoff), and the local node is
 * handed the lock. The lock leaves the cluster, splicing the secondary queue back in front of
 * the main queue, when (a) no node of the cluster is linked in the main queue, or (b) the lock
 * has passed CNA_BOUND consecutive handoffs within the cluster. At (b), with an empty secondary
 * queue, the unlocker looks down the whole main queue as far as the tail it read for a node of
 * another cluster; the local nodes in front of it become the secondary queue (they are of
 * another cluster than the new holder's), so the lock leaves as promised. Departures from the
 * paper: its "secondary queue head in the spin word" encoding is replaced by two plain fields
 * handed over with the lock (we have a whole cache line per node); its probabilistic
 * long-term-fairness test by a deterministic counter, so the bound can be stated and tested;
 * the Linux series leaves the cluster only through the secondary queue, which lets a FIFO run of
 * local waiters ahead of a remote one go on past the threshold: step (b) above closes that.
 * State: tail = NULL (free) or the last node of the main queue. node.q.next: the successor once
 * linked; node.q.wait ("granted") = 0 while waiting, 1 once handed the lock;
 * node.sec_head/sec_tail: the secondary queue (NULL/NULL: empty) and node.streak: how many
 * consecutive handoffs within the cluster led to this holder, both written by the previous
 * holder just before granted = 1. The secondary queue's nodes are waiting nodes whose `next`
 * chains them; they are touched only by holders.
 * Memory order (mcs_queue.h's argument for the reset, the swap, the link, the tail CAS and the
 * handoff, which it argues once; plus the secondary queue):
 *  - The link's release pairs with the unlocker's acquire loads of next while scanning, too, so
 *    every node the unlocker moves or grants to has published its reset fields (granted = 0)
 *    before it is touched.
 *  - The handoff is a release store of granted = 1, paired with the waiter's acquire spin: it
 *    carries the critical section, the secondary queue fields, the streak count, and the
 *    relaxed `next` rewrites of moved nodes (all sequenced before it). Each holder that touches
 *    the secondary queue got it through such a chain of handoffs, so its relaxed accesses to
 *    moved nodes' `next` never race: a node is moved only after its own successor has linked
 *    (its next was seen non-NULL), so nobody else will ever write its next.
 *  - Unlock with no linked successor and a non-empty secondary queue CASes tail from our node
 *    to the secondary tail (release): a later arrival swaps it out (acquire) and links behind the
 *    secondary tail, whose next = NULL (relaxed, written before the CAS) it so sees. Then the
 *    secondary head is granted the lock.
 * Timed acquisition: NOT FIFO (neither is lock()); a node in the queue cannot leave it, so
 * timedlock polls trylock (deadline.h) and never joins: it takes the lock only when the queue
 * is empty, and can time out while lock() callers come and go.
 * Fairness: not FIFO. cluster_bound = CNA_BOUND + 1 handoffs: a waiter of another cluster that
 * has swapped itself in sees at most CNA_BOUND consecutive handoffs within the holder's cluster,
 * plus one for an unlock at the bound that read tail just before the waiter swapped in (the
 * next unlock, still at the bound, scans again and finds it). Within a cluster, order is FIFO;
 * the secondary queue is FIFO too. No starvation: every waiter is either in the main queue
 * (whose remote members are reached when the cluster runs out or the bound is hit) or in the
 * secondary queue (spliced in front whenever the lock leaves the cluster).
 * Oversubscription: collapses as MCS does (the lock goes to a chosen node even if its thread is
 * preempted); the scan may also wait for a preempted thread that swapped in and has not linked.
 * Context: the queue node, one cache line, with its cluster. A cluster number is any unsigned:
 * CNA keeps no per-cluster state, so there is no maximum; it only compares numbers.
 * Misuse: unlock through a context that holds nothing returns -EPERM (a private flag).
 * Test hooks (LB_TEST_HOOKS only): `turn` is a number taken from a lock-wide counter right after
 * the swap (so a larger turn means a later arrival, which tests/topo/topo_numa.c uses to know a
 * waiter was in the queue); not a FIFO order, and the lock does not claim LB_FIFO.
 */

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "mcs_queue.h"
#include <lockbench/lock.h>

/* Consecutive handoffs within a cluster before the lock must leave it. The paper's Linux
 * threshold is 2^16 handoffs; 64 keeps the worst wait of a remote waiter near that of 64 MCS
 * handoffs, and is small enough for the tests to reach many times. */
#define CNA_BOUND 64u

struct cna_node {
	struct mcsq_node q; /* first: see MCSQ_NODE_OF; q.wait is "granted", 0 until handed over */
	unsigned cluster;
	/* Written by the previous holder before the release of granted, read by us after it. */
	struct cna_node *sec_head, *sec_tail;
	unsigned streak;
	int held; /* private to the owning thread: the misuse check */
#ifdef LB_TEST_HOOKS
	uint64_t turn;
#endif
} LB_CACHE_ALIGNED;
_Static_assert(offsetof(struct cna_node, q) == 0, "MCSQ_NODE_OF needs q first");

struct cna_lock {
	_Atomic(struct mcsq_node *) tail;
#ifdef LB_TEST_HOOKS
	atomic_uint_fast64_t turns;
#endif
} LB_CACHE_ALIGNED;

static int cna_init(void *lock, unsigned permits)
{
	struct cna_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->tail, NULL);
#ifdef LB_TEST_HOOKS
	atomic_init(&l->turns, 0);
#endif
	return 0;
}

static void cna_destroy(void *lock)
{
	(void)lock;
}

static int cna_ctx_init(void *ctx)
{
	struct cna_node *n = ctx;
	mcsq_node_init(&n->q, 0);
	n->cluster = 0;
	n->sec_head = n->sec_tail = NULL;
	n->streak = 0;
	n->held = 0;
#ifdef LB_TEST_HOOKS
	n->turn = 0;
#endif
	return 0;
}

static void cna_ctx_destroy(void *ctx)
{
	(void)ctx;
}

static int cna_ctx_set_cluster(void *ctx, unsigned cluster)
{
	struct cna_node *n = ctx;
	n->cluster = cluster;
	return 0;
}

/* The node of queue node q, or NULL (q at offset 0: a plain conversion). */
static struct cna_node *cna_of(struct mcsq_node *q)
{
	return MCSQ_NODE_OF(struct cna_node, q);
}

/* The queue node of n, or NULL: n points to its first member q too (C11 6.7.2.1p15). */
static struct mcsq_node *q_of(struct cna_node *n)
{
	return (struct mcsq_node *)(void *)n;
}

/* Becoming the holder of a free queue: no secondary queue, no streak. */
static void hold_fresh(struct cna_lock *l, struct cna_node *n)
{
	n->sec_head = n->sec_tail = NULL;
	n->streak = 0;
	n->held = 1;
#ifdef LB_TEST_HOOKS
	n->turn = atomic_fetch_add_explicit(&l->turns, 1, memory_order_relaxed) + 1;
#else
	(void)l;
#endif
}

static int cna_lock(void *lock, void *ctx)
{
	struct cna_lock *l = lock;
	struct cna_node *n = ctx;
	mcsq_reset(&n->q, 0);
	struct mcsq_node *pred = mcsq_swap(&l->tail, &n->q);
	if (!pred) {
		hold_fresh(l, n);
		return 0;
	}
#ifdef LB_TEST_HOOKS
	/* Relaxed: a number, no data; taken after the swap, so it follows ours in time. */
	n->turn = atomic_fetch_add_explicit(&l->turns, 1, memory_order_relaxed) + 1;
#endif
	mcsq_link(pred, &n->q);
	(void)mcsq_spin_while(&n->q, 0);
	n->held = 1; /* sec_head, sec_tail and streak were written by the previous holder */
	return 0;
}

static int cna_trylock(void *lock, void *ctx)
{
	struct cna_lock *l = lock;
	struct cna_node *n = ctx;
	/* Relaxed: a hint that spares the line when the lock is busy; the CAS decides. */
	if (atomic_load_explicit(&l->tail, memory_order_relaxed))
		return -EBUSY;
	mcsq_reset(&n->q, 0);
	if (!mcsq_try_enqueue(&l->tail, &n->q))
		return -EBUSY;
	hold_fresh(l, n);
	return 0;
}

/* Not FIFO: see the header. */
static int cna_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(cna_trylock, lock, ctx, deadline_ns);
}

/* Append the linked chain first..last (last->next already seen non-NULL) to h's secondary
 * queue. Relaxed stores: see the header (only holders touch moved nodes). */
static void secondary_append(struct cna_node *h, struct cna_node *first, struct cna_node *last)
{
	if (h->sec_tail)
		atomic_store_explicit(&h->sec_tail->q.next, &first->q, memory_order_relaxed);
	else
		h->sec_head = first;
	h->sec_tail = last;
	atomic_store_explicit(&last->q.next, NULL, memory_order_relaxed);
}

/* Grant the lock to s, handing over the secondary queue (head, tail) and the streak. */
static void grant(struct cna_node *s, struct cna_node *head, struct cna_node *tail,
		  unsigned streak)
{
	s->sec_head = head;
	s->sec_tail = tail;
	s->streak = streak;
	mcsq_handoff(&s->q, 1);
}

/* Leave the cluster through the secondary queue: its head gets the lock, and its tail is
 * linked to `rest`, the main queue's remainder (non-NULL), so nobody is lost. */
static void grant_secondary(struct cna_node *h, struct cna_node *rest)
{
	atomic_store_explicit(&h->sec_tail->q.next, &rest->q, memory_order_relaxed);
	grant(h->sec_head, NULL, NULL, 0);
}

/* Below the bound: the first node of our cluster in the main queue, moving the nodes of other
 * clusters in front of it to the secondary queue; NULL when none is linked (nothing moved). */
static struct cna_node *find_local(struct cna_node *h, struct cna_node *next)
{
	struct cna_node *last = next, *cur;
	if (next->cluster == h->cluster)
		return next;
	while ((cur = cna_of(atomic_load_explicit(&last->q.next, memory_order_acquire)))) {
		if (cur->cluster == h->cluster) {
			secondary_append(h, next, last);
			return cur;
		}
		last = cur;
	}
	return NULL;
}

/* At the bound with an empty secondary queue: the first node of another cluster in the main
 * queue, as far as the tail read now (waiting for links, as MCS's unlock does), moving the
 * local nodes in front of it to the secondary queue; NULL when there is none. */
static struct cna_node *find_remote(struct cna_lock *l, struct cna_node *h, struct cna_node *next)
{
	/* Acquire: pairs with the swaps that put nodes up to here in the queue. */
	struct cna_node *end = cna_of(atomic_load_explicit(&l->tail, memory_order_acquire));
	struct cna_node *last = next, *cur;
	if (next->cluster != h->cluster)
		return next;
	while (last != end) {
		cur = cna_of(mcsq_wait_link(&last->q)); /* swapped in before `end`, linking now */
		if (cur->cluster != h->cluster) {
			secondary_append(h, next, last);
			return cur;
		}
		last = cur;
	}
	return NULL;
}

static int cna_unlock(void *lock, void *ctx)
{
	struct cna_lock *l = lock;
	struct cna_node *h = ctx;
	if (!h->held)
		return -EPERM;
	h->held = 0;
	/* Acquire: pairs with the successor's link (mcsq_link). */
	struct cna_node *next = cna_of(atomic_load_explicit(&h->q.next, memory_order_acquire));
	if (!next) {
		struct cna_node *new_tail = h->sec_tail; /* NULL: the queue empties */
		if (mcsq_cas_tail(&l->tail, &h->q, q_of(new_tail))) {
			if (new_tail)
				grant(h->sec_head, NULL, NULL, 0);
			return 0;
		}
		/* A successor has swapped in but not linked yet. */
		next = cna_of(mcsq_wait_link(&h->q));
	}
	if (h->streak < CNA_BOUND) {
		struct cna_node *local = find_local(h, next);
		if (local) {
			grant(local, h->sec_head, h->sec_tail, h->streak + 1);
			return 0;
		}
	} else if (!h->sec_head) {
		struct cna_node *remote = find_remote(l, h, next);
		if (remote) {
			/* The local nodes passed over are now the secondary queue. */
			grant(remote, h->sec_head, h->sec_tail, 0);
			return 0;
		}
		/* Nobody of another cluster is queued: stay, and look again next time. */
		grant(next, NULL, NULL, h->streak);
		return 0;
	}
	/* Leaving the cluster: the secondary queue first, else the (remote) next node. */
	if (h->sec_head) {
		/* find_local moved nothing; `next` is still the main queue's first node. */
		grant_secondary(h, next);
		return 0;
	}
	grant(next, NULL, NULL, next->cluster == h->cluster ? h->streak + 1 : 0);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t cna_turn(void *lock, void *ctx)
{
	struct cna_node *n = ctx;
	(void)lock;
	return n->turn;
}
#endif

const struct lb_lock_ops lb_cna_ops = {
	.name = "cna",
	.description = "compact NUMA-aware MCS: skipped remote waiters wait in a secondary queue",
	.props = LB_SPINS | LB_NEEDS_CTX | LB_NUMA_AWARE,
	.lock_size = sizeof(struct cna_lock),
	.lock_align = _Alignof(struct cna_lock),
	.ctx_size = sizeof(struct cna_node),
	.ctx_align = _Alignof(struct cna_node),
	.init = cna_init,
	.destroy = cna_destroy,
	.ctx_init = cna_ctx_init,
	.ctx_destroy = cna_ctx_destroy,
	.ctx_set_cluster = cna_ctx_set_cluster,
	.cluster_bound = CNA_BOUND + 1,
	.lock = cna_lock,
	.unlock = cna_unlock,
	.trylock = cna_trylock,
	.timedlock = cna_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = cna_turn,
#endif
};
