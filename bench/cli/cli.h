/* cli.h — option parsing: durations, sizes, CPU lists → a plain params struct.
 *
 * Parsers return 0 or -EINVAL/-ERANGE and never print: the caller names the option. The
 * commands print one line, `lockbench: --OPTION: 'VALUE' is not …`, and exit 2 (LB_EXIT_USAGE).
 */
#ifndef LB_CLI_H
#define LB_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "run/params.h"

enum { LB_EXIT_OK = 0, LB_EXIT_RUNTIME = 1, LB_EXIT_USAGE = 2 };

/* "500ms", "2s", "1.5us", "100ns", "3m". A bare number is in `bare_unit_ns` (1e9 for --duration,
 * 1 for --cs). Negative, empty, garbage, unknown units and overflow past 1 hour-scale limits
 * (`max_ns`) are errors. */
int parse_time_ns(const char *s, uint64_t bare_unit_ns, uint64_t max_ns, uint64_t *out);

/* A decimal unsigned integer in [min, max], nothing else. */
int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);

/* "0,2,4-7": distinct CPU numbers in ascending-or-any order, each <= max_cpu, at most `cap`.
 * Reversed ranges ("7-4"), empty items, garbage and duplicates are errors. */
int parse_cpulist(const char *s, unsigned max_cpu, int *cpus, unsigned cap, unsigned *n);
/* The same, writing why a list was refused ("reversed range 7-4", "CPU 3 listed twice") into
 * `why`, for the caller's message. */
int parse_cpulist_why(const char *s, unsigned max_cpu, int *cpus, unsigned cap, unsigned *n,
		      char *why, size_t whylen);

/* What --cpus accepts: CPU numbers 0 .. LB_MAX_CPUS-1, at most LB_MAX_CPUS of them. The CLI checks
 * only the syntax; whether each CPU may be used is topo_plan's check (it needs the topology):
 *     int cpus[LB_MAX_CPUS]; unsigned n;
 *     parse_cpulist(p->cpus, LB_MAX_CPUS - 1, cpus, LB_MAX_CPUS, &n);  */
#define LB_MAX_CPUS 8192

/* A duration as the CLI takes it back: the largest unit that divides it exactly ("200ms",
 * "1s", "1500ns", "0"). Round-trips through parse_time_ns. */
void format_time_ns(uint64_t ns, char *buf, size_t len);

/* A comma-separated list of unsigned integers ("1,2,4"), each in [min, max]. */
int parse_uint_list(const char *s, unsigned min, unsigned max, unsigned *vals, unsigned cap,
		    unsigned *n);

/* Print `lockbench: MSG` to stderr (one line) and return LB_EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print `lockbench: MSG` to stderr and return LB_EXIT_RUNTIME. */
int runtime_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse `lockbench run`'s options into *p (defaults first). Returns -1 after printing a one-line
 * error (exit 2), 1 when --help was printed (exit 0), 0 to run. */
int cli_parse_run(int argc, char **argv, struct run_params *p);

/* How `lockbench run` takes ARG ("--cs", "--cs=1us", "--no-timing"), for a command that passes
 * run's options through to cli_parse_run (pair): 1 when its value is the next argument, 0 when it
 * takes none or carries it after '=', -1 when run has no option of that exact name. */
int cli_run_option_arity(const char *arg);

/* Load extra locks from a shared object that exports `lb_plugin_locks` (a NULL-terminated
 * `const struct lb_lock_ops *const []`). Found locks are returned by lb_find_lock(). */
int plugin_load(const char *path, char *err, size_t errlen);
/* The registry plus plugin locks. */
const struct lb_lock_ops *lb_find_lock(const char *name);
/* Iterate registry then plugins: i from 0 until NULL. */
const struct lb_lock_ops *lb_lock_at(size_t i);
/* "a, b, c" of every lock name, for error messages. */
const char *lb_lock_names(void);

#endif
