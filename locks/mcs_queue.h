/* mcs_queue.h — the MCS queue mechanics that the MCS family shares (static inline; not
 * installed): mcs.c, mcs_park.c, malthusian.c, mcs_tp.c, cna.c, cbo_mcs.c and hmcs.c (both of
 * its levels) put a struct mcsq_node first in their nodes and run their queue through these
 * steps; hemlock.c, whose queue has no next pointers, shares only the test hook's turns.
 *
 * Algorithm: Mellor-Crummey & Scott, "Algorithms for scalable synchronization on shared-memory
 * multiprocessors" (ACM TOCS 1991), the list-based queue lock. A waiter resets its node
 * (mcsq_reset), swaps it into the tail (mcsq_swap), links it behind the node it got back
 * (mcsq_link) and waits on the word in its own node (mcsq_spin_while, or mcsq_park_wait for the
 * sleeping variants); trylock is a CAS of the tail from NULL to the node (mcsq_try_enqueue).
 * The holder finds its successor (mcsq_successor: the link if there is one, else a CAS of the
 * tail from its node back to NULL, and if that fails a wait for the link of a successor that has
 * swapped but not linked yet, mcsq_wait_link), and hands over with a release store into the
 * successor's word (mcsq_handoff) or the exchange of mcsq_park_grant.
 * State: tail = NULL (free) or the last node; node.next = the successor once it has linked;
 * node.wait = the lock's own encoding of "waiting" and "handed over" (each lock names its
 * values; the park steps use enum mcsq_park_state).
 * Memory order (the one argument every user relies on; each lock file argues only what it adds):
 *  - mcsq_reset's stores (next = NULL, wait = the waiting value) are relaxed. next = NULL is
 *    published by the release half of the swap (or of the trylock CAS): the successor's swap
 *    that returns our node (acquire) reads from ours, so our NULL happens-before its link store.
 *    Without it our NULL could land after the link, and our unlock would wait for ever for a
 *    successor it cannot see. The waiting value is published by the release link store: it is
 *    sequenced before the link, which our predecessor reads (acquire) before it hands over.
 *  - The swap's acquire half (and mcsq_try_enqueue's) pairs with the release CAS of the tail in
 *    mcsq_cas_tail of the unlock that freed the queue: that holder's critical section
 *    happens-before ours.
 *  - mcsq_link, pred.next = us, is a release store paired with the acquire loads of next in
 *    pred's unlock (mcsq_successor, mcsq_wait_link), which then hand over.
 *  - mcsq_handoff is a release store paired with the acquire loads of mcsq_spin_while; the park
 *    variant's exchange is release, paired with mcsq_park_wait's acquire loads (below).
 *  - A failed tail CAS is relaxed: it only says a successor is on its way; the acquire load of
 *    next that follows synchronizes with its link.
 * Where a lock's copy of a step differs (an order, a yield in a wait, a different handoff), it
 * keeps its own code and says why; nothing here is unified across an order that differs.
 * Park (mcs_park.c, malthusian.c): Karlin et al.'s spin-then-block (SOSP 1991) on a futex word in
 * the node. The waiter spins `spins` pauses on node.wait, then CASes it WAITING -> PARKED and
 * sleeps in FUTEX_WAIT while it reads PARKED; the handoff is one release exchange to GRANTED that
 * calls FUTEX_WAKE only if it replaced PARKED. Only the owner moves WAITING -> PARKED, only the
 * predecessor moves either to GRANTED, so the CAS fails exactly when the handoff came first: no
 * lost wake-up (futex_word.h's promise; models/mcs_park.pml). The waiter's acquire loads (spin,
 * failed CAS, after each FUTEX_WAIT) that read GRANTED pair with the release exchange. The CAS
 * succeeds publishing nothing; it is acquire only because C11 lets a failure order be no
 * stronger than the success order.
 * Test hooks (LB_TEST_HOOKS only; mcs.c, mcs_park.c, hemlock.c): each node records its queue
 * position, counted from 1 in swap order. Before the swap, turn = 0 ("not known yet"). After it:
 * with no predecessor, turn = the lock's last_turn + 1; otherwise spin until pred.turn != 0 and
 * take pred.turn + 1, before linking (or, in hemlock, before waiting on pred). last_turn is
 * written by each holder inside its critical section, so it needs no atomics. pred's node stays
 * valid while we read it because pred's unlock cannot return before our link (it sees tail !=
 * pred and waits for us), and we link after reading. Every node publishes its turn before it
 * links or holds, so the chain of waits ends at a node that got the lock from a free queue: no
 * deadlock. The turn is relaxed: the reset to 0 reaches our successor through the swap's
 * release/acquire, so it cannot read a stale non-zero turn, and the number carries no other
 * data.
 */
#ifndef LB_MCS_QUEUE_H
#define LB_MCS_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "futex_word.h"
#include <lockbench/lock.h>

/* The queue part of a node: first member of each lock's node, so that a struct mcsq_node * read
 * from the tail or from next converts back to the lock's node with MCSQ_NODE_OF. */
struct mcsq_node {
	_Atomic(struct mcsq_node *) next;
	atomic_uint wait;
};

/* The lock's node that starts with queue node q (its member `q`, at offset 0: each user
 * static_asserts it). */
#define MCSQ_NODE_OF(type, qp) ((type *)(void *)(qp))

static inline void mcsq_node_init(struct mcsq_node *q, unsigned wait)
{
	atomic_init(&q->next, NULL);
	atomic_init(&q->wait, wait);
}

/* Relaxed: next = NULL is published by the enqueue's release half, `waiting` by the release
 * link (see the header). */
static inline void mcsq_reset(struct mcsq_node *q, unsigned waiting)
{
	atomic_store_explicit(&q->next, NULL, memory_order_relaxed);
	atomic_store_explicit(&q->wait, waiting, memory_order_relaxed);
}

/* The doorway: the predecessor, or NULL when the queue was empty (we hold the lock). acq_rel:
 * acquire pairs with mcsq_cas_tail's release; release publishes mcsq_reset's NULL. */
static inline struct mcsq_node *mcsq_swap(_Atomic(struct mcsq_node *) *tail, struct mcsq_node *q)
{
	return atomic_exchange_explicit(tail, q, memory_order_acq_rel);
}

/* trylock's doorway: true if the queue was empty and q now holds it. Orders: mcsq_swap's; a
 * failed CAS is relaxed (we take nothing). */
static inline bool mcsq_try_enqueue(_Atomic(struct mcsq_node *) *tail, struct mcsq_node *q)
{
	struct mcsq_node *expected = NULL;
	return atomic_compare_exchange_strong_explicit(tail, &expected, q, memory_order_acq_rel,
						       memory_order_relaxed);
}

/* Release: pairs with the acquire loads of next in pred's unlock. */
static inline void mcsq_link(struct mcsq_node *pred, struct mcsq_node *q)
{
	atomic_store_explicit(&pred->next, q, memory_order_release);
}

/* Spin while q's word reads `v`; returns what it read then. Acquire: pairs with mcsq_handoff. */
static inline unsigned mcsq_spin_while(struct mcsq_node *q, unsigned v)
{
	unsigned s;
	while ((s = atomic_load_explicit(&q->wait, memory_order_acquire)) == v)
		lb_cpu_relax();
	return s;
}

/* Release: the handoff, paired with the successor's acquire in mcsq_spin_while. */
static inline void mcsq_handoff(struct mcsq_node *next, unsigned v)
{
	atomic_store_explicit(&next->wait, v, memory_order_release);
}

/* Tail from q to new_tail (NULL: the queue empties): true if done. Release: q's holder's
 * critical section happens-before the next acquire of the tail; failure relaxed (see the
 * header). */
static inline bool mcsq_cas_tail(_Atomic(struct mcsq_node *) *tail, struct mcsq_node *q,
				 struct mcsq_node *new_tail)
{
	struct mcsq_node *expected = q;
	return atomic_compare_exchange_strong_explicit(tail, &expected, new_tail,
						       memory_order_release, memory_order_relaxed);
}

/* A successor has swapped in behind q but not linked yet: wait for its link. Acquire: pairs
 * with mcsq_link. */
static inline struct mcsq_node *mcsq_wait_link(struct mcsq_node *q)
{
	struct mcsq_node *next;
	while (!(next = atomic_load_explicit(&q->next, memory_order_acquire)))
		lb_cpu_relax();
	return next;
}

/* The holder's successor, or NULL once the tail CAS has freed the queue. Acquire load of next:
 * pairs with mcsq_link. */
static inline struct mcsq_node *mcsq_successor(_Atomic(struct mcsq_node *) *tail,
					       struct mcsq_node *q)
{
	struct mcsq_node *next = atomic_load_explicit(&q->next, memory_order_acquire);
	if (next)
		return next;
	if (mcsq_cas_tail(tail, q, NULL))
		return NULL;
	return mcsq_wait_link(q);
}

/* The park variant's word. */
enum mcsq_park_state { MCSQ_GRANTED = 0, MCSQ_WAITING = 1, MCSQ_PARKED = 2 };

/* Until the predecessor's mcsq_park_grant: spin `spins` pauses, then sleep (see the header). */
static inline void mcsq_park_wait(struct mcsq_node *q, int spins)
{
	/* Acquire: pairs with the release exchange of mcsq_park_grant. */
	for (int i = 0; i < spins; i++) {
		if (atomic_load_explicit(&q->wait, memory_order_acquire) == MCSQ_GRANTED)
			return;
		lb_cpu_relax();
	}
	unsigned expected = MCSQ_WAITING;
	/* Failure acquire: it read the handoff's GRANTED. Success publishes nothing; acquire
	 * only because C11 forbids a failure order stronger than the success order. */
	if (!atomic_compare_exchange_strong_explicit(&q->wait, &expected, MCSQ_PARKED,
						     memory_order_acquire, memory_order_acquire))
		return;
	while (atomic_load_explicit(&q->wait, memory_order_acquire) != MCSQ_GRANTED)
		(void)futex_word_wait(&q->wait, MCSQ_PARKED);
}

/* The park handoff: release, and wake the new holder only if it sleeps. */
static inline void mcsq_park_grant(struct mcsq_node *to)
{
	if (atomic_exchange_explicit(&to->wait, MCSQ_GRANTED, memory_order_release) ==
	    MCSQ_PARKED)
		futex_word_wake(&to->wait, 1);
}

#ifdef LB_TEST_HOOKS
/* The test hook's queue position (see the header). */
struct mcsq_turn {
	atomic_uint_fast64_t turn; /* 0 until known */
	uint64_t last_turn;        /* for the turn hook: the owner's own copy */
};

static inline void mcsq_turn_init(struct mcsq_turn *t)
{
	atomic_init(&t->turn, 0);
	t->last_turn = 0;
}

/* Before the enqueue. Relaxed: published by the enqueue's release half. */
static inline void mcsq_turn_reset(struct mcsq_turn *t)
{
	atomic_store_explicit(&t->turn, 0, memory_order_relaxed);
}

/* Between the enqueue and the link; pred NULL when the queue was empty (we hold the lock, and
 * lock_last is the holders' count). */
static inline void mcsq_turn_take(uint64_t lock_last, struct mcsq_turn *t, struct mcsq_turn *pred)
{
	uint64_t v;
	if (!pred) {
		v = lock_last + 1;
	} else {
		/* Relaxed: see the header. */
		while ((v = atomic_load_explicit(&pred->turn, memory_order_relaxed)) == 0)
			lb_cpu_relax();
		v++;
	}
	atomic_store_explicit(&t->turn, v, memory_order_relaxed);
	t->last_turn = v;
}
#endif

#endif
