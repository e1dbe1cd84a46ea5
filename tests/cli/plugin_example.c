/* plugin_example.c — a lock of your own, measured by lockbench without touching its registry.
 *
 *     cc -O2 -shared -fPIC $(pkg-config --cflags lockbench-locks) plugin_example.c -o example.so
 *     lockbench --plugin ./example.so list
 *     lockbench --plugin ./example.so run --lock example-cas --threads 2
 *
 * The plugin ABI (docs/PLUGINS.md says the same at more length):
 *  - Export one symbol, `lb_plugin_locks`: a NULL-terminated array of pointers to
 *    `const struct lb_lock_ops`, the vtable of <lockbench/lock.h>. Build against the lock.h of the
 *    lockbench that loads you: there is no version number, and the struct is the contract.
 *  - Each entry needs a name (letters, digits, -_.+; at most 48; not a name lockbench already
 *    has), a one-line description, lock_size > 0 with a power-of-two lock_align, and all of
 *    init, destroy, lock, unlock and trylock. A per-thread context (ctx_size > 0, ctx_align,
 *    optional ctx_init/ctx_destroy) is for queue locks and goes with LB_NEEDS_CTX. props uses
 *    only lock.h's LB_* bits and must tell the truth: LB_COUNTING and LB_REENTRANT unlock
 *    --permits and --reentry, LB_FIFO is what a fairness reading is compared against.
 *  - The functions follow lock.h's convention: return 0 or a negative errno, never print, never
 *    exit; init refuses permits != 1 with -EINVAL unless the lock is LB_COUNTING; trylock
 *    returns -EBUSY when the lock is taken.
 *  - lockbench allocates the lock (lock_size bytes at lock_align, zeroed, never sharing a cache
 *    line with anything else) and one context per thread; the plugin allocates nothing.
 *  - lockbench checks every entry when loading and refuses the whole plugin, with exit status 2
 *    and one line saying what is wrong, if one entry is broken. The plugin stays loaded until
 *    the process exits.
 * lock.h's static inline helpers (lb_cpu_relax, LB_CACHE_ALIGNED) are compiled into the plugin;
 * it needs no symbol from lockbench.
 *
 * The lock: a compare-and-swap spinlock, as a user would write one to try lockbench. lock()
 * tries to CAS the word from 0 to 1; when that fails it waits with plain loads until the word
 * reads 0 (test-and-test-and-set), so waiters spin in their own cache instead of taking the line
 * exclusive on every attempt.
 * State: 0 free, 1 held.
 * Memory order: the successful CAS is an acquire and pairs with unlock's release store, so the
 * previous holder's critical section happens-before ours. The failed CAS and the waiting loads
 * are relaxed: they only decide when to try again, and the CAS that finally succeeds is what
 * orders.
 * Fairness: none; the releasing thread often takes it straight back.
 * Oversubscription: a preempted holder makes every waiter spin through its time slice.
 * Context: none.
 */
#include <errno.h>
#include <stdatomic.h>

#include <lockbench/lock.h>

struct example_cas_lock {
	atomic_uint word;
} LB_CACHE_ALIGNED;

static int example_cas_init(void *lock, unsigned permits)
{
	struct example_cas_lock *l = lock;
	if (permits != 1)
		return -EINVAL;
	atomic_init(&l->word, 0);
	return 0;
}

static void example_cas_destroy(void *lock)
{
	(void)lock;
}

static int example_cas_trylock(void *lock, void *ctx)
{
	struct example_cas_lock *l = lock;
	unsigned expected = 0;
	(void)ctx;
	return atomic_compare_exchange_strong_explicit(&l->word, &expected, 1,
						       memory_order_acquire, memory_order_relaxed)
		       ? 0
		       : -EBUSY;
}

static int example_cas_lock(void *lock, void *ctx)
{
	struct example_cas_lock *l = lock;
	for (;;) {
		if (example_cas_trylock(lock, ctx) == 0)
			return 0;
		/* Relaxed: only a hint of when to retry; the CAS above does the ordering. */
		while (atomic_load_explicit(&l->word, memory_order_relaxed))
			lb_cpu_relax();
	}
}

static int example_cas_unlock(void *lock, void *ctx)
{
	struct example_cas_lock *l = lock;
	(void)ctx;
	/* Release: pairs with the acquire CAS of the next holder. */
	atomic_store_explicit(&l->word, 0, memory_order_release);
	return 0;
}

static const struct lb_lock_ops example_cas_ops = {
	.name = "example-cas",
	.description = "example plugin: compare-and-swap spinlock, waiting with plain loads",
	.props = LB_SPINS,
	.lock_size = sizeof(struct example_cas_lock),
	.lock_align = _Alignof(struct example_cas_lock),
	.init = example_cas_init,
	.destroy = example_cas_destroy,
	.lock = example_cas_lock,
	.unlock = example_cas_unlock,
	.trylock = example_cas_trylock,
};

/* The one symbol lockbench looks up. Visibility is spelled out so that the plugin still works
 * when built with -fvisibility=hidden. */
__attribute__((visibility("default"))) const struct lb_lock_ops *const lb_plugin_locks[] = {
	&example_cas_ops,
	NULL,
};
