/* cli.c — the one error dialect of every command: `lockbench: MSG` on one line, exit 2 for a
 * user's mistake and 1 for a runtime failure, and the getopt reporter every command uses.
 *
 * The number parsers are parse/parse.c; `lockbench run`'s command line is cli_run.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
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

void cli_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
}

const char *cli_option_name(const struct option *opts, int val)
{
	static char name[64];
	name[0] = '\0';
	for (const struct option *o = opts; o->name; o++)
		if (o->val == val)
			snprintf(name, sizeof name, "--%s", o->name);
	return name;
}

int cli_getopt_error(const char *cmd, int opt, const struct option *opts, char **argv)
{
	const char *name = NULL;
	for (const struct option *o = opts; o->name; o++)
		if (o->val == optopt)
			name = o->name;
	if (opt == ':' && name)
		return usage_error("--%s: expected a value", name);
	if (opt == ':')
		return usage_error("%s: expected a value", argv[optind - 1]);
	if (optopt >= 256 && name)
		return usage_error("--%s: takes no value", name);
	if (optopt > 0 && optopt < 256)
		return usage_error("%s: unknown option '-%c'; see lockbench %s --help", cmd, optopt,
				   cmd);
	return usage_error("%s: unknown or ambiguous option '%s'; see lockbench %s --help", cmd,
			   argv[optind - 1], cmd);
}

int cli_extra_argument(const char *cmd, const char *arg)
{
	return usage_error("%s: unexpected argument '%s' (options take the form --name VALUE)", cmd,
			   arg);
}

int cli_parse_placement(const char *arg, enum placement *out, const char *why_not_list)
{
	enum placement p;
	if (placement_parse(arg, &p) == 0 && placement_user_choice(p)) {
		*out = p;
		return 0;
	}
	char choices[96];
	placement_choices(choices, sizeof choices, ", ");
	bool list = arg && strcmp(arg, placement_name(PLACEMENT_LIST)) == 0;
	return usage_error("--placement: '%s' is not one of %s%s", arg, choices,
			   list && why_not_list ? why_not_list : "");
}

int cli_finish_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return runtime_error("writing the output: %s", strerror(errno ? errno : EIO));
	return LB_EXIT_OK;
}
