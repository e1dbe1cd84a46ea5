/* locks_stress.c — every registered lock excludes, at 1, 2, 4 and 8 threads.
 *
 * The checker (exclusion_check.c) keeps two plain words equal inside the critical section and
 * counts every critical section; see its header. locks_broken shows the same checker catching a
 * broken lock. More threads than CPUs is on purpose: preemption inside the critical section is
 * where many lock bugs hide.
 *
 * Work is bounded by iteration counts, never by time. FIFO spinlocks hand over only to the next
 * thread in line; with more threads than CPUs that thread is often not running, and every
 * handoff waits for a scheduler tick: a few hundred per second. They get far fewer iterations
 * when the threads outnumber the online CPUs.
 *
 * `null` (LB_NOT_A_LOCK) provides no exclusion: it runs with one thread only.
 * Usage: locks_stress [--lock NAME]
 */
#include <unistd.h>

#include "exclusion_verdict.h"
#include "test_util.h"

static const unsigned thread_counts[] = { 1, 2, 4, 8 };

/* Critical sections per run, all threads together. A FIFO spinlock is slow as soon as two
 * threads share it on a machine that other work also uses (the next in line may be descheduled:
 * measured 100 to 2,400 handoffs/s at 2 threads on a busy 2-CPU VM), and slower still,
 * ~120-300/s, once its threads outnumber the CPUs, or ~30/s when the machine is busy. Under TSan
 * every spinning thread also goes through TSan's bookkeeping of the one contended atomic, and
 * an oversubscribed unfair spinlock drops to ~60 handoffs/s: TSan needs interleavings, not
 * volume, so those runs are short too. */
enum {
	RUN_OPS = 40000,
	RUN_OPS_FIFO_SHARED = 1000,
	RUN_OPS_FIFO_OVERSUBSCRIBED = 120,
	RUN_OPS_TSAN_SPIN_OVERSUBSCRIBED = 160,
};

static uint64_t ops_per_thread(const struct lb_lock_ops *ops, unsigned threads, long cpus)
{
	const bool handoff = tu_spin_handoff(ops), spins = (ops->props & LB_SPINS) != 0;
	const int oversubscribed = (long)threads > cpus;
	uint64_t total = RUN_OPS;
	if (handoff && oversubscribed)
		total = RUN_OPS_FIFO_OVERSUBSCRIBED;
	else if (handoff && threads > 1)
		total = RUN_OPS_FIFO_SHARED;
	else if (TU_TSAN && spins && oversubscribed)
		total = RUN_OPS_TSAN_SPIN_OVERSUBSCRIBED;
	else if (TU_TSAN)
		total /= 4; /* instrumented accesses are ~10x slower */
	return total / threads ? total / threads : 1;
}

static void stress(const struct lb_lock_ops *ops, unsigned threads, uint64_t per_thread)
{
	struct excl_result r;
	excl_check(ops, threads, per_thread, &r);
	printf("  %-18s threads=%u ops=%llu (%llu/thread, %llu by trylock) violations=%llu "
	       "a=%llu b=%llu %.2f s\n",
	       ops->name, threads, (unsigned long long)r.expected, (unsigned long long)per_thread,
	       (unsigned long long)r.by_trylock, (unsigned long long)r.violations,
	       (unsigned long long)r.final_a, (unsigned long long)r.final_b, r.elapsed_s);
	excl_verdict(&r, threads, per_thread);
}

int main(int argc, char **argv)
{
	const char *only = tu_parse_lock_arg("locks_stress", argc, argv);
	long cpus = tu_online_cpus();
	printf("locks_stress: mutual exclusion under lock/trylock, %ld online CPUs%s\n", cpus,
	       TU_TSAN ? ", under ThreadSanitizer" : "");

	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++) {
		const struct lb_lock_ops *ops = *p;
		if (!tu_selected(ops, only))
			continue;
		if (ops->props & LB_NOT_A_LOCK) {
			printf("  %-18s LB_NOT_A_LOCK: no exclusion expected, one thread only\n",
			       ops->name);
			stress(ops, 1, ops_per_thread(ops, 1, cpus));
			continue;
		}
		for (size_t i = 0; i < sizeof thread_counts / sizeof *thread_counts; i++) {
			unsigned t = thread_counts[i];
			stress(ops, t, ops_per_thread(ops, t, cpus));
		}
	}
	return tu_summary("locks_stress");
}
