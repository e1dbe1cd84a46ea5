/* reentrant.c — reentrant (recursive) lock: an owner and a depth on top of the futex mutex.
 *
 * Algorithm: the recursive mutex of POSIX (PTHREAD_MUTEX_RECURSIVE) and Java's ReentrantLock,
 * built on futex.c's three-state mutex (Drepper, "Futexes Are Tricky", mutex3; futex_word.h).
 * The holder records its identity in `owner` and counts its acquisitions in `depth`; lock or
 * trylock by the owner only increments depth; unlock decrements it and releases the futex word
 * when it reaches 0. Unlock by any thread but the owner (including unlock of a free lock) is
 * refused with -EPERM and changes nothing.
 * Identity: the address of a _Thread_local byte, distinct for every live thread and never 0.
 * A thread that exits while holding the lock leaves it held for ever; should a new thread reuse
 * its TLS block, the newcomer would pass for the owner. Exiting while holding a lock is misuse.
 * State: word as futex.c (0 free, 1 held, 2 held and a sleeper may wait); owner 0 when free,
 * else the holder's id; depth 0 when free, else the holder's count (>= 1).
 * Memory order: the futex word's acquire (CAS or exchange returning 0) pairs with its release
 * exchange in unlock, exactly as in futex.c. `depth` is a plain field: only the holder reads or
 * writes it, and one holder's accesses happen-before the next holder's through that pair.
 * `owner` is written only by the holder (its id after acquiring, 0 before releasing) but read by
 * any thread that calls lock, trylock or unlock, so it is atomic; relaxed is enough because a
 * thread only ever compares it with its own id:
 *  - If it reads its own id, it wrote that id itself (no one else writes it), and has not since
 *    cleared it: its own later store of 0 would be what it reads (read-after-write coherence
 *    within one thread). So it really is the holder.
 *  - If it reads anything else, it is not the holder: had it been, its own id would be the
 *    latest value in the word's modification order that it could see, as just argued.
 *  No other data is published through `owner`, so it needs no acquire or release.
 * Timed acquisition: the owner's timedlock re-enters at once (depth + 1), whatever the
 * deadline, as pthread_mutex_clocklock on a recursive mutex; anyone else's is futex.c's
 * (futex_word.h's futex_mutex_timedlock: FUTEX_WAIT_BITSET until the absolute CLOCK_MONOTONIC
 * deadline, no lost wake-up), then become_owner. A timed-out caller changes neither owner nor
 * depth.
 * Fairness: none, as futex.c (barging), timed or not. The owner's re-acquisitions never wait.
 * Oversubscription: degrades gracefully, as futex.c: waiters sleep.
 * Context: none.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include "futex_word.h"
#include <lockbench/lock.h>

struct reentrant_lock {
	atomic_uint word;
	/* Same line as word: lock, trylock and unlock read owner just before they touch word
	 * (unlock only after a successful owner check), so one miss serves both; only the holder
	 * writes owner. */
	atomic_uintptr_t owner;
	unsigned depth;
} LB_CACHE_ALIGNED;

static _Thread_local char reentrant_self;

static uintptr_t self_id(void)
{
	return (uintptr_t)&reentrant_self;
}

static int reentrant_init(void *lock, unsigned permits)
{
	struct reentrant_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->word, FUTEX_MUTEX_FREE);
	atomic_init(&l->owner, 0);
	l->depth = 0;
	return 0;
}

static void reentrant_destroy(void *lock)
{
	(void)lock;
}

/* Relaxed: see the header; the caller compares the result with its own id only. */
static int held_by_me(struct reentrant_lock *l, uintptr_t me)
{
	return atomic_load_explicit(&l->owner, memory_order_relaxed) == me;
}

static int enter_again(struct reentrant_lock *l)
{
	if (l->depth == UINT_MAX)
		return -EAGAIN; /* as pthread_mutex_lock on a recursive mutex at its limit */
	l->depth++;
	return 0;
}

static void become_owner(struct reentrant_lock *l, uintptr_t me)
{
	/* Relaxed: we hold the futex word, and only the holder writes owner. */
	atomic_store_explicit(&l->owner, me, memory_order_relaxed);
	l->depth = 1;
}

static int reentrant_lock(void *lock, void *ctx)
{
	struct reentrant_lock *l = lock;
	uintptr_t me = self_id();
	(void)ctx;
	if (held_by_me(l, me))
		return enter_again(l);
	futex_mutex_lock(&l->word);
	become_owner(l, me);
	return 0;
}

static int reentrant_trylock(void *lock, void *ctx)
{
	struct reentrant_lock *l = lock;
	uintptr_t me = self_id();
	(void)ctx;
	if (held_by_me(l, me))
		return enter_again(l);
	int rc = futex_mutex_trylock(&l->word);
	if (rc == 0)
		become_owner(l, me);
	return rc;
}

static int reentrant_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	struct reentrant_lock *l = lock;
	uintptr_t me = self_id();
	(void)ctx;
	if (held_by_me(l, me))
		return enter_again(l);
	int rc = futex_mutex_timedlock(&l->word, deadline_ns);
	if (rc == 0)
		become_owner(l, me);
	return rc;
}

static int reentrant_unlock(void *lock, void *ctx)
{
	struct reentrant_lock *l = lock;
	(void)ctx;
	if (!held_by_me(l, self_id()))
		return -EPERM;
	if (--l->depth > 0)
		return 0;
	/* Relaxed: the release exchange in futex_mutex_unlock orders this store before the next
	 * holder's store of its own id. */
	atomic_store_explicit(&l->owner, 0, memory_order_relaxed);
	futex_mutex_unlock(&l->word);
	return 0;
}

const struct lb_lock_ops lb_reentrant_ops = {
	.name = "reentrant",
	.description = "reentrant lock: owner id and depth on top of the three-state futex mutex",
	.props = LB_REENTRANT | LB_OWNER_CHECKED | LB_SLEEPS,
	.lock_size = sizeof(struct reentrant_lock),
	.lock_align = _Alignof(struct reentrant_lock),
	.init = reentrant_init,
	.destroy = reentrant_destroy,
	.lock = reentrant_lock,
	.unlock = reentrant_unlock,
	.trylock = reentrant_trylock,
	.timedlock = reentrant_timedlock,
};
