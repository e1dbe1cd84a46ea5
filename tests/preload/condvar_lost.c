/* condvar_lost.c — no lost wake-up: a turn passed round a ring of threads, each waiting on its
 * own condition for its turn, with a deadline so that a lost wake-up shows as a time-out
 * instead of a hang.
 *
 * N threads (2, 3, 5: up to 2.5 per CPU here), ROUNDS turns each. Thread i waits, holding the
 * mutex, until turn == i; then passes the turn to i+1 and signals that thread's condition,
 * alternately holding the mutex and after releasing it. Checked: every wait that returns
 * ETIMEDOUT with its turn already there is a lost wake-up (the signal came, the sleeper stayed
 * asleep) and there must be none; every wait returns 0 or ETIMEDOUT.
 *
 * Negative control (--expect-bug): the same binary linked with condvar.c built with
 * LBP_COND_TEST_BUG, whose wait reads the sequence word after releasing the mutex, and naps
 * there to widen the window. The same check must fail: the run stops at the first lost wake-up
 * (bounded: at most BUG_ROUNDS rounds of short BUG_DEADLINE_MS waits) and the test passes only
 * when it saw one.
 * Usage: condvar_lost [--expect-bug]
 */
#include "condvar_test.h"

enum { ROUNDS = 3000, DEADLINE_MS = 10000, BUG_ROUNDS = 50, BUG_DEADLINE_MS = 300,
       MAX_RING = 5 };

struct ring {
	struct test_mutex tm;
	struct lbp_cond cond[MAX_RING];
	unsigned n, turn, rounds;
	long deadline_ms;
	int stop; /* set by a thread that saw a lost wake-up, so the others finish */
	atomic_uint lost, errors;
};

struct ring_thread {
	struct ring *ring;
	pthread_t tid;
	unsigned index;
};

static void *ring_thread(void *arg)
{
	struct ring_thread *th = arg;
	struct ring *r = th->ring;
	struct test_mutex_user u;
	if (tm_user_init(&u, &r->tm)) {
		atomic_fetch_add_explicit(&r->errors, 1, memory_order_relaxed);
		return NULL;
	}
	tm_lock(&u);
	for (unsigned round = 0; round < r->rounds && !r->stop; round++) {
		while (r->turn != th->index && !r->stop) {
			struct timespec t = deadline_in(CLOCK_MONOTONIC, r->deadline_ms);
			int rc = lbp_cond_wait(&r->cond[th->index], &u.cb, CLOCK_MONOTONIC, &t);
			/* Relaxed: counters read after join. */
			if (rc == ETIMEDOUT && r->turn == th->index) {
				atomic_fetch_add_explicit(&r->lost, 1, memory_order_relaxed);
				r->stop = 1;
				for (unsigned i = 0; i < r->n; i++)
					lbp_cond_broadcast(&r->cond[i]);
			} else if ((rc != 0 && rc != ETIMEDOUT) || !tm_held_by(&u)) {
				atomic_fetch_add_explicit(&r->errors, 1, memory_order_relaxed);
			}
		}
		unsigned next = (th->index + 1) % r->n;
		r->turn = next;
		if (round % 2) {
			lbp_cond_signal(&r->cond[next]);
		} else {
			tm_unlock(&u);
			lbp_cond_signal(&r->cond[next]);
			tm_lock(&u);
		}
	}
	tm_unlock(&u);
	tm_user_destroy(&u);
	return NULL;
}

/* Returns the lost wake-ups seen. */
static unsigned ring_run(unsigned n, unsigned rounds, long deadline_ms)
{
	struct ring r = { .n = n, .rounds = rounds, .deadline_ms = deadline_ms };
	struct ring_thread th[MAX_RING];
	if (tm_init(&r.tm, NULL))
		tu_die("condvar_lost", "mutex init", ENOMEM);
	for (unsigned i = 0; i < n; i++) {
		th[i] = (struct ring_thread){ .ring = &r, .index = i };
		int err = pthread_create(&th[i].tid, NULL, ring_thread, &th[i]);
		if (err)
			tu_die("condvar_lost", "pthread_create", err);
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i].tid, NULL);
	unsigned lost = atomic_load(&r.lost);
	CHECK_EQ(atomic_load(&r.errors), 0);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(lbp_cond_destroy(&r.cond[i]), 0);
	tm_destroy(&r.tm);
	return lost;
}

int main(int argc, char **argv)
{
	int expect_bug = argc == 2 && strcmp(argv[1], "--expect-bug") == 0;
	if (argc > 2 || (argc == 2 && !expect_bug)) {
		fprintf(stderr, "condvar_lost: usage: condvar_lost [--expect-bug]\n");
		return 2;
	}
	static const unsigned ring_sizes[] = { 2, 3, 5 };
	unsigned rounds = expect_bug ? BUG_ROUNDS : ROUNDS;
	long deadline_ms = expect_bug ? BUG_DEADLINE_MS : DEADLINE_MS;
	printf("%s: a turn round rings of 2, 3, 5 threads, %u rounds each, %ld ms deadlines\n",
	       expect_bug ? "negative control, condvar.c with LBP_COND_TEST_BUG" : "condvar.c",
	       rounds, deadline_ms);
	unsigned caught = 0;
	for (unsigned i = 0; i < sizeof ring_sizes / sizeof ring_sizes[0]; i++) {
		if (expect_bug)
			tu_negative_begin();
		unsigned lost = ring_run(ring_sizes[i], rounds, deadline_ms);
		CHECK_EQ(lost, 0);
		if (expect_bug)
			caught += tu_negative_end() > 0;
		printf("  ring of %u: %u lost wake-up%s\n", ring_sizes[i], lost, lost == 1 ? "" : "s");
	}
	if (expect_bug) {
		CHECK_EQ(caught, sizeof ring_sizes / sizeof ring_sizes[0]);
		printf("  the planted bug was caught in %u of %zu rings\n", caught,
		       sizeof ring_sizes / sizeof ring_sizes[0]);
	}
	return tu_summary(expect_bug ? "condvar_lost_bug" : "condvar_lost");
}
