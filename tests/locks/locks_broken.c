/* locks_broken.c — negative controls for the lock tests: the test-only locks of broken_locks.c
 * are broken in the way they claim, and the checkers catch them.
 *
 * - The exclusion checker that locks_stress runs on every registered lock reports violations
 *   for `broken` (bounded attempts, with more threads and operations each time; the counts
 *   are printed). Under load an attempt of 20000 operations missed 1 to 3 times in 5, so there
 *   are 10, growing to 320000 operations: a race that never shows in all of them is a checker
 *   that cannot see it.
 * - `never-release` stays held after its unlock (what the harness's watchdog test relies on).
 * - None of them is in the registry, and the plugin module (its path is argv[1], when given)
 *   exports all three through lb_plugin_locks, and rw-read-nothing (the --read-pct torn-read
 *   control, tests/run/harness_run_cli.c).
 *
 * Under ThreadSanitizer the race that `broken` plants is reported, as it should be; here it is
 * the expected result, so this binary suppresses races in the checker's threads. That TSan
 * reports such races is locks_tsan_control's test.
 * Usage: locks_broken [PATH/broken_locks.so]
 */
#include <dlfcn.h>

#include "broken_locks.h"
#include "exclusion_check.h"
#include "test_util.h"

#if TU_TSAN
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:excl_thread\n";
}
#endif

static void check_broken_is_caught(const struct lb_lock_ops *ops)
{
	static const unsigned threads[] = { 2, 4, 8, 8, 8, 2, 4, 8, 8, 8 };
	int caught = 0;
	for (size_t i = 0; i < sizeof threads / sizeof *threads && !caught; i++) {
		struct excl_result r;
		excl_check(ops, threads[i], (20000u << (i < 4 ? i : 4)) / threads[i], &r);
		caught = excl_failed(&r);
		printf("  %s attempt %zu: threads=%u ops=%llu violations=%llu a=%llu b=%llu -> %s\n",
		       ops->name, i + 1, threads[i], (unsigned long long)r.expected,
		       (unsigned long long)r.violations, (unsigned long long)r.final_a,
		       (unsigned long long)r.final_b,
		       caught ? "caught (as it must be)" : "not caught");
		CHECK_EQ(r.err, 0);
	}
	CHECK(caught);
}

static void check_never_release(const struct lb_lock_ops *ops)
{
	void *lock = lb_lock_alloc(ops);
	void *ctx = tu_ctx_new(ops);
	if (!CHECK(lock && ctx))
		return;
	CHECK_EQ(ops->init(lock, 1), 0);
	CHECK_EQ(ops->lock(lock, ctx), 0);
	CHECK_EQ(ops->unlock(lock, ctx), 0);
	CHECK_EQ(ops->trylock(lock, ctx), -EBUSY);
	CHECK_EQ(tu_trylock_elsewhere(ops, lock), -EBUSY);
	printf("  %s: unlock returned 0 and the lock stayed held\n", ops->name);
	ops->destroy(lock);
	tu_ctx_free(ops, ctx);
	lb_free(lock);
}

static void check_plugin(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!CHECK(h)) {
		fprintf(stderr, "  dlopen: %s\n", dlerror());
		return;
	}
	const struct lb_lock_ops *const *list = dlsym(h, "lb_plugin_locks");
	if (CHECK(list)) {
		size_t n = 0;
		for (; list[n]; n++) {
			CHECK(list[n]->props & LB_TEST_ONLY);
			CHECK(list[n]->init && list[n]->lock && list[n]->unlock && list[n]->trylock &&
			      list[n]->timedlock);
		}
		CHECK_EQ(n, 4);
		if (n == 4) {
			CHECK(strcmp(list[0]->name, broken_ops.name) == 0);
			CHECK(strcmp(list[1]->name, relaxed_tas_ops.name) == 0);
			CHECK(strcmp(list[2]->name, never_release_ops.name) == 0);
			CHECK(strcmp(list[3]->name, rw_read_nothing_ops.name) == 0);
		}
		printf("  plugin %s exports %zu locks through lb_plugin_locks\n", path, n);
	}
	dlclose(h);
}

int main(int argc, char **argv)
{
	printf("locks_broken: negative controls%s\n", TU_TSAN ? ", under ThreadSanitizer" : "");
	for (const struct lb_lock_ops *const *p = lb_plugin_locks; *p; p++) {
		CHECK((*p)->props & LB_TEST_ONLY);
		CHECK(lb_lock_find((*p)->name) == NULL); /* never in the registry */
	}
	check_broken_is_caught(&broken_ops);
	check_never_release(&never_release_ops);
	if (argc > 1)
		check_plugin(argv[1]);
	return tu_summary("locks_broken");
}
