/* install_consumer.c — a program as a user of the installed lock library writes it: nothing of
 * the source tree, only <lockbench/lock.h>, <lockbench/guard.h> and what `pkg-config --cflags
 * --libs lockbench-locks` gives. locks_install.sh builds it against a `meson install --destdir`
 * copy, linked statically and against the shared library.
 *
 * For every registered lock: init, lock/unlock, trylock/unlock, and an LB_GUARD block, after which
 * another context's trylock must find the lock free. Prints one line per lock and the number of
 * Concurrency Kit references seen (the script compares it with the build's configuration).
 * Exit 0 when every check held and at least one lock was tried, else 1.
 */
#include <stdio.h>

#include <lockbench/guard.h>
#include <lockbench/lock.h>

static unsigned checks, failed;

static int check(int ok, const char *lock, const char *what)
{
	checks++;
	if (!ok) {
		failed++;
		fprintf(stderr, "install_consumer: %s: %s\n", lock, what);
	}
	return ok;
}

/* A context as a thread holds one: allocated and, when the lock has one, initialised. */
static void *ctx_new(const struct lb_lock_ops *ops)
{
	void *ctx = lb_ctx_alloc(ops);
	if (ctx && ops->ctx_init && ops->ctx_init(ctx) != 0) {
		lb_free(ctx);
		return NULL;
	}
	return ctx;
}

static void ctx_free(const struct lb_lock_ops *ops, void *ctx)
{
	if (ctx && ops->ctx_destroy)
		ops->ctx_destroy(ctx);
	lb_free(ctx);
}

static void try_one(const struct lb_lock_ops *ops)
{
	const char *n = ops->name;
	unsigned failed_before = failed;
	void *lock = lb_lock_alloc(ops);
	void *ctx = ctx_new(ops), *other = ctx_new(ops);
	if (!check(lock && ctx && other, n, "allocation failed") ||
	    !check(ops->init(lock, 1) == 0, n, "init(1) failed"))
		goto out;
	check(ops->lock(lock, ctx) == 0 && ops->unlock(lock, ctx) == 0, n, "lock/unlock failed");
	check(ops->trylock(lock, ctx) == 0 && ops->unlock(lock, ctx) == 0, n,
	      "trylock of a free lock failed");
	{
		LB_GUARD(g, ops, lock, ctx);
		check(g.err == 0, n, "LB_GUARD did not take the lock");
	}
	/* The guard's scope is left: the lock is free for another context. */
	int rc = ops->trylock(lock, other);
	if (check(rc == 0, n, "still held after the LB_GUARD block"))
		ops->unlock(lock, other);
	ops->destroy(lock);
out:
	printf("  %-18s %s\n", n, failed == failed_before ? "ok" : "FAILED");
	ctx_free(ops, other);
	ctx_free(ops, ctx);
	lb_free(lock);
}

int main(void)
{
	unsigned tried = 0, reference = 0;
	for (const struct lb_lock_ops *const *p = lb_locks; *p; p++) {
		try_one(*p);
		tried++;
		reference += ((*p)->props & LB_REFERENCE) != 0;
	}
	check(tried > 0 && tried == lb_lock_count(), "registry", "empty, or lb_lock_count disagrees");
	check(lb_lock_find("tas") != NULL, "registry", "lb_lock_find(\"tas\") found nothing");
	printf("install_consumer: %u locks, %u Concurrency Kit references, %u checks, %u failed\n",
	       tried, reference, checks, failed);
	return failed || !checks ? 1 : 0;
}
