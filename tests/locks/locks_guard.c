/* locks_guard.c — LB_GUARD and LB_SCOPED (guard.h) hold the lock inside their scope and release
 * it on every way out: falling off the end, return, break, continue, goto.
 *
 * Run on every registered lock that excludes (LB_NOT_A_LOCK cannot tell held from free). Held and
 * free are told apart by another thread's trylock, so reentrant locks count too. Before a path
 * takes the lock again, the test checks that the previous path released it: a guard that leaks
 * fails a check instead of deadlocking.
 *
 * Also: lb_guard_release() releases early and the cleanup then does nothing (checked by letting
 * another thread take the lock before the scope ends: a second release would free that thread's
 * lock); a lock() that fails leaves g.err set, runs no LB_SCOPED body and is never unlocked
 * (checked with a local lock that always fails).
 *
 * Negative control: the same "released after the block" check after a block that takes the lock
 * without a guard must fail.
 * Usage: locks_guard [--lock NAME]
 */
#include <lockbench/guard.h>
#include "test_util.h"

struct subject {
	const struct lb_lock_ops *ops;
	void *lock, *ctx;
};

static int held(const struct subject *s)
{
	return tu_trylock_elsewhere(s->ops, s->lock) == -EBUSY;
}

static int released(const struct subject *s)
{
	return tu_trylock_elsewhere(s->ops, s->lock) == 0;
}

static void fall_off_end(const struct subject *s)
{
	{
		LB_GUARD(g, s->ops, s->lock, s->ctx);
		CHECK_EQ(g.err, 0);
		CHECK(held(s));
	}
}

static int by_return(const struct subject *s)
{
	LB_GUARD(g, s->ops, s->lock, s->ctx);
	if (!CHECK_EQ(g.err, 0))
		return -1;
	if (CHECK(held(s)))
		return 1;
	return 0;
}

static void by_break(const struct subject *s)
{
	for (;;) {
		LB_GUARD(g, s->ops, s->lock, s->ctx);
		CHECK_EQ(g.err, 0);
		CHECK(held(s));
		break;
	}
}

static void by_continue(const struct subject *s)
{
	for (int i = 0; i < 3; i++) {
		/* The previous iteration's `continue` must have released it. */
		if (!CHECK(released(s)))
			break;
		LB_GUARD(g, s->ops, s->lock, s->ctx);
		CHECK_EQ(g.err, 0);
		CHECK(held(s));
		if (i >= 0)
			continue;
		CHECK(!"not reached");
	}
}

static void by_goto(const struct subject *s)
{
	{
		LB_GUARD(g, s->ops, s->lock, s->ctx);
		CHECK_EQ(g.err, 0);
		CHECK(held(s));
		goto out;
	}
out:
	return;
}

/* A loop in the caller, left from a nested block's guard. */
static void by_break_nested(const struct subject *s)
{
	for (int i = 0; i < 5; i++) {
		if (i < 2)
			continue;
		{
			LB_GUARD(g, s->ops, s->lock, s->ctx);
			CHECK_EQ(g.err, 0);
			CHECK(held(s));
			if (i == 2)
				break;
		}
		CHECK(!"not reached");
	}
}

static void scoped_fall_off_end(const struct subject *s)
{
	int ran = 0;
	LB_SCOPED(s->ops, s->lock, s->ctx)
	{
		ran = 1;
		CHECK(held(s));
	}
	CHECK(ran);
}

static int scoped_return(const struct subject *s)
{
	LB_SCOPED(s->ops, s->lock, s->ctx)
	{
		CHECK(held(s));
		return 1;
	}
	return 0;
}

static void scoped_break(const struct subject *s)
{
	int after = 0;
	LB_SCOPED(s->ops, s->lock, s->ctx)
	{
		CHECK(held(s));
		break;
		after = 1;
	}
	CHECK(!after);
}

static void scoped_continue(const struct subject *s)
{
	int rounds = 0;
	LB_SCOPED(s->ops, s->lock, s->ctx)
	{
		rounds++;
		CHECK(held(s));
		continue;
	}
	CHECK_EQ(rounds, 1);
}

static void scoped_goto(const struct subject *s)
{
	LB_SCOPED(s->ops, s->lock, s->ctx)
	{
		CHECK(held(s));
		goto out;
	}
	CHECK(!"not reached");
out:
	return;
}

/* Release early, let another thread take the lock, then leave the scope: the cleanup must not
 * release the other thread's hold. */
struct holder {
	const struct subject *s;
	pthread_barrier_t taken, leave;
	int rc;
};

static void *hold_thread(void *arg)
{
	struct holder *h = arg;
	void *ctx = tu_ctx_new(h->s->ops);
	h->rc = ctx ? h->s->ops->lock(h->s->lock, ctx) : -ENOMEM;
	pthread_barrier_wait(&h->taken);
	pthread_barrier_wait(&h->leave);
	if (h->rc == 0)
		h->rc = h->s->ops->unlock(h->s->lock, ctx);
	tu_ctx_free(h->s->ops, ctx);
	return NULL;
}

static void early_release(const struct subject *s)
{
	struct holder h = { .s = s };
	pthread_t t;
	pthread_barrier_init(&h.taken, NULL, 2);
	pthread_barrier_init(&h.leave, NULL, 2);
	{
		LB_GUARD(g, s->ops, s->lock, s->ctx);
		CHECK_EQ(g.err, 0);
		CHECK(held(s));
		CHECK_EQ(lb_guard_release(&g), 0);
		CHECK(!g.held);
		int err = pthread_create(&t, NULL, hold_thread, &h);
		if (err)
			tu_die("locks_guard", "pthread_create", err);
		pthread_barrier_wait(&h.taken);
	}
	CHECK_EQ(h.rc, 0);
	CHECK(held(s)); /* still the other thread's */
	pthread_barrier_wait(&h.leave);
	pthread_join(t, NULL);
	CHECK_EQ(h.rc, 0);
	pthread_barrier_destroy(&h.taken);
	pthread_barrier_destroy(&h.leave);
}

static void guard_paths(const struct lb_lock_ops *ops)
{
	struct subject s = { ops, lb_lock_alloc(ops), tu_ctx_new(ops) };
	if (!CHECK(s.lock && s.ctx) || !CHECK_EQ(ops->init(s.lock, 1), 0))
		goto out;
	/* Each path is checked released before the next takes the lock again. */
	fall_off_end(&s);
	if (!CHECK(released(&s)))
		goto destroy;
	CHECK_EQ(by_return(&s), 1);
	if (!CHECK(released(&s)))
		goto destroy;
	by_break(&s);
	if (!CHECK(released(&s)))
		goto destroy;
	by_continue(&s);
	if (!CHECK(released(&s)))
		goto destroy;
	by_goto(&s);
	if (!CHECK(released(&s)))
		goto destroy;
	by_break_nested(&s);
	if (!CHECK(released(&s)))
		goto destroy;
	scoped_fall_off_end(&s);
	if (!CHECK(released(&s)))
		goto destroy;
	CHECK_EQ(scoped_return(&s), 1);
	if (!CHECK(released(&s)))
		goto destroy;
	scoped_break(&s);
	if (!CHECK(released(&s)))
		goto destroy;
	scoped_continue(&s);
	if (!CHECK(released(&s)))
		goto destroy;
	scoped_goto(&s);
	if (!CHECK(released(&s)))
		goto destroy;
	early_release(&s);
	CHECK(released(&s));
destroy:
	ops->destroy(s.lock);
out:
	tu_ctx_free(ops, s.ctx);
	lb_free(s.lock);
}

/* A lock whose lock() always fails, counting unlock calls. */
static int failing_unlocks;
static int failing_init(void *lock, unsigned permits)
{
	(void)lock;
	return permits == 1 ? 0 : -EINVAL;
}
static void failing_destroy(void *lock)
{
	(void)lock;
}
static int failing_lock(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return -EAGAIN;
}
static int failing_unlock(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	failing_unlocks++;
	return 0;
}
static const struct lb_lock_ops failing_ops = {
	.name = "failing",
	.description = "test only: lock() always fails with -EAGAIN",
	.props = LB_TEST_ONLY,
	.lock_size = 1,
	.lock_align = 1,
	.init = failing_init,
	.destroy = failing_destroy,
	.lock = failing_lock,
	.unlock = failing_unlock,
	.trylock = failing_lock,
};

static void failed_lock(void)
{
	char lock;
	int ran = 0;
	{
		LB_GUARD(g, &failing_ops, &lock, NULL);
		CHECK_EQ(g.err, -EAGAIN);
		CHECK(!g.held);
	}
	LB_SCOPED(&failing_ops, &lock, NULL)
		ran = 1;
	CHECK(!ran);
	CHECK_EQ(failing_unlocks, 0);
	printf("  a failing lock(): g.err set, body skipped, never unlocked\n");
}

/* The check after the block, on a block that leaks: it must fail. */
static void negative_leak(const struct lb_lock_ops *ops)
{
	struct subject s = { ops, lb_lock_alloc(ops), tu_ctx_new(ops) };
	printf("  negative control: a block that takes %s without a guard\n", ops->name);
	if (CHECK(s.lock && s.ctx) && CHECK_EQ(ops->init(s.lock, 1), 0)) {
		{
			CHECK_EQ(ops->lock(s.lock, s.ctx), 0);
		}
		tu_negative_begin();
		CHECK(released(&s));
		CHECK(tu_negative_end() > 0);
		CHECK_EQ(ops->unlock(s.lock, s.ctx), 0);
		ops->destroy(s.lock);
	}
	tu_ctx_free(ops, s.ctx);
	lb_free(s.lock);
}

int main(int argc, char **argv)
{
	const char *only = tu_parse_lock_arg("locks_guard", argc, argv);
	printf("locks_guard: LB_GUARD and LB_SCOPED release on every way out%s\n",
	       TU_TSAN ? " (under ThreadSanitizer)" : "");
	const struct lb_lock_ops *first = NULL;
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++) {
		const struct lb_lock_ops *ops = *p;
		if (!tu_selected(ops, only))
			continue;
		if ((ops->props & LB_NOT_A_LOCK)) {
			printf("  %-18s skipped: LB_NOT_A_LOCK, held and free look the same\n",
			       ops->name);
			continue;
		}
		if (!first)
			first = ops;
		unsigned before = tu_failed;
		guard_paths(ops);
		printf("  %-18s end, return, break, continue, goto (guard and scoped), early "
		       "release: %s\n",
		       ops->name, tu_failed == before ? "ok" : "FAILED");
	}
	failed_lock();
	if (CHECK(first))
		negative_leak(first);
	return tu_summary("locks_guard");
}
