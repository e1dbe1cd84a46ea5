/* fuzz_cli_run.c — cli_parse_run, `lockbench run`'s whole command line.
 *
 * The input is split on NUL bytes into arguments (at most 64), after argv[0] = "run", and parsed
 * as the real command would (cli_parse_run resets getopt with optind = 0 itself). Promises
 * checked: the result is -1 (usage error), 1 (--help) or 0; and on 0 the parameters are ones the
 * runner accepts (runner_check), within their documented bounds, with --cpus a valid list and the
 * placement `list` exactly when --cpus was given. Messages go to stderr: run with
 * -close_fd_mask=3 to keep the log short (libFuzzer keeps its own and the sanitizers' reports).
 */
#include <errno.h>

#include "cli/cli.h"
#include "fuzz_util.h"
#include "run/runner.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One copy, NUL-terminated, cut into strings in place: getopt permutes argv and may keep
	 * pointers into it, exactly as with a real command line. */
	char *buf = malloc(size + 1);
	char *argv[MAX_ARGS + 2];
	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	int argc = 0;
	char run[] = "run";
	argv[argc++] = run;
	for (size_t i = 0; i <= size && argc <= MAX_ARGS;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;

	struct run_params p;
	int rc = cli_parse_run(argc, argv, &p);
	FUZZ_ASSERT(rc == -1 || rc == 0 || rc == 1);
	if (rc == 0) {
		char err[512];
		FUZZ_ASSERT(p.lock != NULL);
		FUZZ_ASSERT(runner_check(&p, err, sizeof err) == 0);
		FUZZ_ASSERT(p.threads >= 1 && p.threads <= LB_MAX_THREADS);
		FUZZ_ASSERT(p.instances >= 1 && p.instances <= p.threads);
		FUZZ_ASSERT(p.duration_ns > 0 && p.reps >= 1);
		FUZZ_ASSERT(p.permits == 1 || (p.lock->props & LB_COUNTING));
		FUZZ_ASSERT(p.reentry == 1 || (p.lock->props & LB_REENTRANT));
		FUZZ_ASSERT(memchr(p.cpus, '\0', sizeof p.cpus) != NULL);
		FUZZ_ASSERT((p.placement == PLACEMENT_LIST) == (p.cpus[0] != '\0'));
		if (p.cpus[0]) {
			static int cpus[LB_MAX_CPUS];
			unsigned n;
			FUZZ_ASSERT(parse_cpulist(p.cpus, LB_MAX_CPUS - 1, cpus, LB_MAX_CPUS, &n) == 0);
		}
		FUZZ_ASSERT(p.timing || p.timing_every == 0);
	}
	free(buf);
	return 0;
}
