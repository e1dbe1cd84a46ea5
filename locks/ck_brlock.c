/* ck_brlock.c — Concurrency Kit's big-reader lock (ck_brlock), as a reference.
 *
 * Algorithm: the "brlock" of the Linux kernel (Molnar and Miller, around 2000) as ck writes it:
 * one writer flag per lock and one reader word per registered reader. A reader sets its own
 * word to 1 (a swap on x86), fences, and re-checks the flag, retrying if a writer came: in the
 * absence of writers a read touches only the reader's own line. A writer swaps the flag to 1
 * (ending the readers' entries) and then waits for every registered reader's word to be 0: O(readers)
 * writes. ck's write_trylock / read_trylock take a "factor", the spins they may make before
 * failing; we pass 1: one attempt, so -EBUSY means "not available right now". A failed
 * write_trylock clears the flag again (ck's).
 * Registration (ours, on ck's fields): ck_brlock_read_register takes the full write lock, which
 * waits for every registered reader to leave: a thread's first read of a lock would then wait for
 * the readers inside, and deadlock against one that waits for it (locks_rw's overlap check does
 * exactly that). But ck's reader list is read only by writers holding the flag, and changed only
 * under it: taking the flag alone (a swap, as write_lock's first step, without the drain) is
 * enough to link or unlink a reader. Our registration does that: it waits for writers only,
 * and a reader entering meanwhile sees the flag and retries, as it would for a writer.
 * read_trylock registers with one swap attempt (-EBUSY if a writer has the flag).
 * State: ck's struct ck_brlock { readers (doubly-linked list), writer } and struct
 * ck_brlock_reader { n_readers, previous, next }, one per (lock, context), in its own line.
 * Memory order: ck's: the reader's swap of its word (or its store and ck_pr_fence_store_load()
 * elsewhere) before its re-load of the flag is the Dekker pair of the writer's swap of the flag
 * and ck_pr_fence_atomic_load() before its loads of the reader words: one of the two sees the
 * other. ck_pr_fence_lock() after entering pairs with ck_pr_fence_unlock() before read_unlock's
 * store of the word and write_unlock's store of the flag. Our link and unlink are ordered by the
 * same: swap of the flag and fence_atomic_load before touching the list, fence_unlock before the
 * store that clears the flag, so the next writer (whose swap reads that store) sees the list as
 * we left it. Inline assembly, invisible to ThreadSanitizer: LB_TSAN_OPAQUE.
 * Timed acquisition: NOT fair, both modes: polls trylock / read_trylock with deadline.h's bounded
 * back-off (lb_poll_trylock_until).
 * Fairness: writer-preferring: a writer that has swapped the flag keeps every new reader out
 * while it waits for the readers inside (a reader already holding it may recurse). Among
 * writers none: the flag is a swap race.
 * Oversubscription: collapses as every spinlock; a writer also waits through the time slice of
 * any preempted reader.
 * Context: the list of this context's registrations, { lock, ck_brlock_reader }, one per lock
 * it has read; the first read_lock or read_trylock of a lock adds one (-ENOMEM if it cannot),
 * the writer side uses no registration. One context serves any number of ck-brlock locks.
 * Lifetime: ctx_destroy unregisters from every lock still alive. The lock's destroy marks every
 * registration on its list as orphaned (lock = NULL), so either order is safe: a context
 * destroyed after its lock skips the orphans, and a lock destroyed after the contexts has an
 * empty list. Not safe: destroy and ctx_destroy of the same pair running at once, or a lock's
 * memory freed without destroy while a context still has it (as for any lock, destroy comes
 * after the last use). A context destroyed while it still holds a read lock cannot unregister
 * (writers would read freed memory): that registration is left linked and never freed (a leak,
 * not a crash; the lock stays read-held, as any lock whose holder never unlocks).
 * Misuse: read_unlock on a lock this context never read, or beyond its reads, is refused
 * (-EPERM). A thread with two contexts that holds a read on one and registers the other while a
 * writer waits deadlocks (the writer waits for the first, the registration for the writer).
 */
#include <ck_brlock.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "deadline.h"
#include <lockbench/lock.h>

/* Writer-side attempts and reader-side attempts of ck's trylocks: one (see the header). */
#define CK_BR_FACTOR 1u

struct ck_br_lock {
	ck_brlock_t br;
} LB_CACHE_ALIGNED;

/* One registration. ck's reader is the first member: a pointer from ck's list is ours. Each in
 * its own line: a reader's word is written on every read, and is the only line it writes. */
struct ck_br_reg {
	ck_brlock_reader_t reader;
	struct ck_br_lock *lock; /* NULL once the lock is destroyed (orphaned) */
	struct ck_br_reg *next;  /* this context's registrations */
} LB_CACHE_ALIGNED;

struct ck_br_ctx {
	struct ck_br_reg *regs;
};

static int ck_br_init(void *lock, unsigned permits)
{
	if (permits != 1)
		return -EINVAL;
	ck_brlock_init(&((struct ck_br_lock *)lock)->br);
	return 0;
}

/* Take the flag for the list only: write_lock's first step, without its wait for the readers.
 * tries == 0: until it is ours; else at most that many swaps. */
static bool list_lock(ck_brlock_t *br, unsigned tries)
{
	unsigned n = 0;
	while (ck_pr_fas_uint(&br->writer, true) == true) {
		if (tries && ++n >= tries)
			return false;
		lb_cpu_relax();
	}
	ck_pr_fence_atomic_load(); /* the flag before the list, as in ck_brlock_write_lock */
	return true;
}

static void ck_br_destroy(void *lock)
{
	ck_brlock_t *br = &((struct ck_br_lock *)lock)->br;
	/* Orphan every registration still linked, so that their contexts will not come back here
	 * (header, lifetime). No one may use the lock now, so the list is stable. */
	for (ck_brlock_reader_t *r = ck_pr_load_ptr(&br->readers); r; r = r->next) {
		struct ck_br_reg *reg = (struct ck_br_reg *)r;
		reg->lock = NULL;
	}
	br->readers = NULL;
}

static int ck_br_ctx_init(void *ctx)
{
	((struct ck_br_ctx *)ctx)->regs = NULL;
	return 0;
}

static void ck_br_ctx_destroy(void *ctx)
{
	struct ck_br_ctx *c = ctx;
	struct ck_br_reg *reg = c->regs;
	while (reg) {
		struct ck_br_reg *next = reg->next;
		if (reg->lock && reg->reader.n_readers != 0) {
			/* Still read-held: leave it linked and allocated (header, lifetime). */
			reg = next;
			continue;
		}
		if (reg->lock) {
			ck_brlock_t *br = &reg->lock->br;
			list_lock(br, 0);
			ck_brlock_reader_t *r = &reg->reader;
			if (r->next)
				r->next->previous = r->previous;
			if (r->previous)
				r->previous->next = r->next;
			else
				br->readers = r->next;
			ck_brlock_write_unlock(br); /* fence_unlock, then clear the flag */
		}
		free(reg);
		reg = next;
	}
	c->regs = NULL;
}

static struct ck_br_reg *reg_find(struct ck_br_ctx *c, struct ck_br_lock *l)
{
	for (struct ck_br_reg *reg = c->regs; reg; reg = reg->next)
		if (reg->lock == l)
			return reg;
	return NULL;
}

/* This context's registration with l, linking a new one if there is none. tries: as
 * list_lock's. NULL with *rc = -ENOMEM or -EBUSY. */
static struct ck_br_reg *reg_get(struct ck_br_ctx *c, struct ck_br_lock *l, unsigned tries,
				 int *rc)
{
	struct ck_br_reg *reg = reg_find(c, l);
	if (reg)
		return reg;
	reg = aligned_alloc(_Alignof(struct ck_br_reg), sizeof *reg);
	if (!reg) {
		*rc = -ENOMEM;
		return NULL;
	}
	reg->reader.n_readers = 0;
	reg->reader.previous = NULL;
	if (!list_lock(&l->br, tries)) {
		free(reg);
		*rc = -EBUSY;
		return NULL;
	}
	reg->reader.next = ck_pr_load_ptr(&l->br.readers);
	if (reg->reader.next)
		reg->reader.next->previous = &reg->reader;
	ck_pr_store_ptr(&l->br.readers, &reg->reader);
	ck_brlock_write_unlock(&l->br);
	reg->lock = l;
	reg->next = c->regs;
	c->regs = reg;
	return reg;
}

static int ck_br_lock(void *lock, void *ctx)
{
	(void)ctx;
	ck_brlock_write_lock(&((struct ck_br_lock *)lock)->br);
	return 0;
}

static int ck_br_trylock(void *lock, void *ctx)
{
	(void)ctx;
	return ck_brlock_write_trylock(&((struct ck_br_lock *)lock)->br, CK_BR_FACTOR) ? 0 : -EBUSY;
}

static int ck_br_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_br_trylock, lock, ctx, deadline_ns);
}

static int ck_br_unlock(void *lock, void *ctx)
{
	(void)ctx;
	ck_brlock_write_unlock(&((struct ck_br_lock *)lock)->br);
	return 0;
}

static int ck_br_read_lock(void *lock, void *ctx)
{
	int rc = 0;
	struct ck_br_lock *l = lock;
	struct ck_br_reg *reg = reg_get(ctx, l, 0, &rc);
	if (!reg)
		return rc;
	ck_brlock_read_lock(&l->br, &reg->reader);
	return 0;
}

static int ck_br_read_trylock(void *lock, void *ctx)
{
	int rc = 0;
	struct ck_br_lock *l = lock;
	struct ck_br_reg *reg = reg_get(ctx, l, CK_BR_FACTOR, &rc);
	if (!reg)
		return rc;
	return ck_brlock_read_trylock(&l->br, &reg->reader, CK_BR_FACTOR) ? 0 : -EBUSY;
}

static int ck_br_read_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_br_read_trylock, lock, ctx, deadline_ns);
}

static int ck_br_read_unlock(void *lock, void *ctx)
{
	struct ck_br_reg *reg = reg_find(ctx, lock);
	/* Only this thread writes its word outside a reader's entry: a plain read of it is ours. */
	if (!reg || reg->reader.n_readers == 0)
		return -EPERM;
	ck_brlock_read_unlock(&reg->reader);
	return 0;
}

const struct lb_lock_ops lb_ck_brlock_ops = {
	.name = "ck-brlock",
	.description = "Concurrency Kit ck_brlock: big-reader lock, a word per registered reader, writer-preferring (reference)",
	.props = LB_SPINS | LB_RW | LB_REFERENCE | LB_TSAN_OPAQUE | LB_NEEDS_CTX,
	.lock_size = sizeof(struct ck_br_lock),
	.lock_align = _Alignof(struct ck_br_lock),
	.ctx_size = sizeof(struct ck_br_ctx),
	.ctx_align = _Alignof(struct ck_br_ctx),
	.init = ck_br_init,
	.destroy = ck_br_destroy,
	.ctx_init = ck_br_ctx_init,
	.ctx_destroy = ck_br_ctx_destroy,
	.lock = ck_br_lock,
	.unlock = ck_br_unlock,
	.trylock = ck_br_trylock,
	.timedlock = ck_br_timedlock,
	.read_lock = ck_br_read_lock,
	.read_unlock = ck_br_read_unlock,
	.read_trylock = ck_br_read_trylock,
	.read_timedlock = ck_br_read_timedlock,
};
