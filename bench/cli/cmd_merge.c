/* cmd_merge.c — `lockbench merge OUT SET...`'s command line; the merge is sweep/sweep_merge.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "sweep/sweep.h"

static void merge_usage(FILE *f)
{
	fprintf(f,
		"usage: lockbench merge OUT SET... [--no-report]\n"
		"Writes the result sets SET... as one new result set OUT (docs/SWEEP_FILES.md).\n"
		"  - the shards of one plan (sweep --plan-file P --shard I/N) become the set the whole\n"
		"    sweep would have written: rows side by side, summary recomputed, meta.json\n"
		"    \"complete\" only when every (point, rep) of the plan is there;\n"
		"  - sets from several hosts (--host) keep their rows' host column and each host's\n"
		"    meta.json, c2c.csv, handoff.csv and latency_hist.csv in OUT/hosts/NAME/; the\n"
		"    report adds each host and a \"which lock on which machine\" table.\n"
		"OUT must not exist or be an empty directory; it is written under a temporary name and\n"
		"renamed at the end, so a refusal or a failure leaves no OUT.\n"
		"Refused (exit 2): sets of different format versions or columns, shards of one plan\n"
		"given twice or with different N or hosts, shards from one host of different plans,\n"
		"one host+point+rep twice. A missing shard (or an unfinished one) is named with its\n"
		"points, and OUT is written marked incomplete: exit 1.\n"
		"  --no-report   skip plots and report (lockbench report OUT builds them later)\n"
		"  --help        this text\n");
}

int cmd_merge(int argc, char **argv)
{
	enum { OPT_NO_REPORT = 256, OPT_HELP };
	static const struct option opts[] = {
		{ "no-report", no_argument, NULL, OPT_NO_REPORT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool no_report = false;
	int opt;
	cli_getopt_reset();
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == OPT_NO_REPORT) {
			no_report = true;
		} else if (opt == OPT_HELP || opt == 'h') {
			merge_usage(stdout);
			return LB_EXIT_OK;
		} else {
			return cli_getopt_error("merge", opt, opts, argv);
		}
	}
	if (argc - optind < 2)
		return usage_error("merge: expected OUT and at least one result set, got %d "
				   "arguments; usage: lockbench merge OUT SET... [--no-report]",
				   argc - optind);
	char err[2048];
	struct merge_outcome res;
	int rc = sweep_merge(argv[optind], argv + optind + 1, (size_t)(argc - optind - 1),
			     no_report, &res, err, sizeof err);
	if (rc && res.user_error && !res.written)
		return usage_error("%s", err);
	if (rc)
		return runtime_error("%s", err);
	if (printf("%s/\n", argv[optind]) < 0 || fflush(stdout) != 0)
		return runtime_error("merge: writing to stdout: %s", strerror(errno));
	return LB_EXIT_OK;
}
