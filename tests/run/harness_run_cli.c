/* harness_run_cli.c — `lockbench run` as a user runs it: every registered lock at 1, 2 and 8
 * threads (CSV, short windows) finishes ok with its exclusion check passed and one well-formed
 * row; `null` prints the race demonstration; a lock that never releases is stopped by the
 * watchdog (status stuck, exit 1, the lock named); the broken lock fails with a violation
 * (exit 1); usage errors exit 2; oversubscription is marked; JSON carries the format version;
 * a 1-thread run sharing its CPU with a planted spinner warns, in one line, that it ran busy.
 *
 * usage: harness_run_cli PATH/TO/lockbench [BROKEN_LOCKS_PLUGIN.so]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "results/csvread.h"
#include "results/output.h"
#include "stats/stats.h"
#include "test_util.h"


static const char *lockbench, *plugin;

struct outcome {
	int status; /* exit status, or 128 + signal */
	char *out, *err;
};

static char *slurp(FILE *f)
{
	fflush(f);
	long n = ftell(f);
	char *s = malloc((size_t)(n > 0 ? n : 0) + 1);
	if (!s)
		tu_die("harness_run_cli", "malloc", ENOMEM);
	rewind(f);
	size_t got = n > 0 ? fread(s, 1, (size_t)n, f) : 0;
	s[got] = '\0';
	fclose(f);
	return s;
}

/* Run lockbench with the given arguments (NULL-terminated), capturing stdout and stderr. */
static struct outcome lb(const char *first, ...)
{
	const char *argv[64];
	int argc = 0;
	argv[argc++] = lockbench;
	if (plugin && strcmp(first, "--with-plugin") == 0) {
		argv[argc++] = "--plugin";
		argv[argc++] = plugin;
	} else {
		argv[argc++] = first;
	}
	va_list ap;
	va_start(ap, first);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && argc < 63)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	FILE *out = tmpfile(), *err = tmpfile();
	if (!out || !err)
		tu_die("harness_run_cli", "tmpfile", errno);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		execv(lockbench, (char *const *)argv);
		_exit(127);
	}
	int ws = 0;
	waitpid(pid, &ws, 0);
	struct outcome o = { WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws), NULL, NULL };
	fseek(out, 0, SEEK_END);
	fseek(err, 0, SEEK_END);
	o.out = slurp(out);
	o.err = slurp(err);
	return o;
}

static void done(struct outcome *o)
{
	free(o->out);
	free(o->err);
}

/* The value of `name` in the CSV row under the header (both in o->out, after the version
 * line); "" when absent. */
static const char *field(const char *csv, const char *name, char *buf, size_t len)
{
	while (*csv == '#')
		csv = strchr(csv, '\n') ? strchr(csv, '\n') + 1 : "";
	const char *row = strchr(csv, '\n');
	buf[0] = '\0';
	if (!row)
		return buf;
	row++;
	int want = -1, i = 0;
	for (const char *c = csv; *c && *c != '\n'; i++) {
		size_t n = strcspn(c, ",\n");
		if (n == strlen(name) && strncmp(c, name, n) == 0)
			want = i;
		c += n;
		if (*c == ',')
			c++;
	}
	if (want < 0)
		return buf;
	const char *c = row;
	for (i = 0; *c && *c != '\n'; i++) {
		size_t k = 0;
		if (*c == '"') {
			for (c++; *c && !(*c == '"' && c[1] != '"'); c++) {
				if (*c == '"')
					c++;
				if (i == want && k + 1 < len)
					buf[k++] = *c;
			}
			if (*c == '"')
				c++;
		} else {
			for (; *c && *c != ',' && *c != '\n'; c++)
				if (i == want && k + 1 < len)
					buf[k++] = *c;
		}
		if (i == want) {
			buf[k] = '\0';
			return buf;
		}
		if (*c == ',')
			c++;
	}
	return buf;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void every_lock(unsigned allowed)
{
	static const char *const threads[] = { "1", "2", "8" };
	char b1[256], b2[256], b3[256], b4[256];
	unsigned rows = 0;
	printf("every registered lock at 1, 2 and 8 threads (100 ms window):\n");
	for (size_t i = 0; lb_locks[i]; i++) {
		const struct lb_lock_ops *ops = lb_locks[i];
		printf("  %-18s", ops->name);
		for (size_t t = 0; t < 3; t++) {
			struct outcome o = lb("run", "--lock", ops->name, "--threads", threads[t],
					      "--duration", "100ms", "--warmup", "20ms", "--format",
					      "csv", NULL);
			static const char head[] = OUTPUT_CSV_HEADER CSV_VERSION_HEADER "\n";
			bool header_ok = strncmp(o.out, head, strlen(head)) == 0;
			const char *status = field(o.out, "status", b1, sizeof b1);
			const char *excl = field(o.out, "exclusion_ok", b2, sizeof b2);
			const char *over = field(o.out, "oversubscribed", b3, sizeof b3);
			printf(" %s thr: %s %s Mops/s", threads[t], status,
			       field(o.out, "mops", b4, sizeof b4));
			CHECK_EQ(o.status, 0);
			CHECK(header_ok);
			CHECK_EQ(count_lines(o.out), 2);
			CHECK(strcmp(status, "ok") == 0);
			if (!(ops->props & LB_NOT_A_LOCK))
				CHECK(strcmp(excl, "1") == 0);
			CHECK(strcmp(over, (unsigned)atoi(threads[t]) > allowed ? "1" : "0") == 0);
			if (o.status != 0)
				printf("\n    stderr: %s", o.err);
			rows += count_lines(o.out) == 2;
			done(&o);
		}
		printf("\n");
	}
	printf("  %u well-formed runs\n", rows);
}

/* A 1-thread run on a CPU that a spinning process of ours shares: the worker gets about half of
 * it, under LB_BUSY_UTIL_MIN, so `run` must say so in one warning line (and still exit 0). */
static void busy_warning(const cpu_set_t *allowed_set)
{
	int cpu = 0;
	while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, allowed_set))
		cpu++;
	char cpus[16];
	snprintf(cpus, sizeof cpus, "%d", cpu);
	printf("1 thread sharing CPU %d with a spinner: one busy warning on stderr:\n", cpu);
	fflush(stdout);
	pid_t spinner = fork();
	if (spinner == 0) {
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof one, &one);
		for (;;)
			__asm__ __volatile__("" ::: "memory");
	}
	if (!CHECK(spinner > 0))
		return;
	struct outcome o = lb("run", "--lock", lb_locks[0]->name, "--threads", "1", "--cpus", cpus,
			      "--duration", "300ms", "--warmup", "20ms", "--format", "csv", NULL);
	kill(spinner, SIGKILL);
	waitpid(spinner, NULL, 0);
	char b[64];
	const char *w = strstr(o.err, "lockbench: run: warning: ");
	printf("  worker_util %s; %.*s\n", field(o.out, "worker_util", b, sizeof b),
	       w ? (int)strcspn(w, "\n") : 0, w ? w : "(no warning)");
	CHECK_EQ(o.status, 0);
	CHECK(w != NULL);
	CHECK(w && strstr(w + 1, "lockbench: run: warning: ") == NULL); /* one line, not one a rep */
	CHECK(atof(field(o.out, "worker_util", b, sizeof b)) < LB_BUSY_UTIL_MIN);
	done(&o);
}

/* The race is caught by chance: at load 28 on 2 CPUs (workers at 10 % of a CPU) half of
 * the 100 ms tries missed it, or caught it through occupancy alone with no lost update,
 * so 5 such tries failed about one run in 30. Each retry now has a longer window, up to
 * 1 s (at most ~6 s in all); a correct lock never loses an update, however long it runs. */
static const char *const race_windows[] = { "100ms", "200ms", "400ms", "800ms",
					    "1s",    "1s",    "1s",    "1s" };
enum { RACE_TRIES = sizeof race_windows / sizeof race_windows[0] };

static bool lost_updates_seen(const char *csv)
{
	char b[256];
	return atoll(field(csv, "lost_updates", b, sizeof b)) > 0;
}

static bool torn_reads_seen(const char *csv)
{
	char b[256];
	return strstr(field(csv, "status_detail", b, sizeof b), "torn reads") != NULL;
}

/* Run the plugin's broken `lock` on 2 threads (with one more option and its value, if given)
 * with ever longer windows until a run ends in a violation that `seen` recognises in its CSV;
 * prints the last try. True when one did. */
static bool race_caught(const char *lock, const char *opt, const char *val,
			bool (*seen)(const char *csv))
{
	bool caught = false;
	for (int tries = 0; tries < RACE_TRIES && !caught; tries++) {
		char b[256];
		/* opt NULL ends the arguments there. */
		struct outcome o = lb("--with-plugin", "run", "--lock", lock, "--threads", "2",
				      "--duration", race_windows[tries], "--warmup", "20ms", "--cs",
				      "200", "--format", "csv", opt, val, NULL);
		caught = o.status == 1 &&
			 strcmp(field(o.out, "status", b, sizeof b), "violation") == 0 &&
			 seen(o.out);
		if (caught || tries == RACE_TRIES - 1)
			printf("  try %d (%s): exit %d, %s", tries + 1, race_windows[tries], o.status,
			       o.err);
		done(&o);
	}
	return caught;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: harness_run_cli PATH/TO/lockbench [BROKEN_LOCKS_PLUGIN.so]\n");
		return 2;
	}
	lockbench = argv[1];
	plugin = argc > 2 ? argv[2] : NULL;
	cpu_set_t set;
	unsigned allowed = sched_getaffinity(0, sizeof set, &set) == 0 ? (unsigned)CPU_COUNT(&set) : 1;
	char b[256];

	every_lock(allowed);
	busy_warning(&set);

	printf("null, 2 threads, table: the race demonstration, exit 0:\n");
	struct outcome o = lb("run", "--lock", "null", "--threads", "2", "--duration", "100ms",
			      "--warmup", "20ms", NULL);
	CHECK_EQ(o.status, 0);
	CHECK(strstr(o.out, "race demonstration:") != NULL);
	CHECK(strstr(o.out, "fairness") != NULL);
	const char *demo = strstr(o.out, "race demonstration:");
	printf("  %.*s\n", demo ? (int)strcspn(demo, "\n") : 0, demo ? demo : "");
	done(&o);

	printf("8 threads in a table: oversubscription marked when there are fewer CPUs:\n");
	o = lb("run", "--lock", lb_locks[0]->name, "--threads", "8", "--duration", "50ms",
	       "--warmup", "10ms", NULL);
	CHECK_EQ(o.status, 0);
	CHECK((strstr(o.out, "OVERSUBSCRIBED") != NULL) == (allowed < 8));
	done(&o);

	printf("json, 2 reps: format version, metadata, both repetitions:\n");
	o = lb("run", "--lock", lb_locks[0]->name, "--threads", "2", "--duration", "50ms",
	       "--warmup", "10ms", "--reps", "2", "--format", "json", NULL);
	CHECK_EQ(o.status, 0);
	CHECK(strstr(o.out, "\"format_version\": 2") != NULL);
	CHECK(strstr(o.out, "\"kernel\": ") != NULL && strstr(o.out, "\"clocksource\": ") != NULL);
	CHECK(strstr(o.out, "\"rep\": 2") != NULL);
	done(&o);

	printf("usage errors exit 2:\n");
	o = lb("run", "--lock", "no-such-lock", "--threads", "2", NULL);
	CHECK_EQ(o.status, 2);
	printf("  %s", o.err);
	done(&o);
	o = lb("run", "--threads", "2", "--duration", "soon", "--lock", lb_locks[0]->name, NULL);
	CHECK_EQ(o.status, 2);
	printf("  %s", o.err);
	done(&o);

	printf("--read-pct: bad values and a lock without LB_RW exit 2; an rwlock at 90 %% runs:\n");
	static const char *const bad_pct[] = { "101", "-1", "x", "" };
	for (size_t i = 0; i < sizeof bad_pct / sizeof *bad_pct; i++) {
		o = lb("run", "--lock", "rw-writer-pref", "--threads", "2", "--read-pct", bad_pct[i],
		       NULL);
		CHECK_EQ(o.status, 2);
		CHECK(strstr(o.err, "--read-pct") != NULL);
		printf("  %s", o.err);
		done(&o);
	}
	o = lb("run", "--lock", "tas", "--threads", "2", "--read-pct", "50", NULL);
	CHECK_EQ(o.status, 2);
	CHECK(strstr(o.err, "needs a reader-writer lock") && strstr(o.err, "rw-writer-pref"));
	CHECK(strchr(o.err, '\n') == o.err + strlen(o.err) - 1); /* one line */
	printf("  %s", o.err);
	done(&o);
	o = lb("run", "--lock", "rw-writer-pref", "--threads", "2", "--read-pct", "90",
	       "--duration", "100ms", "--warmup", "20ms", "--cs-lines", "3", "--format", "csv", NULL);
	CHECK_EQ(o.status, 0);
	CHECK(strcmp(field(o.out, "read_pct", b, sizeof b), "90") == 0);
	CHECK(strcmp(field(o.out, "status", b, sizeof b), "ok") == 0);
	CHECK(strcmp(field(o.out, "lost_updates", b, sizeof b), "0") == 0);
	done(&o);

	if (!CHECK(plugin != NULL)) {
		printf("no broken_locks plugin given: the negative controls did not run\n");
		return tu_summary("harness_run_cli");
	}
	printf("never-release, --watchdog 1s: stuck, exit 1, the lock named:\n");
	o = lb("--with-plugin", "run", "--lock", "never-release", "--threads", "2", "--duration",
	       "100ms", "--warmup", "20ms", "--watchdog", "1s", "--format", "csv", NULL);
	CHECK_EQ(o.status, 1);
	CHECK(strcmp(field(o.out, "status", b, sizeof b), "stuck") == 0);
	CHECK(strstr(field(o.out, "status_detail", b, sizeof b), "never-release") != NULL);
	CHECK(field(o.out, "ops", b, sizeof b)[0] == '\0');
	CHECK(strstr(o.err, "stuck") != NULL);
	printf("  stderr: %s", o.err);
	done(&o);

	printf("broken, 2 threads: violation, exit 1 (up to %d tries, windows 100 ms to 1 s, for "
	       "the race to show):\n",
	       (int)RACE_TRIES);
	bool seen = race_caught("broken", NULL, NULL, lost_updates_seen);
	if (allowed >= 2)
		CHECK(seen);

	/* Readers that take nothing: writers run while they are inside; caught as torn reads. */
	printf("rw-read-nothing, --read-pct 50, 2 threads: torn reads, violation, exit 1:\n");
	seen = race_caught("rw-read-nothing", "--read-pct", "50", torn_reads_seen);
	if (allowed >= 2)
		CHECK(seen);
	return tu_summary("harness_run_cli");
}
