/* condvar_pc.c — producers and consumers on a bounded buffer, the way programs use condition
 * variables, with every mutual-exclusion lock of the registry (and a pthread mutex) behind
 * lbp_cond's callbacks: the interposer's real use.
 *
 * For each lock and each shape P producers x C consumers (1x1, 2x2, 1x3, 4x4: up to four times
 * as many threads as this machine has CPUs), ITEMS items go through a buffer of CAPACITY slots
 * (FIFO_SPIN_ITEMS for FIFO spinlocks with more threads than CPUs, which collapse there; a quarter
 * under TSan), with
 * two conditions (not empty, not full). Producers and consumers rotate through the three
 * ways of waking: signal holding the mutex, signal after releasing it, broadcast. Checked:
 * - every item is consumed exactly once (a per-item count);
 * - no wait ever times out: every wait has a deadline of DEADLINE_MS (so a lost wake-up shows as
 *   a time-out instead of a hang), and a correct condvar leaves nobody asleep that long here;
 * - a wait returns holding the mutex (the occupancy of the buffer is never seen out of range,
 *   and the mutex's holder is the returning thread).
 * Negative control: the same run with consumers that take an item without re-checking the
 *   predicate after a wake-up ("if" instead of "while": a signal can return more than one
 *   waiter) must see the buffer empty under it, or double-consume, in bounded tries.
 * Usage: condvar_pc [--lock NAME]
 */
#include "condvar_test.h"

#include <stdbool.h>

enum { ITEMS = 1200, FIFO_SPIN_ITEMS = 40, CAPACITY = 4, DEADLINE_MS = 10000, MAX_THREADS = 8 };

struct pc_run {
	struct test_mutex tm;
	struct lbp_cond not_empty, not_full;
	unsigned buf[CAPACITY];
	unsigned head, count, taken;
	unsigned producers, items;
	int sloppy; /* negative control: consumers wait with "if", not "while" */
	unsigned char seen[ITEMS];
	atomic_uint timeouts, errors, underflows;
};

struct pc_thread {
	struct pc_run *run;
	pthread_t tid;
	unsigned index;
};

static void wake(struct lbp_cond *c, struct test_mutex_user *u, unsigned how)
{
	switch (how % 3) {
	case 0:
		lbp_cond_signal(c);
		break;
	case 1: /* after the unlock: the caller re-locks */
		tm_unlock(u);
		lbp_cond_signal(c);
		tm_lock(u);
		break;
	default:
		lbp_cond_broadcast(c);
		break;
	}
}

/* Wait once; counts time-outs and a return without the mutex. */
static void pc_wait(struct pc_run *r, struct lbp_cond *c, struct test_mutex_user *u)
{
	clockid_t clock = lbp_cond_clock(c); /* as pthread_cond_timedwait passes it */
	struct timespec t = deadline_in(clock, DEADLINE_MS);
	int rc = lbp_cond_wait(c, &u->cb, clock, &t);
	/* Relaxed: counters read after join. */
	if (rc == ETIMEDOUT)
		atomic_fetch_add_explicit(&r->timeouts, 1, memory_order_relaxed);
	else if (rc != 0 || !tm_held_by(u))
		atomic_fetch_add_explicit(&r->errors, 1, memory_order_relaxed);
}

/* A thread's handle on the test mutex; a failure is counted as an error of the run. */
static bool pc_user_init(struct pc_run *r, struct test_mutex_user *u)
{
	if (tm_user_init(u, &r->tm) == 0)
		return true;
	/* Relaxed: counters read after join. */
	atomic_fetch_add_explicit(&r->errors, 1, memory_order_relaxed);
	return false;
}

static void *producer(void *arg)
{
	struct pc_thread *th = arg;
	struct pc_run *r = th->run;
	struct test_mutex_user u;
	if (!pc_user_init(r, &u))
		return NULL;
	for (unsigned item = th->index; item < r->items; item += r->producers) {
		tm_lock(&u);
		while (r->count == CAPACITY)
			pc_wait(r, &r->not_full, &u);
		r->buf[(r->head + r->count) % CAPACITY] = item;
		r->count++;
		wake(&r->not_empty, &u, item / r->producers);
		tm_unlock(&u);
	}
	tm_user_destroy(&u);
	return NULL;
}

static void *consumer(void *arg)
{
	struct pc_thread *th = arg;
	struct pc_run *r = th->run;
	struct test_mutex_user u;
	if (!pc_user_init(r, &u))
		return NULL;
	tm_lock(&u);
	for (unsigned n = th->index;; n++) {
		if (r->sloppy) {
			if (r->count == 0 && r->taken < r->items)
				pc_wait(r, &r->not_empty, &u);
		} else {
			while (r->count == 0 && r->taken < r->items)
				pc_wait(r, &r->not_empty, &u);
		}
		if (r->taken >= r->items)
			break;
		if (r->count == 0 || r->count > CAPACITY) {
			/* Relaxed: read after join. Only the sloppy consumer gets here. */
			atomic_fetch_add_explicit(&r->underflows, 1, memory_order_relaxed);
			continue;
		}
		unsigned item = r->buf[r->head];
		r->head = (r->head + 1) % CAPACITY;
		r->count--;
		r->seen[item]++;
		if (++r->taken == r->items)
			lbp_cond_broadcast(&r->not_empty); /* the other consumers: nothing left */
		wake(&r->not_full, &u, n);
	}
	tm_unlock(&u);
	tm_user_destroy(&u);
	return NULL;
}

/* One run; returns 1 when every check passed (for the log line). */
static int pc_once(const struct lb_lock_ops *ops, unsigned np, unsigned nc, unsigned items,
		   int sloppy)
{
	static struct pc_run r; /* big: not on the stack; runs are one at a time */
	struct pc_thread th[MAX_THREADS];
	memset(&r, 0, sizeof r);
	r.producers = np;
	r.items = items;
	r.sloppy = sloppy;
	int err = tm_init(&r.tm, ops);
	if (err)
		tu_die("condvar_pc", "lock init", err);
	/* not_empty: zero-initialised (the static default: CLOCK_REALTIME, private); not_full:
	 * explicitly, CLOCK_MONOTONIC. The waits use each one's own clock. */
	CHECK_EQ(lbp_cond_init(&r.not_full, CLOCK_MONOTONIC, 0), 0);
	for (unsigned i = 0; i < np + nc; i++) {
		th[i] = (struct pc_thread){ .run = &r, .index = i < np ? i : i - np };
		err = pthread_create(&th[i].tid, NULL, i < np ? producer : consumer, &th[i]);
		if (err)
			tu_die("condvar_pc", "pthread_create", err);
	}
	for (unsigned i = 0; i < np + nc; i++)
		pthread_join(th[i].tid, NULL);
	unsigned missing = 0, doubled = 0;
	for (unsigned i = 0; i < items; i++) {
		missing += r.seen[i] == 0;
		doubled += r.seen[i] > 1;
	}
	int ok = CHECK_EQ(missing, 0);
	ok &= CHECK_EQ(doubled, 0);
	ok &= CHECK_EQ(atomic_load(&r.timeouts), 0);
	ok &= CHECK_EQ(atomic_load(&r.errors), 0);
	ok &= CHECK_EQ(atomic_load(&r.underflows), 0);
	CHECK_EQ(lbp_cond_destroy(&r.not_empty), 0);
	CHECK_EQ(lbp_cond_destroy(&r.not_full), 0);
	tm_destroy(&r.tm);
	return ok;
}

static const unsigned shapes[][2] = { { 1, 1 }, { 2, 2 }, { 1, 3 }, { 4, 4 } };

/* FIFO spinlocks (and the NUMA-aware queue locks) collapse once threads outnumber CPUs (a
 * preempted waiter in line stalls every handoff for a time slice; see their opening comments):
 * a few items keep their runs bounded on a loaded two-CPU machine and still take every path. */
static unsigned pc_items(const struct lb_lock_ops *ops, const unsigned shape[2])
{
	if (ops && tu_spin_handoff(ops) && shape[0] + shape[1] > 2)
		return FIFO_SPIN_ITEMS;
	return TU_TSAN ? ITEMS / 4 : ITEMS; /* TSan runs it about ten times slower */
}

static void pc_lock(const struct lb_lock_ops *ops)
{
	printf("  %-18s", ops ? ops->name : "pthread-errorcheck");
	for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		int ok = pc_once(ops, shapes[s][0], shapes[s][1], pc_items(ops, shapes[s]), 0);
		printf(" %ux%u:%s", shapes[s][0], shapes[s][1], ok ? "ok" : "FAIL");
		fflush(stdout);
		fflush(stdout);
	}
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *only = tu_parse_lock_arg("condvar_pc", argc, argv);
	printf("%d items through %d slots, P x C threads, each item exactly once, no wait timed out "
	       "(%d ms deadlines):\n",
	       ITEMS, CAPACITY, DEADLINE_MS);
	if (!only)
		pc_lock(NULL);
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++)
		if (lb_is_mutex(*p, 1) && tu_selected(*p, only))
			pc_lock(*p);

	unsigned tries, caught = 0;
	for (tries = 1; tries <= 20 && !caught; tries++) {
		tu_negative_begin();
		pc_once(NULL, 1, 3, ITEMS, 1);
		caught = tu_negative_end();
	}
	CHECK(caught > 0);
	printf("  negative control: consumers waiting with 'if' instead of 'while' caught: %s (%u "
	       "tries)\n",
	       caught ? "yes" : "no", tries - 1);
	return tu_summary("condvar_pc");
}
