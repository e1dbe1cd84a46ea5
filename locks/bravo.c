/* bravo.c — BRAVO: a reader-biased layer over rw-writer-pref.
 *
 * Algorithm: Dice & Kogan, "BRAVO — Biased Locking for Reader-Writer Locks" (USENIX ATC 2019).
 * While the lock is read-biased (`rbias`), a reader does not touch the lock's words at all: it
 * publishes the lock's address in one slot of a global visible-readers table (the slot chosen by
 * hashing its thread and the lock), then re-reads rbias; if the bias is still on, it holds the
 * lock. Readers on different CPUs thus write different lines, where a counter lock makes every
 * reader write the same one. A writer takes the underlying lock (our rw-writer-pref, whose
 * readers count in its word: the "slow path"), and, if the bias is on, revokes it: it clears
 * rbias and scans the whole table, waiting until no slot holds this lock. Readers that failed
 * to publish (the slot was taken by another thread or lock) or saw the bias off take the
 * underlying lock as readers. The bias is re-enabled by a slow-path reader once `inhibit_until`
 * has passed; each revocation sets it to now + BRAVO_INHIBIT_MULT × the scan's duration (the
 * paper's N = 9), so that writer-heavy phases do not pay a scan per write.
 * State: rbias (atomic bool), inhibit_until (ns), the underlying lock; the table is global,
 * BRAVO_TABLE_SLOTS pointers (the paper's 4096), shared by every BRAVO lock in the process.
 * Memory order:
 *  - Revocation is a store-load (Dekker) pattern: the reader stores its slot then loads rbias,
 *    the writer stores rbias = false then loads every slot. Both sides are seq_cst (the slot
 *    CAS, the rbias load; the rbias store and the slot loads), so in the single total order
 *    either the reader's recheck sees false (it withdraws, takes the slow path) or the writer's
 *    scan sees the slot (it waits). Weaker orders would let both miss and both enter.
 *  - A fast reader's critical section follows the previous writer's: it enters only while
 *    rbias is true, and after a revocation rbias is set true again only by a slow reader (a
 *    seq_cst store) that holds the underlying read lock, i.e. after it acquired from the last
 *    writer's release. The fast reader's seq_cst recheck that sees true synchronizes with that
 *    store, so the writer's critical section happens-before the fast reader's.
 *  - A fast reader's exit is a release store of NULL to its slot, paired with the writer's
 *    seq_cst (hence acquire) load in the scan that sees NULL: the reader's critical section
 *    happens-before the writer's.
 *  - Everything else is the underlying lock's (rw_writer_pref.c).
 * Timed acquisition: timedlock takes the underlying lock with the deadline, then waits for fast
 * readers against the same deadline; if it passes, it releases the underlying lock and returns
 * -ETIMEDOUT. trylock never waits for readers: it revokes and scans once, and if a fast reader
 * is inside it releases the underlying lock, -EBUSY. Both failures turn the bias back on before
 * releasing: the invariant is "bias off => no fast reader inside" (a writer that finds the bias
 * off skips the scan), and the readers they found are still inside. read_trylock / read_timedlock try the fast path, then
 * the underlying read_trylock / read_timedlock.
 * Fairness: the underlying lock's (writer-preferring), except that fast readers ignore waiting
 * writers until the bias is revoked, which happens only once a writer holds the underlying lock.
 * Oversubscription: as rw-writer-pref (a spinlock); a preempted fast reader also holds up a
 * revoking writer's scan.
 * Context: which slot this thread's read lock took (NULL: the slow path), so that read_unlock
 * knows which path to undo. One held read lock per context, any number of BRAVO locks.
 * Misuse: read_unlock through a context holding nothing fast releases the underlying read lock
 * (not checked, as rw-writer-pref).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

extern const struct lb_lock_ops lb_rw_writer_pref_ops;
#define UNDER (&lb_rw_writer_pref_ops)

enum { BRAVO_TABLE_SLOTS = 4096, BRAVO_INHIBIT_MULT = 9 };

/* The visible-readers table: slot -> the BRAVO lock a reader holds through it, or NULL. Adjacent
 * slots share lines; the hash spreads threads over them (the paper's layout). */
static _Atomic(void *) bravo_table[BRAVO_TABLE_SLOTS] LB_CACHE_ALIGNED;

struct bravo_lock {
	atomic_bool rbias;
	atomic_uint_fast64_t inhibit_until; /* ns, CLOCK_MONOTONIC */
	char pad[LB_CACHELINE - sizeof(atomic_bool) - sizeof(atomic_uint_fast64_t)];
	/* The underlying lock, on its own line: rw-writer-pref's lock is one aligned line. */
	unsigned char under[LB_CACHELINE] LB_CACHE_ALIGNED;
} LB_CACHE_ALIGNED;

struct bravo_ctx {
	_Atomic(void *) *slot; /* the slot of our fast read lock, or NULL */
} LB_CACHE_ALIGNED;

static _Thread_local unsigned char bravo_thread_tag;

static _Atomic(void *) *bravo_slot_of(const void *lock)
{
	uint64_t h = (uint64_t)(uintptr_t)&bravo_thread_tag * UINT64_C(0x9e3779b97f4a7c15) ^
		     (uint64_t)(uintptr_t)lock * UINT64_C(0xc2b2ae3d27d4eb4f);
	return &bravo_table[(h >> 32) % BRAVO_TABLE_SLOTS];
}

static int bravo_init(void *lock, unsigned permits)
{
	struct bravo_lock *l = lock;
	_Static_assert(sizeof(((struct bravo_lock *)0)->under) >= LB_CACHELINE, "room");
	if (permits != 1)
		return -EINVAL;
	if (UNDER->lock_size > sizeof l->under || UNDER->lock_align > LB_CACHELINE)
		return -EINVAL;
	atomic_init(&l->rbias, true);
	atomic_init(&l->inhibit_until, 0);
	return UNDER->init(l->under, 1);
}

static void bravo_destroy(void *lock)
{
	struct bravo_lock *l = lock;
	UNDER->destroy(l->under);
}

static int bravo_ctx_init(void *ctx)
{
	((struct bravo_ctx *)ctx)->slot = NULL;
	return 0;
}

static void bravo_ctx_destroy(void *ctx)
{
	(void)ctx;
}

/* A revocation given up (trylock found a fast reader, timedlock's deadline passed) while we still
 * hold the underlying write lock: fast readers may still be inside, and "bias off" must mean "no
 * fast reader inside" (a writer that finds it off does not scan), so the bias goes back on.
 * seq_cst: the same Dekker pair as the revocation. */
static void bravo_unrevoke(struct bravo_lock *l)
{
	atomic_store_explicit(&l->rbias, true, memory_order_seq_cst);
}

/* Revoke the bias (we hold the underlying write lock) and wait, until deadline_ns, for the fast
 * readers to leave. 0, or -ETIMEDOUT with fast readers still inside (the bias is back on). */
static int bravo_revoke(struct bravo_lock *l, uint64_t deadline_ns)
{
	if (!atomic_load_explicit(&l->rbias, memory_order_relaxed))
		return 0; /* only writers clear it, and we exclude them; readers set it under the
			     underlying read lock, which we exclude too */
	atomic_store_explicit(&l->rbias, false, memory_order_seq_cst);
	uint64_t start = lb_now_ns();
	for (unsigned i = 0; i < BRAVO_TABLE_SLOTS; i++) {
		for (unsigned spins = 0;
		     atomic_load_explicit(&bravo_table[i], memory_order_seq_cst) == l; spins++) {
			if (spins % LB_SPINS_PER_CLOCK_READ == LB_SPINS_PER_CLOCK_READ - 1 &&
			    lb_now_ns() >= deadline_ns) {
				bravo_unrevoke(l);
				return -ETIMEDOUT;
			}
			lb_cpu_relax();
		}
	}
	uint64_t now = lb_now_ns();
	/* Relaxed: a hint read by readers under the underlying read lock, which our release of the
	 * write lock orders after this store. */
	atomic_store_explicit(&l->inhibit_until, now + (now - start) * BRAVO_INHIBIT_MULT,
			      memory_order_relaxed);
	return 0;
}

static int bravo_lock(void *lock, void *ctx)
{
	struct bravo_lock *l = lock;
	int rc = UNDER->lock(l->under, ctx);
	if (rc == 0)
		(void)bravo_revoke(l, UINT64_MAX);
	return rc;
}

static int bravo_trylock(void *lock, void *ctx)
{
	struct bravo_lock *l = lock;
	int rc = UNDER->trylock(l->under, ctx);
	if (rc)
		return rc;
	if (!atomic_load_explicit(&l->rbias, memory_order_relaxed))
		return 0;
	atomic_store_explicit(&l->rbias, false, memory_order_seq_cst);
	for (unsigned i = 0; i < BRAVO_TABLE_SLOTS; i++)
		if (atomic_load_explicit(&bravo_table[i], memory_order_seq_cst) == l) {
			bravo_unrevoke(l);
			UNDER->unlock(l->under, ctx);
			return -EBUSY;
		}
	return 0;
}

static int bravo_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct bravo_lock *l = lock;
	int rc = UNDER->timedlock(l->under, ctx, deadline_ns);
	if (rc)
		return rc;
	rc = bravo_revoke(l, deadline_ns);
	if (rc)
		UNDER->unlock(l->under, ctx);
	return rc;
}

static int bravo_unlock(void *lock, void *ctx)
{
	struct bravo_lock *l = lock;
	return UNDER->unlock(l->under, ctx);
}

/* The fast path: 1 when we hold the lock through a slot (recorded in the context). */
static int bravo_read_fast(struct bravo_lock *l, struct bravo_ctx *c)
{
	if (!atomic_load_explicit(&l->rbias, memory_order_relaxed))
		return 0;
	_Atomic(void *) *slot = bravo_slot_of(l);
	void *expected = NULL;
	if (!atomic_compare_exchange_strong_explicit(slot, &expected, (void *)l,
						     memory_order_seq_cst, memory_order_relaxed))
		return 0; /* slot in use: the slow path */
	if (atomic_load_explicit(&l->rbias, memory_order_seq_cst)) {
		c->slot = slot;
		return 1;
	}
	/* A writer revoked between our check and our publication: withdraw. Relaxed: nothing we
	 * did under the slot needs publishing, we did not enter. */
	atomic_store_explicit(slot, NULL, memory_order_relaxed);
	return 0;
}

/* After a slow-path read acquisition: re-enable the bias once the inhibition has passed. */
static void bravo_read_slow_done(struct bravo_lock *l, struct bravo_ctx *c)
{
	c->slot = NULL;
	if (!atomic_load_explicit(&l->rbias, memory_order_relaxed) &&
	    lb_now_ns() >= atomic_load_explicit(&l->inhibit_until, memory_order_relaxed))
		/* seq_cst: part of the Dekker pair with a later writer's revocation. We hold the
		 * underlying read lock, so no writer is revoking now. */
		atomic_store_explicit(&l->rbias, true, memory_order_seq_cst);
}

static int bravo_read_lock(void *lock, void *ctx)
{
	struct bravo_lock *l = lock;
	struct bravo_ctx *c = ctx;
	if (bravo_read_fast(l, c))
		return 0;
	int rc = UNDER->read_lock(l->under, NULL);
	if (rc == 0)
		bravo_read_slow_done(l, c);
	return rc;
}

static int bravo_read_trylock(void *lock, void *ctx)
{
	struct bravo_lock *l = lock;
	struct bravo_ctx *c = ctx;
	if (bravo_read_fast(l, c))
		return 0;
	int rc = UNDER->read_trylock(l->under, NULL);
	if (rc == 0)
		bravo_read_slow_done(l, c);
	return rc;
}

static int bravo_read_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct bravo_lock *l = lock;
	struct bravo_ctx *c = ctx;
	if (bravo_read_fast(l, c))
		return 0;
	int rc = UNDER->read_timedlock(l->under, NULL, deadline_ns);
	if (rc == 0)
		bravo_read_slow_done(l, c);
	return rc;
}

static int bravo_read_unlock(void *lock, void *ctx)
{
	struct bravo_lock *l = lock;
	struct bravo_ctx *c = ctx;
	if (c->slot) {
		_Atomic(void *) *slot = c->slot;
		c->slot = NULL;
		/* Release: pairs with the revoking writer's load that sees NULL. */
		atomic_store_explicit(slot, NULL, memory_order_release);
		return 0;
	}
	return UNDER->read_unlock(l->under, NULL);
}

const struct lb_lock_ops lb_bravo_ops = {
	.name = "bravo",
	.description = "BRAVO (Dice & Kogan): reader-biased visible-readers table over rw-writer-pref",
	.props = LB_SPINS | LB_RW | LB_NEEDS_CTX,
	.lock_size = sizeof(struct bravo_lock),
	.lock_align = _Alignof(struct bravo_lock),
	.ctx_size = sizeof(struct bravo_ctx),
	.ctx_align = _Alignof(struct bravo_ctx),
	.init = bravo_init,
	.destroy = bravo_destroy,
	.ctx_init = bravo_ctx_init,
	.ctx_destroy = bravo_ctx_destroy,
	.lock = bravo_lock,
	.unlock = bravo_unlock,
	.trylock = bravo_trylock,
	.timedlock = bravo_timedlock,
	.read_lock = bravo_read_lock,
	.read_unlock = bravo_read_unlock,
	.read_trylock = bravo_read_trylock,
	.read_timedlock = bravo_read_timedlock,
};
