/* rw_phase_fair.c — phase-fair ticket reader-writer spinlock (PF-T).
 *
 * Algorithm: Brandenburg & Anderson, "Spin-based reader-writer synchronization for
 * multiprocessor real-time systems" (Real-Time Systems 46(1), 2010), the phase-fair ticket lock
 * PF-T. Read and write phases alternate: a reader that arrives while a writer waits or holds
 * enters in the read phase right after that writer; a writer waits for at most one read phase
 * and the writers queued ahead of it. Four counters:
 *   rin   readers that have entered (units of RINC = 0x100), and in its low two bits the current
 *         writer's presence (PRES) and phase id (PHID = the parity of its ticket);
 *   rout  readers that have left (units of RINC);
 *   win, wout  writer tickets issued and served (a ticket lock among writers).
 *   read_lock:   w = fetch_add(rin, RINC) & (PRES|PHID); if w != 0, spin while rin's low bits
 *                still equal w (that writer's phase: it is waiting or inside).
 *   read_unlock: fetch_add(rout, RINC).
 *   lock:        take a ticket t = fetch_add(win, 1); spin until wout == t; then
 *                r = fetch_add(rin, PRES | (t & PHID)) (blocks arriving readers and counts the
 *                readers inside), and spin until rout == r without its low bits.
 *   unlock:      clear rin's low bits (release the readers that arrived during our phase), then
 *                wout += 1 (the next writer).
 * The phase id makes consecutive writers' bits differ, so readers blocked by writer k see the
 * change when k leaves even if writer k+1 has already set its bits; writer k+1 counted them in
 * its r and waits for them: that is the alternation.
 * Departures: 32-bit counters as in the paper (reader counts compare equal modulo 2^24, far above
 * LB_MAX_THREADS readers in flight); trylock, timed acquisition (below) are ours.
 * State: free when win == wout and rin's reader count equals rout and rin's low bits are 0.
 * Memory order:
 *  - A reader's fetch-add on rin is acquire and, when it returns w == 0, reads from the release
 *    fetch-and that cleared the last writer's bits (or a later RMW in its release sequence): that
 *    writer's critical section happens-before the reader's. A blocked reader's spin load of rin is
 *    acquire and pairs with the same release fetch-and.
 *  - read_unlock's fetch-add on rout is release, paired with the writer's acquire spin on rout.
 *  - A writer's acquire spin on wout pairs with the release fetch-add of wout in the previous
 *    writer's unlock. The ticket fetch-add on win is relaxed: uniqueness comes from the RMW, and
 *    the acquire on wout orders what follows.
 *  - The writer's fetch-add on rin is relaxed: the count r it returns is exact because all rin
 *    changes are RMWs (a reader is either before it, counted, and waited for, or after it and
 *    sees the bits); the ordering comes from the acquire load of rout that ends the wait.
 *  - unlock: the fetch-and on rin is release (readers, above); the fetch-add on wout is release
 *    (the next writer; it also orders our rin clear before that writer's own rin RMW).
 * Timed acquisition: NOT FIFO, either mode, and read_trylock/read_timedlock do not join the
 * reader count early. A writer's ticket cannot be given back (every later ticket waits for it), and
 * a reader's rin increment cannot be undone while a writer is counting (the writer waits for rout
 * to reach its count exactly: an extra rout increment would let it overshoot and wait for ever).
 * So timedlock polls trylock (deadline.h's lb_poll_trylock_until), and read_timedlock polls
 * read_trylock, which CASes rin up only when its low bits are 0. Writer trylock fails unless no
 * writer holds or waits (wout == win), no writer's bits are set and no reader is inside (rin's
 * count == rout); then it takes ticket wout with a CAS of win, sets its bits and waits for rout as
 * lock does. That wait is only for readers that entered between its check and its bits: they
 * found no bits set, so they are inside their critical sections, not blocked, and leave without
 * waiting for anyone. It never backs out once it has the ticket: a ticket given back without a
 * write phase would make the next writer's phase id equal to the previous writer's, and a reader
 * still blocked on that previous writer (counted, not yet woken) would then wait on the same bits
 * while that next writer waits for it: a deadlock spin found in models/rw_phase_fair.pml with an
 * earlier back-out version.
 * Fairness: phase-fair: writers FIFO among themselves (tickets: LB_FIFO, which is all the
 * exclusive mode is when no one reads), readers wait for at most one writer; writers wait for at
 * most one read phase between two write phases. For lock and read_lock; the trylock-polling
 * timed modes are not.
 * Oversubscription: collapses as ticket.c: the writer ticket goes to the next writer even when
 * it is preempted, and every reader behind it waits too.
 * Context: none. Test builds keep the caller's last writer turn (ticket + 1) in a thread-local.
 * Misuse: unbalanced unlocks corrupt the counters (not checked).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

#define PF_RINC 0x100u
#define PF_WBITS 0x3u
#define PF_PRES 0x2u
#define PF_PHID 0x1u
#define PF_COUNT(v) ((v) & ~0xffu)

struct rw_pf_lock {
	/* Readers' words and writers' words on one line each: readers hit rin/rout every time,
	 * writers only win/wout and, once per write phase, rin/rout. */
	atomic_uint rin;
	atomic_uint rout;
	char pad[LB_CACHELINE - 2 * sizeof(atomic_uint)];
	atomic_uint win LB_CACHE_ALIGNED;
	atomic_uint wout;
} LB_CACHE_ALIGNED;

#ifdef LB_TEST_HOOKS
static _Thread_local uint64_t pf_last_turn;
#endif

static int pf_init(void *lock, unsigned permits)
{
	struct rw_pf_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->rin, 0);
	atomic_init(&l->rout, 0);
	atomic_init(&l->win, 0);
	atomic_init(&l->wout, 0);
	return 0;
}

static void pf_destroy(void *lock)
{
	(void)lock;
}

static int pf_lock(void *lock, void *ctx)
{
	struct rw_pf_lock *l = lock;
	(void)ctx;
	unsigned t = atomic_fetch_add_explicit(&l->win, 1, memory_order_relaxed);
#ifdef LB_TEST_HOOKS
	pf_last_turn = (uint64_t)t + 1;
#endif
	while (atomic_load_explicit(&l->wout, memory_order_acquire) != t)
		lb_cpu_relax();
	unsigned r = atomic_fetch_add_explicit(&l->rin, PF_PRES | (t & PF_PHID),
					       memory_order_relaxed);
	while (atomic_load_explicit(&l->rout, memory_order_acquire) != PF_COUNT(r))
		lb_cpu_relax();
	return 0;
}

/* Clear our phase bits, then serve the next writer ticket. */
static inline void pf_write_release(struct rw_pf_lock *l)
{
	atomic_fetch_and_explicit(&l->rin, ~PF_WBITS, memory_order_release);
	atomic_fetch_add_explicit(&l->wout, 1, memory_order_release);
}

static int pf_trylock(void *lock, void *ctx)
{
	struct rw_pf_lock *l = lock;
	(void)ctx;
	/* Relaxed reads: a stale value only makes us fail, or is caught by the CAS on win (a writer
	 * in between) or waited for below (a reader in between). */
	unsigned t = atomic_load_explicit(&l->wout, memory_order_acquire);
	if (atomic_load_explicit(&l->win, memory_order_relaxed) != t)
		return -EBUSY; /* a writer holds or waits */
	unsigned in = atomic_load_explicit(&l->rin, memory_order_relaxed);
	if ((in & PF_WBITS) || PF_COUNT(in) != atomic_load_explicit(&l->rout, memory_order_relaxed))
		return -EBUSY; /* readers inside or blocked */
	unsigned expected = t;
	if (!atomic_compare_exchange_strong_explicit(&l->win, &expected, t + 1, memory_order_relaxed,
						     memory_order_relaxed))
		return -EBUSY;
	/* Ticket t is ours and served (wout == t was read with acquire; it cannot move until we
	 * release). */
#ifdef LB_TEST_HOOKS
	pf_last_turn = (uint64_t)t + 1;
#endif
	unsigned r = atomic_fetch_add_explicit(&l->rin, PF_PRES | (t & PF_PHID),
					       memory_order_relaxed);
	/* Only readers that entered since our check, inside their critical sections: see the
	 * header. */
	while (atomic_load_explicit(&l->rout, memory_order_acquire) != PF_COUNT(r))
		lb_cpu_relax();
	return 0;
}

/* Not FIFO: see the header. */
static int pf_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(pf_trylock, lock, ctx, deadline_ns);
}

static int pf_unlock(void *lock, void *ctx)
{
	(void)ctx;
	pf_write_release(lock);
	return 0;
}

static int pf_read_lock(void *lock, void *ctx)
{
	struct rw_pf_lock *l = lock;
	(void)ctx;
	unsigned w = atomic_fetch_add_explicit(&l->rin, PF_RINC, memory_order_acquire) & PF_WBITS;
	if (w)
		while ((atomic_load_explicit(&l->rin, memory_order_acquire) & PF_WBITS) == w)
			lb_cpu_relax();
	return 0;
}

static int pf_read_trylock(void *lock, void *ctx)
{
	struct rw_pf_lock *l = lock;
	(void)ctx;
	unsigned v = atomic_load_explicit(&l->rin, memory_order_relaxed);
	/* Only while no writer's bits are set; a CAS lost to another reader is retried. */
	while (!(v & PF_WBITS))
		if (atomic_compare_exchange_weak_explicit(&l->rin, &v, v + PF_RINC,
							  memory_order_acquire, memory_order_relaxed))
			return 0;
	return -EBUSY;
}

/* Not phase-fair: see the header. */
static int pf_read_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(pf_read_trylock, lock, ctx, deadline_ns);
}

static int pf_read_unlock(void *lock, void *ctx)
{
	struct rw_pf_lock *l = lock;
	(void)ctx;
	atomic_fetch_add_explicit(&l->rout, PF_RINC, memory_order_release);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t pf_turn(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return pf_last_turn;
}
#endif

const struct lb_lock_ops lb_rw_phase_fair_ops = {
	.name = "rw-phase-fair",
	.description = "phase-fair ticket rwlock (Brandenburg & Anderson PF-T): phases alternate",
	.props = LB_SPINS | LB_FIFO | LB_RW,
	.lock_size = sizeof(struct rw_pf_lock),
	.lock_align = _Alignof(struct rw_pf_lock),
	.init = pf_init,
	.destroy = pf_destroy,
	.lock = pf_lock,
	.unlock = pf_unlock,
	.trylock = pf_trylock,
	.timedlock = pf_timedlock,
	.read_lock = pf_read_lock,
	.read_unlock = pf_read_unlock,
	.read_trylock = pf_read_trylock,
	.read_timedlock = pf_read_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = pf_turn,
#endif
};
