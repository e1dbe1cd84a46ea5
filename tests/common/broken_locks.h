/* broken_locks.h — deliberately broken, test-only locks (props LB_TEST_ONLY) for negative
 * controls. They are never in the registry: tests link them directly, and lockbench loads them
 * with `--plugin broken_locks.so` (the module exports them as lb_plugin_locks).
 *
 *   broken         check-then-set: a relaxed load, a pause, a relaxed store. Two threads both
 *                  see "free" and both enter; the exclusion checker must notice.
 *   relaxed-tas    tas with relaxed orders on both sides: it excludes (the exchange is still
 *                  atomic) but orders nothing, so ThreadSanitizer must report the data it guards.
 *   never-release  unlock returns 0 and does nothing: the second lock() spins for ever, for the
 *                  harness's watchdog test.
 * Those three poll trylock for timedlock. Three more are correct tas locks but for timedlock,
 * for locks_timed's negative controls; they are linked directly, not in lb_plugin_locks:
 *   timed-fake     timedlock returns 0 without acquiring a held lock.
 *   timed-early    timedlock on a held lock returns -ETIMEDOUT at once, before its deadline.
 *   timed-never    timedlock ignores its deadline and waits as lock does.
 */
#ifndef LB_BROKEN_LOCKS_H
#define LB_BROKEN_LOCKS_H

#include <lockbench/lock.h>

extern const struct lb_lock_ops broken_ops;
extern const struct lb_lock_ops relaxed_tas_ops;
extern const struct lb_lock_ops never_release_ops;
extern const struct lb_lock_ops timed_fake_ops;
extern const struct lb_lock_ops timed_early_ops;
extern const struct lb_lock_ops timed_never_ops;
extern const struct lb_lock_ops rw_read_nothing_ops;

/* The first three and rw-read-nothing (a reader-writer lock whose readers take nothing, for the
 * --read-pct torn-read check), NULL-terminated: what lockbench's --plugin looks up. */
extern const struct lb_lock_ops *const lb_plugin_locks[];

/* rw-read-nothing's read side: lock, unlock and trylock that take nothing and return 0, and a
 * timedlock that does the same; locks_rw plants them into a real rwlock's ops. */
int broken_take_nothing(void *lock, void *ctx);
int broken_take_nothing_timed(void *lock, void *ctx, uint64_t deadline_ns);

#endif
