/* cmd_report.c — `lockbench report DIR`'s command line; the report is report/report.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "report/report.h"

int cmd_report(int argc, char **argv)
{
	enum { OPT_HELP = 256, OPT_SUMMARY, OPT_PDF };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, OPT_HELP },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "pdf", no_argument, NULL, OPT_PDF },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	bool summary = false, pdf = false;
	cli_getopt_reset();
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == OPT_SUMMARY || opt == OPT_PDF) {
			*(opt == OPT_PDF ? &pdf : &summary) = true;
			continue;
		}
		if (opt != OPT_HELP && opt != 'h')
			return cli_getopt_error("report", opt, opts, argv);
		printf("usage: lockbench report [--summary | --pdf] DIR\n\n"
		       "Rebuild the plots (gnuplot, PNG and SVG) and report.html / report.md of the "
		       "result set in DIR\n(the folder `lockbench sweep` wrote: summary.csv, "
		       "latency_cdf.csv, c2c.csv, meta.json).\nThe gnuplot scripts come from "
		       "$LOCKBENCH_PLOTS, else lockbench's own plots/ folder.\n\n"
		       "  --summary   print the report's summary (which lock to use, per critical "
		       "section and regime)\n              on the terminal, as Markdown; "
		       "no plot drawn, no file written\n"
		       "  --pdf       also print the report to DIR/report.pdf with headless Chromium "
		       "(Debian: chromium),\n              a section a page\n");
		return LB_EXIT_OK;
	}
	if (optind == argc)
		return usage_error("report: expected a result directory: lockbench report DIR");
	if (argc - optind > 1)
		return usage_error("report: one result directory only ('%s', then '%s')", argv[optind],
				   argv[optind + 1]);
	if (summary && pdf)
		return usage_error("report: --summary prints to the terminal and --pdf writes a file: "
				   "one of them");
	const char *dir = argv[optind];
	char err[1024];
	int rc = summary ? report_print_summary(dir, stdout, err, sizeof err)
			 : report_build(dir, err, sizeof err);
	if (rc == -ENOTDIR)
		return usage_error("%s", err);
	if (!rc && pdf)
		rc = report_print_pdf(dir, err, sizeof err);
	if (rc)
		return runtime_error("%s", err);
	if (!summary)
		printf("report: %s/report.html, %s/report.md%s and the plots\n", dir, dir,
		       pdf ? ", report.pdf" : "");
	return LB_EXIT_OK;
}
