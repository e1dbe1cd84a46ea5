/* cmd_list.c — `lockbench list`: the registered locks (and any --plugin's), their properties and
 * descriptions.
 *
 * `list --format markdown` is how the README's table of locks is made: from the registry (and
 * any --plugin), never typed by hand, so it cannot drift from the code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "report/doc.h"
#include "results/output.h"

static const struct {
	unsigned bit;
	const char *flag;
} prop_flags[] = {
	{ LB_SPINS, "spin" },          { LB_SLEEPS, "sleep" },
	{ LB_FIFO, "fifo" },           { LB_NEEDS_CTX, "ctx" },
	{ LB_REENTRANT, "reentrant" }, { LB_COUNTING, "counting" },
	{ LB_NOT_A_LOCK, "not-a-lock" }, { LB_OWNER_CHECKED, "owner-checked" },
	{ LB_BOUNDED, "bounded" },     { LB_TSAN_OPAQUE, "tsan-opaque" },
	{ LB_TEST_ONLY, "test-only" }, { LB_REFERENCE, "reference" },
	{ LB_BYPASS_BOUNDED, "bypass-bounded" },
	{ LB_RW, "rw" },               { LB_NUMA_AWARE, "numa" },
};

/* Space-separated, so that no output format needs to quote it. */
static void props_str(const struct lb_lock_ops *o, int plugin, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof prop_flags / sizeof prop_flags[0]; i++) {
		if (!(o->props & prop_flags[i].bit) || used >= len)
			continue;
		int w = snprintf(buf + used, len - used, "%s%s", used ? " " : "", prop_flags[i].flag);
		used += w > 0 ? (size_t)w : 0;
	}
	if (plugin && used < len)
		snprintf(buf + used, len - used, "%splugin", used ? " " : "");
}

enum list_format { LIST_TABLE, LIST_CSV, LIST_MARKDOWN };

static void list_usage(FILE *f)
{
	fprintf(f, "usage: lockbench list [--format table|csv|markdown]\n"
		   "\n"
		   "The registered locks (and those of any --plugin), in registry order: name,\n"
		   "properties, the bytes of one lock and of one per-thread context, family (table\n"
		   "and csv: the group plots and tables use, from the properties), description.\n"
		   "\n"
		   "  --format F   table (default), csv, or markdown (the README's table of locks is\n"
		   "               generated with it)\n"
		   "  --help       this text\n"
		   "\n"
		   "Properties: spin (waits spinning), sleep (waits in the kernel), fifo (grants in\n"
		   "arrival order), ctx (needs a per-thread context), reentrant, counting (accepts\n"
		   "--permits > 1), not-a-lock (no exclusion: `null`), owner-checked (refuses a\n"
		   "non-owner unlock), bounded (refuses a release past its count), tsan-opaque,\n"
		   "test-only, reference (Concurrency Kit), bypass-bounded (not FIFO, but a waiter is\n"
		   "overtaken a bounded number of times), rw (reader-writer: shared mode for\n"
		   "--read-pct), numa (hands over within a cluster first), plugin (loaded with\n"
		   "--plugin).\n");
}

/* One row per lock, registry then plugins, in `fmt`. */
static void list_print(enum list_format fmt)
{
	size_t nreg = lb_lock_count();
	int wname = 4, wprops = 10, wfamily = 6;
	char props[160];
	const struct lb_lock_ops *o;
	for (size_t i = 0; (o = lockset_at(i)); i++) {
		props_str(o, i >= nreg, props, sizeof props);
		if ((int)strlen(o->name) > wname)
			wname = (int)strlen(o->name);
		if ((int)strlen(props) > wprops)
			wprops = (int)strlen(props);
		if ((int)strlen(lb_lock_family(o)) > wfamily)
			wfamily = (int)strlen(lb_lock_family(o));
	}

	if (fmt == LIST_TABLE)
		printf("%-*s  %-*s  %10s  %9s  %-*s  %s\n", wname, "lock", wprops, "properties",
		       "lock_bytes", "ctx_bytes", wfamily, "family", "description");
	else if (fmt == LIST_CSV)
		printf("lock,properties,lock_bytes,ctx_bytes,family,description\n");
	/* The table is the whole output (the README's between its markers): no doc_table_end. */
	struct doc md;
	doc_init(&md, stdout, false, DOC_MD_CELLS);
	if (fmt == LIST_MARKDOWN)
		doc_table_start(&md, NULL, (const char *[]){ "lock", "properties", "lock bytes",
							   "ctx bytes", "description" },
				5, 1u << 2 | 1u << 3);
	for (size_t i = 0; (o = lockset_at(i)); i++) {
		props_str(o, i >= nreg, props, sizeof props);
		switch (fmt) {
		case LIST_TABLE:
			printf("%-*s  %-*s  %10zu  %9zu  %-*s  %s\n", wname, o->name, wprops, props,
			       o->lock_size, o->ctx_size, wfamily, lb_lock_family(o), o->description);
			break;
		case LIST_CSV:
			output_csv_field(stdout, o->name);
			/* The family has no comma (lock.h's list), so it needs no quoting. */
			printf(",%s,%zu,%zu,%s,", props, o->lock_size, o->ctx_size, lb_lock_family(o));
			output_csv_field(stdout, o->description);
			putchar('\n');
			break;
		case LIST_MARKDOWN: {
			char name[256], lsz[24], csz[24];
			snprintf(name, sizeof name, DOC_CODE "%s" DOC_CODE, o->name);
			snprintf(lsz, sizeof lsz, "%zu", o->lock_size);
			snprintf(csz, sizeof csz, "%zu", o->ctx_size);
			doc_row(&md, (const char *[]){ name, props, lsz, csz, o->description }, 5, false);
			break;
		}
		}
	}
}

int cmd_list(int argc, char **argv)
{
	enum { OPT_FORMAT = 256, OPT_HELP };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	enum list_format fmt = LIST_TABLE;
	int opt;
	cli_getopt_reset();
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_FORMAT:
			if (strcmp(optarg, "table") == 0)
				fmt = LIST_TABLE;
			else if (strcmp(optarg, "csv") == 0)
				fmt = LIST_CSV;
			else if (strcmp(optarg, "markdown") == 0)
				fmt = LIST_MARKDOWN;
			else
				return usage_error("--format: '%s' is not one of table, csv, markdown",
						   optarg);
			break;
		case 'h':
		case OPT_HELP:
			list_usage(stdout);
			return cli_finish_stdout();
		default:
			return cli_getopt_error("list", opt, opts, argv);
		}
	}
	if (optind < argc)
		return cli_extra_argument("list", argv[optind]);
	list_print(fmt);
	return cli_finish_stdout();
}
