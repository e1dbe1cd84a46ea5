/* exec.h — `lockbench exec` below the command line: is PROG a program LD_PRELOAD can reach, where
 * the preload library is, one run of PROG under a lock (its own process group, a timeout, its
 * rusage), and the number --metric reads from its output. The "which lock" result set is
 * exec_set.h; the profile reader is profile.h (another part, docs/EXEC.md).
 *
 * Nothing here prints: every function returns 0 or a negative errno with one line in `err`
 * (no "lockbench:" prefix), -EINVAL/-ENOENT/-EACCES/-ENOEXEC/-EPERM for a user's mistake about
 * PROG, which the command prints in the one dialect and exits 2 on.
 */
#ifndef LB_EXEC_H
#define LB_EXEC_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The default --timeout, and the grace between the SIGTERM that ends a run and the SIGKILL that
 * follows when the program ignores it (also when the user interrupts lockbench). */
#define EXEC_DEFAULT_TIMEOUT_NS (600ull * 1000000000ull)
#define EXEC_KILL_GRACE_NS (5ull * 1000000000ull)
/* --metric searches at most the last this-many bytes of a run's output. */
#define EXEC_METRIC_TAIL (16u << 20)

/* Write the message into err and return rc: how every failure of this room is reported. */
int exec_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* PROG as execvp would find it: a name with a '/' as it is, else the first PATH entry (or
 * confstr's default path when PATH is unset) holding an executable regular file. The result is
 * an absolute path in `path`. -ENOENT "not found", -EACCES "not executable", -EISDIR. */
int exec_resolve(const char *prog, char *path, size_t len, char *err, size_t errlen);

/* Whether LD_PRELOAD can reach the program at `path`: a dynamically linked ELF of this
 * process's class and machine (it has a PT_INTERP, the loader that reads LD_PRELOAD), or a
 * `#!` script whose interpreter is one; not setuid, setgid or holding file capabilities (the
 * loader ignores LD_PRELOAD in secure-execution mode). 0, or -ENOEXEC / -EPERM with why. */
int exec_check_preloadable(const char *path, char *err, size_t errlen);

/* The preload library (docs/EXEC.md): $LOCKBENCH_PRELOAD, else preload/ next to this executable
 * (the build tree: bench/lockbench and bench/preload/liblockbench-preload.so), else the installed
 * LIBDIR/liblockbench-preload.so. An absolute path in buf, or -ENOENT saying where it looked. */
int exec_preload_path(char *buf, size_t len, char *err, size_t errlen);

/* One run of PROG. */
struct exec_spawn {
	const char *path;       /* exec_resolve's */
	char *const *argv;      /* argv[0] as the user typed it */
	const char *preload;    /* exec_preload_path's */
	const char *lock;       /* LOCKBENCH_LOCK; NULL: unset (glibc's mutex stays) */
	const char *profile_dir; /* LOCKBENCH_PROFILE_DIR; NULL: unset */
	/* 1 or 2: that stream of PROG is copied to ours and to capture_fd as it comes (tee);
	 * 0: PROG writes to our streams itself. */
	int capture_stream;
	int capture_fd;
	uint64_t timeout_ns;    /* 0: none */
	uint64_t grace_ns;      /* SIGTERM .. SIGKILL */
};

struct exec_run {
	double wall_s;          /* fork to exit, CLOCK_MONOTONIC */
	double user_s, sys_s;   /* wait4's rusage: PROG and the children it waited for */
	long vcsw, ivcsw;
	int wait_status;
	bool timed_out;         /* the timeout killed it (wait_status says by which signal) */
	bool interrupted;       /* SIGINT/SIGTERM to lockbench (runner_interrupted) killed it */
	bool copy_failed;       /* writing the captured stream to ours failed (it went on) */
	/* It was stopped for reading (or writing to) the terminal, which a background process group
	 * may not: it would wait for ever, so it was killed. */
	bool tty_stopped;
};

/* Run PROG in its own process group with the environment of docs/EXEC.md; on the timeout or
 * an interruption, SIGTERM to the group and SIGKILL after grace_ns. Returns 0 with *r filled,
 * or -errno when PROG could not be started (fork, pipe, or execve's own error: the message says
 * which). */
int exec_spawn_run(const struct exec_spawn *s, struct exec_run *r, char *err, size_t errlen);

/* The environment PROG gets: environ with LD_PRELOAD (ours first), LOCKBENCH_LOCK and
 * LOCKBENCH_PROFILE_DIR set or removed. NULL-terminated, malloc'd (free with exec_env_free). */
char **exec_env_build(const struct exec_spawn *s);
void exec_env_free(char **env);

/* "exited with status 3", "was killed by SIGKILL" (wait status into buf). */
void exec_describe_status(int wait_status, char *buf, size_t len);

/* --metric: compile REGEX (POSIX extended); it must have a capture group. 0 or -EINVAL. */
int exec_metric_compile(regex_t *re, const char *regex, char *err, size_t errlen);
/* The number in the first capture group of the LAST match in the text of fd (read from its
 * start, at most its last EXEC_METRIC_TAIL bytes), matched line by line. 0 with *value;
 * -ENOENT "no line matches"; -EINVAL when the group is not a number; the note says which. */
int exec_metric_read(const regex_t *re, int fd, double *value, char *note, size_t notelen);

#endif
