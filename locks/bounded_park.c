/* bounded_park.c — bounded-bypass parking lock: barging while it is cheap, a ticket queue of
 * parked waiters, and a per-waiter bound on how often a later arrival can overtake a waiter.
 *
 * Algorithm: ours, assembled from known parts. An arriving thread may take a free lock at once
 * (barging, as futex.c and glibc's mutex do): under oversubscription that keeps the lock moving
 * between threads that are running, instead of handing it to one that the scheduler has parked
 * (the collapse of every FIFO handoff lock, see mcs.c). A thread that cannot take it takes a
 * ticket (Reed & Kanodia's sequencers; Mellor-Crummey & Scott, TOCS 1991) and waits for its turn
 * in ticket order, spinning a bounded while and then sleeping (two-phase waiting: Karlin, Li,
 * Manasse & Owicki, SOSP 1991), non-head waiters on a slot of a small waiting array indexed by
 * ticket (the waiting array of Dice & Kogan's TWA, Euro-Par 2019, used here for sleeping). The
 * waiter whose ticket is being served, the head, competes for the free lock with barging
 * arrivals, and the anti-starvation rule of Dice & Kogan's Fissile locks (2020: a TAS fast path
 * over a queue whose head eventually shuts the fast path) bounds the barging, here by a count
 * rather than by time: every barge counts, and barging is shut once BOUNDED_PARK_BYPASS barges
 * have happened since the head's doorway. The head then takes the lock at the next release.
 * State: one 64-bit word, changed only by CAS, and two kinds of futex word:
 *   bit 0 LOCKED; bit 1 PARKED (the head sleeps on `head_seq`, and the next release must wake it)
 *   g       (15 bits) barges so far, modulo 2^15
 *   limit   (15 bits) the g at which barging shuts while anyone waits: the head's doorway g + B
 *   next    (14 bits) the next ticket; serving (14 bits) the ticket of the head
 *   The queue is empty when next == serving. head_seq: a counter the head sleeps on. slot[i]: the
 *   counter a non-head waiter with ticket t sleeps on, i = t mod BOUNDED_PARK_SLOTS; its bit 0
 *   says someone sleeps there.
 * Transitions (each one CAS of the word):
 *   barge    (lock, trylock): !LOCKED and (queue empty or g != limit): LOCKED, g + 1.
 *   doorway  (lock, when it may not barge): next + 1, the old next is the ticket, the old g the
 *            waiter's doorway count g_d; an arrival to an empty queue also sets limit = g + B.
 *   install  (a waiter that has become head): limit = its g_d + B. Until then limit is the
 *            previous head's, which is no later (see the bound below), so barging stays shut
 *            no later than this head's own bound would shut it.
 *   take     (the head): !LOCKED: LOCKED, serving + 1, and it wakes the slot of ticket serving + 1
 *            (the new head) if someone sleeps there.
 *   park     (the head, after its spin): LOCKED still set: PARKED; then FUTEX_WAIT on head_seq.
 *   release  (unlock): clear LOCKED and PARKED; if PARKED was set, head_seq + 1 and FUTEX_WAKE.
 * The bypass bound: a waiter w is overtaken only by barges after its doorway. A barge happens only
 * while g + 1 <= limit, and limit is always (head's or an older waiter's doorway g) + B, and an
 * older waiter's doorway g is <= w's (doorways are ordered by the same word). So at most B barges
 * follow w's doorway before w acquires; later waiters never overtake it (ticket order). Counts are
 * compared modulo 2^15 with B < 2^14: g never runs more than B ahead of limit - B while someone
 * waits, and is not compared while nobody does.
 * Memory order:
 *  - Every CAS that sets LOCKED (barge, trylock, take) is acquire, paired with the release CAS
 *    of unlock that cleared it: the previous holder's critical section happens-before ours.
 *  - The doorway and install CASes are relaxed: they order nothing but the word's own fields,
 *    which every CAS reads atomically.
 *  - park: the head loads head_seq (relaxed) and then sets PARKED with a release CAS; unlock's CAS
 *    that clears PARKED is acq_rel, its acquire half reading from that release, so the head's
 *    load of head_seq happens-before unlock's increment and cannot see it: if the increment
 *    comes before the head's FUTEX_WAIT, the wait sees a changed value and returns; if after,
 *    the FUTEX_WAKE finds the head asleep. No lost wake-up.
 *  - The slots: a waiter marks a slot with fetch_or(1) (acquire) and then reads serving; the head
 *    that advanced serving then does fetch_add(2) on the slot (release), and wakes if bit 0 was
 *    set. Both are read-modify-writes of the slot, so one comes first: if the mark, the head
 *    sees bit 0 and wakes; if the head's, the mark reads from it (acquire), the serving update
 *    happens-before the waiter's read of serving, and the waiter does not sleep. A FUTEX_WAIT
 *    compares the whole slot, so a sleep that raced with the fetch_add returns at once.
 *    The head clears bit 0 in that same fetch_add (adding 2 - 1 when it is set): a sleeper of a
 *    later ticket that set it meanwhile sees a changed slot value and marks it again.
 * Timed acquisition: NOT bounded-bypass. A waiter holding a ticket cannot give it back (the
 * tickets behind it would never be served), so timedlock never takes one: it polls trylock
 * (deadline.h's lb_poll_trylock_until), which barges under the same rule as lock and so never
 * breaks the bound of the waiters, but is itself unprotected: it can be passed over until it
 * times out. Orders: trylock's.
 * Fairness: bounded bypass, BOUNDED_PARK_BYPASS (B = 1024): a thread that has passed the doorway
 * (taken its ticket) is overtaken by at most B later arrivals, and by none of the waiters behind
 * it; bypass_bound in the ops says so. A thread that barges is never overtaken. The bound is on
 * the total (all overtaking threads together), so it holds per overtaking thread too, the
 * reading of tests/locks/locks_bypass.c; that test and locks_overtake.c (more acquisitions:
 * runs reach a few hundred overtakes) check it through the turn hook, and models/bounded_park.pml checks
 * the total with B = 1. Across a long window the per-thread shares follow the threads' CPU
 * shares, as with barging locks, without futex.c's starvation.
 * Why 1024: the bound is paid for when it is reached (the lock idles until the head is woken
 * and scheduled), once per B + 1 acquisitions at most. At 4 threads on 2 CPUs, cs 50 ns, ncs
 * 100 ns, on a quiet machine B = 64 measured ~0.5x pthread-mutex's throughput and B = 256 and
 * 1024 ~1x; on the same machine loaded (load average ~30), where a woken thread waits
 * milliseconds for a CPU, B = 256 fell to 0.05-0.1x and B = 1024 held 0.65-0.9x (4096: no
 * better). A larger B amortises the scheduler's delay over more acquisitions.
 * Oversubscription: degrades gracefully. The lock mostly moves between running threads by
 * barging; a waiter spins BOUNDED_PARK_SPIN pauses (futex_spin.c's bound and reason) and then
 * sleeps, so waiters do not burn the CPU the holder needs. The price of the bound: once it is
 * reached the lock waits for the head to be woken and scheduled (a FUTEX_WAKE and a context
 * switch, microseconds), at most once per B + 1 acquisitions per waiter. While the head sleeps,
 * each release pays a FUTEX_WAKE, as glibc's mutex does while it has sleepers.
 * Context: one line that only the test hook uses (the turn of the thread's latest
 * acquisition); the lock itself keeps nothing per thread. Tickets have 14 bits: at most 16383
 * threads may wait on one lock at once.
 * Misuse: unlock of a lock that is not held returns -EPERM (LOCKED clear); an unlock by a thread
 * that is not the holder is not detected.
 * Test hooks (LB_TEST_HOOKS only): the turn is the doorway order: every barge and every doorway
 * adds 1 to g + next, so (g + next) before the CAS, plus 1, counts doorways modulo 2^14. Inside
 * the critical section the holder extends it to 64 bits against lock.last_turn (the turn of the
 * previous holder, written only by holders): the two differ by less than threads + B.
 */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#include "deadline.h"
#include "futex_word.h"
#include <lockbench/lock.h>

enum {
	BOUNDED_PARK_BYPASS = 1024, /* B: barges after a waiter's doorway, at most */
	BOUNDED_PARK_SPIN = 100,  /* pauses a waiter spins before it sleeps */
	BOUNDED_PARK_SLOTS = 16,  /* the waiting array of the non-head waiters */
};

#define BP_LOCKED UINT64_C(1)
#define BP_PARKED UINT64_C(2)
#define BP_G_SHIFT 2
#define BP_LIMIT_SHIFT 17
#define BP_NEXT_SHIFT 32
#define BP_SERVING_SHIFT 46
#define BP_COUNT_MASK UINT64_C(0x7fff)  /* 15 bits */
#define BP_TICKET_MASK UINT64_C(0x3fff) /* 14 bits */

_Static_assert(BOUNDED_PARK_BYPASS < (1 << 14), "counts are compared modulo 2^15");

struct bounded_park_lock {
	_Atomic uint64_t word;
	atomic_uint head_seq;
#ifdef LB_TEST_HOOKS
	uint64_t last_turn; /* written only by the holder */
#endif
	atomic_uint slot[BOUNDED_PARK_SLOTS];
} LB_CACHE_ALIGNED;

struct bounded_park_ctx {
	uint64_t turn; /* LB_TEST_HOOKS: the turn of this thread's latest acquisition */
} LB_CACHE_ALIGNED;

static inline unsigned bp_g(uint64_t w)
{
	return (unsigned)((w >> BP_G_SHIFT) & BP_COUNT_MASK);
}
static inline unsigned bp_limit(uint64_t w)
{
	return (unsigned)((w >> BP_LIMIT_SHIFT) & BP_COUNT_MASK);
}
static inline unsigned bp_next(uint64_t w)
{
	return (unsigned)((w >> BP_NEXT_SHIFT) & BP_TICKET_MASK);
}
static inline unsigned bp_serving(uint64_t w)
{
	return (unsigned)((w >> BP_SERVING_SHIFT) & BP_TICKET_MASK);
}
static inline uint64_t bp_with(uint64_t w, unsigned shift, uint64_t mask, unsigned v)
{
	return (w & ~(mask << shift)) | (((uint64_t)v & mask) << shift);
}
static inline int bp_queue_empty(uint64_t w)
{
	return bp_next(w) == bp_serving(w);
}
/* May an arrival take the lock in state w? */
static inline int bp_may_barge(uint64_t w)
{
	return !(w & BP_LOCKED) && (bp_queue_empty(w) || bp_g(w) != bp_limit(w));
}
/* The doorway count of the event that leaves w: g + next, modulo 2^14. */
static inline unsigned bp_doorway(uint64_t w)
{
	return (bp_g(w) + bp_next(w)) & (unsigned)BP_TICKET_MASK;
}

static int bounded_park_init(void *lock, unsigned permits)
{
	struct bounded_park_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->word, 0);
	atomic_init(&l->head_seq, 0);
	for (int i = 0; i < BOUNDED_PARK_SLOTS; i++)
		atomic_init(&l->slot[i], 0);
#ifdef LB_TEST_HOOKS
	l->last_turn = 0;
#endif
	return 0;
}

static void bounded_park_destroy(void *lock)
{
	(void)lock;
}

static int bounded_park_ctx_init(void *ctx)
{
	struct bounded_park_ctx *c = ctx;
	c->turn = 0;
	return 0;
}

/* Inside the critical section: extend the 14-bit doorway count to the full turn. */
static void bp_turn_held(struct bounded_park_lock *l, void *ctx, unsigned doorway)
{
#ifdef LB_TEST_HOOKS
	struct bounded_park_ctx *c = ctx;
	unsigned t14 = (doorway + 1) & (unsigned)BP_TICKET_MASK;
	int delta = (int)((t14 - (unsigned)l->last_turn) & (unsigned)BP_TICKET_MASK);
	if (delta >= (int)(BP_TICKET_MASK / 2 + 1))
		delta -= (int)BP_TICKET_MASK + 1;
	c->turn = l->last_turn + (uint64_t)(int64_t)delta;
	if (l->last_turn == 0)
		c->turn = t14; /* the first acquisition of the lock */
	l->last_turn = c->turn;
#else
	(void)l;
	(void)ctx;
	(void)doorway;
#endif
}

static int bounded_park_trylock(void *lock, void *ctx)
{
	struct bounded_park_lock *l = lock;
	/* Relaxed: the CAS below reads the word again and does the acquiring. */
	uint64_t w = atomic_load_explicit(&l->word, memory_order_relaxed);
	while (bp_may_barge(w)) {
		uint64_t nw = bp_with(w | BP_LOCKED, BP_G_SHIFT, BP_COUNT_MASK, bp_g(w) + 1);
		/* Acquire pairs with the release CAS in unlock. */
		if (atomic_compare_exchange_weak_explicit(&l->word, &w, nw, memory_order_acquire,
							  memory_order_relaxed)) {
			bp_turn_held(l, ctx, bp_doorway(w));
			return 0;
		}
	}
	return -EBUSY;
}

/* The non-head wait: until serving reaches ticket t. */
static void bp_wait_turn(struct bounded_park_lock *l, unsigned t)
{
	atomic_uint *slot = &l->slot[t % BOUNDED_PARK_SLOTS];
	for (int i = 0;; i++) {
		/* Relaxed while spinning: serving is only a hint until the take CAS; the head
		 * role itself carries no data. */
		uint64_t w = atomic_load_explicit(&l->word, memory_order_relaxed);
		if (bp_serving(w) == t)
			return;
		if (i < BOUNDED_PARK_SPIN) {
			lb_cpu_relax();
			continue;
		}
		/* Acquire pairs with the head's release fetch_add: see the header. */
		unsigned s = atomic_fetch_or_explicit(slot, 1, memory_order_acquire) | 1;
		w = atomic_load_explicit(&l->word, memory_order_relaxed);
		if (bp_serving(w) == t)
			return;
		(void)futex_word_wait(slot, s);
	}
}

/* The head raises limit to its own doorway g + B (never lowers it: see the header). */
static void bp_install(struct bounded_park_lock *l, unsigned g_d)
{
	unsigned want = (g_d + BOUNDED_PARK_BYPASS) & (unsigned)BP_COUNT_MASK;
	uint64_t w = atomic_load_explicit(&l->word, memory_order_relaxed);
	/* Raise only if limit is behind want (modulo 2^15): relaxed, see the header. */
	while (((want - bp_limit(w)) & BP_COUNT_MASK) - 1 < (BP_COUNT_MASK >> 1)) {
		uint64_t nw = bp_with(w, BP_LIMIT_SHIFT, BP_COUNT_MASK, want);
		if (atomic_compare_exchange_weak_explicit(&l->word, &w, nw, memory_order_relaxed,
							  memory_order_relaxed))
			return;
	}
}

/* The head takes the lock; returns once it holds it. */
static void bp_head(struct bounded_park_lock *l, unsigned t)
{
	for (int i = 0;;) {
		uint64_t w = atomic_load_explicit(&l->word, memory_order_relaxed);
		if (!(w & BP_LOCKED)) {
			uint64_t nw = bp_with(w | BP_LOCKED, BP_SERVING_SHIFT, BP_TICKET_MASK, t + 1);
			/* Acquire pairs with the release CAS in unlock. */
			if (atomic_compare_exchange_weak_explicit(&l->word, &w, nw,
								  memory_order_acquire,
								  memory_order_relaxed)) {
				if (bp_next(w) != ((t + 1) & BP_TICKET_MASK)) {
					/* Someone holds ticket t + 1: wake its slot if it
					 * sleeps. Release pairs with the waiter's acquire
					 * fetch_or; 2 - 1 clears bit 0 when it was set. */
					atomic_uint *s = &l->slot[(t + 1) % BOUNDED_PARK_SLOTS];
					unsigned old = atomic_load_explicit(s, memory_order_relaxed);
					unsigned add;
					do
						add = (old & 1) ? 1 : 2;
					while (!atomic_compare_exchange_weak_explicit(
						s, &old, old + add, memory_order_release,
						memory_order_relaxed));
					if (old & 1)
						futex_word_wake(s, INT_MAX);
				}
				return;
			}
			continue;
		}
		if (i++ < BOUNDED_PARK_SPIN) {
			lb_cpu_relax();
			continue;
		}
		/* Relaxed: ordered before unlock's increment by the release CAS below. The CAS
		 * runs even when PARKED is already set (a wait that returned early): it confirms
		 * that no release has cleared it since w was read, that is, since before this
		 * load of head_seq. */
		unsigned seq = atomic_load_explicit(&l->head_seq, memory_order_relaxed);
		if (!atomic_compare_exchange_strong_explicit(&l->word, &w, w | BP_PARKED,
							     memory_order_release,
							     memory_order_relaxed))
			continue;
		(void)futex_word_wait(&l->head_seq, seq);
		i = BOUNDED_PARK_SPIN / 2; /* woken: a shorter spin before sleeping again */
	}
}

static int bounded_park_lock(void *lock, void *ctx)
{
	struct bounded_park_lock *l = lock;
	uint64_t w = atomic_load_explicit(&l->word, memory_order_relaxed);
	for (;;) {
		if (bp_may_barge(w)) {
			uint64_t nw = bp_with(w | BP_LOCKED, BP_G_SHIFT, BP_COUNT_MASK, bp_g(w) + 1);
			/* Acquire pairs with the release CAS in unlock. */
			if (atomic_compare_exchange_weak_explicit(&l->word, &w, nw,
								  memory_order_acquire,
								  memory_order_relaxed)) {
				bp_turn_held(l, ctx, bp_doorway(w));
				return 0;
			}
			continue;
		}
		uint64_t nw = bp_with(w, BP_NEXT_SHIFT, BP_TICKET_MASK, bp_next(w) + 1);
		if (bp_queue_empty(w))
			nw = bp_with(nw, BP_LIMIT_SHIFT, BP_COUNT_MASK,
				     bp_g(w) + BOUNDED_PARK_BYPASS);
		/* Relaxed: the doorway orders nothing but the word (see the header). */
		if (atomic_compare_exchange_weak_explicit(&l->word, &w, nw, memory_order_relaxed,
							  memory_order_relaxed))
			break;
	}
	unsigned t = bp_next(w), g_d = bp_g(w), doorway = bp_doorway(w);
	if (!bp_queue_empty(w)) {
		bp_wait_turn(l, t);
		bp_install(l, g_d);
	}
	bp_head(l, t);
	bp_turn_held(l, ctx, doorway);
	return 0;
}

/* Not bounded-bypass for the caller: see the header. */
static int bounded_park_timedlock(void *lock, void *ctx, uint64_t deadline_ns)
{
	return lb_poll_trylock_until(bounded_park_trylock, lock, ctx, deadline_ns);
}

static int bounded_park_unlock(void *lock, void *ctx)
{
	struct bounded_park_lock *l = lock;
	(void)ctx;
	uint64_t w = atomic_load_explicit(&l->word, memory_order_relaxed);
	do {
		if (!(w & BP_LOCKED))
			return -EPERM;
		/* Release: our critical section happens-before the next acquire CAS. Acquire:
		 * reads the head's release CAS that set PARKED (see the header). */
	} while (!atomic_compare_exchange_weak_explicit(&l->word, &w,
							 w & ~(BP_LOCKED | BP_PARKED),
							 memory_order_acq_rel, memory_order_relaxed));
	if (w & BP_PARKED) {
		/* Relaxed: the futex compares the value; the CAS above did the ordering. */
		atomic_fetch_add_explicit(&l->head_seq, 1, memory_order_relaxed);
		futex_word_wake(&l->head_seq, 1);
	}
	return 0;
}

#ifdef LB_TEST_HOOKS
static uint64_t bounded_park_turn(void *lock, void *ctx)
{
	struct bounded_park_ctx *c = ctx;
	(void)lock;
	return c->turn;
}
#endif

const struct lb_lock_ops lb_bounded_park_ops = {
	.name = "bounded-park",
	.description = "barging lock over a parked ticket queue; a waiter is overtaken at most 1024 times",
	.props = LB_SLEEPS | LB_BYPASS_BOUNDED | LB_NEEDS_CTX,
	.lock_size = sizeof(struct bounded_park_lock),
	.lock_align = _Alignof(struct bounded_park_lock),
	.ctx_size = sizeof(struct bounded_park_ctx),
	.ctx_align = _Alignof(struct bounded_park_ctx),
	.init = bounded_park_init,
	.destroy = bounded_park_destroy,
	.ctx_init = bounded_park_ctx_init,
	.lock = bounded_park_lock,
	.unlock = bounded_park_unlock,
	.trylock = bounded_park_trylock,
	.timedlock = bounded_park_timedlock,
	.bypass_bound = BOUNDED_PARK_BYPASS,
#ifdef LB_TEST_HOOKS
	.turn = bounded_park_turn,
#endif
};
