/* cli.h — option parsing: durations, sizes, CPU lists → a plain params struct.
 *
 * Parsers return 0 or -EINVAL/-ERANGE and never print: the caller names the option. The
 * commands print one line, `lockbench: --OPTION: 'VALUE' is not …`, and exit 2 (LB_EXIT_USAGE).
 */
#ifndef LB_CLI_H
#define LB_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "parse/parse.h"
#include "plugin/plugin.h"
#include "run/params.h"

enum { LB_EXIT_OK = 0, LB_EXIT_RUNTIME = 1, LB_EXIT_USAGE = 2 };

/* Print `lockbench: MSG` to stderr (one line) and return LB_EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print `lockbench: MSG` to stderr and return LB_EXIT_RUNTIME. */
int runtime_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* getopt_long's ':' and '?' (run with opterr = 0 and ":" leading optstring) as one line in the
 * dialect every command shares: "--NAME: expected a value", "--NAME: takes no value",
 * "CMD: unknown option '-x'" or "CMD: unknown or ambiguous option '--x'", each with the hint
 * "see lockbench CMD --help". Returns LB_EXIT_USAGE. */
struct option;
int cli_getopt_error(const char *cmd, int opt, const struct option *opts, char **argv);
/* Before a command's getopt_long loop: getopt starts over (optind = 0 makes glibc reinitialise
 * its state, as the tests parse many argument vectors in one process) and prints nothing
 * (opterr = 0: the messages are ours, cli_getopt_error's). */
void cli_getopt_reset(void);
/* "--NAME" of the option whose getopt value is `val` ("" when none is); one static buffer. */
const char *cli_option_name(const struct option *opts, int val);
/* "CMD: unexpected argument 'ARG' (options take the form --name VALUE)"; LB_EXIT_USAGE. */
int cli_extra_argument(const char *cmd, const char *arg);
/* --placement ARG from the placement table (topo/placement.h): 0, or LB_EXIT_USAGE after
 * "--placement: 'ARG' is not one of compact, scatter, none", plus `why_not_list` when ARG is
 * the implied placement `list`. */
int cli_parse_placement(const char *arg, enum placement *out, const char *why_not_list);

/* A command's results went to stdout: flush, and make a failed write (full disk, closed pipe)
 * a runtime failure. LB_EXIT_OK or LB_EXIT_RUNTIME. */
int cli_finish_stdout(void);

/* Parse `lockbench run`'s options into *p (defaults first). Returns -1 after printing a one-line
 * error (exit 2), 1 when --help was printed (exit 0), 0 to run. */
int cli_parse_run(int argc, char **argv, struct run_params *p);

/* How `lockbench run` takes ARG ("--cs", "--cs=1us", "--no-timing"), for a command that passes
 * run's options through to cli_parse_run (pair): 1 when its value is the next argument, 0 when it
 * takes none or carries it after '=', -1 when run has no option of that exact name. */
int cli_run_option_arity(const char *arg);

#endif
