/* exec_prog.c — the small programs tests/exec/exec_cli.sh runs under `lockbench exec`, one mode
 * per argument (each bounded: nothing here runs longer than EXEC_PROG_MAX_S on its own).
 *
 *   exec_prog sleep MS           sleep, then print "time: <MS/1000>"
 *   exec_prog print TEXT         print TEXT and a newline on stdout
 *   exec_prog eprint TEXT        the same on stderr
 *   exec_prog exit N             exit with status N
 *   exec_prog touch FILE         create FILE (a test sees that PROG ran)
 *   exec_prog env                print LD_PRELOAD, LOCKBENCH_LOCK and LOCKBENCH_PROFILE_DIR
 *   exec_prog ignore-term FILE   fork a child; both ignore SIGTERM and wait; the child's pid
 *                                goes to FILE (so a test can see the group was killed)
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXEC_PROG_MAX_S 120

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v ? v : "(unset)";
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *mode = argv[1], *arg = argc > 2 ? argv[2] : "";
	if (strcmp(mode, "sleep") == 0) {
		long ms = atol(arg);
		sleep_ms(ms);
		printf("time: %.3f\n", (double)ms / 1000.0);
		return 0;
	}
	if (strcmp(mode, "print") == 0)
		return printf("%s\n", arg) < 0;
	if (strcmp(mode, "eprint") == 0)
		return fprintf(stderr, "%s\n", arg) < 0;
	if (strcmp(mode, "touch") == 0) {
		FILE *f = fopen(arg, "w");
		return f ? fclose(f) != 0 : 1;
	}
	if (strcmp(mode, "exit") == 0)
		return atoi(arg);
	if (strcmp(mode, "env") == 0) {
		printf("LD_PRELOAD=%s\nLOCKBENCH_LOCK=%s\nLOCKBENCH_PROFILE_DIR=%s\n",
		       env("LD_PRELOAD"), env("LOCKBENCH_LOCK"), env("LOCKBENCH_PROFILE_DIR"));
		return 0;
	}
	if (strcmp(mode, "ignore-term") == 0) {
		signal(SIGTERM, SIG_IGN);
		pid_t child = fork();
		if (child == 0) {
			for (int i = 0; i < EXEC_PROG_MAX_S; i++)
				sleep_ms(1000);
			_exit(0);
		}
		FILE *f = fopen(arg, "w");
		if (f) {
			fprintf(f, "%d\n", (int)child);
			fclose(f);
		}
		for (int i = 0; i < EXEC_PROG_MAX_S; i++)
			sleep_ms(1000);
		return 0;
	}
	return 2;
}
