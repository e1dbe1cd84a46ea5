/* locks_fifo.c — LB_FIFO locks grant the lock in the order threads took their turn.
 *
 * The run is turn_log.h's: N threads repeatedly lock() a lock built with the test-only `turn`
 * hook (ticket, queue position, counted from 1 in doorway order), each logging its turn inside
 * the critical section. Under a FIFO lock the log reads 1, 2, 3, …: the order of the turns is
 * the order of the acquisitions.
 * A run only counts when the lock had choices to make: at least MIN_CONTENDED acquisitions with
 * another thread already waiting (else it is repeated, a bounded number of times).
 *
 * Every LB_FIFO lock must have the hook, else the test fails; the one exception is a Concurrency
 * Kit reference (LB_REFERENCE), whose doorway is inside libck: it is named and counted as not
 * checkable, and our own lock of the same algorithm stands checked beside it.
 *
 * Negative controls: the same check on `tas`, whose hook counts arrivals at its doorway but which
 * grants the lock to whoever's exchange lands first, and on qspinlock-overtaking: qspinlock with
 * lb_qspinlock_overtaking_lock as its lock() (qspinlock.c, test builds only), one planted defect:
 * a pending path that ignores the queue, so a later arrival becomes the pending waiter ahead of
 * the queue head. Each must report a violation within a bounded number of attempts (more
 * threads and iterations each time; the counts are printed).
 *
 * A FIFO spinlock with more threads than CPUs hands over a few hundred times per second (the
 * next in line is often descheduled; ~80/s on a busy 2-CPU VM), so the counts stay small:
 * 4 threads x 100, a few seconds per lock at worst.
 * Usage: locks_fifo [--lock NAME]
 */
#include <unistd.h>

#include "test_util.h"
#include "turn_log.h"

/* qspinlock.c's negative control, in the test-hook library only: its lock() with a planted
 * defect (see that file's header). */
int lb_qspinlock_overtaking_lock(void *lock, void *ctx);

enum { FIFO_THREADS = 4, FIFO_OPS_PER_THREAD = 100 };
enum { MIN_CONTENDED = 20, MIN_CONTENDED_ATTEMPTS = 3 };

struct fifo_result {
	int err;
	size_t logged, out_of_order;
	size_t handoffs;  /* entries taken by another thread than the one before */
	size_t contended; /* acquisitions while another thread waited: the lock had a choice */
	size_t first_bad;   /* index of the first entry that is not its predecessor + 1 */
	uint64_t want, got; /* at first_bad */
};

/* Run the check; the result says whether the log was 1, 2, 3, … */
static void fifo_check(const struct lb_lock_ops *ops, unsigned threads, uint64_t per_thread,
		       struct fifo_result *r)
{
	struct tl_log log;
	memset(r, 0, sizeof *r);
	tl_run("locks_fifo", ops, &tl_shape_queue, threads, per_thread, &log);
	r->err = log.err;
	r->logged = log.logged;
	r->contended = log.contended;
	for (size_t i = 0; i < log.logged; i++) {
		uint64_t want = i + 1;
		r->handoffs += i > 0 && log.entries[i].thread != log.entries[i - 1].thread;
		if (log.entries[i].turn != want) {
			if (!r->out_of_order++) {
				r->first_bad = i;
				r->want = want;
				r->got = log.entries[i].turn;
			}
		}
	}
	tl_log_free(&log);
}

static void report(const struct lb_lock_ops *ops, unsigned threads, uint64_t per_thread,
		   const struct fifo_result *r)
{
	printf("  %-18s threads=%u ops=%zu (%llu/thread) handoffs=%zu contended=%zu out of order: %zu",
	       ops->name, threads, r->logged, (unsigned long long)per_thread, r->handoffs,
	       r->contended, r->out_of_order);
	if (r->out_of_order)
		printf(" (first at #%zu: turn %llu, expected %llu)", r->first_bad,
		       (unsigned long long)r->got, (unsigned long long)r->want);
	printf("\n");
}

/* A lock that is not FIFO must be caught: bounded attempts with more threads and iterations
 * each time. */
static void negative(const struct lb_lock_ops *ops, const char *why)
{
	static const struct { unsigned threads; uint64_t per_thread; } attempts[] = {
		{ FIFO_THREADS, FIFO_OPS_PER_THREAD }, { 4, 1000 }, { 8, 1000 }, { 8, 5000 },
		{ 16, 5000 },
	};
	if (!CHECK(ops) || !CHECK(ops->turn))
		return;
	printf("  negative control: %s (%s) must be caught\n", ops->name, why);
	int caught = 0;
	for (size_t i = 0; i < sizeof attempts / sizeof *attempts && !caught; i++) {
		struct fifo_result r;
		fifo_check(ops, attempts[i].threads, attempts[i].per_thread, &r);
		CHECK_EQ(r.err, 0);
		report(ops, attempts[i].threads, attempts[i].per_thread, &r);
		caught = r.out_of_order > 0;
	}
	CHECK(caught);
}

int main(int argc, char **argv)
{
	const char *only = tu_parse_lock_arg("locks_fifo", argc, argv);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("locks_fifo: FIFO locks grant in turn order (%d threads on %ld CPUs)%s\n",
	       FIFO_THREADS, cpus, TU_TSAN ? " (under ThreadSanitizer)" : "");
	unsigned checked = 0, unhooked_refs = 0;
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++) {
		const struct lb_lock_ops *ops = *p;
		if (!(ops->props & LB_FIFO) || !tu_selected(ops, only))
			continue;
		if (!ops->turn) {
			/* A Concurrency Kit reference takes its ticket or queue position inside
			 * libck, where no hook can see it: its FIFO claim is ck's, and our lock of
			 * the same algorithm (ticket, mcs, clh, anderson) is checked here. Any
			 * other FIFO lock without a hook is a failure. */
			if (ops->props & LB_REFERENCE) {
				printf("  %-18s LB_FIFO from Concurrency Kit: its doorway is inside "
				       "libck, no turn hook; not checked (reference)\n", ops->name);
				unhooked_refs++;
			} else {
				printf("  %-18s LB_FIFO but no turn hook: FAILED\n", ops->name);
				CHECK(ops->turn);
			}
			continue;
		}
		/* Again (a bounded number of times) if the threads hardly ever met: the order
		 * of uncontended acquisitions shows nothing. */
		struct fifo_result r;
		for (int attempt = 0; attempt < MIN_CONTENDED_ATTEMPTS; attempt++) {
			fifo_check(ops, FIFO_THREADS, FIFO_OPS_PER_THREAD, &r);
			report(ops, FIFO_THREADS, FIFO_OPS_PER_THREAD, &r);
			if (r.err || r.out_of_order || r.contended >= MIN_CONTENDED)
				break;
		}
		CHECK(r.contended >= MIN_CONTENDED);
		CHECK_EQ(r.err, 0);
		CHECK_EQ(r.logged, FIFO_THREADS * FIFO_OPS_PER_THREAD);
		CHECK_EQ(r.out_of_order, 0);
		checked++;
	}
	printf("  %u FIFO locks checked, %u Concurrency Kit references not checkable\n", checked,
	       unhooked_refs);
	if (!only) {
		CHECK(checked > 0);
		negative(lb_lock_find("tas"), "not FIFO");
		const struct lb_lock_ops *qs = lb_lock_find("qspinlock");
		if (CHECK(qs)) {
			/* qspinlock, all but lock(): only the planted defect differs. */
			struct lb_lock_ops overtaking = *qs;
			overtaking.name = "qspinlock-overtaking";
			overtaking.props = (qs->props & ~LB_FIFO) | LB_TEST_ONLY;
			overtaking.lock = lb_qspinlock_overtaking_lock;
			negative(&overtaking, "its pending path overtakes the queue");
		}
	}
	return tu_summary("locks_fifo");
}
