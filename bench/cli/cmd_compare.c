/* cmd_compare.c — `lockbench compare A B`'s command line; the comparison is report/compare.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "report/compare.h"

static void compare_usage(FILE *f)
{
	char names[256];
	cmp_metric_names(names, sizeof names, "|");
	fprintf(f, "usage: lockbench compare A B [--out DIR] [--metric %s]\n"
		   "       lockbench compare --host A --host B SET [--out DIR] [--metric NAME]\n\n"
		   "Put two result sets (directories `lockbench sweep` wrote) side by side. Points "
		   "are matched\non (lock, permits, threads, cs_ns, ncs_ns); each gets A's and B's "
		   "median [spread], B/A with\nthe range the spreads allow, and a verdict (\"%s\" "
		   "when the spreads overlap).\nWrites compare.csv, compare.md and compare.png/.svg "
		   "(A solid, B dashed; gnuplot) to\n--out DIR, by default B/compare-<name of A>/. "
		   "--metric: what is compared (default mops).\n"
		   "With --host A --host B: two hosts of one merged set (lockbench merge), by its "
		   "host column;\n--out defaults to SET/compare-A-vs-B/.\n",
		names, cmp_no_difference);
}

int cmd_compare(int argc, char **argv)
{
	enum { OPT_OUT = 256, OPT_METRIC, OPT_HELP, OPT_HOST };
	static const struct option opts[] = {
		{ "host", required_argument, NULL, OPT_HOST },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "metric", required_argument, NULL, OPT_METRIC },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmp_metric *m = NULL;
	const char *out = NULL, *hosts[2] = { NULL, NULL };
	unsigned nhosts = 0;
	int opt;
	cli_getopt_reset();
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == OPT_OUT) {
			out = optarg;
		} else if (opt == OPT_HOST) {
			if (nhosts == 2)
				return usage_error("--host: given more than twice (compare --host A "
						   "--host B SET)");
			hosts[nhosts++] = optarg;
		} else if (opt == OPT_METRIC) {
			if (!(m = cmp_metric_find(optarg))) {
				char names[256];
				cmp_metric_names(names, sizeof names, ", ");
				return usage_error("--metric: '%s' is not one of %s", optarg, names);
			}
		} else if (opt == OPT_HELP || opt == 'h') {
			compare_usage(stdout);
			return LB_EXIT_OK;
		} else {
			return cli_getopt_error("compare", opt, opts, argv);
		}
	}
	char err[1024];
	int rc;
	if (nhosts) {
		if (nhosts != 2)
			return usage_error("--host: give two, --host A --host B, and one merged set");
		if (argc - optind != 1)
			return usage_error("compare: with --host A --host B, expected one merged set, "
					   "got %d", argc - optind);
		if (!strcmp(hosts[0], hosts[1]))
			return usage_error("--host: '%s' twice; compare two different hosts",
					   hosts[0]);
		rc = compare_hosts(argv[optind], hosts[0], hosts[1], m, out, err, sizeof err);
		if (rc == -ENOTDIR)
			return usage_error("%s", err);
		if (rc)
			return runtime_error("%s", err);
		if (fflush(stdout) != 0 || ferror(stdout))
			return runtime_error("compare: writing the table: %s",
					     strerror(errno ? errno : EIO));
		return LB_EXIT_OK;
	}
	if (argc - optind != 2)
		return usage_error("compare: expected two result directories, got %d; usage: "
				   "lockbench compare A B [--out DIR] [--metric NAME]", argc - optind);

	rc = compare_sets(argv[optind], argv[optind + 1], m, out, err, sizeof err);
	if (rc == -ENOTDIR)
		return usage_error("%s", err);
	if (rc)
		return runtime_error("%s", err);
	if (fflush(stdout) != 0 || ferror(stdout))
		return runtime_error("compare: writing the table: %s", strerror(errno ? errno : EIO));
	return LB_EXIT_OK;
}
