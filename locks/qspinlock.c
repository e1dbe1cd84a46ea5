/* qspinlock.c — Linux's queued spinlock, in user space.
 *
 * Algorithm: the kernel's qspinlock (kernel/locking/qspinlock.c, Waiman Long and Peter
 * Zijlstra, Linux 4.2, 2015; described in the file's comment and in LWN "MCS locks and qspinlocks",
 * 2014): a 4-byte lock word whose uncontended path is one CAS, whose first waiter spins on the
 * word itself with a "pending" bit, and whose later waiters form an MCS queue (Mellor-Crummey &
 * Scott, ACM TOCS 1991; see mcs.c) of per-thread nodes, the queue's tail encoded in the word.
 * State: one 32-bit word, the kernel's layout for fewer than 16K CPUs:
 *   bits 0-7   locked byte: 1 while held
 *   bits 8-15  pending byte: 1 while the first waiter spins on the word (only bit 8 is used)
 *   bits 16-31 tail: 0 = no queue, else QS slot + 1 of the last queued node
 * The kernel encodes the tail as (CPU + 1, nesting index 0-3) of a per-CPU array of 4 nodes (one
 * per context that may nest: task, softirq, hardirq, NMI). User space has no per-CPU data, and
 * here the node is the caller's context (lock.h: one held lock per context, so no nesting index
 * is needed: a thread holding two qspinlocks uses two contexts, which plays the part of the
 * kernel's index). So the 16 bits name a context: ctx_init registers the context in a global
 * table of QS_MAX_CTX = 65535 entries (slot i <-> tail i + 1) and ctx_destroy frees its entry.
 * The limit is the tail's width; beyond it ctx_init fails with -EAGAIN (no node, no lock). The
 * table costs 512 KB of address space, faulted in only as far as it is used.
 * lock(): the fast path CASes the word 0 -> locked. Otherwise (the slow path):
 *   - if only the locked byte is set, set pending (fetch-or). If that finds pending or a tail
 *     already set, undo our pending bit if it was ours and queue; else we are the pending
 *     waiter: spin until the locked byte clears, then in one step clear pending and set locked.
 *   - queue: swap our tail into the word (a CAS loop that keeps the low 16 bits), link behind the
 *     previous tail's node and spin on our node's flag until it hands over the queue head. The
 *     head spins on the word until neither locked nor pending is set, then takes the lock: if the
 *     tail is still ours, CAS the whole word to locked (queue now empty); else set locked, wait
 *     for the successor's link, and hand it the queue head (its flag).
 * unlock(): subtract the locked byte (release). trylock(): CAS 0 -> locked when the word is 0.
 * Departures from the kernel: its tail exchange is a 16-bit xchg on the tail half of the word, and
 * it sets and clears the locked and pending bytes with byte stores; C11 has no mixed-size atomics,
 * so we use 32-bit read-modify-writes of the whole word (a CAS loop for the tail). It spins up
 * to _Q_PENDING_LOOPS while the word is in the pending -> locked transition, and tries the lock
 * once more before queueing; both are optimisations we leave out.
 * Memory order:
 *  - The lock is taken by: the fast-path or trylock CAS (acquire), the pending waiter's acquire
 *    load that sees the locked byte clear, the queue head's acquire load that sees locked and
 *    pending clear. Each pairs with the release fetch-sub in the unlock that cleared the byte:
 *    the previous critical section happens-before ours. The steps that then set the locked byte
 *    (the pending waiter's fetch-sub, the head's CAS or fetch-or) are relaxed: the acquire load
 *    before them did the synchronizing, and while pending (or the queue head's position) is ours
 *    no one else can set the locked byte (the fast path needs a 0 word, the pending path a word
 *    with no tail and no pending).
 *  - The tail swap is a release CAS: it publishes our node's reset (next = NULL, waiting = 1)
 *    to the successor that finds our tail in the word; its acquire half pairs with the
 *    predecessor's release swap, so the predecessor's node is initialised when we link to it.
 *  - The link, pred.next = us, is a release store paired with the head's acquire load of next;
 *    the head's handover, next.waiting = 0, is a release store paired with the new head's acquire
 *    spin on it (the queue-position handoff).
 *  - The global table is written at ctx_init, before the context's first use; a thread that
 *    decodes a tail got it from the word by an acquire read of that context's release swap, so
 *    the entry's write happens-before its relaxed read.
 *  - The fetch-or of pending is acquire: if it makes us the pending waiter, nothing more is
 *    needed, the acquire load of the locked byte synchronizes; acquire keeps the loads of our spin
 *    after it. Its undo (a fetch-and) is relaxed: it publishes nothing.
 * Timed acquisition: NOT FIFO. A queued node cannot leave the queue (its predecessor will link to
 * it and hand it the head), so timedlock never joins it: it polls trylock with a bounded doubling
 * back-off until the deadline (deadline.h's lb_poll_trylock_until), taking the lock only when the
 * word is 0; a steady stream of lock() callers can pass it over until it times out. A past
 * deadline on a held lock returns after one try.
 * Fairness: FIFO (LB_FIFO), checked by locks_fifo through the test-only turn hook. The doorway
 * is whichever atomic places the thread: the fast-path CAS (it wins only on a 0 word: no holder,
 * no waiter), the fetch-or that makes it the pending waiter (only when no queue exists, so
 * everyone queued later goes after it, and the queue head waits for pending to clear), or the
 * tail swap (MCS order behind it). In each case every thread placed earlier acquires earlier.
 * lock() only; timedlock is not FIFO. The spin model (models/qspinlock.pml) checks starvation
 * freedom as well.
 * Test hooks (LB_TEST_HOOKS only): the three doorways must be numbered in one sequence, from
 * their own order, so the test build widens the word to 64 bits: the low half is the word above,
 * bit for bit, and the high half counts doorways. Each doorway RMW becomes a CAS loop on the
 * whole word that also adds 1 to the count when (and only when) it places the thread: the fast
 * path's CAS, the pending fetch-or when it finds neither pending nor a tail, the tail swap; the
 * thread's turn is the count its own RMW wrote, kept in its node (private: only the owner reads
 * it, through the hook). The atomics are the same ones, in the same order, with the same memory
 * orders; the non-doorway RMWs (undo of pending, the head's fetch-or of locked, unlock's and the
 * pending waiter's fetch-sub) operate on the low half only and never carry into the count (the
 * locked byte is 1 whenever it is subtracted, pending 1 whenever it is). Loads return the low
 * half. All of this sits in the qs_word_* helpers below (plain static functions, as inlining
 * hints were enough to move the production code around): the production build's helpers are the
 * plain 32-bit atomics, and its object code is the same as before the hook (compared with
 * objdump, gcc 12 -O3, when the hook was added). The test build adds only failed CASes and
 * relaxed loads, which change nothing: a CAS whose guess at the count is stale (its first try,
 * or a relaxed read) fails and retries with the word it read. The count never moves without the
 * low half moving too (every doorway RMW changes the low half), so these loops retry no more
 * often than the production ones would, but for that first miss. The count is 32 bits: 4G
 * acquisitions per lock before it wraps, far beyond any test. trylock's CAS is
 * numbered too (it places an acquisition), so the turns stay one sequence whichever is used.
 * The negative control, lb_qspinlock_overtaking_lock (test builds only; locks_fifo runs it as
 * lb_qspinlock_ops with this lock()), is this code with one planted defect: its pending path
 * ignores the tail while the lock is held, so a thread arriving behind a queue becomes the
 * pending waiter and overtakes the queue head. Exclusion still holds (it takes pending only
 * over a held lock, and undoes it otherwise, so the head, which waits for pending to clear,
 * never meets a pending waiter that has not yet seen the lock held); only the order is wrong,
 * and locks_fifo must see it.
 * Oversubscription: collapses, as mcs: the queue head is handed to the next node even when its
 * thread is preempted, and a node preempted between its swap and its link stalls the head.
 * Context: the queue node, one cache line (LB_NEEDS_CTX), registered in the global table at
 * ctx_init (-EAGAIN when all 65535 entries are taken) and unregistered at ctx_destroy. The
 * interposer (lockbench exec) never destroys its contexts, so a program's exited threads keep
 * their entries: at most 32 per thread that ever took a queue lock; 65535 is far beyond the
 * programs we run. The fast and pending paths never touch the node.
 * Misuse: unlock through a context that holds nothing returns -EPERM (a private flag); without
 * the check, the subtraction would corrupt the word.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

#define QS_LOCKED 0x1u
#define QS_PENDING 0x100u
#define QS_LOCKED_MASK 0xffu
#define QS_LOCKED_PENDING_MASK 0xffffu
#define QS_TAIL_SHIFT 16
#define QS_TAIL_MASK 0xffff0000u

enum { QS_MAX_CTX = 65535 }; /* the 16-bit tail's values 1 .. 65535 */

struct qs_node {
	_Atomic(struct qs_node *) next;
	atomic_uint waiting;
	uint32_t tail; /* our encoded tail: (slot + 1) << QS_TAIL_SHIFT */
	int held;      /* private to the owning thread: for the misuse check in unlock */
#ifdef LB_TEST_HOOKS
	uint64_t turn; /* private: the doorway count our latest placing RMW wrote */
#endif
} LB_CACHE_ALIGNED;

#ifdef LB_TEST_HOOKS
/* The test build's word: the production word in the low half, the doorway count in the high. */
#define QS_COUNT_ONE ((uint64_t)1 << 32)
#define QS_COUNT_MASK 0xffffffff00000000u
struct qs_lock {
	_Atomic uint64_t word;
} LB_CACHE_ALIGNED;
#else
struct qs_lock {
	atomic_uint word;
} LB_CACHE_ALIGNED;
#endif

/* The word's atomics, one helper per use (see the header's Test hooks). Each takes and returns
 * the production word's 32 bits; the test build's versions also keep the doorway count. The
 * memory orders are argued in the header, at the step each helper performs. */
#ifndef LB_TEST_HOOKS
static uint32_t qs_word_load(struct qs_lock *l, memory_order mo)
{
	return atomic_load_explicit(&l->word, mo);
}

/* Doorway: the fast path's or trylock's CAS *val -> locked (acquire). On failure *val is the
 * word seen. */
static int qs_word_take_free(struct qs_lock *l, struct qs_node *n, uint32_t *val)
{
	(void)n;
	return atomic_compare_exchange_strong_explicit(&l->word, val, QS_LOCKED,
						       memory_order_acquire, memory_order_relaxed);
}

/* Doorway when it places us: the pending fetch-or (acquire). Returns the word before it.
 * `overtaking` is the negative control's planted defect (see the header); it only changes which
 * fetch-or places us, which this build need not know (it keeps no count). */
static uint32_t qs_word_set_pending(struct qs_lock *l, struct qs_node *n, int overtaking)
{
	(void)n;
	(void)overtaking;
	return atomic_fetch_or_explicit(&l->word, QS_PENDING, memory_order_acquire);
}

/* Doorway: the tail swap (acq_rel CAS loop keeping locked and pending). Returns the word before
 * it; val is the caller's latest sight of the word, the CAS's first guess. */
static uint32_t qs_word_swap_tail(struct qs_lock *l, struct qs_node *n, uint32_t val)
{
	uint32_t old = val;
	while (!atomic_compare_exchange_weak_explicit(&l->word, &old,
						      (old & QS_LOCKED_PENDING_MASK) | n->tail,
						      memory_order_acq_rel, memory_order_relaxed))
		;
	return old;
}

/* The last queued node's CAS val -> locked (relaxed): 1 if the word was still val. */
static int qs_word_take_last(struct qs_lock *l, uint32_t val)
{
	return atomic_compare_exchange_strong_explicit(&l->word, &val, QS_LOCKED,
						       memory_order_relaxed, memory_order_relaxed);
}

static uint32_t qs_word_fetch_or(struct qs_lock *l, uint32_t bits, memory_order mo)
{
	return atomic_fetch_or_explicit(&l->word, bits, mo);
}

static uint32_t qs_word_fetch_and(struct qs_lock *l, uint32_t bits, memory_order mo)
{
	return atomic_fetch_and_explicit(&l->word, bits, mo);
}

static uint32_t qs_word_fetch_sub(struct qs_lock *l, uint32_t v, memory_order mo)
{
	return atomic_fetch_sub_explicit(&l->word, v, mo);
}
#else
static uint32_t qs_word_load(struct qs_lock *l, memory_order mo)
{
	return (uint32_t)atomic_load_explicit(&l->word, mo);
}

static int qs_word_take_free(struct qs_lock *l, struct qs_node *n, uint32_t *val)
{
	uint64_t old = *val; /* the production CAS's guess, count 0: a miss just reads the word */
	for (;;) {
		if ((uint32_t)old != 0) {
			*val = (uint32_t)old;
			return 0;
		}
		uint64_t next = ((old & QS_COUNT_MASK) + QS_COUNT_ONE) | QS_LOCKED;
		if (atomic_compare_exchange_strong_explicit(&l->word, &old, next,
							    memory_order_acquire,
							    memory_order_relaxed)) {
			n->turn = next >> 32;
			return 1;
		}
	}
}

/* The production build's placing test, and the negative control's (pending over a held lock,
 * whatever the tail): the count moves only when the fetch-or places us. */
static int qs_pending_places(uint32_t old, int overtaking)
{
	if (overtaking)
		return !(old & QS_PENDING) && (old & QS_LOCKED_MASK);
	return !(old & ~QS_LOCKED_MASK);
}

static uint32_t qs_word_set_pending(struct qs_lock *l, struct qs_node *n, int overtaking)
{
	/* Relaxed: only the CAS's first guess. */
	uint64_t old = atomic_load_explicit(&l->word, memory_order_relaxed), next;
	do {
		next = old | QS_PENDING;
		if (qs_pending_places((uint32_t)old, overtaking))
			next = ((next & QS_COUNT_MASK) + QS_COUNT_ONE) | (uint32_t)next;
	} while (!atomic_compare_exchange_weak_explicit(&l->word, &old, next, memory_order_acquire,
							memory_order_relaxed));
	if (qs_pending_places((uint32_t)old, overtaking))
		n->turn = next >> 32;
	return (uint32_t)old;
}

static uint32_t qs_word_swap_tail(struct qs_lock *l, struct qs_node *n, uint32_t val)
{
	uint64_t old = val, next;
	do
		next = ((old & QS_COUNT_MASK) + QS_COUNT_ONE) |
		       (((uint32_t)old & QS_LOCKED_PENDING_MASK) | n->tail);
	while (!atomic_compare_exchange_weak_explicit(&l->word, &old, next, memory_order_acq_rel,
						      memory_order_relaxed));
	n->turn = next >> 32;
	return (uint32_t)old;
}

static int qs_word_take_last(struct qs_lock *l, uint32_t val)
{
	/* Relaxed: the count's guess; the CAS below decides, as in production. */
	uint64_t old = atomic_load_explicit(&l->word, memory_order_relaxed);
	for (;;) {
		if ((uint32_t)old != val)
			return 0;
		if (atomic_compare_exchange_strong_explicit(&l->word, &old,
							    (old & QS_COUNT_MASK) | QS_LOCKED,
							    memory_order_relaxed,
							    memory_order_relaxed))
			return 1;
	}
}

/* The non-doorway RMWs: on the low half only (the count never borrows or carries, see the
 * header), so the 64-bit operand keeps the count's bits as they are. */
static uint32_t qs_word_fetch_or(struct qs_lock *l, uint32_t bits, memory_order mo)
{
	return (uint32_t)atomic_fetch_or_explicit(&l->word, (uint64_t)bits, mo);
}

static uint32_t qs_word_fetch_and(struct qs_lock *l, uint32_t bits, memory_order mo)
{
	return (uint32_t)atomic_fetch_and_explicit(&l->word, QS_COUNT_MASK | bits, mo);
}

static uint32_t qs_word_fetch_sub(struct qs_lock *l, uint32_t v, memory_order mo)
{
	return (uint32_t)atomic_fetch_sub_explicit(&l->word, (uint64_t)v, mo);
}
#endif

static _Atomic(struct qs_node *) qs_table[QS_MAX_CTX];
/* Where the next registration starts looking: keeps ctx_init O(1) while the table is sparse. */
static atomic_uint qs_table_hint;

static int qs_init(void *lock, unsigned permits)
{
	struct qs_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->word, 0);
	return 0;
}

static void qs_destroy(void *lock)
{
	(void)lock;
}

static int qs_ctx_init(void *ctx)
{
	struct qs_node *n = ctx;
	atomic_init(&n->next, NULL);
	atomic_init(&n->waiting, 0);
	n->held = 0;
	n->tail = 0; /* not registered (yet) */
#ifdef LB_TEST_HOOKS
	n->turn = 0;
#endif
	/* Relaxed throughout: the hint is only a starting point, and the entry is published to
	 * other threads through the word (see the header). */
	unsigned start = atomic_load_explicit(&qs_table_hint, memory_order_relaxed);
	for (unsigned k = 0; k < QS_MAX_CTX; k++) {
		unsigned i = (start + k) % QS_MAX_CTX;
		struct qs_node *expected = NULL;
		if (atomic_load_explicit(&qs_table[i], memory_order_relaxed) != NULL)
			continue;
		if (atomic_compare_exchange_strong_explicit(&qs_table[i], &expected, n,
							    memory_order_relaxed,
							    memory_order_relaxed)) {
			atomic_store_explicit(&qs_table_hint, (i + 1) % QS_MAX_CTX,
					      memory_order_relaxed);
			n->tail = (uint32_t)(i + 1) << QS_TAIL_SHIFT;
			return 0;
		}
	}
	return -EAGAIN;
}

static void qs_ctx_destroy(void *ctx)
{
	struct qs_node *n = ctx;
	if (n->tail == 0)
		return; /* its ctx_init failed */
	unsigned i = (n->tail >> QS_TAIL_SHIFT) - 1;
	n->tail = 0;
	/* Release: a later owner of the entry registers after our last use of the node. */
	atomic_store_explicit(&qs_table[i], NULL, memory_order_release);
}

static struct qs_node *qs_decode(uint32_t tail)
{
	/* Relaxed: see the header (published through the word). */
	return atomic_load_explicit(&qs_table[(tail >> QS_TAIL_SHIFT) - 1], memory_order_relaxed);
}

static void qs_queue(struct qs_lock *l, struct qs_node *n, uint32_t val)
{
	/* Relaxed: published by the release swap below (see the header). */
	atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
	atomic_store_explicit(&n->waiting, 1, memory_order_relaxed);

	uint32_t old = qs_word_swap_tail(l, n, val);
	if (old & QS_TAIL_MASK) {
		struct qs_node *pred = qs_decode(old & QS_TAIL_MASK);
		atomic_store_explicit(&pred->next, n, memory_order_release);
		while (atomic_load_explicit(&n->waiting, memory_order_acquire))
			lb_cpu_relax();
	}

	/* Queue head: wait for the holder and the pending waiter to be gone. */
	while ((val = qs_word_load(l, memory_order_acquire)) & QS_LOCKED_PENDING_MASK)
		lb_cpu_relax();

	if ((val & QS_TAIL_MASK) == n->tail) {
		/* Last in the queue: take the lock and empty the queue at once. If the CAS fails,
		 * a successor has swapped in (nobody else can change the word now). */
		if (qs_word_take_last(l, val))
			return;
	}
	qs_word_fetch_or(l, QS_LOCKED, memory_order_relaxed);
	struct qs_node *next;
	while (!(next = atomic_load_explicit(&n->next, memory_order_acquire)))
		lb_cpu_relax();
	atomic_store_explicit(&next->waiting, 0, memory_order_release);
}

/* lock(), and with `overtaking` the negative control's planted defect (see the header): a
 * constant at each call, so the production lock() is the code without it. */
static int qs_lock_common(void *lock, void *ctx, int overtaking)
{
	struct qs_lock *l = lock;
	struct qs_node *n = ctx;
	uint32_t val = 0;
	if (qs_word_take_free(l, n, &val)) {
		n->held = 1;
		return 0;
	}
	if (overtaking ? !(val & QS_PENDING) : !(val & ~QS_LOCKED_MASK)) {
		val = qs_word_set_pending(l, n, overtaking);
		if (overtaking ? !(val & QS_PENDING) && (val & QS_LOCKED_MASK)
			       : !(val & ~QS_LOCKED_MASK)) {
			/* The pending waiter. */
			while (qs_word_load(l, memory_order_acquire) & QS_LOCKED_MASK)
				lb_cpu_relax();
			/* pending 1 -> 0 and locked 0 -> 1 in one step; the tail is untouched. */
			qs_word_fetch_sub(l, QS_PENDING - QS_LOCKED, memory_order_relaxed);
			n->held = 1;
			return 0;
		}
		/* Someone was pending or queued: undo our bit if we set it, and queue. */
		if (!(val & QS_PENDING))
			val = qs_word_fetch_and(l, ~QS_PENDING, memory_order_relaxed) & ~QS_PENDING;
	}
	qs_queue(l, n, val);
	n->held = 1;
	return 0;
}

static int qs_lock(void *lock, void *ctx)
{
	return qs_lock_common(lock, ctx, 0);
}

static int qs_trylock(void *lock, void *ctx)
{
	struct qs_lock *l = lock;
	struct qs_node *n = ctx;
	/* Relaxed: a hint that spares the line when the lock is busy; the CAS decides. */
	uint32_t val = qs_word_load(l, memory_order_relaxed);
	if (val != 0 || !qs_word_take_free(l, n, &val))
		return -EBUSY;
	n->held = 1;
	return 0;
}

/* Not FIFO: see the header. */
static int qs_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(qs_trylock, lock, ctx, deadline_ns);
}

static int qs_unlock(void *lock, void *ctx)
{
	struct qs_lock *l = lock;
	struct qs_node *n = ctx;
	if (!n->held)
		return -EPERM;
	n->held = 0;
	qs_word_fetch_sub(l, QS_LOCKED, memory_order_release);
	return 0;
}

#ifdef LB_TEST_HOOKS
/* Test-only: the turn our latest lock() took (see the header). */
static uint64_t qs_turn(void *lock, void *ctx)
{
	(void)lock;
	return ((struct qs_node *)ctx)->turn;
}

#endif

const struct lb_lock_ops lb_qspinlock_ops = {
	.name = "qspinlock",
	.description = "Linux's queued spinlock: 4-byte word, pending bit, MCS queue of contexts (FIFO)",
	.props = LB_SPINS | LB_FIFO | LB_NEEDS_CTX,
	.lock_size = sizeof(struct qs_lock),
	.lock_align = _Alignof(struct qs_lock),
	.ctx_size = sizeof(struct qs_node),
	.ctx_align = _Alignof(struct qs_node),
	.init = qs_init,
	.destroy = qs_destroy,
	.ctx_init = qs_ctx_init,
	.ctx_destroy = qs_ctx_destroy,
	.lock = qs_lock,
	.unlock = qs_unlock,
	.trylock = qs_trylock,
	.timedlock = qs_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = qs_turn,
#endif
};

#ifdef LB_TEST_HOOKS
/* The negative control for locks_fifo (see the header): qspinlock's lock() with the planted
 * defect. Not a lock of its own: the test uses lb_qspinlock_ops with this as its lock. */
int lb_qspinlock_overtaking_lock(void *lock, void *ctx);
int lb_qspinlock_overtaking_lock(void *lock, void *ctx)
{
	return qs_lock_common(lock, ctx, 1);
}
#endif
