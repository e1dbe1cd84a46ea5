/* harness_cli_cmds.c — `lockbench list` and `lockbench topo` end to end: exit statuses, the one
 * line a usage error prints, every registered lock in every list format, and the topology and
 * plan a restricted process sees (the child is pinned to one CPU before exec, which is what
 * `taskset -c N lockbench topo` does).
 *
 * usage: harness_cli_cmds LOCKBENCH
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_spawn.h"
#include "test_util.h"

#include "cli/cli.h"
#include "topo/topo.h"

static char *lockbench;
static struct spawned *r;

/* Runs lockbench with the NULL-terminated arguments; prints the command and its status. */
static int run(int pin_cpu, const char *stdout_path, char **args)
{
	char *argv[24] = { lockbench };
	int n = 1;
	if (pin_cpu >= 0)
		printf("  $ taskset -c %d lockbench", pin_cpu); /* emulated: pinned before exec */
	else
		printf("  $ lockbench");
	for (; *args && n < 23; args++) {
		argv[n++] = *args;
		printf(" %s", *args);
	}
	argv[n] = NULL;
	if (spawn_capture(argv, pin_cpu, stdout_path, r) != 0)
		tu_die("harness_cli_cmds", "spawn", errno);
	printf("\n    -> exit %d%s%s", r->status, r->err[0] ? ", stderr: " : "\n", r->err);
	return r->status;
}

#define RUN(pin, ...) run((pin), NULL, (char *[]){ __VA_ARGS__, NULL })

static unsigned count_lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A usage error: exit 2, one line on stderr containing `says`, nothing on stdout. */
static void check_usage_error(const char *says)
{
	CHECK_EQ(r->status, 2);
	CHECK(spawn_one_error_line(r->err));
	if (!CHECK(strstr(r->err, says) != NULL))
		printf("    expected: %s\n", says);
	CHECK(r->out[0] == '\0');
}

static void test_list(void)
{
	size_t nlocks = 0;
	while (lockset_at(nlocks))
		nlocks++;

	CHECK_EQ(RUN(-1, "list"), 0);
	CHECK_EQ(count_lines(r->out), nlocks + 1);
	for (size_t i = 0; i < nlocks; i++)
		CHECK(strstr(r->out, lockset_at(i)->name) != NULL);
	CHECK_EQ(RUN(-1, "list", "--format", "csv"), 0);
	CHECK(strncmp(r->out, "lock,properties,lock_bytes,ctx_bytes,family,description\n", 56) == 0);
	CHECK_EQ(count_lines(r->out), nlocks + 1);
	CHECK_EQ(RUN(-1, "list", "--format=markdown"), 0);
	CHECK_EQ(count_lines(r->out), nlocks + 2);
	for (size_t i = 0; i < nlocks; i++) {
		char row[96];
		snprintf(row, sizeof row, "\n| `%s` | ", lockset_at(i)->name);
		CHECK(strstr(r->out, row) != NULL);
	}
	CHECK_EQ(RUN(-1, "list", "--help"), 0);
	CHECK(strstr(r->out, "--format") != NULL);

	RUN(-1, "list", "--format", "xml");
	check_usage_error("lockbench: --format: 'xml' is not one of table, csv, markdown\n");
	RUN(-1, "list", "extra");
	check_usage_error("list: unexpected argument 'extra'");
	RUN(-1, "list", "--bogus");
	check_usage_error("list: unknown or ambiguous option '--bogus'");
	/* A write that fails is a runtime failure, said on one line. */
	run(-1, "/dev/full", (char *[]){ "list", NULL });
	CHECK_EQ(r->status, 1);
	CHECK(spawn_one_error_line(r->err));
	CHECK(strstr(r->err, "writing the output") != NULL);
}

/* The plan rows of `lockbench topo --threads N`: thread, cpu, core, llc, numa, package. */
static unsigned plan_rows(int rows[][6], unsigned cap)
{
	const char *p = strstr(r->out, "  thread ");
	unsigned n = 0;
	if (!p)
		return 0;
	p = strchr(p, '\n');
	while (p && n < cap) {
		int *v = rows[n];
		if (sscanf(p + 1, "%d %d %d %d %d %d", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
			break;
		n++;
		p = strchr(p + 1, '\n');
	}
	return n;
}

static void test_topo(void)
{
	int rows[64][6];

	CHECK_EQ(RUN(-1, "topo"), 0);
	CHECK(strstr(r->out, "topology: this system\n") != NULL);
	CHECK(strstr(r->out, "allowed CPUs: ") != NULL);
	CHECK(strstr(r->out, "PU L#0 (P#") != NULL);

	/* Synthetic: the plans the README shows. compact stays on core 0-1 of package 0; scatter
	 * takes one PU in each L3, two per package. */
	const char *desc = "pack:2 l3:2 core:4 pu:2";
	CHECK_EQ(RUN(-1, "topo", "--synthetic", (char *)desc, "--threads", "4", "--placement",
		     "compact"),
		 0);
	CHECK_EQ(plan_rows(rows, 64), 4);
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ(rows[i][1], (int)i);     /* cpu */
		CHECK_EQ(rows[i][2], (int)i / 2); /* core */
		CHECK_EQ(rows[i][5], 0);          /* package */
	}
	CHECK(strstr(r->out, "not oversubscribed") != NULL);
	CHECK_EQ(RUN(-1, "topo", "--synthetic", (char *)desc, "--threads", "4", "--placement",
		     "scatter"),
		 0);
	CHECK_EQ(plan_rows(rows, 64), 4);
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ(rows[i][3], (int)i);     /* L3 */
		CHECK_EQ(rows[i][5], (int)i / 2); /* package */
	}
	CHECK_EQ(RUN(-1, "topo", "--synthetic", (char *)desc, "--threads", "33"), 0);
	CHECK(strstr(r->out, "OVERSUBSCRIBED") != NULL);
	CHECK_EQ(plan_rows(rows, 64), 33);

	RUN(-1, "topo", "--placement", "diagonal", "--threads", "2");
	check_usage_error("lockbench: --placement: 'diagonal' is not one of compact, scatter, none\n");
	RUN(-1, "topo", "--threads", "2", "--cpus", "0", "--placement", "scatter");
	check_usage_error("--cpus: cannot be combined with --placement scatter");
	RUN(-1, "topo", "--placement", "scatter");
	check_usage_error("--placement: needs --threads N to plan");
	RUN(-1, "topo", "--synthetic", "pack:2 widget:3");
	check_usage_error("--synthetic: 'pack:2 widget:3' is not an hwloc synthetic description");
	RUN(-1, "topo", "--xml", "/nonexistent.xml");
	check_usage_error("--xml: '/nonexistent.xml': No such file or directory");
	RUN(-1, "topo", "--synthetic", "pu:2", "--xml", "x.xml");
	check_usage_error("--synthetic: cannot be combined with --xml");
	RUN(-1, "topo", "--threads", "0");
	check_usage_error("--threads: '0' is not an integer in 1..1024");

	/* This machine: a CPU outside the allowed set is refused with the allowed set named. */
	struct topo *t;
	char err[256], allowed[256], beyond[16], want[512];
	if (topo_open_system(&t, err, sizeof err) != 0)
		tu_die("harness_cli_cmds", err, EINVAL);
	int cpus[LB_MAX_CPUS];
	unsigned n = topo_allowed_cpus(t, cpus, LB_MAX_CPUS);
	topo_allowed_str(t, allowed, sizeof allowed);
	topo_close(t);
	snprintf(beyond, sizeof beyond, "%d", cpus[n - 1] + 1);
	RUN(-1, "topo", "--threads", "2", "--cpus", beyond);
	snprintf(want, sizeof want,
		 "lockbench: --cpus: CPU %s is not available to this process (allowed: %s)\n", beyond,
		 allowed);
	check_usage_error(want);

	/* As under `taskset -c N`: only N is allowed, every thread of any plan lands on it. */
	int only = cpus[n - 1];
	char only_s[16];
	snprintf(only_s, sizeof only_s, "%d", only);
	CHECK_EQ(RUN(only, "topo"), 0);
	snprintf(want, sizeof want, "allowed CPUs: %d (1 CPU)\n", only);
	CHECK(strstr(r->out, want) != NULL);
	snprintf(want, sizeof want, "(P#%d)", only);
	CHECK(strstr(r->out, want) != NULL);
	CHECK(strstr(r->out, "PU L#1") == NULL); /* one PU only */
	for (int p = 0; p < 3; p++) {
		char *placement = (char *[]){ "compact", "scatter", "none" }[p];
		CHECK_EQ(RUN(only, "topo", "--threads", "3", "--placement", placement), 0);
		CHECK(strstr(r->out, "OVERSUBSCRIBED") != NULL);
		unsigned k = plan_rows(rows, 64);
		CHECK_EQ(k, p == 2 ? 0 : 3); /* none prints "-" for the CPU */
		for (unsigned i = 0; i < k; i++)
			CHECK_EQ(rows[i][1], only);
	}
	if (n > 1) {
		snprintf(beyond, sizeof beyond, "%d", cpus[0]);
		RUN(only, "topo", "--threads", "1", "--cpus", beyond);
		snprintf(want, sizeof want,
			 "lockbench: --cpus: CPU %d is not available to this process (allowed: %d)\n",
			 cpus[0], only);
		check_usage_error(want);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: harness_cli_cmds LOCKBENCH\n");
		return 2;
	}
	lockbench = argv[1];
	r = malloc(sizeof *r);
	if (!r)
		tu_die("harness_cli_cmds", "malloc", ENOMEM);
	printf("lockbench list:\n");
	test_list();
	printf("lockbench topo:\n");
	test_topo();

	/* Negative control: the usage-error check, given a command that succeeds, must fail. */
	printf("negative control (a successful command checked as a usage error):\n");
	tu_negative_begin();
	RUN(-1, "list");
	check_usage_error("lockbench: ");
	unsigned failed = tu_negative_end();
	printf("  %u planted failures caught\n", failed);
	CHECK_EQ(failed, 4);
	free(r);
	return tu_summary("harness_cli_cmds");
}
