/* report.c — placeholder until its issue lands; exits 1 rather than pretending. */
#include <stdio.h>

#include "commands.h"

int cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "lockbench: report: not implemented yet\n");
	return 1;
}
