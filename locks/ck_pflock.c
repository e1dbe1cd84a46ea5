/* ck_pflock.c — Concurrency Kit's phase-fair reader-writer spinlock (ck_pflock), as a reference.
 *
 * Algorithm: Brandenburg & Anderson, "Spin-based reader-writer synchronization for
 * multiprocessor real-time systems" (Real-Time Systems 46(1), 2010), PF-T, as ck writes it: the
 * same four 32-bit counters as our rw-phase-fair (rw_phase_fair.c explains the protocol):
 *   rin   readers entered (units of RINC = 0x100) | the writer's PRES (0x2) and PHID (0x1) bits;
 *   rout  readers left; win, wout  writer tickets issued and served.
 * read_lock adds RINC to rin and, if a writer's bits were set, spins until they change;
 * write_lock takes a ticket, waits for its turn, adds PRES|PHID(ticket) to rin and waits until
 * rout equals the reader count it got back; write_unlock clears rin's low bits, then wout += 1.
 * The two files measure ck's ck_pr primitives and fences against our C11 atomics.
 * State: ck's struct ck_pflock { rin, rout, win, wout }; free when win == wout, rin's low bits are
 * clear and rin == rout.
 * Memory order: ck's: ck_pr_fence_lock() after a reader or writer is in (acquire), and
 * ck_pr_fence_unlock() before read_unlock's rout increment and before write_unlock's clear of
 * rin (release); the RMWs (ck_pr_faa/and/cas, locked instructions on x86) give the counters one
 * order. Our trylocks use the same primitives and fences and one more: ck_pr_fence_load()
 * between the load of rout and the load of rin (the pre-check below needs that order). Inline
 * assembly, invisible to ThreadSanitizer: LB_TSAN_OPAQUE.
 *
 * trylock, read_trylock: ck has none for pflock. Ours, on ck's fields with ck's primitives:
 *  - read_trylock CASes rin up by RINC only while its writer bits are clear: it never joins the
 *    count while a writer is present, so it has nothing to give back.
 *  - trylock (writer):
 *      1. t = wout; fail unless win == t (no writer holds or waits);
 *      2. load rout, then (fence_load) rin: fail if rin has writer bits or rin != rout. This is
 *         exact: rout only grows and never exceeds rin's count, so rout_then <= rout_at_rin_load
 *         <= count(rin_read) = rout_then: at the instant rin was read, every reader that had
 *         entered had also left. (Read in the other order, rin then rout, a reader that enters
 *         and leaves in between makes the counts match while an older reader is still inside.)
 *      3. CAS win from t to t+1 (wins ticket t; wout == t, so it is served at once);
 *      4. r = faa(rin, PRES | PHID(t)); if rout == r, every reader counted has left and no new
 *         one can enter (they see our bits, and read_trylock does not join): we hold it
 *         (fence_lock). Otherwise back out exactly as write_unlock: clear rin's bits, wout += 1.
 *    The back-out trap (rw_phase_fair.c's header; models/rw_phase_fair.pml found it there): a
 *    reader R that added RINC while our bits w were set spins until rin's bits differ from w. We
 *    clear them, but R may not look until later; the bits next equal w again only when writer
 *    t+2 sets them. R must have left before then, or t+2 waits for R (R is in its count) while R
 *    waits for w to go: a deadlock. Proof that it has: R's increment precedes our clear, which
 *    precedes writer t+1's step 1 or ticket wait (the wout release/acquire chain), so t+1
 *    counts R. If t+1 is a lock(), it waits for rout to reach its count, which includes R,
 *    before releasing, so t+2 follows R's exit. If t+1 is a trylock, its exact step 2 fails
 *    while R is still counted and not out, so t+1 takes no ticket until R has left. (That is why
 *    step 2 must be exact: with the naive order, t+1 could take the ticket while R is still
 *    blocked, back out itself, and let t+2 restore w under R.) By the same step 2, a trylock
 *    never inherits a blocked reader from an earlier write phase: the only readers it can leave
 *    behind by backing out are its own, and the argument above covers them.
 *    A successful trylock waits for no one; a failed one costs the readers that arrived during
 *    its few instructions a short write phase with nobody in it.
 * Timed acquisition: NOT FIFO and not phase-fair, either mode: a writer's ticket cannot be given
 * back and a reader's increment cannot be undone while a writer is counting, so timedlock polls
 * trylock and read_timedlock polls read_trylock (deadline.h's lb_poll_trylock_until).
 * Fairness: phase-fair, for lock and read_lock: writers in ticket order (FIFO) among themselves,
 * a reader waits for at most one write phase, a writer for at most one read phase between write
 * phases. LB_FIFO: ck's write_lock keeps its ticket to itself, so lock() is ck_pflock_write_lock
 * written out with the same primitives and fence, taking the ticket itself: test builds report
 * it as the doorway turn that locks_fifo checks (wout read after acquiring would have been the
 * acquisition order, which passes that check for any lock). read_lock and unlocks are ck's.
 * Oversubscription: collapses as every ticket lock: the write phase is handed to the next ticket
 * even when its thread is preempted, and every reader arriving meanwhile waits behind it.
 * Context: none. Test builds keep the caller's last writer turn (ticket + 1) in a thread-local.
 * Misuse: unbalanced unlocks corrupt the counters (not checked).
 */
#include <ck_pflock.h>
#include <errno.h>
#include <stdint.h>

#include "deadline.h"
#include <lockbench/lock.h>

struct ck_pf_lock {
	ck_pflock_t pf;
} LB_CACHE_ALIGNED;

static int ck_pf_init(void *lock, unsigned permits)
{
	if (permits != 1)
		return -EINVAL;
	ck_pflock_init(&((struct ck_pf_lock *)lock)->pf);
	return 0;
}

static void ck_pf_destroy(void *lock)
{
	(void)lock;
}

#ifdef LB_TEST_HOOKS
static _Thread_local uint64_t ck_pf_last_turn;
#endif

/* ck_pflock_write_lock, step for step with ck's primitives and fence, written out only so that
 * the ticket it takes is ours to report as the turn (header, fairness). */
static int ck_pf_lock(void *lock, void *ctx)
{
	ck_pflock_t *pf = &((struct ck_pf_lock *)lock)->pf;
	(void)ctx;
	uint32_t t = ck_pr_faa_32(&pf->win, 1);
#ifdef LB_TEST_HOOKS
	ck_pf_last_turn = (uint64_t)t + 1;
#endif
	while (ck_pr_load_32(&pf->wout) != t)
		ck_pr_stall();
	uint32_t r = ck_pr_faa_32(&pf->rin, (t & CK_PFLOCK_PHID) | CK_PFLOCK_PRES);
	while (ck_pr_load_32(&pf->rout) != r)
		ck_pr_stall();
	ck_pr_fence_lock(); /* pairs with the fence_unlock of the readers' rout and the last writer */
	return 0;
}

static int ck_pf_trylock(void *lock, void *ctx)
{
	ck_pflock_t *pf = &((struct ck_pf_lock *)lock)->pf;
	(void)ctx;
	uint32_t t = ck_pr_load_32(&pf->wout);
	if (ck_pr_load_32(&pf->win) != t)
		return -EBUSY; /* a writer holds or waits */
	/* wout's load before rout's and rin's: what we read there follows the release that served
	 * ticket t (header, proof: "t+1 counts R"). */
	ck_pr_fence_load();
	uint32_t out = ck_pr_load_32(&pf->rout);
	/* rout before rin: the order that makes the check exact (header, step 2). */
	ck_pr_fence_load();
	uint32_t in = ck_pr_load_32(&pf->rin);
	if ((in & CK_PFLOCK_WBITS) || in != out)
		return -EBUSY; /* a writer's bits, or readers inside or blocked */
	if (!ck_pr_cas_32(&pf->win, t, t + 1))
		return -EBUSY; /* another writer took ticket t first */
	uint32_t r = ck_pr_faa_32(&pf->rin, (t & CK_PFLOCK_PHID) | CK_PFLOCK_PRES);
	if (ck_pr_load_32(&pf->rout) != r) {
		/* Readers entered between step 2 and our bits: back out as an unlock (header). */
		ck_pflock_write_unlock(pf);
		return -EBUSY;
	}
	ck_pr_fence_lock(); /* pairs with the fence_unlock of the readers' rout and the last writer */
	return 0;
}

/* Not FIFO: see the header. */
static int ck_pf_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_pf_trylock, lock, ctx, deadline_ns);
}

static int ck_pf_unlock(void *lock, void *ctx)
{
	(void)ctx;
	ck_pflock_write_unlock(&((struct ck_pf_lock *)lock)->pf);
	return 0;
}

static int ck_pf_read_lock(void *lock, void *ctx)
{
	(void)ctx;
	ck_pflock_read_lock(&((struct ck_pf_lock *)lock)->pf);
	return 0;
}

static int ck_pf_read_trylock(void *lock, void *ctx)
{
	ck_pflock_t *pf = &((struct ck_pf_lock *)lock)->pf;
	(void)ctx;
	uint32_t v = ck_pr_load_32(&pf->rin);
	/* Only while no writer's bits are set; a CAS lost to another reader is retried, to one lost
	 * to a writer the loop's test says no. ck_pr_cas_32_value returns what it found. */
	while (!(v & CK_PFLOCK_WBITS)) {
		if (ck_pr_cas_32_value(&pf->rin, v, v + CK_PFLOCK_RINC, &v)) {
			ck_pr_fence_lock(); /* pairs with write_unlock's fence_unlock */
			return 0;
		}
		lb_cpu_relax();
	}
	return -EBUSY;
}

/* Not phase-fair: see the header. */
static int ck_pf_read_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(ck_pf_read_trylock, lock, ctx, deadline_ns);
}

static int ck_pf_read_unlock(void *lock, void *ctx)
{
	(void)ctx;
	ck_pflock_read_unlock(&((struct ck_pf_lock *)lock)->pf);
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t ck_pf_turn(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return ck_pf_last_turn;
}
#endif

const struct lb_lock_ops lb_ck_pflock_ops = {
	.name = "ck-pflock",
	.description = "Concurrency Kit ck_pflock: phase-fair ticket rwlock (Brandenburg & Anderson; reference)",
	.props = LB_SPINS | LB_FIFO | LB_RW | LB_REFERENCE | LB_TSAN_OPAQUE,
	.lock_size = sizeof(struct ck_pf_lock),
	.lock_align = _Alignof(struct ck_pf_lock),
	.init = ck_pf_init,
	.destroy = ck_pf_destroy,
	.lock = ck_pf_lock,
	.unlock = ck_pf_unlock,
	.trylock = ck_pf_trylock,
	.timedlock = ck_pf_timedlock,
	.read_lock = ck_pf_read_lock,
	.read_unlock = ck_pf_read_unlock,
	.read_trylock = ck_pf_read_trylock,
	.read_timedlock = ck_pf_read_timedlock,
#ifdef LB_TEST_HOOKS
	.turn = ck_pf_turn,
#endif
};
