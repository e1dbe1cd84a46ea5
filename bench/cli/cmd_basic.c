/* cmd_basic.c — `lockbench list` and `lockbench topo`: what there is to measure, and where.
 *
 * `list --format markdown` is how the README's table of locks is made: from the registry (and
 * any --plugin), never typed by hand, so it cannot drift from the code.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "report/doc.h"
#include "results/output.h"
#include "topo/topo.h"

/* Results go to stdout; a failed write (full disk, closed pipe) is a runtime failure. */
static int finish_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return runtime_error("writing the output: %s", strerror(errno ? errno : EIO));
	return LB_EXIT_OK;
}

/* getopt's '?' and ':' as one line each; `cmd` names the subcommand for the hint. */
static int getopt_error(int opt, const struct option *opts, char **argv, const char *cmd)
{
	const char *name = NULL;
	for (const struct option *o = opts; o->name; o++)
		if (o->val == optopt)
			name = o->name;
	if (opt == ':' && name)
		return usage_error("--%s: expected a value", name);
	if (optopt >= 256 && name)
		return usage_error("--%s: takes no value", name);
	return usage_error("%s: unknown or ambiguous option '%s'; see lockbench %s --help", cmd,
			   argv[optind - 1], cmd);
}

/* ---- list -------------------------------------------------------------------------------- */

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
		   "properties, the bytes of one lock and of one per-thread context, description.\n"
		   "\n"
		   "  --format F   table (default), csv, or markdown (the README's table of locks is\n"
		   "               generated with it)\n"
		   "  --help       this text\n"
		   "\n"
		   "Properties: spin (waits spinning), sleep (waits in the kernel), fifo (grants in\n"
		   "arrival order), ctx (needs a per-thread context), reentrant, counting (accepts\n"
		   "--permits > 1), not-a-lock (no exclusion: `null`), owner-checked (refuses a\n"
		   "non-owner unlock), bounded (refuses a release past its count), tsan-opaque,\n"
		   "test-only, reference (Concurrency Kit), plugin (loaded with --plugin).\n");
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
	optind = 0;
	opterr = 0;
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
			return finish_stdout();
		default:
			return getopt_error(opt, opts, argv, "list");
		}
	}
	if (optind < argc)
		return usage_error("list: unexpected argument '%s'", argv[optind]);

	size_t nreg = lb_lock_count();
	int wname = 4, wprops = 10;
	char props[160];
	const struct lb_lock_ops *o;
	for (size_t i = 0; (o = lb_lock_at(i)); i++) {
		props_str(o, i >= nreg, props, sizeof props);
		if ((int)strlen(o->name) > wname)
			wname = (int)strlen(o->name);
		if ((int)strlen(props) > wprops)
			wprops = (int)strlen(props);
	}

	if (fmt == LIST_TABLE)
		printf("%-*s  %-*s  %10s  %9s  %s\n", wname, "lock", wprops, "properties",
		       "lock_bytes", "ctx_bytes", "description");
	else if (fmt == LIST_CSV)
		printf("lock,properties,lock_bytes,ctx_bytes,description\n");
	/* The table is the whole output (the README's between its markers): no doc_table_end. */
	struct doc md;
	doc_init(&md, stdout, false, DOC_MD_CELLS);
	if (fmt == LIST_MARKDOWN)
		doc_table_start(&md, NULL, (const char *[]){ "lock", "properties", "lock bytes",
							   "ctx bytes", "description" },
				5, 1u << 2 | 1u << 3);
	for (size_t i = 0; (o = lb_lock_at(i)); i++) {
		props_str(o, i >= nreg, props, sizeof props);
		switch (fmt) {
		case LIST_TABLE:
			printf("%-*s  %-*s  %10zu  %9zu  %s\n", wname, o->name, wprops, props,
			       o->lock_size, o->ctx_size, o->description);
			break;
		case LIST_CSV:
			output_csv_field(stdout, o->name);
			printf(",%s,%zu,%zu,", props, o->lock_size, o->ctx_size);
			output_csv_field(stdout, o->description);
			putchar('\n');
			break;
		case LIST_MARKDOWN: {
			char name[256], lsz[24], csz[24];
			snprintf(name, sizeof name, "`%s`", o->name);
			snprintf(lsz, sizeof lsz, "%zu", o->lock_size);
			snprintf(csz, sizeof csz, "%zu", o->ctx_size);
			doc_row(&md, (const char *[]){ name, props, lsz, csz, o->description }, 5, false);
			break;
		}
		}
	}
	return finish_stdout();
}

/* ---- topo -------------------------------------------------------------------------------- */

static void topo_usage(FILE *f)
{
	fprintf(f,
		"usage: lockbench topo [--threads N [--placement P | --cpus LIST]]\n"
		"                      [--synthetic DESC | --xml FILE]\n"
		"\n"
		"The machine as hwloc sees it (packages, NUMA nodes, caches, cores, PUs) and the CPUs\n"
		"this process may use (taskset and cgroup cpusets are followed). With --threads, the\n"
		"exact thread -> CPU plan `lockbench run` would use.\n"
		"\n"
		"  --threads N        plan N threads, 1..%u (default: no plan)\n"
		"  --placement P      compact, scatter or none (default compact)\n"
		"  --cpus LIST        round-robin over these CPUs (e.g. 0,2,4-7); not with --placement\n"
		"  --synthetic DESC   an hwloc synthetic topology instead of this machine\n"
		"                     (e.g. 'pack:2 l3:2 core:4 pu:2'); every PU is allowed\n"
		"  --xml FILE         an hwloc XML topology (lstopo --of xml) instead of this machine\n"
		"  --help             this text\n",
		LB_MAX_THREADS);
}

int cmd_topo(int argc, char **argv)
{
	enum { OPT_THREADS = 256, OPT_PLACEMENT, OPT_CPUS, OPT_SYNTHETIC, OPT_XML, OPT_HELP };
	static const struct option opts[] = {
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "placement", required_argument, NULL, OPT_PLACEMENT },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "synthetic", required_argument, NULL, OPT_SYNTHETIC },
		{ "xml", required_argument, NULL, OPT_XML },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	unsigned threads = 0, ncpus = 0;
	enum placement placement = PLACEMENT_COMPACT;
	const char *placement_arg = NULL, *cpus_arg = NULL, *synthetic = NULL, *xml = NULL;
	static int cpus[LB_MAX_CPUS];
	int opt;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_THREADS:
			if (parse_uint(optarg, 1, LB_MAX_THREADS, &threads))
				return usage_error("--threads: '%s' is not an integer in 1..%u", optarg,
						   LB_MAX_THREADS);
			break;
		case OPT_PLACEMENT:
			if (placement_parse(optarg, &placement) || placement == PLACEMENT_LIST)
				return usage_error("--placement: '%s' is not one of compact, scatter, "
						   "none",
						   optarg);
			placement_arg = optarg;
			break;
		case OPT_CPUS: {
			char why[96];
			if (parse_cpulist_why(optarg, LB_MAX_CPUS - 1, cpus, LB_MAX_CPUS, &ncpus, why,
					      sizeof why))
				return usage_error("--cpus: '%s' is not a CPU list (%s; e.g. 0,2,4-7)",
						   optarg, why);
			cpus_arg = optarg;
			break;
		}
		case OPT_SYNTHETIC: synthetic = optarg; break;
		case OPT_XML: xml = optarg; break;
		case 'h':
		case OPT_HELP:
			topo_usage(stdout);
			return finish_stdout();
		default:
			return getopt_error(opt, opts, argv, "topo");
		}
	}
	if (optind < argc)
		return usage_error("topo: unexpected argument '%s'", argv[optind]);
	if (synthetic && xml)
		return usage_error("--synthetic: cannot be combined with --xml (one topology)");
	if (cpus_arg && placement_arg)
		return usage_error("--cpus: cannot be combined with --placement %s (--cpus places "
				   "threads round-robin over its list)",
				   placement_arg);
	if ((cpus_arg || placement_arg) && !threads)
		return usage_error("%s: needs --threads N to plan", cpus_arg ? "--cpus" : "--placement");
	if (cpus_arg)
		placement = PLACEMENT_LIST;

	struct topo *t;
	char err[512];
	int rc = synthetic ? topo_open_synthetic(&t, synthetic, err, sizeof err)
		 : xml	   ? topo_open_xml(&t, xml, err, sizeof err)
			   : topo_open_system(&t, err, sizeof err);
	if (rc) {
		/* A description or file the user gave is a usage error; the machine's is not. */
		if (synthetic || xml)
			return usage_error("%s: %s", synthetic ? "--synthetic" : "--xml", err);
		return runtime_error("topology: %s", err);
	}
	/* Plan before printing anything, so that a refused plan leaves no half output. */
	static struct thread_plan plan;
	if (threads) {
		rc = topo_plan(t, threads, placement, cpus, ncpus, &plan, err, sizeof err);
		if (rc) {
			topo_close(t);
			if (rc == -EINVAL)
				return usage_error("%s: %s", cpus_arg ? "--cpus" : "--threads", err);
			return runtime_error("plan: %s", err);
		}
	}
	topo_print(t, stdout);
	if (threads) {
		putchar('\n');
		topo_plan_print(t, &plan, placement, stdout);
	}
	topo_close(t);
	return finish_stdout();
}
