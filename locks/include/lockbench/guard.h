/* guard.h — scope guards for lockbench locks, built on __attribute__((cleanup)).
 *
 * Two shapes, after the kernel's guard()/scoped_guard():
 *
 *   LB_GUARD(g, ops, lock, ctx);     takes the lock now; it is released when the enclosing
 *                                    block is left by any path: falling off the end, return,
 *                                    break or continue of an enclosing loop, goto out of it.
 *   LB_SCOPED(ops, lock, ctx) { … }  a block that holds the lock, like a `with` statement.
 *                                    Note: `break` inside it leaves the scoped block itself (it is
 *                                    a one-pass loop), releasing the lock; use LB_GUARD when a
 *                                    `break` must reach an enclosing loop.
 *
 * `g.err` holds lock()'s result; when it is non-zero the lock is not held and nothing is
 * released. The release's own result is kept in `g.unlock_err` only for LB_GUARD users who call
 * lb_guard_release early (then the cleanup does nothing).
 */
#ifndef LB_GUARD_H
#define LB_GUARD_H

#include <lockbench/lock.h>

struct lb_guard {
	const struct lb_lock_ops *ops;
	void *lock;
	void *ctx;
	int err;        /* lock()'s result: 0 when held */
	int held;
	int unlock_err; /* unlock()'s result, once released */
};

static inline struct lb_guard lb_guard_take(const struct lb_lock_ops *ops, void *lock, void *ctx)
{
	struct lb_guard g = { ops, lock, ctx, 0, 0, 0 };
	g.err = ops->lock(lock, ctx);
	g.held = g.err == 0;
	return g;
}

static inline int lb_guard_release(struct lb_guard *g)
{
	if (g->held) {
		g->held = 0;
		g->unlock_err = g->ops->unlock(g->lock, g->ctx);
	}
	return g->unlock_err;
}

static inline void lb_guard_cleanup_(struct lb_guard *g)
{
	(void)lb_guard_release(g);
}

#define LB_GUARD(g, ops, lock, ctx)                                                        \
	struct lb_guard g __attribute__((cleanup(lb_guard_cleanup_), unused)) =              \
		lb_guard_take((ops), (lock), (ctx))

#define LB_CONCAT_(a, b) a##b
#define LB_CONCAT(a, b) LB_CONCAT_(a, b)
#define LB_SCOPED_G_ LB_CONCAT(lb_scoped_g_, __LINE__)
#define LB_SCOPED_ONCE_ LB_CONCAT(lb_scoped_once_, __LINE__)

#define LB_SCOPED(ops, lock, ctx)                                                          \
	for (struct lb_guard LB_SCOPED_G_ __attribute__((cleanup(lb_guard_cleanup_))) =        \
		     lb_guard_take((ops), (lock), (ctx)),                                        \
		     *LB_SCOPED_ONCE_ = &LB_SCOPED_G_;                                           \
	     LB_SCOPED_ONCE_ && LB_SCOPED_G_.held; LB_SCOPED_ONCE_ = NULL)

#endif
