/* locks_bypass.c — LB_BYPASS_BOUNDED locks keep their stated bypass bound.
 *
 * The run is turn_log.h's: N threads repeatedly lock() a lock built with the test-only `turn` hook
 * (counted from 1 in doorway order), each logging (its thread, its turn) inside the critical
 * section, so the log is the order of the acquisitions. An acquisition with turn t is overtaken by
 * every acquisition logged before it with a turn > t: a later arrival served first. The check, for
 * every lock whose props have LB_BYPASS_BOUNDED: no waiter is overtaken more than bypass_bound
 * times by any one other thread (and so at most bypass_bound x (threads - 1) times in all, which
 * is printed too). Why per thread: a lock whose waiters are overtaken at most B times in all is
 * overtaken at most B times by each thread, so this reading holds every lock with a total bound
 * too; and the bounded-bypass locks of the literature (reciprocating locks: once per other thread)
 * bound only the count per thread, since the total grows with the number of threads. Also checked:
 * every lock() returned 0, the turns are 1..n, each once (else the hook itself is wrong and the
 * count means nothing), and the lock had real choices (at least MIN_CONTENDED acquisitions made
 * while another thread waited; else the run is repeated, a bounded number of times, and the check
 * fails if it never got there).
 *
 * Counting: thread j's entries have increasing turns in log order, so the ones logged before
 * position p form a prefix of its sequence, as do its ones with turn < t_p; those of the first
 * prefix that are not in the second overtook p: max(0, logged_before_p(j) - turns_below(j, t_p)).
 * One pass over the log with a binary search per thread: O(n x threads x log n).
 *
 * Negative control: `tas` checked as if it claimed a bound of 1. Its hook counts arrivals at its
 * doorway, and whoever's exchange lands first wins, so one thread often re-takes the lock past a
 * waiter several times. It must be reported within a bounded number of attempts (more threads
 * and iterations each time; the counts are printed).
 *
 * Counts are small, as locks_fifo's: spinning queue locks hand over at scheduler-tick rate
 * when threads outnumber CPUs, so 4 threads x 100 acquisitions.
 * Usage: locks_bypass [--lock NAME]
 */
#include <unistd.h>

#include "test_util.h"
#include "turn_log.h"

enum { BYPASS_THREADS = 4, BYPASS_OPS_PER_THREAD = 100, BYPASS_MAX_THREADS = TL_MAX_THREADS };
enum { MIN_CONTENDED = 20, MIN_CONTENDED_ATTEMPTS = 3 };

struct bypass_result {
	int err;
	size_t logged, contended;
	int turns_ok;           /* the turns are 1..logged, each once */
	unsigned max_by_one;    /* the most overtakes of one waiter by one other thread */
	unsigned max_total;     /* the most overtakes of one waiter in all */
	size_t over_bound;      /* (waiter, thread) pairs over the bound */
	size_t worst_at;        /* log index of the waiter with max_by_one */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* How many of the n sorted values are below v. */
static size_t count_below(const uint64_t *sorted, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sorted[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The counts of the header over one log. Returns 0, or -ENOMEM. */
static int bypass_count(const struct tl_entry *log, size_t n, unsigned threads,
			unsigned bound, struct bypass_result *r)
{
	uint64_t *turns[BYPASS_MAX_THREADS] = { 0 };
	size_t nturns[BYPASS_MAX_THREADS] = { 0 }, before[BYPASS_MAX_THREADS] = { 0 };
	uint64_t *all = calloc(n ? n : 1, sizeof *all);
	int err = all ? 0 : -ENOMEM;
	for (unsigned j = 0; j < threads && !err; j++)
		if (!(turns[j] = calloc(n ? n : 1, sizeof *turns[j])))
			err = -ENOMEM;
	if (err)
		goto out;
	for (size_t i = 0; i < n; i++) {
		all[i] = log[i].turn;
		turns[log[i].thread][nturns[log[i].thread]++] = log[i].turn;
	}
	qsort(all, n, sizeof *all, cmp_u64);
	r->turns_ok = 1;
	for (size_t i = 0; i < n; i++)
		if (all[i] != i + 1)
			r->turns_ok = 0;
	for (unsigned j = 0; j < threads; j++) {
		/* Each thread's turns increase; if not, the hook is wrong and turns_ok says so. */
		for (size_t k = 1; k < nturns[j]; k++)
			if (turns[j][k] <= turns[j][k - 1])
				r->turns_ok = 0;
	}
	for (size_t p = 0; p < n; p++) {
		unsigned total = 0;
		for (unsigned j = 0; j < threads; j++) {
			if (j == log[p].thread)
				continue;
			size_t below = count_below(turns[j], nturns[j], log[p].turn);
			unsigned over = before[j] > below ? (unsigned)(before[j] - below) : 0;
			total += over;
			if (over > bound)
				r->over_bound++;
			if (over > r->max_by_one) {
				r->max_by_one = over;
				r->worst_at = p;
			}
		}
		if (total > r->max_total)
			r->max_total = total;
		before[log[p].thread]++;
	}
out:
	for (unsigned j = 0; j < threads; j++)
		free(turns[j]);
	free(all);
	return err;
}

static void bypass_check(const struct lb_lock_ops *ops, unsigned bound, unsigned threads,
			 uint64_t per_thread, struct bypass_result *r)
{
	struct tl_log log;
	memset(r, 0, sizeof *r);
	tl_run("locks_bypass", ops, &tl_shape_queue, threads, per_thread, &log);
	r->err = log.err;
	r->logged = log.logged;
	r->contended = log.contended;
	if (!r->err)
		r->err = bypass_count(log.entries, log.logged, threads, bound, r);
	tl_log_free(&log);
}

static void report(const struct lb_lock_ops *ops, unsigned bound, unsigned threads,
		   uint64_t per_thread, const struct bypass_result *r)
{
	printf("  %-18s bound=%u threads=%u ops=%zu (%llu/thread) contended=%zu turns %s; "
	       "most overtakes of one waiter: %u by one thread, %u in all; pairs over the bound: %zu",
	       ops->name, bound, threads, r->logged, (unsigned long long)per_thread, r->contended,
	       r->turns_ok ? "1..n" : "NOT 1..n", r->max_by_one, r->max_total, r->over_bound);
	if (r->over_bound)
		printf(" (worst: the waiter at #%zu)", r->worst_at);
	if (r->err)
		printf(" error %d", r->err);
	printf("\n");
}

/* tas, as if it claimed a bound of 1, must be caught within bounded attempts. */
static void negative_tas(void)
{
	static const struct { unsigned threads; uint64_t per_thread; } attempts[] = {
		{ BYPASS_THREADS, BYPASS_OPS_PER_THREAD }, { 4, 1000 }, { 8, 1000 }, { 8, 4000 },
	};
	const struct lb_lock_ops *tas = lb_lock_find("tas");
	if (!CHECK(tas) || !CHECK(tas->turn))
		return;
	printf("  negative control: tas (unbounded bypass) checked against a bound of 1 must be "
	       "caught\n");
	int caught = 0;
	for (size_t i = 0; i < sizeof attempts / sizeof *attempts && !caught; i++) {
		struct bypass_result r;
		bypass_check(tas, 1, attempts[i].threads, attempts[i].per_thread, &r);
		CHECK_EQ(r.err, 0);
		CHECK(r.turns_ok);
		report(tas, 1, attempts[i].threads, attempts[i].per_thread, &r);
		caught = r.over_bound > 0;
	}
	CHECK(caught);
}

/* The counting itself, on planted logs: a FIFO log, and one where thread 1 overtakes thread 0's
 * waiter twice (turns 2 and 3 served before turn 1). */
static void counting_control(void)
{
	static const struct tl_entry fifo[] = { { 1, 0 }, { 2, 1 }, { 3, 0 }, { 4, 1 } };
	static const struct tl_entry twice[] = { { 2, 1 }, { 3, 1 }, { 1, 0 }, { 4, 0 } };
	struct bypass_result r = { 0 };
	CHECK_EQ(bypass_count(fifo, 4, 2, 0, &r), 0);
	CHECK(r.turns_ok);
	CHECK_EQ(r.max_by_one, 0);
	CHECK_EQ(r.over_bound, 0);
	memset(&r, 0, sizeof r);
	CHECK_EQ(bypass_count(twice, 4, 2, 1, &r), 0);
	CHECK(r.turns_ok);
	CHECK_EQ(r.max_by_one, 2);
	CHECK_EQ(r.over_bound, 1);
	CHECK_EQ(r.worst_at, 2);
	printf("  counting control: planted logs (FIFO: 0 overtakes; one waiter overtaken twice by "
	       "one thread: caught)\n");
}

int main(int argc, char **argv)
{
	const char *only = tu_parse_lock_arg("locks_bypass", argc, argv);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("locks_bypass: bypass-bounded locks keep their bound (%d threads on %ld CPUs)%s\n",
	       BYPASS_THREADS, cpus, TU_TSAN ? " (under ThreadSanitizer)" : "");
	counting_control();
	unsigned checked = 0;
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++) {
		const struct lb_lock_ops *ops = *p;
		if (!(ops->props & LB_BYPASS_BOUNDED) || !tu_selected(ops, only))
			continue;
		/* A bypass-bounded lock without its hook cannot be checked: that is a failure,
		 * not a skip, or a claim would go unchecked. */
		if (!CHECK(ops->turn)) {
			printf("  %-18s LB_BYPASS_BOUNDED but no turn hook\n", ops->name);
			continue;
		}
		struct bypass_result r;
		for (int attempt = 0; attempt < MIN_CONTENDED_ATTEMPTS; attempt++) {
			bypass_check(ops, ops->bypass_bound, BYPASS_THREADS, BYPASS_OPS_PER_THREAD, &r);
			report(ops, ops->bypass_bound, BYPASS_THREADS, BYPASS_OPS_PER_THREAD, &r);
			if (r.err || r.over_bound || !r.turns_ok || r.contended >= MIN_CONTENDED)
				break;
		}
		CHECK_EQ(r.err, 0);
		CHECK_EQ(r.logged, BYPASS_THREADS * BYPASS_OPS_PER_THREAD);
		CHECK(r.turns_ok);
		CHECK(r.contended >= MIN_CONTENDED);
		CHECK_EQ(r.over_bound, 0);
		checked++;
	}
	printf("  %u bypass-bounded locks checked\n", checked);
	if (!only) {
		CHECK(checked > 0);
		negative_tas();
	}
	return tu_summary("locks_bypass");
}
