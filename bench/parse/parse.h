/* parse.h — strict text → number parsers: durations, unsigned integers and lists, CPU lists.
 *
 * Shared by the command line and the result readers (a summary's thread count is read with the
 * same rules as --threads). Parsers return 0 or -EINVAL/-ERANGE and never print: the caller
 * names the option or the file.
 */
#ifndef LB_PARSE_H
#define LB_PARSE_H

#include <stddef.h>
#include <stdint.h>

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

#endif
