/* sidetable.c — where the replacement of a program's mutex lives, and each thread's contexts.
 *
 * Why a side table and not only a pointer inside the pthread_mutex_t: glibc's static
 * initialisers leave no lock we could claim without racing the first two users, a mutex that a program copies
 * (by value, before first use) must not share its lock with the original, and glibc's __kind must
 * stay as the program (or a static initialiser) wrote it. So the table is keyed by the mutex's
 * address: open addressing, linear probing, MAP_NORESERVE memory preallocated at initialisation
 * (no malloc in the lock path), and each slot owns one lock object of the arena next to it, so
 * nothing is ever allocated or freed after start-up.
 *
 * The table stays the authority, but a lookup by hash costs a multiply, a probe loop and the
 * entry's line; a mutex we replace also carries its entry's address in its own
 * __data.__list.__prev (lbp_mutex_entry_fast, preload_internal.h), installed lazily by
 * lbp_mutex_entry. Why that word may be ours:
 *  - glibc's initialisers leave it 0 (PTHREAD_MUTEX_INITIALIZER and the _NP ones) and
 *    pthread_mutex_init clears the whole object, so a fresh mutex always starts from 0; glibc's
 *    __list is the robust-list link, used only for robust (and PI robust) mutexes, which we
 *    pass through and never write. __kind, __lock, __owner, __count are never written by us.
 *  - It is installed only for an entry that is LIVE with a lock of ours: then lock, unlock,
 *    destroy and cond waits of that pthread_mutex_t are ours, glibc never reads it again; a
 *    glibc-underneath or passed-through mutex is never written.
 *  - It is only a hint: used when it points exactly at an entry of the table (range and
 *    alignment), whose key is this mutex's address and whose state is LIVE (acquire: pairs with
 *    the publishing release). A by-value copy of a used mutex carries its original's pointer:
 *    key mismatch, so the copy gets its own entry (and the pointer is replaced by CAS from the
 *    value read). A destroyed mutex (DEAD) or one being re-initialised (SETUP) fails the state
 *    check and goes the slow way, which re-creates it as before. Garbage (memory reused as a
 *    mutex without an initialiser, which POSIX leaves undefined anyway) fails the range or key
 *    check.
 *  - fork: the child has the same addresses, table and words; the child's repair of SETUP
 *    entries (below) turns them DEAD, which the state check sees.
 * Spinlocks (an int) have no room: they always use the hash lookup.
 *
 * Slots are never freed. A key, once claimed, stays; pthread_mutex_destroy only marks the entry
 * DEAD, and the next use of that address (a new mutex in reused memory) initialises a fresh lock
 * in the same slot. Hence a lookup never races a removal, probe sequences never change, and a
 * mutex that found the table full is passed to glibc every time (the window stays full).
 *
 * Memory order:
 *  - Claiming: CAS key 0 -> addr. The winner alone writes the entry's fields and then stores
 *    state = LIVE or PASS with release; a reader that finds key == addr loads state with acquire
 *    (pairs with that release) before it reads the fields, so it sees them initialised. A slot's
 *    state is LBE_SETUP (0) from the zeroed mapping until then, so a reader that wins no race
 *    waits (sched_yield) for the winner, which runs a bounded amount of code.
 *  - The key CAS and the key loads are relaxed: the key carries no data but itself, and a stale
 *    0 only sends a reader to the CAS, which then fails and reports the current key.
 *  - DEAD -> SETUP is a CAS with acquire (pairs with the release store of DEAD in destroy, so the
 *    re-initialising thread sees the destroyed lock's last state), the re-initialisation ends
 *    with the same release store of LIVE. POSIX makes using a mutex during destroy or init
 *    undefined, so no thread can be inside the lock while this happens.
 *  - owner and last_owner are relaxed: owner is written by the holder after it has the lock and
 *    cleared before it releases it; a thread compares it with its own tid only, and it can never
 *    read its own tid once it cleared it (coherence: it reads its own last write or a later one).
 *    last_owner is read and written by holders inside the critical section: the replacement's
 *    acquire/release orders it (atomic only so that the `null` lock is no data race).
 *
 * Contexts: a queue lock (mcs, clh) needs one per-thread context per lock held. They come from a
 * thread-local pool found by the lock's address, so a thread may hold several such mutexes at
 * once (hand-over-hand), and threads created before the library loaded need nothing set up: the
 * pool is initial-exec TLS (static: the library is loaded at start-up by LD_PRELOAD), zero for
 * every new thread. Contexts are ctx_init'ed on first use and never ctx_destroy'ed: a thread's
 * exit runs nothing of ours, so clh's one node per used context leaks at thread exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "preload/preload_internal.h"
#include "preload/profile_format.h"

#define TABLE_BITS 16
#define TABLE_CAP (1u << TABLE_BITS)
_Static_assert(TABLE_CAP == LBP_TABLE_CAP, "preload_internal.h's bound of the fast lookup");
#define TABLE_PROBES 128 /* beyond this the table counts as full for that address */

#define ENTRY_COND (1u << 31) /* internal flag: a condition variable's entry, no lock */

#define CTX_SLOTS 32
#define CTX_BYTES 128

static struct lbp_entry *table;
struct lbp_entry *lbp_table_base; /* = table, for lbp_mutex_entry_fast's range check */
int lbp_ctx_needed;
static unsigned char *arena;
static size_t arena_stride;
static const struct lb_lock_ops *table_ops;
/* Entries being set up right now (incremented before a claim, decremented after the publishing
 * store), so that a fork child scans the table only when one may be half-done; most forks
 * happen with none. The increment is acquire so that the claim after it cannot be seen (by the
 * fork's copy of memory) before it; the decrement is release so that the publishing store before
 * it cannot be seen after it. The count is never used to read an entry's fields. A fork between
 * the publishing store and the decrement makes the child scan and find nothing: harmless. */
static _Atomic unsigned setups_running;

/* The kind of a mutex as glibc encodes it, for entries created without pthread_mutex_init. */
static void kind_from_glibc(int gk, uint32_t *kind, uint32_t *flags)
{
	static const uint32_t type[4] = {LBP_KIND_NORMAL, LBP_KIND_RECURSIVE, LBP_KIND_ERRORCHECK,
					  LBP_KIND_ADAPTIVE};
	*kind = type[gk & LBP_GLIBC_KIND_MASK];
	*flags = 0;
	if (gk & LBP_GLIBC_ROBUST)
		*flags |= LBP_ROBUST | LBP_PASSTHROUGH;
	else if (gk & LBP_GLIBC_PSHARED)
		*flags |= LBP_PSHARED | LBP_PASSTHROUGH;
	if (gk & (LBP_GLIBC_PRIO_INHERIT | LBP_GLIBC_PRIO_PROTECT))
		*flags |= LBP_PRIO | LBP_PASSTHROUGH;
}

int lbp_table_init(const struct lb_lock_ops *ops)
{
	table = mmap(NULL, (size_t)TABLE_CAP * sizeof *table, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (table == MAP_FAILED)
		return -errno;
	lbp_table_base = table;
	table_ops = ops;
	if (!ops)
		return 0;
	lbp_ctx_needed = ops->ctx_size > 0;
	if (ops->ctx_size > CTX_BYTES || ops->ctx_align > LB_CACHELINE)
		return -E2BIG;
	size_t align = ops->lock_align > LB_CACHELINE ? ops->lock_align : LB_CACHELINE;
	if (align > 4096)
		return -E2BIG;
	arena_stride = (ops->lock_size + align - 1) / align * align;
	if (arena_stride == 0)
		arena_stride = align;
	arena = mmap(NULL, (size_t)TABLE_CAP * arena_stride, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED)
		return -errno;
	return 0;
}

uint32_t lbp_entry_index(const struct lbp_entry *e)
{
	return (uint32_t)(e - table);
}

static unsigned hash_addr(uintptr_t a)
{
	return (unsigned)(((uint64_t)a * 0x9e3779b97f4a7c15ull) >> (64 - TABLE_BITS));
}

static void wait_setup(struct lbp_entry *e)
{
	/* Acquire: pairs with the release store that publishes the entry. Bounded by the setter's
	 * few stores and one lock init; yield so that a preempted setter can run. */
	while (atomic_load_explicit(&e->state, memory_order_acquire) == LBE_SETUP)
		sched_yield();
}

/* (Re)initialise a claimed entry (state SETUP, this thread alone) and publish it. */
static void entry_setup(struct lbp_entry *e, uint32_t kind, uint32_t flags, int reinit)
{
	uint32_t state = LBE_LIVE;
	if (reinit && e->lock && table_ops->destroy)
		table_ops->destroy(e->lock);
	e->lock = NULL;
	e->kind = kind;
	e->flags = flags;
	e->depth = 0;
	atomic_store_explicit(&e->owner, 0, memory_order_relaxed);
	atomic_store_explicit(&e->last_owner, 0, memory_order_relaxed);
	atomic_store_explicit(&e->prof, 0, memory_order_relaxed);
	atomic_store_explicit(&e->cond_mutex, 0, memory_order_relaxed);
	if (flags & LBP_PASSTHROUGH) {
		state = LBE_PASS;
	} else if (flags & ENTRY_COND) {
		state = LBE_LIVE; /* a cond's entry never has a lock */
	} else if (table_ops) {
		void *obj = arena + (size_t)lbp_entry_index(e) * arena_stride;
		memset(obj, 0, arena_stride);
		lbp_nested++;
		int rc = table_ops->init(obj, 1);
		lbp_nested--;
		if (rc == 0) {
			e->lock = obj;
		} else {
			/* Our lock could not start (clh's node allocation failed): glibc keeps it. */
			e->flags |= LBP_PASSTHROUGH;
			state = LBE_PASS;
		}
	}
	/* Release: pairs with the acquire in wait_setup / find. */
	atomic_store_explicit(&e->state, state, memory_order_release);
	atomic_fetch_sub_explicit(&setups_running, 1, memory_order_release);
}

/* Find addr's entry; create it (kind, flags) when new or DEAD and `create`. `init` forces a
 * re-initialisation of an existing entry (pthread_mutex_init on a used address). */
static struct lbp_entry *find(uintptr_t addr, int create, int init, uint32_t kind,
			      uint32_t flags)
{
	if (!table)
		return NULL;
	unsigned h = hash_addr(addr);
	for (unsigned i = 0; i < TABLE_PROBES; i++) {
		struct lbp_entry *e = &table[(h + i) & (TABLE_CAP - 1)];
		uintptr_t k = atomic_load_explicit(&e->key, memory_order_relaxed);
		if (k == 0) {
			if (!create)
				return NULL;
			uintptr_t expected = 0;
			atomic_fetch_add_explicit(&setups_running, 1, memory_order_acquire);
			/* Relaxed: see the opening comment; state publishes the fields. */
			if (atomic_compare_exchange_strong_explicit(&e->key, &expected, addr,
								    memory_order_relaxed,
								    memory_order_relaxed)) {
				entry_setup(e, kind, flags, 0);
				return e;
			}
			atomic_fetch_sub_explicit(&setups_running, 1, memory_order_release);
			k = expected;
		}
		if (k != addr)
			continue;
		wait_setup(e);
		for (;;) {
			uint32_t s = atomic_load_explicit(&e->state, memory_order_acquire);
			if (s == LBE_SETUP) {
				wait_setup(e);
				continue;
			}
			if (!(init || (s == LBE_DEAD && create)))
				return e;
			atomic_fetch_add_explicit(&setups_running, 1, memory_order_acquire);
			/* Acquire: pairs with the release that made it DEAD/LIVE/PASS. */
			if (atomic_compare_exchange_weak_explicit(&e->state, &s, LBE_SETUP,
								  memory_order_acquire,
								  memory_order_relaxed)) {
				entry_setup(e, kind, flags, 1);
				return e;
			}
			atomic_fetch_sub_explicit(&setups_running, 1, memory_order_release);
		}
	}
	return NULL;
}

struct lbp_entry *lbp_mutex_entry(pthread_mutex_t *m)
{
	uint32_t kind, flags;
	/* Read only when we create the entry; relaxed since glibc's field is a plain int written
	 * before the mutex was shared (initialiser or init). */
	kind_from_glibc(m->__data.__kind, &kind, &flags);
	struct lbp_entry *e = find((uintptr_t)m, 1, 0, kind, flags | LBP_STATIC);
	/* Install the entry's address in the mutex for lbp_mutex_entry_fast, only for a mutex we
	 * replace (LIVE with a lock of ours): glibc will never lock, unlock or destroy it again,
	 * and for a non-robust mutex glibc uses __list only as the robust list link anyway. A
	 * glibc-underneath or passed-through mutex is glibc's: never written. CAS from what we
	 * read, not a plain store: a mutex copied by value after use carries its original's
	 * pointer (rejected by the key check), and two first users race to store the same value.
	 * Relaxed: the word is a validated hint, see lbp_mutex_entry_fast. */
	if (e && e->lock && atomic_load_explicit(&e->state, memory_order_acquire) == LBE_LIVE) {
		_Atomic(uintptr_t) *slot = lbp_mutex_slot(m);
		uintptr_t old = atomic_load_explicit(slot, memory_order_relaxed);
		if (old != (uintptr_t)e)
			atomic_compare_exchange_strong_explicit(slot, &old, (uintptr_t)e,
								memory_order_relaxed,
								memory_order_relaxed);
	}
	return e;
}

struct lbp_entry *lbp_mutex_entry_init(pthread_mutex_t *m, uint32_t kind, uint32_t flags)
{
	return find((uintptr_t)m, 1, 1, kind, flags);
}

struct lbp_entry *lbp_spin_entry(pthread_spinlock_t *s, int init, int pshared)
{
	uint32_t flags = pshared ? LBP_PSHARED | LBP_PASSTHROUGH : 0;
	return find((uintptr_t)s, 1, init, LBP_KIND_SPINLOCK, init ? flags : flags | LBP_STATIC);
}

void lbp_entry_destroy(struct lbp_entry *e)
{
	/* Release: pairs with the acquire CAS of the next re-initialisation. */
	atomic_store_explicit(&e->state, LBE_DEAD, memory_order_release);
}

void lbp_cond_mark_pshared(pthread_cond_t *c)
{
	if (find((uintptr_t)c, 1, 1, 0, LBP_PASSTHROUGH | LBP_PSHARED))
		atomic_fetch_add_explicit(&lbp_pshared_conds, 1, memory_order_relaxed);
}

struct lbp_entry *lbp_cond_entry(pthread_cond_t *c)
{
	return find((uintptr_t)c, 1, 0, 0, ENTRY_COND);
}

struct lbp_entry *lbp_entry_at(uint32_t index)
{
	return index < TABLE_CAP ? &table[index] : NULL;
}

int lbp_cond_is_pshared(pthread_cond_t *c)
{
	/* Relaxed: set at pthread_cond_init, which happens-before any use of that cond by the
	 * program's own synchronisation; a cond no one marked reads 0 here. */
	if (atomic_load_explicit(&lbp_pshared_conds, memory_order_relaxed) == 0)
		return 0;
	struct lbp_entry *e = find((uintptr_t)c, 0, 0, 0, 0);
	return e && atomic_load_explicit(&e->state, memory_order_acquire) == LBE_PASS;
}

/* A fork()ed child has only the forking thread. An entry some other thread was setting up at
 * the fork would stay SETUP for ever: make it DEAD so the next use starts a fresh lock. Mutexes
 * other threads held at the fork stay held in the child, exactly as with glibc's mutexes (POSIX:
 * the child may use only what was consistent). */
void lbp_table_after_fork_child(void)
{
	if (!table || atomic_load_explicit(&setups_running, memory_order_relaxed) == 0)
		return;
	atomic_store_explicit(&setups_running, 0, memory_order_relaxed);
	for (unsigned i = 0; i < TABLE_CAP; i++) {
		struct lbp_entry *e = &table[i];
		if (atomic_load_explicit(&e->key, memory_order_relaxed) != 0 &&
		    atomic_load_explicit(&e->state, memory_order_relaxed) == LBE_SETUP)
			atomic_store_explicit(&e->state, LBE_DEAD, memory_order_relaxed);
	}
}

/* ---- per-thread contexts ---- */

struct ctx_pool {
	unsigned char mem[CTX_SLOTS][CTX_BYTES] __attribute__((aligned(LB_CACHELINE)));
	void *held[CTX_SLOTS]; /* the lock object each context is in use with, NULL if free */
	unsigned char ready[CTX_SLOTS];
};

static __thread struct ctx_pool pool __attribute__((tls_model("initial-exec")));

void *lbp_ctx_take(void *lock, int *full)
{
	*full = 0;
	if (!lbp_ctx_needed)
		return NULL;
	for (unsigned i = 0; i < CTX_SLOTS; i++) {
		if (pool.held[i])
			continue;
		if (!pool.ready[i]) {
			if (table_ops->ctx_init) {
				lbp_nested++;
				int rc = table_ops->ctx_init(pool.mem[i]);
				lbp_nested--;
				if (rc != 0)
					continue;
			}
			pool.ready[i] = 1;
		}
		pool.held[i] = lock;
		return pool.mem[i];
	}
	*full = 1;
	return NULL;
}

void *lbp_ctx_find(void *lock)
{
	if (!lbp_ctx_needed)
		return NULL;
	for (unsigned i = 0; i < CTX_SLOTS; i++)
		if (pool.held[i] == lock)
			return pool.mem[i];
	return NULL;
}

void lbp_ctx_release(void *ctx)
{
	if (!ctx)
		return;
	unsigned i = (unsigned)(((unsigned char *)ctx - &pool.mem[0][0]) / CTX_BYTES);
	if (i < CTX_SLOTS)
		pool.held[i] = NULL;
}
