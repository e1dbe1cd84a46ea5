/* locks_reentrant.c — LB_REENTRANT and LB_OWNER_CHECKED locks, from the registry.
 *
 * - Depth: the owner takes the lock D times (D = 1..5, alternating lock and trylock); another
 *   thread's trylock fails with -EBUSY after each of the first D-1 releases and succeeds only
 *   after the D-th.
 * - Ownership (LB_OWNER_CHECKED): an unlock from a thread that does not hold the lock returns
 *   -EPERM and leaves it held, at depth 1 and, when reentrant, at depth 2 (the depth is not
 *   decremented either).
 *
 * Negative controls: the depth check on never-release (never free again) and on a plain lock at
 * depth 2 (it cannot be retaken), and the ownership check on a lock without owner checking,
 * must fail.
 * Usage: locks_reentrant [--lock NAME]
 */
#include "broken_locks.h"
#include "test_util.h"

enum { MAX_DEPTH = 5 };

#if TU_TSAN
/* The ownership check makes a thread that does not hold the lock call unlock, on purpose, to
 * see -EPERM; TSan reports that misuse of a pthread mutex before the lock can return. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "report_mutex_bugs=0";
}
#endif

static void check_depth(const struct lb_lock_ops *ops, void *lock, void *ctx, unsigned depth)
{
	unsigned taken = 0;
	for (; taken < depth; taken++) {
		/* lock() only once the previous acquisition succeeded, so a lock that is not
		 * reentrant fails the trylock and never reaches a self-deadlocking lock(). */
		int rc = (taken % 2) ? ops->trylock(lock, ctx) : ops->lock(lock, ctx);
		if (!CHECK_EQ(rc, 0))
			break;
	}
	if (taken == depth)
		CHECK_EQ(tu_trylock_elsewhere(ops, lock), -EBUSY);
	for (unsigned released = 1; released <= taken; released++) {
		if (!CHECK_EQ(ops->unlock(lock, ctx), 0))
			return;
		int want = released == depth ? 0 : -EBUSY;
		CHECK_EQ(tu_trylock_elsewhere(ops, lock), want);
	}
}

static void check_owner(const struct lb_lock_ops *ops, void *lock, void *ctx)
{
	const unsigned max_depth = (ops->props & LB_REENTRANT) ? 2 : 1;
	for (unsigned depth = 1; depth <= max_depth; depth++) {
		unsigned taken = 0;
		for (; taken < depth; taken++)
			if (!CHECK_EQ(ops->lock(lock, ctx), 0))
				break;
		if (taken < depth)
			return;
		CHECK_EQ(tu_unlock_elsewhere(ops, lock), -EPERM);
		CHECK_EQ(tu_trylock_elsewhere(ops, lock), -EBUSY);
		for (unsigned released = 1; released <= depth; released++) {
			if (!CHECK_EQ(ops->unlock(lock, ctx), 0))
				return;
			CHECK_EQ(tu_trylock_elsewhere(ops, lock), released == depth ? 0 : -EBUSY);
		}
	}
}

/* On a fresh lock: the depth check when depth > 0, else the ownership check. */
static void on_fresh_lock(const struct lb_lock_ops *ops, int depth)
{
	void *lock = lb_lock_alloc(ops);
	void *ctx = tu_ctx_new(ops);
	if (CHECK(lock && ctx) && CHECK_EQ(ops->init(lock, 1), 0)) {
		if (depth)
			check_depth(ops, lock, ctx, (unsigned)depth);
		else
			check_owner(ops, lock, ctx);
		ops->destroy(lock);
	}
	tu_ctx_free(ops, ctx);
	lb_free(lock);
}

static void negative(const char *what, const struct lb_lock_ops *ops, int depth)
{
	printf("  negative control: %s\n", what);
	tu_negative_begin();
	on_fresh_lock(ops, depth);
	CHECK(tu_negative_end() > 0);
}

int main(int argc, char **argv)
{
	const char *only = tu_parse_lock_arg("locks_reentrant", argc, argv);
	printf("locks_reentrant: reentrancy depth 1..%d and owner checks%s\n", MAX_DEPTH,
	       TU_TSAN ? " (under ThreadSanitizer)" : "");
	unsigned reentrant = 0, owner_checked = 0;
	const struct lb_lock_ops *plain = NULL;
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++) {
		const struct lb_lock_ops *ops = *p;
		/* A control: the first mutex that is not reentrant. */
		if (!plain &&
		    !(ops->props & (LB_REENTRANT | LB_NOT_A_LOCK | LB_COUNTING | LB_TSAN_OPAQUE)))
			plain = ops;
		if (!(ops->props & (LB_REENTRANT | LB_OWNER_CHECKED)) || !tu_selected(ops, only))
			continue;
		if (ops->props & LB_REENTRANT) {
			reentrant++;
			for (int d = 1; d <= MAX_DEPTH; d++)
				on_fresh_lock(ops, d);
			printf("  %-18s depth 1..%d: free only after as many releases\n", ops->name,
			       MAX_DEPTH);
		}
		if (ops->props & LB_OWNER_CHECKED) {
			owner_checked++;
			on_fresh_lock(ops, 0);
			printf("  %-18s non-owner unlock: -EPERM, still held (depth 1%s)\n",
			       ops->name, (ops->props & LB_REENTRANT) ? " and 2" : "");
		}
	}
	printf("  %u reentrant, %u owner-checked locks\n", reentrant, owner_checked);
	if (!only) {
		CHECK(reentrant > 0);
		negative("depth 1 on never-release", &never_release_ops, 1);
		if (CHECK(plain)) {
			printf("  (plain lock: %s)\n", plain->name);
			negative("depth 2 on a lock that is not reentrant", plain, 2);
		}
		/* tas, because a stray unlock of it is harmless (a pthread lock's would be
		 * undefined, and reported by TSan). */
		const struct lb_lock_ops *tas = lb_lock_find("tas");
		if (CHECK(tas))
			negative("owner check on tas, which checks no owner", tas, 0);
	}
	return tu_summary("locks_reentrant");
}
