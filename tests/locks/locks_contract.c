/* locks_contract.c — every registered lock keeps the vtable's contract (lock.h), with the
 * expectations derived from its properties:
 *
 * - the ops are complete (timedlock included) and agree with the props (LB_NEEDS_CTX iff
 *   ctx_size > 0; LB_RW iff all four read_* operations are set, and none is set without it; no
 *   test hooks and no LB_TEST_ONLY in the production library);
 * - init takes permits 1; permits 2 only with LB_COUNTING (else -EINVAL; LB_NOT_A_LOCK may
 *   take it, as lock.h restricts only mutual-exclusion locks); permits 0 is -EINVAL, or, for a
 *   counting lock, a semaphore that admits no one;
 * - trylock on a free lock succeeds; while it is held, another thread's trylock fails with
 *   -EBUSY (LB_NOT_A_LOCK: succeeds); with LB_REENTRANT the owner's trylock succeeds and needs
 *   its own unlock;
 * - lock, unlock, lock again; init/destroy 1000 times on the same memory;
 * - one per-thread context serves several locks of the same kind, one held at a time, from two
 *   threads at once (one for LB_NOT_A_LOCK, which would race).
 *
 * Negative controls: the same contract run on never-release, on tas with planted wrong props
 * (each claims a property tas does not have, LB_RW among them), and on a reader-writer lock
 * whose LB_RW bit or one read operation was taken away, must fail.
 * Usage: locks_contract [--lock NAME]
 */
#include "broken_locks.h"
#include "test_util.h"

enum { INIT_CYCLES = 1000, CTX_LOCKS = 4, CTX_ROUNDS = 200 };

static void check_ops_shape(const struct lb_lock_ops *ops, int registered)
{
	CHECK(ops->name && ops->name[0] && ops->description && ops->description[0]);
	CHECK(ops->init && ops->destroy && ops->lock && ops->unlock && ops->trylock &&
	      ops->timedlock);
	CHECK(ops->lock_align && (ops->lock_align & (ops->lock_align - 1)) == 0);
	CHECK(!(ops->props & LB_NEEDS_CTX) == !ops->ctx_size);
	CHECK(!ops->ctx_size || (ops->ctx_align && (ops->ctx_align & (ops->ctx_align - 1)) == 0));
	const int read_ops = !!ops->read_lock + !!ops->read_unlock + !!ops->read_trylock +
			     !!ops->read_timedlock;
	CHECK_EQ(read_ops, (ops->props & LB_RW) ? 4 : 0);
	if (registered) {
		CHECK(!(ops->props & LB_TEST_ONLY));
		CHECK(ops->turn == NULL); /* the hooks live in liblb_locks_test only */
	}
}

/* init with 2 and 0 permits. */
static void check_permits(const struct lb_lock_ops *ops, void *lock, void *ctx)
{
	int rc = ops->init(lock, 2);
	if (ops->props & LB_COUNTING) {
		if (CHECK_EQ(rc, 0))
			ops->destroy(lock);
	} else if ((ops->props & LB_NOT_A_LOCK) && rc == 0) {
		/* lock.h restricts mutual-exclusion locks to 1; a non-lock may take any count. */
		ops->destroy(lock);
	} else {
		CHECK_EQ(rc, -EINVAL);
		if (rc == 0)
			ops->destroy(lock);
	}
	rc = ops->init(lock, 0);
	if (rc == 0 && (ops->props & LB_COUNTING)) {
		/* Handled: a semaphore with no permits to give. */
		CHECK_EQ(ops->trylock(lock, ctx), -EBUSY);
		ops->destroy(lock);
	} else {
		CHECK_EQ(rc, -EINVAL);
		if (rc == 0)
			ops->destroy(lock);
	}
}

/* Trylock from the owner and from another thread; the lock is initialised and free. Returns 0
 * when a check failed in a way that leaves the lock's state unknown. */
static int check_trylock(const struct lb_lock_ops *ops, void *lock, void *ctx)
{
	const int held_elsewhere = (ops->props & LB_NOT_A_LOCK) ? 0 : -EBUSY;
	if (!CHECK_EQ(ops->trylock(lock, ctx), 0))
		return 0;
	CHECK_EQ(tu_trylock_elsewhere(ops, lock), held_elsewhere);
	if (ops->props & LB_REENTRANT) {
		int rc = ops->trylock(lock, ctx);
		CHECK_EQ(rc, 0);
		if (rc == 0) {
			CHECK_EQ(ops->unlock(lock, ctx), 0);
			/* Still held once: the first acquisition needs its own unlock. */
			CHECK_EQ(tu_trylock_elsewhere(ops, lock), held_elsewhere);
		}
	}
	if (!CHECK_EQ(ops->unlock(lock, ctx), 0))
		return 0;
	return CHECK_EQ(tu_trylock_elsewhere(ops, lock), 0);
}

static int check_relock(const struct lb_lock_ops *ops, void *lock, void *ctx)
{
	for (int i = 0; i < 2; i++) {
		if (!CHECK_EQ(ops->lock(lock, ctx), 0))
			return 0;
		if (!CHECK_EQ(ops->unlock(lock, ctx), 0))
			return 0;
		/* Checked before relocking, so that a lock that failed to release fails here
		 * instead of hanging the next lock(). */
		if (!CHECK_EQ(tu_trylock_elsewhere(ops, lock), 0))
			return 0;
	}
	return 1;
}

static void check_init_cycles(const struct lb_lock_ops *ops, void *lock, void *ctx)
{
	unsigned bad = 0, i = 0;
	for (; i < INIT_CYCLES && !bad; i++) {
		if (ops->init(lock, 1) != 0) {
			bad++;
			break;
		}
		int rc = (i % 2) ? ops->lock(lock, ctx) : ops->trylock(lock, ctx);
		if (rc != 0 || ops->unlock(lock, ctx) != 0)
			bad++;
		ops->destroy(lock);
	}
	if (bad)
		printf("    init/lock/unlock/destroy failed at cycle %u\n", i);
	CHECK_EQ(bad, 0);
}

/* Several locks of one kind, each thread with one context for all of them. */
struct ctx_reuse {
	const struct lb_lock_ops *ops;
	void *locks[CTX_LOCKS];
	unsigned long count[CTX_LOCKS]; /* plain: guarded by locks[i] */
	pthread_barrier_t start;
};

struct ctx_worker {
	struct ctx_reuse *shared;
	pthread_t tid;
	int reverse;
	unsigned errors;
};

static void *ctx_reuse_thread(void *arg)
{
	struct ctx_worker *w = arg;
	const struct lb_lock_ops *ops = w->shared->ops;
	void *ctx = tu_ctx_new_at(ops, &w->shared->start);
	if (!ctx) {
		w->errors++;
		return NULL;
	}
	for (unsigned round = 0; round < CTX_ROUNDS; round++) {
		for (unsigned k = 0; k < CTX_LOCKS; k++) {
			unsigned i = w->reverse ? CTX_LOCKS - 1 - k : k;
			void *lock = w->shared->locks[i];
			int rc = (round % 2) ? ops->trylock(lock, ctx) : -EBUSY;
			if (rc == -EBUSY)
				rc = ops->lock(lock, ctx);
			if (rc) {
				w->errors++;
				continue;
			}
			w->shared->count[i]++;
			if (ops->unlock(lock, ctx))
				w->errors++;
		}
	}
	tu_ctx_free(ops, ctx);
	return NULL;
}

static void check_ctx_reuse(const struct lb_lock_ops *ops)
{
	const unsigned threads = (ops->props & LB_NOT_A_LOCK) ? 1 : 2;
	struct ctx_reuse s = { .ops = ops };
	struct ctx_worker w[2] = { { &s, 0, 0, 0 }, { &s, 0, 1, 0 } };
	unsigned made = 0;
	for (; made < CTX_LOCKS; made++) {
		s.locks[made] = lb_lock_alloc(ops);
		if (!CHECK(s.locks[made]) || !CHECK_EQ(ops->init(s.locks[made], 1), 0)) {
			lb_free(s.locks[made]);
			goto out;
		}
	}
	pthread_barrier_init(&s.start, NULL, threads);
	for (unsigned t = 0; t < threads; t++) {
		int err = pthread_create(&w[t].tid, NULL, ctx_reuse_thread, &w[t]);
		if (err)
			tu_die("locks_contract", "pthread_create", err);
	}
	for (unsigned t = 0; t < threads; t++) {
		pthread_join(w[t].tid, NULL);
		CHECK_EQ(w[t].errors, 0);
	}
	pthread_barrier_destroy(&s.start);
	for (unsigned i = 0; i < CTX_LOCKS; i++)
		CHECK_EQ(s.count[i], threads * CTX_ROUNDS);
out:
	for (unsigned i = 0; i < made; i++) {
		ops->destroy(s.locks[i]);
		lb_free(s.locks[i]);
	}
}

static void contract(const struct lb_lock_ops *ops, int registered)
{
	unsigned failed_before = tu_failures();
	check_ops_shape(ops, registered);
	void *lock = lb_lock_alloc(ops);
	void *ctx = tu_ctx_new(ops);
	if (!CHECK(lock && ctx))
		goto out;
	if (CHECK_EQ(ops->init(lock, 1), 0))
		ops->destroy(lock);
	check_permits(ops, lock, ctx);

	if (!CHECK_EQ(ops->init(lock, 1), 0))
		goto out;
	int ok = check_trylock(ops, lock, ctx) && check_relock(ops, lock, ctx);
	ops->destroy(lock);
	if (ok) {
		check_init_cycles(ops, lock, ctx);
		check_ctx_reuse(ops);
	}
out:
	tu_lock_verdict(ops->name, failed_before);
	tu_ctx_free(ops, ctx);
	lb_free(lock);
}

/* tas with one property it does not have: the contract derived from that property must fail. */
static void planted_props(void)
{
	static const unsigned wrong[] = { LB_COUNTING, LB_REENTRANT, LB_NOT_A_LOCK, LB_NEEDS_CTX,
					  LB_RW };
	static const char *const what[] = { "LB_COUNTING", "LB_REENTRANT", "LB_NOT_A_LOCK",
					    "LB_NEEDS_CTX", "LB_RW" };
	const struct lb_lock_ops *tas = lb_lock_find("tas");
	if (!CHECK(tas))
		return;
	for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) {
		struct lb_lock_ops liar = *tas;
		liar.props |= wrong[i];
		printf("  negative control: tas claiming %s\n", what[i]);
		tu_negative_begin();
		contract(&liar, 1);
		CHECK(tu_negative_end() > 0);
	}
	/* The first registered reader-writer lock, without its bit, then without read_trylock. */
	const struct lb_lock_ops *rw = NULL;
	for (const struct lb_lock_ops *const *p = lb_locks; *p && !rw; p++)
		if ((*p)->props & LB_RW)
			rw = *p;
	if (!CHECK(rw))
		return;
	struct lb_lock_ops liar = *rw;
	liar.props &= ~LB_RW;
	printf("  negative control: %s without LB_RW\n", rw->name);
	tu_negative_begin();
	contract(&liar, 1);
	CHECK(tu_negative_end() > 0);
	liar = *rw;
	liar.read_trylock = NULL;
	printf("  negative control: %s without read_trylock\n", rw->name);
	tu_negative_begin();
	contract(&liar, 1);
	CHECK(tu_negative_end() > 0);
}

int main(int argc, char **argv)
{
	const char *only = tu_parse_lock_arg("locks_contract", argc, argv);
	printf("locks_contract: the lb_lock_ops contract, for every registered lock%s\n",
	       TU_TSAN ? " (under ThreadSanitizer)" : "");
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++)
		if (tu_selected(*p, only))
			contract(*p, 1);

	if (!only) {
		printf("  negative control: never-release\n");
		tu_negative_begin();
		contract(&never_release_ops, 0);
		CHECK(tu_negative_end() > 0);
		planted_props();
	}
	return tu_summary("locks_contract");
}
