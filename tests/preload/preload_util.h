/* preload_util.h — what the preload tests share: run this same binary again as a child with
 * LD_PRELOAD=the built library and a given environment, bounded by a timeout, and read back what
 * it printed and the files it left.
 *
 * Why a parent and a child: the parent must stay uninterposed (it judges), each lock needs a fresh
 * process (LOCKBENCH_LOCK is read once per process), and a child that hangs or crashes must turn
 * into one failed check, not a hung test. The library's path comes from meson (LBP_PRELOAD_LIB).
 */
#ifndef LBP_PRELOAD_UTIL_H
#define LBP_PRELOAD_UTIL_H

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

struct pu_result {
	int status;      /* waitpid status; -1 when it did not finish */
	int timed_out;
	char out[16384]; /* stdout + stderr, NUL-terminated, truncated */
	char err[4096];  /* stderr alone */
};

static inline const char *pu_lib(const char *prog)
{
	if (TU_TSAN) {
		/* The library itself is built without sanitizers and would load; but TSan's own
		 * pthread interceptors in this program report what these tests do on purpose
		 * (non-owner unlocks, the unsynchronised `null` control) and exit 66. ASan builds
		 * run them (scripts/test.sh asan). */
		printf("%s: SKIP under ThreadSanitizer: its interceptors report the tests' "
		       "deliberate misuse\n", prog);
		exit(TU_SKIP);
	}
	const char *lib = getenv("LBP_PRELOAD_LIB");
	if (!lib || !*lib || access(lib, R_OK) != 0) {
		fprintf(stderr, "%s: LBP_PRELOAD_LIB must name the built liblockbench-preload.so\n",
			prog);
		exit(2);
	}
	return lib;
}

static inline void pu_drain(int fd, char *buf, size_t cap, size_t *len)
{
	for (;;) {
		ssize_t n = read(fd, buf + *len, cap - 1 - *len);
		if (n <= 0)
			break;
		*len += (size_t)n;
		if (*len >= cap - 1)
			break;
	}
	buf[*len] = 0;
}

/* Run argv with the current environment plus `env` ("K=V" strings, NULL-terminated; "K=" with
 * an empty value removes K) and LD_PRELOAD=lib (unless lib is NULL). */
static inline int pu_run(const char *lib, char *const argv[], const char *const env[],
			 int timeout_s, struct pu_result *r)
{
	memset(r, 0, sizeof *r);
	r->status = -1;
	int po[2], pe[2];
	if (pipe(po) != 0 || pipe(pe) != 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		unsetenv("LD_PRELOAD");
		for (unsigned i = 0; env && env[i]; i++) {
			char kv[4096];
			snprintf(kv, sizeof kv, "%s", env[i]);
			char *eq = strchr(kv, '=');
			if (!eq)
				continue;
			*eq = 0;
			if (eq[1])
				setenv(kv, eq + 1, 1);
			else
				unsetenv(kv);
		}
		if (lib)
			setenv("LD_PRELOAD", lib, 1);
		execv("/proc/self/exe", argv);
		_exit(126);
	}
	close(po[1]);
	close(pe[1]);
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	size_t olen = 0, elen = 0;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pu_drain(po[0], r->out, sizeof r->out, &olen);
		pu_drain(pe[0], r->err, sizeof r->err, &elen);
		int st;
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid) {
			r->status = st;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > timeout_s) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			r->timed_out = 1;
			break;
		}
		struct timespec nap = {0, 2000000};
		nanosleep(&nap, NULL);
	}
	pu_drain(po[0], r->out, sizeof r->out, &olen);
	pu_drain(pe[0], r->err, sizeof r->err, &elen);
	close(po[0]);
	close(pe[0]);
	/* The child's stderr after its stdout, so that one buffer shows everything. */
	snprintf(r->out + olen, sizeof r->out - olen, "%s", r->err);
	return 0;
}

static inline int pu_exit_code(const struct pu_result *r)
{
	if (r->timed_out || r->status < 0)
		return -1;
	if (WIFEXITED(r->status))
		return WEXITSTATUS(r->status);
	return 128 + WTERMSIG(r->status);
}

/* Print a child's output indented, for the log of a failed check. */
static inline void pu_show(const char *what, const struct pu_result *r)
{
	printf("  --- %s (exit %d%s):\n", what, pu_exit_code(r), r->timed_out ? ", timed out" : "");
	const char *p = r->out;
	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		printf("    | %.*s\n", n, p);
		p += n + (nl ? 1 : 0);
	}
}

static inline int pu_find_lib(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	return info->dlpi_name && strstr(info->dlpi_name, "liblockbench-preload") != NULL;
}

/* Whether the preload library is in this process and pthread_mutex_lock leads to it: resolves
 * to it, or to the executable (a sanitizer runtime's interceptor, which calls the next
 * definition: ours). */
static inline int pu_interposed(void)
{
	Dl_info info;
	void *sym = dlsym(RTLD_DEFAULT, "pthread_mutex_lock");
	if (!sym || !dladdr(sym, &info) || !info.dli_fname || !dl_iterate_phdr(pu_find_lib, NULL))
		return 0;
	return strstr(info.dli_fname, "liblockbench-preload") != NULL ||
	       dlsym(RTLD_DEFAULT, "__asan_init") || dlsym(RTLD_DEFAULT, "__tsan_init");
}

/* Read the LOCKBENCH_PRELOAD_STATS line of process pid from path. 1 found, 0 not. */
static inline int pu_stats(const char *path, int pid, unsigned long long *interposed,
			   unsigned long long *real)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[256];
	int found = 0;
	while (fgets(line, sizeof line, f)) {
		int p;
		unsigned long long i, r;
		if (sscanf(line, "pid=%d interposed=%llu real=%llu", &p, &i, &r) == 3 &&
		    (pid == 0 || p == pid)) {
			*interposed = i;
			*real = r;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* A fresh temporary directory (mkdtemp under TMPDIR or /tmp). */
static inline void pu_tmpdir(char *buf, size_t len, const char *tag)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, len, "%s/lbp-%s-XXXXXX", t && *t ? t : "/tmp", tag);
	if (!mkdtemp(buf))
		tu_die(tag, "mkdtemp", errno);
}

struct pu_pairs {
	pthread_mutex_t *m;
	int iters;
};

static inline void *pu_pairs_thread(void *arg)
{
	const struct pu_pairs *p = arg;
	for (int i = 0; i < p->iters; i++) {
		pthread_mutex_lock(p->m);
		pthread_mutex_unlock(p->m);
	}
	return NULL;
}

/* Two threads each make `iters` lock/unlock pairs on m, called from this program (the profile
 * tests check the calls' count and where they came from); returns when both are done. */
static inline void pu_two_threads_pairs(pthread_mutex_t *m, int iters)
{
	struct pu_pairs p = { m, iters };
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, pu_pairs_thread, &p);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

#endif
