/* main.c — lockbench's subcommand table, and nothing else: the help and the list of commands
 * in errors are printed from it. */
#include <stdio.h>
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "version.h"

struct command {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "list", "the registered locks, their properties and descriptions", cmd_list },
	{ "topo", "the machine as hwloc sees it, and the thread -> CPU plan of a run", cmd_topo },
	{ "run", "one measurement: a lock, a thread count, a workload", cmd_run },
	{ "sweep", "the main job: every lock over thread counts -> results/, plots, report", cmd_sweep },
	{ "report", "rebuild plots and report.html/report.md from a result set", cmd_report },
	{ "compare", "two result sets side by side, as ratios with their spread", cmd_compare },
	{ "merge", "result sets into one: a plan's shards, or several hosts", cmd_merge },
	{ "pair", "lock A against lock B side by side (ABBA), as ratios with their spread", cmd_pair },
	{ "exec", "an unmodified program under a lock (LD_PRELOAD): run, profile, which lock", cmd_exec },
	{ "c2c", "core-to-core cache-line round trip for every pair of allowed CPUs", cmd_c2c },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: lockbench [--plugin PATH.so]... COMMAND [OPTIONS]\n"
		   "       lockbench COMMAND --help\n"
		   "       lockbench --version\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-8s %s\n", c->name, c->summary);
	fprintf(f, "\n--plugin PATH.so loads extra locks from a shared object exporting\n"
		   "`const struct lb_lock_ops *const lb_plugin_locks[]` (NULL-terminated); it may\n"
		   "appear anywhere on the command line and more than once.\n");
}

/* --plugin is accepted anywhere, so `lockbench run --plugin x.so --lock mine` works: take every
 * occurrence out of argv before the command's own getopt sees it. */
static int load_plugins(int *argc, char **argv)
{
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		const char *path = NULL;
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--plugin") == 0) {
			if (i + 1 >= *argc)
				return usage_error("--plugin: expected a path to a shared object");
			path = argv[++i];
		} else if (strncmp(argv[i], "--plugin=", 9) == 0) {
			path = argv[i] + 9;
		}
		if (path) {
			char err[512];
			if (plugin_load(path, err, sizeof err) != 0)
				return usage_error("--plugin: '%s': %s", path, err);
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return LB_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return LB_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("lockbench %s (%s)\n", LB_VERSION, LB_GIT_REVISION);
		return LB_EXIT_OK;
	}
	char names[256] = "";
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(argv[1], c->name) == 0)
			return c->fn(argc - 1, argv + 1);
		size_t used = strlen(names);
		snprintf(names + used, sizeof names - used, "%s%s", c == commands ? "" : ", ",
			 c->name);
	}
	return usage_error("'%s' is not a command; try: %s", argv[1], names);
}

int main(int argc, char **argv)
{
	int rc = load_plugins(&argc, argv);
	if (rc)
		return rc;
	rc = dispatch(argc, argv);
	/* Help, the version and closing lines are printed without a check of their own: a command
	 * that says it succeeded must not have lost them to a full or closed stdout. */
	errno = 0;
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == LB_EXIT_OK)
		rc = runtime_error("writing to stdout: %s", strerror(errno ? errno : EIO));
	return rc;
}
