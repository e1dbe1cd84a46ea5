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
 */
#ifndef LB_BROKEN_LOCKS_H
#define LB_BROKEN_LOCKS_H

#include <lockbench/lock.h>

extern const struct lb_lock_ops broken_ops;
extern const struct lb_lock_ops relaxed_tas_ops;
extern const struct lb_lock_ops never_release_ops;

/* The same three, NULL-terminated: what lockbench's --plugin looks up. */
extern const struct lb_lock_ops *const lb_plugin_locks[];

#endif
