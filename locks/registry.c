/* registry.c — THE list of locks, one line each.
 *
 * Adding a lock is one new file in locks/ (exporting one `const struct lb_lock_ops`) and one
 * line below; `lockbench list`, the README's table, the tests and the sweeps all walk lb_locks.
 * The order is the order users see: the system's locks, ours by family, the Concurrency Kit
 * references (only when the build found libck), and last `null`, which is not a lock. */
#include <stdlib.h>
#include <string.h>

#include <lockbench/lock.h>

#define LB_LOCKS(X)                                                                    \
	X(lb_pthread_mutex_ops)                                                        \
	X(lb_pthread_adaptive_ops)                                                     \
	X(lb_pthread_spin_ops)                                                         \
	X(lb_pthread_recursive_ops)                                                    \
	X(lb_sem_ops)                                                                  \
	X(lb_sem_counting_ops)                                                         \
	X(lb_sem_bounded_ops)                                                          \
	X(lb_futex_ops)                                                                \
	X(lb_futex_spin_ops)                                                           \
	X(lb_futex_osq_ops)                                                            \
	X(lb_reentrant_ops)                                                            \
	X(lb_tas_ops)                                                                  \
	X(lb_ttas_ops)                                                                 \
	X(lb_ticket_ops)                                                               \
	X(lb_ticket_faa_ops)                                                           \
	X(lb_partitioned_ticket_ops)                                                   \
	X(lb_twa_ops)                                                                  \
	X(lb_anderson_ops)                                                             \
	X(lb_mcs_ops)                                                                  \
	X(lb_hemlock_ops)                                                              \
	X(lb_reciprocating_ops)                                                        \
	X(lb_clh_ops)                                                                  \
	X(lb_clh_try_ops)                                                              \
	X(lb_qspinlock_ops)                                                            \
	X(lb_mcs_park_ops)                                                             \
	X(lb_malthusian_ops)                                                           \
	X(lb_mcs_tp_ops)                                                               \
	X(lb_bounded_park_ops)                                                         \
	X(lb_cna_ops)                                                                  \
	X(lb_cbo_mcs_ops)                                                              \
	X(lb_hmcs_ops)                                                                 \
	X(lb_pthread_rwlock_ops)                                                       \
	X(lb_pthread_rwlock_wp_ops)                                                    \
	X(lb_rw_writer_pref_ops)                                                       \
	X(lb_rw_phase_fair_ops)                                                        \
	X(lb_bravo_ops)

#ifdef LB_HAVE_CK
#define LB_CK_LOCKS(X)                                                                 \
	X(lb_ck_fas_ops)                                                               \
	X(lb_ck_ticket_ops)                                                            \
	X(lb_ck_ticket_pb_ops)                                                         \
	X(lb_ck_anderson_ops)                                                          \
	X(lb_ck_mcs_ops)                                                               \
	X(lb_ck_clh_ops)                                                               \
	X(lb_ck_hclh_ops)                                                              \
	X(lb_ck_cohort_ops)                                                            \
	X(lb_ck_rwlock_ops)                                                            \
	X(lb_ck_pflock_ops)                                                            \
	X(lb_ck_brlock_ops)
#else
#define LB_CK_LOCKS(X)
#endif

#define LB_LAST_LOCKS(X) X(lb_null_ops)

#define LB_DECLARE(sym) extern const struct lb_lock_ops sym;
#define LB_ENTRY(sym) &sym,
LB_LOCKS(LB_DECLARE)
LB_CK_LOCKS(LB_DECLARE)
LB_LAST_LOCKS(LB_DECLARE)

const struct lb_lock_ops *const lb_locks[] = {
	LB_LOCKS(LB_ENTRY) LB_CK_LOCKS(LB_ENTRY) LB_LAST_LOCKS(LB_ENTRY) NULL,
};

const struct lb_lock_ops *lb_lock_find(const char *name)
{
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++)
		if (strcmp((*p)->name, name) == 0)
			return *p;
	return NULL;
}

size_t lb_lock_count(void)
{
	size_t n = 0;
	while (lb_locks[n])
		n++;
	return n;
}

const char *lb_lock_family(const struct lb_lock_ops *ops)
{
	unsigned p = ops->props;
	if (p & LB_NOT_A_LOCK)
		return "not a lock";
	if (p & LB_RW)
		return "reader-writer";
	if (p & LB_REFERENCE)
		return "reference";
	if (p & LB_NUMA_AWARE)
		return "numa";
	if (p & (LB_FIFO | LB_BYPASS_BOUNDED))
		return "fifo queue";
	if (p & LB_SLEEPS)
		return "sleeping";
	return "spinning";
}

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

static void *alloc_aligned(size_t size, size_t align)
{
	if (align < LB_CACHELINE)
		align = LB_CACHELINE;
	/* Whole cache lines, so that no other allocation shares the lock's line. */
	size = round_up(size ? size : 1, align);
	void *p = aligned_alloc(align, size);
	if (!p)
		return NULL;
	memset(p, 0, size);
	return p;
}

void *lb_lock_alloc(const struct lb_lock_ops *ops)
{
	return alloc_aligned(ops->lock_size, ops->lock_align);
}

void *lb_ctx_alloc(const struct lb_lock_ops *ops)
{
	/* Always a real allocation (one line when the lock needs no context), so callers need not
	 * special-case NULL and a NULL return always means failure. */
	return alloc_aligned(ops->ctx_size, ops->ctx_align);
}

void lb_free(void *p)
{
	free(p);
}
