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

/* Parse `lockbench run`'s options into *p (defaults first). Returns -1 after printing a one-line
 * error (exit 2), 1 when --help was printed (exit 0), 0 to run. */
int cli_parse_run(int argc, char **argv, struct run_params *p);

#endif
