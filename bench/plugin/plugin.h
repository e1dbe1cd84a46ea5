/* plugin.h — the locks this process knows: the library's registry, then locks loaded from
 * shared objects with --plugin (docs/PLUGINS.md).
 *
 * The `lb_` prefix is the library's; these are the harness's view of it.
 */
#ifndef LB_PLUGIN_H
#define LB_PLUGIN_H

#include <stddef.h>

#include <lockbench/lock.h>

/* Load extra locks from a shared object that exports `lb_plugin_locks` (a NULL-terminated
 * `const struct lb_lock_ops *const []`). Found locks are returned by lockset_find(). */
int plugin_load(const char *path, char *err, size_t errlen);
/* The registry plus plugin locks, by name; NULL for an unknown (or NULL) name. */
const struct lb_lock_ops *lockset_find(const char *name);
/* Iterate registry then plugins: i from 0 until NULL. */
const struct lb_lock_ops *lockset_at(size_t i);
/* "a, b, c" of every lock name, for error messages. */
const char *lockset_names(void);

#endif
