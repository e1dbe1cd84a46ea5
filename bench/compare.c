/* compare.c — placeholder until its issue lands; exits 1 rather than pretending. */
#include <stdio.h>

#include "commands.h"

int cmd_compare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "lockbench: compare: not implemented yet\n");
	return 1;
}
