/* ck_anderson.c — Concurrency Kit's Anderson array lock (ck_spinlock_anderson), as a reference.
 *
 * Algorithm: Anderson's array-based queueing lock (IEEE TPDS 1990), see anderson.c: a fetch-add
 * on `next` picks slot next % count, the thread spins until that slot's `locked` is false, sets it
 * back to true for the slot's next user, and unlock clears the following slot. ck's slots are
 * { locked, position } pairs of 8 bytes, not padded (so 8 share a line: false sharing that
 * anderson.c pads away; the pair measures that). We give ck CKA_SLOTS = 16 slots, inside the lock.
 * More threads than slots: ck's lock is correct only while at most `count` threads are inside
 * ck_spinlock_anderson_lock at once (ticket t + count shares t's slot and may see it unlocked
 * before t has set it back). Our wrapper enforces that with an admission counter: a thread
 * enters ck's lock (or trylock) only after raising `admitted` below CKA_SLOTS with a CAS, and
 * lowers it once ck has set its slot back. Argument: if ticket u read its slot before ticket
 * u - count set it back, then at u's fetch-add tickets u - count .. u - 1 were all drawn and none
 * had finished acquiring (FIFO: none before u - count), so with u, count + 1 threads were
 * admitted at once. The "at once" uses the single total order of x86's locked instructions
 * (the CAS, ck's fetch-add and our decrement are all locked; a load after a locked instruction
 * sees every store that preceded it in that order), the same TSO that ck's own fences assume.
 * State: ck's lock (next, count, mask and a slot pointer), its 16 slots; admitted (own line):
 * threads inside ck's lock or trylock; holder: the holder's slot, for ck's unlock (only the
 * holder reads or writes it).
 * Memory order: ck's: ck_pr_fence_lock() after taking the slot pairs with ck_pr_fence_unlock()
 * before the store that frees the next slot. The admission counter's operations are seq_cst
 * (locked instructions on x86; see the argument above). Inline assembly, invisible to
 * ThreadSanitizer: LB_TSAN_OPAQUE.
 * trylock: ck has none. Ours: admission (fail with -EBUSY if all admitted), then n = next, slot
 * n % count must be unlocked (ticket n - 1 released; the admission argument rules out a stale
 * "unlocked" left for n - count), and a CAS of next from n to n + 1 makes ticket n ours; then ck's
 * own steps: set the slot back to locked, fence_lock.
 * Timed acquisition: NOT FIFO. A ticket once taken must be served, so timedlock polls trylock
 * with a bounded doubling back-off until the deadline (deadline.h's lb_poll_trylock_until). A
 * past deadline on a held lock returns after one try.
 * Fairness: FIFO in ticket order (ck's fetch-add is the doorway; the admission CAS race comes
 * before it, like a waiting room before the doorway, so it does not reorder tickets), for lock;
 * timedlock is not.
 * Oversubscription: collapses, as every FIFO spinlock.
 * Context: none.
 */
#include <ck_spinlock.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

enum { CKA_SLOTS = 16 }; /* a power of two: ck then uses a mask, no wrap correction */

struct ck_anderson_lock {
	ck_spinlock_anderson_t lock;
	ck_spinlock_anderson_thread_t slots[CKA_SLOTS];
	struct {
		atomic_uint admitted;
	} LB_CACHE_ALIGNED adm;
	struct {
		ck_spinlock_anderson_thread_t *holder; /* only the holder reads or writes it */
	} LB_CACHE_ALIGNED held;
} LB_CACHE_ALIGNED;

static int ck_anderson_init(void *lock, unsigned permits)
{
	struct ck_anderson_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	ck_spinlock_anderson_init(&l->lock, l->slots, CKA_SLOTS);
	atomic_init(&l->adm.admitted, 0);
	l->held.holder = NULL;
	return 0;
}

static void ck_anderson_destroy(void *lock)
{
	(void)lock;
}

static int admit(struct ck_anderson_lock *l, int wait)
{
	for (;;) {
		unsigned a = atomic_load_explicit(&l->adm.admitted, memory_order_seq_cst);
		if (a < CKA_SLOTS &&
		    atomic_compare_exchange_weak_explicit(&l->adm.admitted, &a, a + 1,
							  memory_order_seq_cst,
							  memory_order_seq_cst))
			return 0;
		if (!wait && a >= CKA_SLOTS)
			return -EBUSY;
		lb_cpu_relax();
	}
}

static void leave(struct ck_anderson_lock *l)
{
	atomic_fetch_sub_explicit(&l->adm.admitted, 1, memory_order_seq_cst);
}

static int ck_anderson_lock(void *lock, void *ctx)
{
	struct ck_anderson_lock *l = lock;
	ck_spinlock_anderson_thread_t *slot;
	(void)ctx;
	admit(l, 1);
	ck_spinlock_anderson_lock(&l->lock, &slot);
	leave(l);
	l->held.holder = slot;
	return 0;
}

static int ck_anderson_trylock(void *lock, void *ctx)
{
	struct ck_anderson_lock *l = lock;
	(void)ctx;
	if (admit(l, 0) != 0)
		return -EBUSY;
	unsigned int n = ck_pr_load_uint(&l->lock.next);
	ck_spinlock_anderson_thread_t *slot = &l->slots[n & (CKA_SLOTS - 1)];
	if (ck_pr_load_uint(&slot->locked) || !ck_pr_cas_uint(&l->lock.next, n, n + 1)) {
		leave(l);
		return -EBUSY;
	}
	ck_pr_fence_load();
	ck_pr_store_uint(&slot->locked, true);
	ck_pr_fence_lock();
	leave(l);
	l->held.holder = slot;
	return 0;
}

/* Not FIFO: see the header. */
static int ck_anderson_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_anderson_trylock, lock, ctx, deadline_ns);
}

static int ck_anderson_unlock(void *lock, void *ctx)
{
	struct ck_anderson_lock *l = lock;
	(void)ctx;
	ck_spinlock_anderson_unlock(&l->lock, l->held.holder);
	return 0;
}

const struct lb_lock_ops lb_ck_anderson_ops = {
	.name = "ck-anderson",
	.description = "Concurrency Kit ck_spinlock_anderson: array lock, 16 unpadded slots (reference)",
	.props = LB_SPINS | LB_FIFO | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_anderson_lock),
	.lock_align = _Alignof(struct ck_anderson_lock),
	.init = ck_anderson_init,
	.destroy = ck_anderson_destroy,
	.lock = ck_anderson_lock,
	.unlock = ck_anderson_unlock,
	.trylock = ck_anderson_trylock,
	.timedlock = ck_anderson_timedlock,
};
