/* cli.c — the one error dialect of every command: `lockbench: MSG` on one line, exit 2 for a
 * user's mistake and 1 for a runtime failure, and the getopt reporter every command uses.
 *
 * The number parsers are parse/parse.c; `lockbench run`'s command line is cli_run.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void vreport(const char *fmt, va_list ap)
{
	/* One write, so that the line is not interleaved with another thread's or process's. */
	char line[1024];
	int len = snprintf(line, sizeof line, "lockbench: ");
	vsnprintf(line + len, sizeof line - (size_t)len - 1, fmt, ap);
	/* Values are quoted as given; one with a newline or an escape in it must not break the
	 * message into lines or drive the terminal. */
	for (char *c = line + len; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	strcat(line, "\n");
	fputs(line, stderr);
	fflush(stderr);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return LB_EXIT_USAGE;
}

int runtime_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return LB_EXIT_RUNTIME;
}
