/* locks_rw.c — reader-writer locks (LB_RW) keep their shared-mode promises. For every registered
 * LB_RW lock:
 *
 * - readers overlap: while this thread holds a read lock, another thread's read_trylock succeeds
 *   and its read_timedlock (deadline 5 s ahead) returns 0 with both inside at once;
 * - a writer excludes everyone: while held for writing, another thread's read_trylock and
 *   trylock fail with -EBUSY and a read_timedlock 1 ms ahead times out; while held for reading,
 *   trylock fails and a timedlock 1 ms ahead times out; after each release the lock is free;
 * - the claim in the description: a "writer-preferring" or "phase-fair" lock does not admit a new
 *   reader (read_trylock -EBUSY) while a writer waits behind a reader; a "reader-preferring" one
 *   does;
 * - a "phase-fair" lock alternates: a reader that arrived during a write phase enters before a
 *   writer that queued behind that phase;
 * - a mixed run: threads take the lock in both modes (reads 3 in 4); a writer stores a new
 *   generation into two plain words with a pause between, a reader checks that both carry the
 *   same generation. No torn read, no lost write.
 *
 * Negative controls: rw-writer-pref with a planted read_lock that takes nothing (the exclusion and
 * torn-read checks must fail) and with readers that exclude each other (the overlap check must
 * fail); locks described as what they are not: pthread-rwlock as writer-preferring,
 * rw-writer-pref as reader-preferring and as phase-fair (the preference and phase checks must
 * fail). A lock whose description states no preference (bravo: reader-biased, a writer waits for
 * the bias to be revoked) is named as not checked.
 * Waits are bounded (at most 10 s each), never timed assertions: a check that a thread is
 * "waiting" is made by polling what the lock lets others do.
 * Usage: locks_rw [--lock NAME]
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <time.h>

#include "broken_locks.h"
#include "test_util.h"

#define MS UINT64_C(1000000)
enum { MIXED_THREADS = 3, MIXED_OPS = 2000, NEGATIVE_MIXED_OPS = 20000 };
static const uint64_t BOUND_NS = 10000 * MS;

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* One helper thread doing one operation on the lock with its own context. */
enum rw_op { OP_READ_TRY, OP_WRITE_TRY, OP_READ_TIMED, OP_WRITE_TIMED, OP_READ, OP_WRITE };

struct helper {
	const struct lb_lock_ops *ops;
	void *lock;
	enum rw_op op;
	uint64_t ahead_ns;    /* timed ops: the deadline's distance */
	atomic_int *hold;     /* non-NULL: once in, stay until *hold is 0 */
	atomic_int arriving;  /* set just before the lock call */
	atomic_int inside;    /* set once acquired */
	atomic_int done;      /* set when the thread is about to end */
	atomic_uint *order;   /* non-NULL: take a ticket from it once inside */
	unsigned entered_as;
	int rc, unlock_rc;
	pthread_t tid;
};

static int is_read(enum rw_op op)
{
	return op == OP_READ_TRY || op == OP_READ_TIMED || op == OP_READ;
}

static void *helper_thread(void *arg)
{
	struct helper *h = arg;
	const struct lb_lock_ops *ops = h->ops;
	void *ctx = tu_ctx_new(ops);
	if (!ctx) {
		h->rc = -ENOMEM;
		return NULL;
	}
	atomic_store(&h->arriving, 1);
	switch (h->op) {
	case OP_READ_TRY: h->rc = ops->read_trylock(h->lock, ctx); break;
	case OP_WRITE_TRY: h->rc = ops->trylock(h->lock, ctx); break;
	case OP_READ_TIMED:
		h->rc = ops->read_timedlock(h->lock, ctx, lb_now_ns() + h->ahead_ns);
		break;
	case OP_WRITE_TIMED: h->rc = ops->timedlock(h->lock, ctx, lb_now_ns() + h->ahead_ns); break;
	case OP_READ: h->rc = ops->read_lock(h->lock, ctx); break;
	case OP_WRITE: h->rc = ops->lock(h->lock, ctx); break;
	}
	if (h->rc == 0) {
		if (h->order)
			h->entered_as = atomic_fetch_add(h->order, 1);
		atomic_store(&h->inside, 1);
		uint64_t until = lb_now_ns() + BOUND_NS;
		while (h->hold && atomic_load(h->hold) && lb_now_ns() < until)
			sleep_ms(1);
		h->unlock_rc = is_read(h->op) ? ops->read_unlock(h->lock, ctx) : ops->unlock(h->lock, ctx);
	}
	tu_ctx_free(ops, ctx);
	atomic_store(&h->done, 1);
	return NULL;
}

static void helper_start(struct helper *h, const struct lb_lock_ops *ops, void *lock,
			 enum rw_op op, uint64_t ahead_ns, atomic_int *hold, atomic_uint *order)
{
	memset(h, 0, sizeof *h);
	h->ops = ops;
	h->lock = lock;
	h->op = op;
	h->ahead_ns = ahead_ns;
	h->hold = hold;
	h->order = order;
	int err = pthread_create(&h->tid, NULL, helper_thread, h);
	if (err)
		tu_die("locks_rw", "pthread_create", err);
}

/* Run one operation in another thread to completion; its result (0 also needs a clean unlock). */
static int elsewhere(const struct lb_lock_ops *ops, void *lock, enum rw_op op, uint64_t ahead_ns)
{
	struct helper h;
	helper_start(&h, ops, lock, op, ahead_ns, NULL, NULL);
	pthread_join(h.tid, NULL);
	return h.rc == 0 ? h.unlock_rc : h.rc;
}

/* Wait (bounded) until *flag is set, or (when given) *gone is; 1 when *flag was set. */
static int wait_flag_or(atomic_int *flag, atomic_int *gone)
{
	uint64_t until = lb_now_ns() + BOUND_NS;
	while (!atomic_load(flag))
		if (gone && atomic_load(gone))
			return 0;
		else if (lb_now_ns() >= until)
			return 0;
		else
			sleep_ms(1);
	return 1;
}

static int wait_flag(atomic_int *flag)
{
	uint64_t until = lb_now_ns() + BOUND_NS;
	while (!atomic_load(flag))
		if (lb_now_ns() >= until)
			return 0;
		else
			sleep_ms(1);
	return 1;
}

static void check_overlap(const struct lb_lock_ops *ops, void *lock, void *ctx)
{
	if (!CHECK_EQ(ops->read_lock(lock, ctx), 0))
		return;
	CHECK_EQ(elsewhere(ops, lock, OP_READ_TRY, 0), 0);
	/* A blocking-style read from another thread while we stay inside: both hold it at once. */
	atomic_int hold = 1;
	struct helper h;
	/* 5 s: a loaded machine may not run the helper for a while; a negative control, which
	 * is expected to time out, waits less. */
	helper_start(&h, ops, lock, OP_READ_TIMED, (tu_negative_depth ? 200 : 5000) * MS, &hold,
		     NULL);
	int both = wait_flag_or(&h.inside, &h.done);
	CHECK(both);
	atomic_store(&hold, 0);
	pthread_join(h.tid, NULL);
	CHECK_EQ(h.rc, 0);
	CHECK_EQ(ops->read_unlock(lock, ctx), 0);
	CHECK_EQ(elsewhere(ops, lock, OP_WRITE_TRY, 0), 0);
}

static void check_writer_excludes(const struct lb_lock_ops *ops, void *lock, void *ctx)
{
	if (!CHECK_EQ(ops->lock(lock, ctx), 0))
		return;
	CHECK_EQ(elsewhere(ops, lock, OP_READ_TRY, 0), -EBUSY);
	CHECK_EQ(elsewhere(ops, lock, OP_WRITE_TRY, 0), -EBUSY);
	CHECK_EQ(elsewhere(ops, lock, OP_READ_TIMED, MS), -ETIMEDOUT);
	CHECK_EQ(ops->unlock(lock, ctx), 0);
	CHECK_EQ(elsewhere(ops, lock, OP_READ_TRY, 0), 0);

	if (!CHECK_EQ(ops->read_lock(lock, ctx), 0))
		return;
	CHECK_EQ(elsewhere(ops, lock, OP_WRITE_TRY, 0), -EBUSY);
	CHECK_EQ(elsewhere(ops, lock, OP_WRITE_TIMED, MS), -ETIMEDOUT);
	CHECK_EQ(ops->read_unlock(lock, ctx), 0);
	CHECK_EQ(elsewhere(ops, lock, OP_WRITE_TRY, 0), 0);
}

/* We hold a read lock, a writer waits: is a new reader admitted? "writer-preferring" and
 * "phase-fair" locks must refuse it (read_trylock -EBUSY once the writer has queued: polled,
 * bounded), "reader-preferring" ones must admit it. */
static void check_preference(const struct lb_lock_ops *ops, void *lock, void *ctx)
{
	const int refuse = strstr(ops->description, "writer-preferring") ||
			   strstr(ops->description, "phase-fair");
	const int admit = strstr(ops->description, "reader-preferring") != NULL;
	if (!refuse && !admit) {
		printf("  %-18s no reader or writer preference stated: not checked\n", ops->name);
		return;
	}
	if (!CHECK_EQ(ops->read_lock(lock, ctx), 0))
		return;
	struct helper w;
	helper_start(&w, ops, lock, OP_WRITE, 0, NULL, NULL);
	if (!CHECK(wait_flag(&w.arriving))) {
		ops->read_unlock(lock, ctx);
		pthread_join(w.tid, NULL);
		return;
	}
	int rc = 0, as_claimed;
	if (refuse) {
		uint64_t until = lb_now_ns() + BOUND_NS;
		while ((rc = elsewhere(ops, lock, OP_READ_TRY, 0)) == 0 && lb_now_ns() < until)
			sleep_ms(1);
		as_claimed = CHECK_EQ(rc, -EBUSY);
	} else {
		sleep_ms(20); /* give the writer time to queue: admitted either way */
		rc = elsewhere(ops, lock, OP_READ_TRY, 0);
		as_claimed = CHECK_EQ(rc, 0);
	}
	CHECK(!atomic_load(&w.inside)); /* we still read */
	CHECK_EQ(ops->read_unlock(lock, ctx), 0);
	pthread_join(w.tid, NULL);
	CHECK_EQ(w.rc, 0);
	CHECK_EQ(w.unlock_rc, 0);
	printf("  %-18s a new reader while a writer waits: %s, %s\n", ops->name,
	       rc == 0 ? "admitted" : "refused", as_claimed ? "as claimed" : "NOT as claimed");
}

/* Phase-fair: we write; a reader arrives, then a second writer; on our release the reader enters
 * first (its read phase), then the writer. */
static void check_phases(const struct lb_lock_ops *ops, void *lock, void *ctx)
{
	if (!strstr(ops->description, "phase-fair"))
		return;
	if (!CHECK_EQ(ops->lock(lock, ctx), 0))
		return;
	atomic_uint order = 0;
	atomic_int hold = 1;
	struct helper r, w;
	helper_start(&r, ops, lock, OP_READ, 0, &hold, &order);
	int ok = wait_flag(&r.arriving);
	sleep_ms(50); /* from "arriving" to inside read_lock: a few instructions */
	helper_start(&w, ops, lock, OP_WRITE, 0, NULL, &order);
	ok = wait_flag(&w.arriving) && ok;
	sleep_ms(50);
	CHECK(ok);
	CHECK(!atomic_load(&r.inside) && !atomic_load(&w.inside));
	CHECK_EQ(ops->unlock(lock, ctx), 0);
	CHECK(wait_flag(&r.inside));
	sleep_ms(20);
	CHECK(!atomic_load(&w.inside)); /* the writer waits for the read phase */
	atomic_store(&hold, 0);
	pthread_join(r.tid, NULL);
	pthread_join(w.tid, NULL);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(w.rc, 0);
	const int phased = CHECK_EQ(r.entered_as, 0) & CHECK_EQ(w.entered_as, 1);
	printf("  %-18s write phase, then %s\n", ops->name,
	       phased ? "the reader that came during it, then the next writer"
		      : "NOT the reader that came during it first");
}

/* Mixed readers and writers over two plain words. */
struct mixed_shared {
	unsigned long gen_a, gen_b; /* plain: the lock under test orders them */
} LB_CACHE_ALIGNED;

struct mixed_run {
	const struct lb_lock_ops *ops;
	void *lock;
	struct mixed_shared *s;
	unsigned ops_per_thread;
	pthread_barrier_t start;
};

struct mixed_worker {
	struct mixed_run *run;
	pthread_t tid;
	unsigned index, writes, torn;
	int err;
};

static void *mixed_thread(void *arg)
{
	struct mixed_worker *w = arg;
	const struct lb_lock_ops *ops = w->run->ops;
	struct mixed_shared *s = w->run->s;
	void *ctx = tu_ctx_new_at(ops, &w->run->start);
	if (!ctx) {
		w->err = -ENOMEM;
		return NULL;
	}
	uint64_t x = 0x9e3779b97f4a7c15ull * (w->index + 1);
	for (unsigned i = 0; i < w->run->ops_per_thread; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (x % 4 == 0) {
			if ((w->err = ops->lock(w->run->lock, ctx)) != 0)
				break;
			unsigned long g = s->gen_a + 1;
			s->gen_a = g;
			__asm__ __volatile__("" ::: "memory"); /* the store stays before the pause */
			for (int k = 0; k < 128; k++)
				lb_cpu_relax();
			__asm__ __volatile__("" ::: "memory");
			s->gen_b = g;
			w->writes++;
			if ((w->err = ops->unlock(w->run->lock, ctx)) != 0)
				break;
		} else {
			if ((w->err = ops->read_lock(w->run->lock, ctx)) != 0)
				break;
			unsigned long a = s->gen_a;
			__asm__ __volatile__("" ::: "memory");
			for (int k = 0; k < 128; k++)
				lb_cpu_relax();
			__asm__ __volatile__("" ::: "memory"); /* b is read after the pause */
			unsigned long b = s->gen_b;
			w->torn += a != b;
			if ((w->err = ops->read_unlock(w->run->lock, ctx)) != 0)
				break;
		}
	}
	tu_ctx_free(ops, ctx);
	return NULL;
}

/* Returns torn reads + lost writes (0 for a correct lock); -1 on an error. */
static long mixed(const struct lb_lock_ops *ops, unsigned ops_per_thread)
{
	struct mixed_run run = { .ops = ops, .ops_per_thread = ops_per_thread };
	struct mixed_worker w[MIXED_THREADS];
	run.lock = lb_lock_alloc(ops);
	run.s = aligned_alloc(LB_CACHELINE, sizeof *run.s);
	long bad = -1;
	if (!run.lock || !run.s || ops->init(run.lock, 1) != 0)
		goto out;
	memset(run.s, 0, sizeof *run.s);
	pthread_barrier_init(&run.start, NULL, MIXED_THREADS);
	for (unsigned t = 0; t < MIXED_THREADS; t++) {
		w[t] = (struct mixed_worker){ .run = &run, .index = t };
		int err = pthread_create(&w[t].tid, NULL, mixed_thread, &w[t]);
		if (err)
			tu_die("locks_rw", "pthread_create", err);
	}
	unsigned long writes = 0, torn = 0;
	int err = 0;
	for (unsigned t = 0; t < MIXED_THREADS; t++) {
		pthread_join(w[t].tid, NULL);
		writes += w[t].writes;
		torn += w[t].torn;
		err = err ? err : w[t].err;
	}
	pthread_barrier_destroy(&run.start);
	ops->destroy(run.lock);
	unsigned long lost = writes - (run.s->gen_a < writes ? run.s->gen_a : writes);
	printf("  %-18s mixed: %u threads x %u ops, %lu writes, %lu torn reads, %lu lost writes%s\n",
	       ops->name, MIXED_THREADS, ops_per_thread, writes, torn, lost,
	       err ? " (a call failed)" : "");
	bad = err ? -1 : (long)(torn + lost + (run.s->gen_a != run.s->gen_b));
out:
	lb_free(run.lock);
	free(run.s);
	return bad;
}

static void rw_checks(const struct lb_lock_ops *ops)
{
	unsigned failed_before = tu_failures();
	void *lock = lb_lock_alloc(ops);
	void *ctx = tu_ctx_new(ops);
	if (!CHECK(lock && ctx) || !CHECK_EQ(ops->init(lock, 1), 0))
		goto out;
	check_overlap(ops, lock, ctx);
	check_writer_excludes(ops, lock, ctx);
	check_preference(ops, lock, ctx);
	check_phases(ops, lock, ctx);
	ops->destroy(lock);
	if (!tu_negative_depth) /* the negative controls run their own, below */
		CHECK_EQ(mixed(ops, MIXED_OPS), 0);
out:
	tu_lock_verdict(ops->name, failed_before);
	tu_ctx_free(ops, ctx);
	lb_free(lock);
}

/* Planted bugs: the read side of broken_locks.c's rw-read-nothing on a real rwlock. */
static void negative_controls(void)
{
	const struct lb_lock_ops *wp = lb_lock_find("rw-writer-pref");
	if (!CHECK(wp))
		return;
	struct lb_lock_ops liar = *wp;
	liar.name = "read-takes-nothing";
	liar.description = "rw-writer-pref whose readers take nothing";
	liar.read_lock = broken_take_nothing;
	liar.read_unlock = broken_take_nothing;
	liar.read_trylock = broken_take_nothing;
	liar.read_timedlock = broken_take_nothing_timed;
	printf("  negative control: %s\n", liar.description);
	tu_negative_begin();
	rw_checks(&liar);
	CHECK(tu_negative_end() > 0);
	/* The torn-read check on it, up to three attempts (a torn read needs the threads to run at
	 * once, which a loaded machine may not grant in one attempt). Under TSan the planted race
	 * is reported by TSan itself, which fails the test: left to the other builds. */
	if (!TU_TSAN) {
		long bad = 0;
		for (int attempt = 0; attempt < 3 && bad == 0; attempt++)
			bad = mixed(&liar, NEGATIVE_MIXED_OPS);
		printf("  %-18s torn reads %s\n", liar.name,
		       bad > 0 ? "caught, as they must be" : "NOT caught");
		CHECK(bad > 0);
	}

	/* The preference and phase claims: a lock described as what it is not must fail them. */
	static const struct {
		const char *lock, *name, *description;
	} false_claims[] = {
		{ "pthread-rwlock", "rp-as-wp",
		  "pthread-rwlock (reader-preferring) claimed writer-preferring" },
		{ "rw-writer-pref", "wp-as-rp", "rw-writer-pref claimed reader-preferring" },
		{ "rw-writer-pref", "wp-as-pf", "rw-writer-pref claimed phase-fair" },
	};
	for (size_t i = 0; i < sizeof false_claims / sizeof *false_claims; i++) {
		const struct lb_lock_ops *real = lb_lock_find(false_claims[i].lock);
		if (!CHECK(real))
			continue;
		liar = *real;
		liar.name = false_claims[i].name;
		liar.description = false_claims[i].description;
		printf("  negative control: %s\n", liar.description);
		tu_negative_begin();
		rw_checks(&liar);
		CHECK(tu_negative_end() > 0);
	}

	liar = *wp;
	liar.name = "read-excludes";
	liar.description = "rw-writer-pref whose readers take the write lock";
	liar.read_lock = wp->lock;
	liar.read_unlock = wp->unlock;
	liar.read_trylock = wp->trylock;
	liar.read_timedlock = wp->timedlock;
	printf("  negative control: %s\n", liar.description);
	tu_negative_begin();
	rw_checks(&liar);
	CHECK(tu_negative_end() > 0);
}

int main(int argc, char **argv)
{
	const char *only = tu_parse_lock_arg("locks_rw", argc, argv);
	printf("locks_rw: reader-writer locks share among readers and exclude writers%s\n",
	       TU_TSAN ? " (under ThreadSanitizer)" : "");
	unsigned n = 0;
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++)
		if (((*p)->props & LB_RW) && tu_selected(*p, only)) {
			rw_checks(*p);
			n++;
		}
	if (only && !n)
		printf("  %s is not LB_RW: nothing to check\n", only);
	if (!only)
		negative_controls();
	return tu_summary("locks_rw");
}
