/* harness_cli_plugin.c — `--plugin`: a user's lock loaded from a shared object.
 *
 * In process: plugin_load refuses every broken plugin (tests/cli/harness_cli_plugin_bad.c, one
 * module per defect) with a message naming the defect and adds nothing; it accepts
 * tests/cli/plugin_example.c, whose lock then behaves as a lock: trylock excludes another thread,
 * and it passes the same mutual-exclusion check as the registry's locks (exclusion_check.c,
 * shown able to fail by locks_broken). End to end: `lockbench --plugin X list` shows it, and a
 * bad path or a module without the symbol exits 2 with one line on stderr.
 *
 * usage: harness_cli_plugin LOCKBENCH EXAMPLE.so [plugin_bad_KIND.so ...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_spawn.h"
#include "test_util.h"

#include "cli/cli.h"
#include "exclusion_check.h"

#define EXAMPLE "example-cas"

/* What plugin_load must say about each bad module, by the KIND in its file name. */
static const struct {
	const char *kind, *says;
} defects[] = {
	{ "nosym", "does not export lb_plugin_locks" },
	{ "empty", "lb_plugin_locks is empty" },
	{ "noname", "entry 0: the name must be 1..48 characters" },
	{ "badname", "entry 0: the name must be 1..48 characters" },
	{ "nolock", "'bad-plugin': init, destroy, lock, unlock and trylock must all be set (missing: lock)" },
	{ "align", "'bad-plugin': lock_align 3 is not a power of two" },
	{ "ctx", "'bad-plugin': LB_NEEDS_CTX is set but ctx_size is 0" },
	{ "props", "'bad-plugin': unknown property bits 0x40000000" },
	{ "twice", "'bad-plugin' appears twice in lb_plugin_locks" },
};

static size_t all_locks(void)
{
	size_t n = 0;
	while (lockset_at(n))
		n++;
	return n;
}

static const char *kind_of(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	static char kind[64];
	if (sscanf(base, "plugin_bad_%63[a-z]", kind) != 1)
		return NULL;
	return kind;
}

static void test_bad_plugins(int n, char **paths)
{
	unsigned tested = 0;
	for (int i = 0; i < n; i++) {
		const char *kind = kind_of(paths[i]), *says = NULL;
		for (size_t d = 0; kind && d < sizeof defects / sizeof defects[0]; d++)
			if (strcmp(kind, defects[d].kind) == 0)
				says = defects[d].says;
		if (!CHECK(says != NULL)) {
			printf("  %s: no expectation for this module\n", paths[i]);
			continue;
		}
		size_t before = all_locks();
		char err[512] = "";
		int rc = plugin_load(paths[i], err, sizeof err);
		printf("  bad plugin %-8s -> %d: %s\n", kind, rc, err);
		CHECK(rc < 0);
		if (!CHECK(strstr(err, says) != NULL))
			printf("    expected: %s\n", says);
		CHECK_EQ(all_locks(), before); /* refused whole: nothing added */
		CHECK(lockset_find("bad-plugin") == NULL);
		tested++;
	}
	CHECK_EQ(tested, sizeof defects / sizeof defects[0]);

	char err[512] = "";
	int rc = plugin_load("/nonexistent/plugin.so", err, sizeof err);
	printf("  missing file      -> %d: %s\n", rc, err);
	CHECK(rc < 0);
	CHECK(strncmp(err, "cannot load: ", 13) == 0);
}

static void test_example(const char *path)
{
	CHECK(lockset_find(EXAMPLE) == NULL);
	size_t before = all_locks();

	/* A bare file name is a file here, not a library to look up in the search path. */
	char *copy = strdup(path), *dir = dirname(copy);
	char cwd[4096];
	if (!copy || !getcwd(cwd, sizeof cwd) || chdir(dir) != 0)
		tu_die("harness_cli_plugin", "chdir", errno);
	char *copy2 = strdup(path);
	char err[512] = "";
	int rc = plugin_load(basename(copy2), err, sizeof err);
	printf("  load %s (a bare name, from its directory) -> %d%s%s\n", basename(copy2), rc,
	       err[0] ? ": " : "", err);
	if (chdir(cwd) != 0)
		tu_die("harness_cli_plugin", "chdir back", errno);
	free(copy);
	free(copy2);
	CHECK_EQ(rc, 0);

	const struct lb_lock_ops *ops = lockset_find(EXAMPLE);
	if (!CHECK(ops != NULL))
		return;
	CHECK_EQ(all_locks(), before + 1);
	CHECK(lockset_at(before) == ops); /* plugins come after the registry */
	CHECK(lb_lock_find(EXAMPLE) == NULL); /* the library's registry is untouched */
	const char *names = lockset_names();
	size_t nl = strlen(names), el = strlen(EXAMPLE);
	CHECK(nl > el && strcmp(names + nl - el, EXAMPLE) == 0);
	printf("  lockset_names: %s\n", names);

	/* It behaves as a lock. */
	void *lock = lb_lock_alloc(ops);
	if (!CHECK(lock != NULL))
		return;
	CHECK_EQ(ops->init(lock, 2), -EINVAL); /* not counting */
	CHECK_EQ(ops->init(lock, 1), 0);
	CHECK_EQ(ops->trylock(lock, NULL), 0);
	CHECK_EQ(tu_trylock_elsewhere(ops, lock), -EBUSY);
	CHECK_EQ(ops->unlock(lock, NULL), 0);
	CHECK_EQ(tu_trylock_elsewhere(ops, lock), 0);
	ops->destroy(lock);
	lb_free(lock);

	struct excl_result r;
	excl_check(ops, 4, 20000, &r);
	printf("  exclusion check, 4 threads x 20000: expected %llu, a %llu, b %llu, violations "
	       "%llu -> %s\n",
	       (unsigned long long)r.expected, (unsigned long long)r.final_a,
	       (unsigned long long)r.final_b, (unsigned long long)r.violations,
	       excl_failed(&r) ? "FAILED" : "ok");
	CHECK(!excl_failed(&r));

	/* Loaded twice: the names clash with the first load's. */
	err[0] = '\0';
	rc = plugin_load(path, err, sizeof err);
	printf("  load it again -> %d: %s\n", rc, err);
	CHECK(rc < 0);
	CHECK(strstr(err, "'" EXAMPLE "' is already registered") != NULL);
	CHECK_EQ(all_locks(), before + 1);
}

static void test_command_line(char *lockbench, char *example, const char *nosym)
{
	struct spawned *r = malloc(sizeof *r);
	if (!r)
		tu_die("harness_cli_plugin", "malloc", ENOMEM);
	struct {
		char *argv[8];
		int status;
		const char *out_has, *err_has;
	} cases[] = {
		{ { lockbench, "--plugin", example, "list", NULL }, 0, EXAMPLE, NULL },
		{ { lockbench, "list", "--plugin=", NULL }, 2, NULL, "lockbench: --plugin: '': empty path" },
		{ { lockbench, "list", "--format", "csv", "--plugin", example, NULL }, 0, EXAMPLE ",spin plugin,", NULL },
		{ { lockbench, "--plugin", "/nonexistent/x.so", "list", NULL }, 2, NULL,
		  "lockbench: --plugin: '/nonexistent/x.so': cannot load: " },
		{ { lockbench, "--plugin", (char *)nosym, "list", NULL }, 2, NULL,
		  "does not export lb_plugin_locks" },
		{ { lockbench, "--plugin", example, "--plugin", example, "list", NULL }, 2, NULL,
		  "'" EXAMPLE "' is already registered" },
		{ { lockbench, "list", "--plugin", NULL }, 2, NULL,
		  "lockbench: --plugin: expected a path to a shared object" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (!cases[i].argv[2]) /* the nosym module was not passed: main's CHECK fails */
			continue;
		int rc = spawn_capture(cases[i].argv, -1, NULL, r);
		printf("  $");
		for (char **a = cases[i].argv; *a; a++)
			printf(" %s", a == cases[i].argv ? "lockbench" : *a);
		printf("\n    -> exit %d%s%s", r->status, r->err[0] ? ", stderr: " : "\n", r->err);
		CHECK_EQ(rc, 0);
		CHECK_EQ(r->status, cases[i].status);
		if (cases[i].out_has)
			CHECK(strstr(r->out, cases[i].out_has) != NULL);
		if (cases[i].err_has) {
			CHECK(spawn_one_error_line(r->err));
			CHECK(strstr(r->err, cases[i].err_has) != NULL);
			CHECK(r->out[0] == '\0');
		} else {
			CHECK(r->err[0] == '\0');
		}
	}
	free(r);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: harness_cli_plugin LOCKBENCH EXAMPLE.so [plugin_bad_KIND.so ...]\n");
		return 2;
	}
	const char *nosym = NULL;
	for (int i = 3; i < argc; i++)
		if (kind_of(argv[i]) && strcmp(kind_of(argv[i]), "nosym") == 0)
			nosym = argv[i];
	CHECK(nosym != NULL);
	printf("plugins lockbench must refuse:\n");
	test_bad_plugins(argc - 3, argv + 3);
	printf("the example plugin:\n");
	test_example(argv[2]);
	printf("lockbench --plugin:\n");
	test_command_line(argv[1], argv[2], nosym);

	/* Negative control: the refusal checks, pointed at a load that fails for another reason
	 * (the example again: a clash, not a missing symbol), must report the mismatch. */
	printf("negative control (the example loaded again, checked as if it lacked the symbol):\n");
	tu_negative_begin();
	char err[512] = "";
	int rc = plugin_load(argv[2], err, sizeof err);
	CHECK(strstr(err, defects[0].says) != NULL);
	CHECK(rc == 0);
	unsigned failed = tu_negative_end();
	printf("  %u planted failures caught\n", failed);
	CHECK_EQ(failed, 2);
	return tu_summary("harness_cli_plugin");
}
