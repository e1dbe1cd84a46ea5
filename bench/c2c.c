/* c2c.c — placeholder until its issue lands; exits 1 rather than pretending. */
#include <stdio.h>

#include "commands.h"

int cmd_c2c(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "lockbench: c2c: not implemented yet\n");
	return 1;
}
