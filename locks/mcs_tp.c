/* mcs_tp.c — time-published MCS: a queue lock whose unlocker skips waiters that look preempted.
 *
 * Algorithm: He, Scherer & Scott, "Preemption adaptivity in time-published queue-based spin
 * locks" (HiPC 2005), MCS-TP, simplified. The queue is mcs.c's. A waiter publishes a timestamp
 * (CLOCK_MONOTONIC ns) when it links behind its predecessor and again every MCS_TP_PUBLISH_EVERY pauses while it
 * spins; a waiter whose thread is not running stops publishing. unlock reads the clock once and
 * walks the chain from its successor: a waiter whose timestamp is older than MCS_TP_STALE_NS
 * (20 us) is marked REMOVED and skipped, and the first fresh one is granted the lock. A removed
 * waiter, once its thread runs again and reads REMOVED, enqueues afresh at the tail. When every
 * waiter is stale and the last one is the tail, unlock frees the lock (tail from it to NULL) and
 * removes it too: the lock is never handed to a thread that is known not to be running.
 * Departures from the paper: no waiter time-outs inside the queue (timedlock polls trylock,
 * below); the holder does not publish its own critical-section start for waiters to see a
 * preempted holder; instead a waiter that has spun MCS_TP_YIELD_AFTER pauses calls sched_yield
 * between publications, which gives a preempted holder that shares its CPU the chance to run,
 * and makes the yielding waiter look stale (it is not running) until it runs again.
 * State: tail and node.next as mcs.c; node.q.wait WAITING 1 -> GRANTED 0 or REMOVED 2, written
 * only by the unlocker walking past it; node.ts the waiter's latest timestamp.
 * Memory order: mcs_queue.h's for the reset, the swap, the link and the tail CASes (it argues
 * each pair once), and:
 *  - Granting is a release store of GRANTED paired with the waiter's acquire load that reads
 *    it: the previous holder's critical section happens-before ours.
 *  - Removing: the unlocker reads the removed node's next (acquire: pairs with the link of the
 *    node behind it), or wins the tail CAS, BEFORE the release store of REMOVED; the waiter's
 *    acquire load that reads REMOVED makes that read happen-before the waiter's re-enqueue,
 *    which resets next: the walk never sees the node's next of a later enqueue. After storing
 *    REMOVED the unlocker never touches the node again.
 *  - Freeing the lock with the tail CAS (last waiter stale) is release, as mcs.c's unlock.
 *  - ts is relaxed on both sides: it is a heuristic, and a stale read only makes the unlocker
 *    skip (or not skip) a waiter, never breaks exclusion or loses a waiter: a skipped waiter
 *    re-enqueues.
 * Timed acquisition: NOT fair: as mcs.c, timedlock polls trylock with deadline.h's bounded
 * back-off until the deadline (a waiter never leaves the queue on its own). Orders: trylock's.
 * Fairness: NOT FIFO and no bypass bound. Among waiters that keep running (publishing) the order
 * is FIFO; a waiter skipped as stale loses its place and re-enqueues at the tail, and a thread
 * that is descheduled every time its turn comes can be skipped every time. A waiter is never
 * skipped while its timestamp is under 20 us old, so on a machine with a CPU per thread (no
 * preemption) the lock behaves as MCS, FIFO.
 * Oversubscription: the point of the lock. mcs.c hands the lock to the next waiter even when its
 * thread is descheduled, and everyone waits a scheduler tick; here the unlocker skips it. Each
 * unlock that has a successor pays one clock read (vDSO, ~20 ns). A thread preempted between
 * its swap and its link still stalls its predecessor's unlock until it runs again (the walk
 * yields after MCS_TP_YIELD_AFTER pauses of waiting for a link).
 * Context: the queue node, one cache line, held by one thread; one lock held at a time per
 * context. A removed node is out of the chain; its thread is still inside lock().
 * Misuse: unlock through a context that holds nothing returns -EPERM (a private flag).
 * Not shared with mcs_queue.h: the wait for a link (mcsq_wait_link does not yield; ours does,
 * for a linker preempted on our CPU), the waiter's spin (it publishes and yields) and the walk.
 */

#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "mcs_queue.h"
#include <lockbench/lock.h>

enum mcs_tp_state { MCS_TP_GRANTED = 0, MCS_TP_WAITING = 1, MCS_TP_REMOVED = 2 };
enum {
	MCS_TP_PUBLISH_EVERY = 64, /* pauses between timestamps while spinning */
	MCS_TP_YIELD_AFTER = 4096, /* pauses of waiting before each publication also yields */
};
#define MCS_TP_STALE_NS UINT64_C(20000) /* a waiter silent this long counts as preempted */

struct mcs_tp_node {
	struct mcsq_node q; /* first: see MCSQ_NODE_OF; q.wait is enum mcs_tp_state */
	_Atomic uint64_t ts; /* CLOCK_MONOTONIC ns of the waiter's latest publication */
	int held;            /* private to the owning thread */
} LB_CACHE_ALIGNED;
_Static_assert(offsetof(struct mcs_tp_node, q) == 0, "MCSQ_NODE_OF needs q first");

struct mcs_tp_lock {
	_Atomic(struct mcsq_node *) tail;
} LB_CACHE_ALIGNED;

static int mcs_tp_init(void *lock, unsigned permits)
{
	struct mcs_tp_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->tail, NULL);
	return 0;
}

static void mcs_tp_destroy(void *lock)
{
	(void)lock;
}

static int mcs_tp_ctx_init(void *ctx)
{
	struct mcs_tp_node *n = ctx;
	mcsq_node_init(&n->q, MCS_TP_GRANTED);
	atomic_init(&n->ts, 0);
	n->held = 0;
	return 0;
}

static void mcs_tp_ctx_destroy(void *ctx)
{
	(void)ctx;
}

static int mcs_tp_lock(void *lock, void *ctx)
{
	struct mcs_tp_lock *l = lock;
	struct mcs_tp_node *n = ctx;
	for (;;) {
		mcsq_reset(&n->q, MCS_TP_WAITING);
		struct mcsq_node *pred = mcsq_swap(&l->tail, &n->q);
		if (!pred)
			break;
		/* The first timestamp, before the link: the unlocker finds us through the link
		 * (acquire), so it reads this or a later one. Only a waiter pays the clock read. */
		atomic_store_explicit(&n->ts, lb_now_ns(), memory_order_relaxed);
		mcsq_link(pred, &n->q);
		unsigned s;
		/* Acquire: pairs with the release store of GRANTED or REMOVED. */
		for (unsigned i = 1;
		     (s = atomic_load_explicit(&n->q.wait, memory_order_acquire)) == MCS_TP_WAITING;
		     i++) {
			lb_cpu_relax();
			if (i % MCS_TP_PUBLISH_EVERY == 0) {
				if (i >= MCS_TP_YIELD_AFTER)
					sched_yield();
				/* Relaxed: a heuristic (see the header). */
				atomic_store_explicit(&n->ts, lb_now_ns(), memory_order_relaxed);
			}
		}
		if (s == MCS_TP_GRANTED)
			break;
		/* REMOVED: out of the chain; enqueue afresh. */
	}
	n->held = 1;
	return 0;
}

static int mcs_tp_trylock(void *lock, void *ctx)
{
	struct mcs_tp_lock *l = lock;
	struct mcs_tp_node *n = ctx;
	/* Relaxed: a hint that spares the line when the lock is busy; the CAS decides. */
	if (atomic_load_explicit(&l->tail, memory_order_relaxed))
		return -EBUSY;
	mcsq_reset(&n->q, MCS_TP_WAITING);
	if (!mcsq_try_enqueue(&l->tail, &n->q))
		return -EBUSY;
	n->held = 1;
	return 0;
}

/* Not fair: see the header. */
static int mcs_tp_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(mcs_tp_trylock, lock, ctx, deadline_ns);
}

/* A successor that has swapped in behind q but not linked yet: wait for its link. Not
 * mcsq_wait_link: this one yields now and then (see the header). */
static struct mcsq_node *wait_link(struct mcsq_node *q)
{
	struct mcsq_node *next;
	/* Acquire: pairs with the successor's release link store (mcsq_link). */
	for (unsigned i = 1; !(next = atomic_load_explicit(&q->next, memory_order_acquire)); i++) {
		lb_cpu_relax();
		if (i % MCS_TP_YIELD_AFTER == 0)
			sched_yield(); /* its thread may be preempted on our CPU */
	}
	return next;
}

static int mcs_tp_unlock(void *lock, void *ctx)
{
	struct mcs_tp_lock *l = lock;
	struct mcs_tp_node *n = ctx;
	if (!n->held)
		return -EPERM;
	n->held = 0;
	/* Acquire: pairs with the successor's release link store. */
	struct mcsq_node *s = atomic_load_explicit(&n->q.next, memory_order_acquire);
	if (!s) {
		/* Release CAS: our critical section happens-before the next acquire of tail. */
		if (mcsq_cas_tail(&l->tail, &n->q, NULL))
			return 0;
		s = wait_link(&n->q);
	}
	uint64_t now = lb_now_ns();
	for (;;) {
		/* Relaxed: a heuristic (see the header). */
		uint64_t ts = atomic_load_explicit(&MCSQ_NODE_OF(struct mcs_tp_node, s)->ts,
						  memory_order_relaxed);
		if (now < ts || now - ts <= MCS_TP_STALE_NS) {
			/* Release: the handoff, paired with the waiter's acquire load. */
			mcsq_handoff(s, MCS_TP_GRANTED);
			return 0;
		}
		/* Stale: find what follows s before removing it (see the header). */
		struct mcsq_node *after = atomic_load_explicit(&s->next, memory_order_acquire);
		if (!after) {
			/* Release CAS (mcsq_cas_tail), then REMOVED: see the header. */
			if (mcsq_cas_tail(&l->tail, s, NULL)) {
				/* Release: pairs with the waiter's acquire load of REMOVED. */
				atomic_store_explicit(&s->wait, MCS_TP_REMOVED, memory_order_release);
				return 0;
			}
			after = wait_link(s);
		}
		atomic_store_explicit(&s->wait, MCS_TP_REMOVED, memory_order_release);
		s = after;
	}
}

const struct lb_lock_ops lb_mcs_tp_ops = {
	.name = "mcs-tp",
	.description = "time-published MCS: waiters publish timestamps, unlock skips stale (preempted) ones",
	.props = LB_SPINS | LB_NEEDS_CTX,
	.lock_size = sizeof(struct mcs_tp_lock),
	.lock_align = _Alignof(struct mcs_tp_lock),
	.ctx_size = sizeof(struct mcs_tp_node),
	.ctx_align = _Alignof(struct mcs_tp_node),
	.init = mcs_tp_init,
	.destroy = mcs_tp_destroy,
	.ctx_init = mcs_tp_ctx_init,
	.ctx_destroy = mcs_tp_ctx_destroy,
	.lock = mcs_tp_lock,
	.unlock = mcs_tp_unlock,
	.trylock = mcs_tp_trylock,
	.timedlock = mcs_tp_timedlock,
};
