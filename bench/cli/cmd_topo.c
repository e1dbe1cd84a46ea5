/* cmd_topo.c — `lockbench topo`: the machine as hwloc sees it, and the thread -> CPU plan a
 * run would use. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "topo/topo.h"

static void topo_usage(FILE *f)
{
	char choices[96];
	placement_choices(choices, sizeof choices, " or ");
	fprintf(f,
		"usage: lockbench topo [--threads N [--placement P | --cpus LIST]]\n"
		"                      [--synthetic DESC | --xml FILE]\n"
		"\n"
		"The machine as hwloc sees it (packages, NUMA nodes, caches, cores, PUs) and the CPUs\n"
		"this process may use (taskset and cgroup cpusets are followed). With --threads, the\n"
		"exact thread -> CPU plan `lockbench run` would use.\n"
		"\n"
		"  --threads N        plan N threads, 1..%u (default: no plan)\n"
		"  --placement P      %s (default %s)\n"
		"  --cpus LIST        round-robin over these CPUs (e.g. 0,2,4-7); not with --placement\n"
		"  --synthetic DESC   an hwloc synthetic topology instead of this machine\n"
		"                     (e.g. 'pack:2 l3:2 core:4 pu:2'); every PU is allowed\n"
		"  --xml FILE         an hwloc XML topology (lstopo --of xml) instead of this machine\n"
		"  --help             this text\n",
		LB_MAX_THREADS, choices, placement_name(PLACEMENT_COMPACT));
}

/* What `lockbench topo` was asked for. */
struct topo_args {
	unsigned threads, ncpus;
	enum placement placement;
	const char *placement_arg, *cpus_arg, *synthetic, *xml;
	int cpus[LB_MAX_CPUS];
};

/* Parse argv into *a: 0, 1 after --help, or an exit status after printing why not. */
static int topo_parse(int argc, char **argv, struct topo_args *a)
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
	int opt;
	cli_getopt_reset();
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_THREADS:
			if (parse_uint(optarg, 1, LB_MAX_THREADS, &a->threads))
				return usage_error("--threads: '%s' is not an integer in 1..%u", optarg,
						   LB_MAX_THREADS);
			break;
		case OPT_PLACEMENT:
			if (cli_parse_placement(optarg, &a->placement, NULL))
				return LB_EXIT_USAGE;
			a->placement_arg = optarg;
			break;
		case OPT_CPUS: {
			char why[96];
			if (parse_cpulist_why(optarg, LB_MAX_CPUS - 1, a->cpus, LB_MAX_CPUS, &a->ncpus,
					      why, sizeof why))
				return usage_error("--cpus: '%s' is not a CPU list (%s; e.g. 0,2,4-7)",
						   optarg, why);
			a->cpus_arg = optarg;
			break;
		}
		case OPT_SYNTHETIC: a->synthetic = optarg; break;
		case OPT_XML: a->xml = optarg; break;
		case 'h':
		case OPT_HELP: topo_usage(stdout); return 1;
		default: return cli_getopt_error("topo", opt, opts, argv);
		}
	}
	if (optind < argc)
		return cli_extra_argument("topo", argv[optind]);
	if (a->synthetic && a->xml)
		return usage_error("--synthetic: cannot be combined with --xml (one topology)");
	if (a->cpus_arg && a->placement_arg)
		return usage_error("--cpus: cannot be combined with --placement %s (--cpus places "
				   "threads round-robin over its list)",
				   a->placement_arg);
	if ((a->cpus_arg || a->placement_arg) && !a->threads)
		return usage_error("%s: needs --threads N to plan",
				   a->cpus_arg ? "--cpus" : "--placement");
	if (a->cpus_arg)
		a->placement = PLACEMENT_LIST;
	return 0;
}

int cmd_topo(int argc, char **argv)
{
	static struct topo_args a;
	a = (struct topo_args){ .placement = PLACEMENT_COMPACT };
	int rc = topo_parse(argc, argv, &a);
	if (rc)
		return rc == 1 ? cli_finish_stdout() : rc;

	struct topo *t;
	char err[512];
	rc = a.synthetic ? topo_open_synthetic(&t, a.synthetic, err, sizeof err)
	     : a.xml	 ? topo_open_xml(&t, a.xml, err, sizeof err)
			 : topo_open_system(&t, err, sizeof err);
	if (rc) {
		/* A description or file the user gave is a usage error; the machine's is not. */
		if (a.synthetic || a.xml)
			return usage_error("%s: %s", a.synthetic ? "--synthetic" : "--xml", err);
		return runtime_error("topology: %s", err);
	}
	/* Plan before printing anything, so that a refused plan leaves no half output. */
	static struct thread_plan plan;
	if (a.threads) {
		rc = topo_plan(t, a.threads, a.placement, a.cpus, a.ncpus, &plan, err, sizeof err);
		if (rc) {
			topo_close(t);
			if (rc == -EINVAL)
				return usage_error("%s: %s", a.cpus_arg ? "--cpus" : "--threads", err);
			return runtime_error("plan: %s", err);
		}
	}
	topo_print(t, stdout);
	if (a.threads) {
		putchar('\n');
		topo_plan_print(t, &plan, a.placement, stdout);
	}
	topo_close(t);
	return cli_finish_stdout();
}
