/* plugin.c — locks from shared objects, next to the registry's.
 *
 * A plugin exports one symbol, `lb_plugin_locks`: a NULL-terminated array of pointers to
 * `const struct lb_lock_ops`, built against the same lock.h (docs/PLUGINS.md, and
 * tests/cli/plugin_example.c for a complete one). Every entry is checked before any is accepted, so
 * a plugin is taken whole or not at all, and a broken one is refused with a sentence saying what
 * is wrong instead of crashing the first run that calls a NULL pointer.
 *
 * The shared object stays loaded until exit: its ops structs and functions are used for as long
 * as the process lives. The list of plugin locks is only ever appended to, by main() before any
 * command runs, so readers need no locking.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/plugin.h"

/* Sanity bounds for a plugin's sizes: far above any real lock, far below a typo's damage. */
#define PLUGIN_MAX_SIZE (1u << 20)
#define PLUGIN_MAX_ALIGN 4096u
#define PLUGIN_MAX_NAME 48
/* Every property bit lock.h defines; anything else is a plugin built against another lock.h. */
#define PLUGIN_KNOWN_PROPS ((LB_BYPASS_BOUNDED << 1) - 1)

static const struct lb_lock_ops **plugin_locks;
static size_t plugin_count, plugin_cap;

const struct lb_lock_ops *lockset_at(size_t i)
{
	size_t n = lb_lock_count();
	if (i < n)
		return lb_locks[i];
	i -= n;
	return i < plugin_count ? plugin_locks[i] : NULL;
}

const struct lb_lock_ops *lockset_find(const char *name)
{
	if (!name)
		return NULL;
	/* The registry's own lookup first; plugins cannot shadow it (plugin_load refuses). */
	const struct lb_lock_ops *o = lb_lock_find(name);
	for (size_t i = 0; !o && i < plugin_count; i++)
		if (strcmp(plugin_locks[i]->name, name) == 0)
			o = plugin_locks[i];
	return o;
}

const char *lockset_names(void)
{
	/* Rebuilt when a plugin has added locks since the last call. */
	static char *names;
	static size_t names_for = (size_t)-1;
	size_t total = lb_lock_count() + plugin_count;
	if (names && names_for == total)
		return names;

	size_t len = 1;
	const struct lb_lock_ops *o;
	for (size_t i = 0; (o = lockset_at(i)); i++)
		len += strlen(o->name) + 2;
	char *buf = malloc(len);
	if (!buf)
		return names ? names : "";
	buf[0] = '\0';
	for (size_t i = 0; (o = lockset_at(i)); i++) {
		if (i)
			strcat(buf, ", ");
		strcat(buf, o->name);
	}
	free(names);
	names = buf;
	names_for = total;
	return names;
}

static bool power_of_two(size_t x)
{
	return x && !(x & (x - 1));
}

/* Characters that survive CSV, JSON, file names and shells unquoted. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > PLUGIN_MAX_NAME)
		return false;
	for (const char *c = s; *c; c++) {
		bool alnum = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= '0' && *c <= '9');
		if (!alnum && !(c != s && (*c == '-' || *c == '_' || *c == '.' || *c == '+')))
			return false;
	}
	return true;
}

#define REFUSE(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

/* The checks on one entry, in the order a plugin author would fix them. `prev` are the entries
 * of the same plugin before it, for clashes inside the plugin. */
static int check_entry(const struct lb_lock_ops *o, size_t idx, const struct lb_lock_ops *const *prev,
		       char *err, size_t errlen)
{
	if (!o->name || !name_ok(o->name))
		return REFUSE("entry %zu: the name must be 1..%d characters of letters, digits and "
			      "-_.+ starting with a letter or digit",
			      idx, PLUGIN_MAX_NAME);
	const char *n = o->name;
	if (lockset_find(n))
		return REFUSE("'%s' is already registered (choose another name)", n);
	for (size_t j = 0; j < idx; j++)
		if (strcmp(prev[j]->name, n) == 0)
			return REFUSE("'%s' appears twice in lb_plugin_locks", n);
	if (!o->description || strchr(o->description, '\n'))
		return REFUSE("'%s': description must be one line of text, not NULL", n);
	const struct {
		const char *name;
		bool set;
	} fns[] = { { "init", o->init }, { "destroy", o->destroy }, { "lock", o->lock },
		    { "unlock", o->unlock }, { "trylock", o->trylock } };
	char missing[64] = "";
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
		if (!fns[i].set)
			snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
				 missing[0] ? ", " : "", fns[i].name);
	if (missing[0])
		return REFUSE("'%s': init, destroy, lock, unlock and trylock must all be set "
			      "(missing: %s)",
			      n, missing);
	if (o->props & ~(unsigned)PLUGIN_KNOWN_PROPS)
		return REFUSE("'%s': unknown property bits 0x%x (built against another lock.h?)", n,
			      o->props & ~(unsigned)PLUGIN_KNOWN_PROPS);
	if (o->lock_size == 0 || o->lock_size > PLUGIN_MAX_SIZE)
		return REFUSE("'%s': lock_size %zu is not in 1..%u", n, o->lock_size,
			      PLUGIN_MAX_SIZE);
	if (!power_of_two(o->lock_align) || o->lock_align > PLUGIN_MAX_ALIGN)
		return REFUSE("'%s': lock_align %zu is not a power of two up to %u", n,
			      o->lock_align, PLUGIN_MAX_ALIGN);
	if (o->ctx_size > PLUGIN_MAX_SIZE)
		return REFUSE("'%s': ctx_size %zu is more than %u", n, o->ctx_size, PLUGIN_MAX_SIZE);
	if (o->ctx_size && (!power_of_two(o->ctx_align) || o->ctx_align > PLUGIN_MAX_ALIGN))
		return REFUSE("'%s': ctx_align %zu is not a power of two up to %u", n, o->ctx_align,
			      PLUGIN_MAX_ALIGN);
	if ((o->props & LB_NEEDS_CTX) && o->ctx_size == 0)
		return REFUSE("'%s': LB_NEEDS_CTX is set but ctx_size is 0", n);
	if (!o->ctx_size && (o->ctx_init || o->ctx_destroy))
		return REFUSE("'%s': ctx_init/ctx_destroy are set but ctx_size is 0", n);
	return 0;
}

int plugin_load(const char *path, char *err, size_t errlen)
{
	char local[4096];
	if (!path || !*path)
		return REFUSE("empty path");
	/* A name without '/' would be looked up in the library search path, not here: the user
	 * gave a path to a file, so treat it as one. */
	if (!strchr(path, '/')) {
		snprintf(local, sizeof local, "./%s", path);
		path = local;
	}

	dlerror();
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		snprintf(err, errlen, "cannot load: %s", why ? why : "dlopen failed");
		return -ENOENT;
	}
	const struct lb_lock_ops *const *list = dlsym(h, "lb_plugin_locks");
	if (!list) {
		snprintf(err, errlen,
			 "does not export lb_plugin_locks (a NULL-terminated "
			 "`const struct lb_lock_ops *const lb_plugin_locks[]`)");
		dlclose(h);
		return -ENOENT;
	}

	size_t n = 0;
	int rc = 0;
	while (list[n] && rc == 0)
		rc = check_entry(list[n], n, list, err, errlen), n++;
	if (rc == 0 && n == 0)
		rc = REFUSE("lb_plugin_locks is empty: no locks to add");
	if (rc == 0 && plugin_count + n > plugin_cap) {
		size_t cap = (plugin_cap ? plugin_cap * 2 : 8) + n;
		const struct lb_lock_ops **grown = realloc(plugin_locks, cap * sizeof *grown);
		if (!grown)
			rc = -ENOMEM, snprintf(err, errlen, "out of memory");
		else
			plugin_locks = grown, plugin_cap = cap;
	}
	if (rc) {
		dlclose(h);
		return rc;
	}
	for (size_t i = 0; i < n; i++)
		plugin_locks[plugin_count++] = list[i];
	return 0; /* h stays open: the locks live in it */
}
