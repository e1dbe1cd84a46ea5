/* exec_units.c — the exec room's pure parts on planted inputs: --metric's rule (the first group
 * of the LAST match, line by line, a number or a failure saying why), exec.args' round trip
 * (newlines and backslashes in arguments), the environment PROG gets, the ELF checks on planted
 * files, and the tie rule of the which-lock summary. Each rule is shown able to fail. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/exec.h"
#include "exec/exec_set.h"
#include "test_util.h"

/* A file holding `text`, read from its start. */
static int text_fd(const char *text)
{
	int fd = memfd_create("exec_units", MFD_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		tu_die("exec_units", "memfd", errno);
	return fd;
}

/* The --metric value of `text` under `regex`: the return code, *v and the note. */
static int metric_of(const char *regex, const char *text, double *v, char *note, size_t len)
{
	regex_t re;
	char err[256];
	if (exec_metric_compile(&re, regex, err, sizeof err) != 0)
		tu_die("exec_units", err, EINVAL);
	int fd = text_fd(text);
	*v = NAN;
	note[0] = '\0';
	int rc = exec_metric_read(&re, fd, v, note, len);
	close(fd);
	regfree(&re);
	return rc;
}

static void test_metric(void)
{
	char note[256], err[256];
	double v;
	printf("exec_units: --metric: the first group of the last match, line by line\n");
	CHECK_EQ(metric_of("time: ([0-9.]+)", "time: 1.5\nother\ntime: 2.25\n", &v, note,
			   sizeof note), 0);
	CHECK(v == 2.25);
	/* Two matches on one line: the later one. */
	CHECK_EQ(metric_of("t=([0-9]+)", "t=1 t=7\n", &v, note, sizeof note), 0);
	CHECK(v == 7);
	/* No newline at the end, CRLF line ends, spaces inside the group. */
	CHECK_EQ(metric_of("ops: *([0-9.e+]+ *)$", "ops: 3e+2 \r", &v, note, sizeof note), -ENOENT);
	CHECK_EQ(metric_of("ops: *([0-9.e+]+)", "ops: 3e+2\r\n", &v, note, sizeof note), 0);
	CHECK(v == 300);
	/* `^` is a line's start: a match never spans lines. */
	CHECK_EQ(metric_of("^a ([0-9]+)", "b a 1\na 2\nxa 3\n", &v, note, sizeof note), 0);
	CHECK(v == 2);
	CHECK_EQ(metric_of("time: ([0-9.]+)", "nothing here\n", &v, note, sizeof note), -ENOENT);
	CHECK(strstr(note, "no line") != NULL);
	CHECK(isnan(v));
	CHECK_EQ(metric_of("time: ([a-z]+)", "time: abc\n", &v, note, sizeof note), -EINVAL);
	CHECK(strstr(note, "'abc' is not a number") != NULL);
	CHECK_EQ(metric_of("time: ([0-9.]+)", "", &v, note, sizeof note), -ENOENT);
	/* An optional group that did not take part in the last match: the last match whose group
	 * did is the value. */
	CHECK_EQ(metric_of("t ?([0-9]+)?", "t 5 t\n", &v, note, sizeof note), 0);
	CHECK(v == 5);

	regex_t re;
	CHECK_EQ(exec_metric_compile(&re, "no group", err, sizeof err), -EINVAL);
	CHECK(strstr(err, "no capture group") != NULL);
	CHECK_EQ(exec_metric_compile(&re, "(", err, sizeof err), -EINVAL);

	/* Negative control: the first match is not the value. */
	tu_negative_begin();
	metric_of("time: ([0-9.]+)", "time: 1.5\ntime: 2.25\n", &v, note, sizeof note);
	CHECK(v == 1.5);
	CHECK_EQ(tu_negative_end(), 1);
}

static void test_args(void)
{
	printf("exec_units: exec.args keeps every argument whole\n");
	char dir[] = "/tmp/exec_units.XXXXXX";
	if (!mkdtemp(dir))
		tu_die("exec_units", "mkdtemp", errno);
	char *argv[] = { "exec", "--locks", "tas", "--seed", "9", "--out", "x", "--", "prog",
		"two\nlines", "back\\slash", "--seed", "", NULL };
	int argc = 13;
	CHECK_EQ(exec_args_write(dir, argc, argv, 42), 0);
	int rargc;
	char **rargv, *storage;
	CHECK_EQ(exec_args_read(dir, &rargc, &rargv, &storage), 0);
	/* exec --locks tas --seed=42 -- prog ARGS…: --out and the old seed dropped, PROG's own
	 * "--seed" kept. */
	static const char *const want[] = { "exec", "--locks", "tas", "--seed=42", "--", "prog",
		"two\nlines", "back\\slash", "--seed", "" };
	CHECK_EQ(rargc, 10);
	for (int i = 0; i < rargc && i < 10; i++)
		if (!CHECK(strcmp(rargv[i], want[i]) == 0))
			printf("    argument %d: '%s', expected '%s'\n", i, rargv[i], want[i]);
	free(rargv);
	free(storage);
	/* A file without the separator is not one this program wrote. */
	char path[128];
	snprintf(path, sizeof path, "%s/exec.args", dir);
	FILE *f = fopen(path, "w");
	fputs("--locks\ntas\n--seed=1\n", f);
	fclose(f);
	CHECK_EQ(exec_args_read(dir, &rargc, &rargv, &storage), -EINVAL);
	unlink(path);
	rmdir(dir);
}

static const char *find_env(char **env, const char *name)
{
	size_t n = strlen(name);
	for (; *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static void test_env(void)
{
	printf("exec_units: the environment of PROG (docs/EXEC.md)\n");
	setenv("LD_PRELOAD", "/other.so", 1);
	setenv("LOCKBENCH_PROFILE_DIR", "/inherited", 1);
	setenv("LOCKBENCH_LOCK", "inherited", 1);
	struct exec_spawn s = { .preload = "/abs/lib.so", .lock = "mcs" };
	char **env = exec_env_build(&s);
	CHECK(env != NULL);
	CHECK(strcmp(find_env(env, "LD_PRELOAD"), "/abs/lib.so:/other.so") == 0);
	CHECK(strcmp(find_env(env, "LOCKBENCH_LOCK"), "mcs") == 0);
	CHECK(find_env(env, "LOCKBENCH_PROFILE_DIR") == NULL);
	exec_env_free(env);
	unsetenv("LD_PRELOAD");
	s.lock = NULL;
	s.profile_dir = "/p";
	env = exec_env_build(&s);
	CHECK(strcmp(find_env(env, "LD_PRELOAD"), "/abs/lib.so") == 0);
	CHECK(find_env(env, "LOCKBENCH_LOCK") == NULL);
	CHECK(strcmp(find_env(env, "LOCKBENCH_PROFILE_DIR"), "/p") == 0);
	exec_env_free(env);
	unsetenv("LOCKBENCH_PROFILE_DIR");
	unsetenv("LOCKBENCH_LOCK");
}

static void planted_file(const char *path, const void *bytes, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, bytes, len) != (ssize_t)len)
		tu_die("exec_units", path, errno);
	close(fd);
	chmod(path, mode);
}

static void test_elf(const char *self)
{
	printf("exec_units: what LD_PRELOAD can reach\n");
	char err[512], dir[] = "/tmp/exec_units.XXXXXX", path[128];
	if (!mkdtemp(dir))
		tu_die("exec_units", "mkdtemp", errno);
	/* This test binary is dynamically linked: the control every refusal is measured against. */
	CHECK_EQ(exec_check_preloadable(self, err, sizeof err), 0);
	/* An ELF header with no program headers at all: malformed. */
	unsigned char elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	snprintf(path, sizeof path, "%s/noph", dir);
	planted_file(path, elf, sizeof elf, 0755);
	CHECK_EQ(exec_check_preloadable(path, err, sizeof err), -ENOEXEC);
	/* A 32-bit ELF, for this 64-bit lockbench. */
	elf[4] = 1;
	snprintf(path, sizeof path, "%s/elf32", dir);
	planted_file(path, elf, sizeof elf, 0755);
	CHECK_EQ(exec_check_preloadable(path, err, sizeof err), -ENOEXEC);
	CHECK(strstr(err, "32-bit") != NULL);
	snprintf(path, sizeof path, "%s/text", dir);
	planted_file(path, "hello\n", 6, 0755);
	CHECK_EQ(exec_check_preloadable(path, err, sizeof err), -ENOEXEC);
	CHECK(strstr(err, "neither an ELF program nor a #! script") != NULL);
	/* A script whose interpreter is a script whose interpreter is itself: a loop. */
	char loop[160];
	int n = snprintf(loop, sizeof loop, "#!%s/loop\n", dir);
	snprintf(path, sizeof path, "%s/loop", dir);
	planted_file(path, loop, (size_t)n, 0755);
	CHECK_EQ(exec_check_preloadable(path, err, sizeof err), -ENOEXEC);
	CHECK(strstr(err, "nested too deep") != NULL);
	n = snprintf(loop, sizeof loop, "#!  %s  -x\n", self);
	snprintf(path, sizeof path, "%s/ok", dir);
	planted_file(path, loop, (size_t)n, 0755);
	CHECK_EQ(exec_check_preloadable(path, err, sizeof err), 0);
	planted_file(path, "#!\n", 3, 0755);
	CHECK_EQ(exec_check_preloadable(path, err, sizeof err), -ENOEXEC);
	static const char *const names[] = { "noph", "elf32", "text", "loop", "ok" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(int argc, char **argv)
{
	(void)argc;
	test_metric();
	test_args();
	test_env();
	test_elf("/proc/self/exe");
	(void)argv;
	return tu_summary("exec_units");
}
