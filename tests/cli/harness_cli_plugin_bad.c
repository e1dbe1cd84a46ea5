/* harness_cli_plugin_bad.c — plugins that lockbench must refuse, one per -DBAD_* flag
 * (tests/meson.build builds one shared module per flag). Each is plugin_example.c's shape with
 * one thing wrong; harness_cli_plugin checks the refusal names that thing. */
#include <errno.h>

#include <lockbench/lock.h>

struct bad_lock {
	int word;
};

/* `unused`: the BAD_EMPTY and BAD_NOSYM builds reference none or only some of them. */

__attribute__((unused)) static int bad_init(void *lock, unsigned permits)
{
	(void)lock;
	return permits == 1 ? 0 : -EINVAL;
}

__attribute__((unused)) static void bad_destroy(void *lock)
{
	(void)lock;
}

__attribute__((unused)) static int bad_op(void *lock, void *ctx)
{
	(void)lock;
	(void)ctx;
	return 0;
}

#define OK_ALIGN _Alignof(struct bad_lock)
#define BAD_OPS(NAME, LOCK, ALIGN, PROPS)                                                  \
	{                                                                                  \
		.name = NAME, .description = "a plugin lockbench must refuse", .props = PROPS, \
		.lock_size = sizeof(struct bad_lock), .lock_align = ALIGN, .init = bad_init, \
		.destroy = bad_destroy, .lock = LOCK, .unlock = bad_op, .trylock = bad_op,   \
	}

#if defined(BAD_NOSYM)
/* Exports its locks under the wrong name. */
static const struct lb_lock_ops ops = BAD_OPS("bad-plugin", bad_op, OK_ALIGN, 0);
__attribute__((visibility("default"))) const struct lb_lock_ops *const lb_plugin_lock[] = { &ops,
											    NULL };
#else
#if defined(BAD_EMPTY)
#define ENTRIES NULL
#elif defined(BAD_NONAME)
static const struct lb_lock_ops ops = BAD_OPS("", bad_op, OK_ALIGN, 0);
#elif defined(BAD_BADNAME)
static const struct lb_lock_ops ops = BAD_OPS("bad name, with a comma", bad_op, OK_ALIGN, 0);
#elif defined(BAD_NOLOCK)
static const struct lb_lock_ops ops = BAD_OPS("bad-plugin", NULL, OK_ALIGN, 0);
#elif defined(BAD_ALIGN)
static const struct lb_lock_ops ops = BAD_OPS("bad-plugin", bad_op, 3, 0);
#elif defined(BAD_CTX)
static const struct lb_lock_ops ops = BAD_OPS("bad-plugin", bad_op, OK_ALIGN, LB_NEEDS_CTX);
#elif defined(BAD_PROPS)
static const struct lb_lock_ops ops = BAD_OPS("bad-plugin", bad_op, OK_ALIGN, 1u << 30);
#elif defined(BAD_TWICE)
static const struct lb_lock_ops ops = BAD_OPS("bad-plugin", bad_op, OK_ALIGN, 0);
#define ENTRIES &ops, &ops, NULL
#else
#error "build with one of -DBAD_NOSYM, -DBAD_EMPTY, -DBAD_NONAME, ..."
#endif
#ifndef ENTRIES
#define ENTRIES &ops, NULL
#endif
__attribute__((visibility("default"))) const struct lb_lock_ops *const lb_plugin_locks[] = {
	ENTRIES
};
#endif
