/* fault_write.c — an LD_PRELOAD shim that makes writes to one named file fail, so that every
 * writer of lockbench can be driven into its error path without racing a real file system.
 *
 *   LB_FAULT_FILE=NAME    the file: a path whose last component is NAME, or .NAME.tmp
 *                         (results/file.h's temporaries) or .partial-NAME (older ones), or `stdout`
 *   LB_FAULT_AFTER=N      bytes that may still be written to it (summed over every open of it
 *                         in this process; default 0); the write that crosses N is cut short at
 *                         N, as a filling disk cuts it, and every later one fails
 *   LB_FAULT_ERRNO=E      the errno of the failing writes (default ENOSPC)
 *   LB_FAULT_FORK=N       forks that may still succeed in this process; every later one fails
 *                         with EAGAIN, as at a process limit (independent of LB_FAULT_FILE)
 *
 * Writes reach the file through write(2) on a descriptor from open/openat (interposed here), or
 * through stdio: glibc's FILE calls its internal write, which no preload can see, so a matching
 * fopen returns a fopencookie stream over a real descriptor whose write goes through the limit,
 * and `stdout` is replaced by such a stream when it is the target. Processes started from a
 * faulted one (gnuplot) inherit the shim; forked children inherit its byte count.
 */
/* open/fopen must keep their own names here: with 64-bit offsets glibc renames them open64. */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FD 4096

static const char *target;
static unsigned long long budget;
static int fault_errno = ENOSPC;
static atomic_ullong written;
static atomic_bool tracked[MAX_FD];

static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static FILE *(*real_fopen)(const char *, const char *);
static pid_t (*real_fork)(void);
static long forks_left = -1; /* -1: forks are not faulted */

/* Another library's constructor may open or write before ours runs: every entry point resolves
 * the real functions first. */
static void resolve(void)
{
	if (real_fopen)
		return;
	/* POSIX's way to turn dlsym's object pointer into a function pointer. */
	*(void **)&real_write = dlsym(RTLD_NEXT, "write");
	*(void **)&real_open = dlsym(RTLD_NEXT, "open");
	*(void **)&real_openat = dlsym(RTLD_NEXT, "openat");
	*(void **)&real_close = dlsym(RTLD_NEXT, "close");
	*(void **)&real_fopen = dlsym(RTLD_NEXT, "fopen");
	*(void **)&real_fork = dlsym(RTLD_NEXT, "fork");
}

pid_t fork(void)
{
	resolve();
	if (forks_left == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (forks_left > 0)
		forks_left--;
	return real_fork();
}

__attribute__((constructor(101))) static void fault_init(void)
{
	resolve();
	const char *f = getenv("LB_FAULT_FORK");
	if (f && *f)
		forks_left = strtol(f, NULL, 10);
	const char *t = getenv("LB_FAULT_FILE");
	if (!t || !*t)
		return;
	target = t;
	const char *a = getenv("LB_FAULT_AFTER");
	if (a)
		budget = strtoull(a, NULL, 10);
	const char *e = getenv("LB_FAULT_ERRNO");
	if (e && atoi(e) > 0)
		fault_errno = atoi(e);
	if (strcmp(target, "stdout") == 0)
		tracked[STDOUT_FILENO] = true;
}

static bool matches(const char *path)
{
	if (!target || !path)
		return false;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strcmp(base, target) == 0)
		return true;
	size_t n = strlen(target);
	/* .NAME.tmp (results/file.h's temporaries) or .partial-NAME (the report's, before) */
	if (base[0] == '.' && strncmp(base + 1, target, n) == 0 && strcmp(base + 1 + n, ".tmp") == 0)
		return true;
	return strncmp(base, ".partial-", 9) == 0 && strcmp(base + 9, target) == 0;
}

/* How much of len may still be written: len, less, or 0 (then fail). */
static size_t allowed(size_t len)
{
	unsigned long long used = atomic_load(&written);
	unsigned long long left = used >= budget ? 0 : budget - used;
	return len < left ? len : (size_t)left;
}

static ssize_t limited_write(int fd, const void *buf, size_t len)
{
	if (len == 0)
		return real_write(fd, buf, 0);
	size_t n = allowed(len);
	if (n == 0) {
		errno = fault_errno;
		return -1;
	}
	ssize_t w = real_write(fd, buf, n);
	if (w > 0)
		atomic_fetch_add(&written, (unsigned long long)w);
	return w;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	resolve();
	if (fd >= 0 && fd < MAX_FD && atomic_load(&tracked[fd]))
		return limited_write(fd, buf, len);
	return real_write(fd, buf, len);
}

static int track(int fd, const char *path)
{
	if (fd >= 0 && fd < MAX_FD)
		atomic_store(&tracked[fd], matches(path));
	return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
	/* O_TMPFILE includes O_DIRECTORY's bit: test it whole, or a directory open reads a mode
	 * that was never passed. */
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	resolve();
	return track(real_open(path, flags, mode), path);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	resolve();
	return track(real_openat(dirfd, path, flags, mode), path);
}

int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

int close(int fd)
{
	resolve();
	if (fd >= 0 && fd < MAX_FD)
		atomic_store(&tracked[fd], false);
	return real_close(fd);
}

/* ---- stdio ------------------------------------------------------------------------------- */

/* glibc takes a short cookie write as the error itself, so keep writing as write(2)'s caller
 * would until the limit refuses: the stream then fails with that write's errno. */
static ssize_t cookie_write(void *c, const char *buf, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = limited_write((int)(intptr_t)c, buf + off, len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	return (ssize_t)off;
}

static ssize_t cookie_read(void *c, char *buf, size_t len)
{
	return read((int)(intptr_t)c, buf, len);
}

static int cookie_seek(void *c, off64_t *off, int whence)
{
	off_t r = lseek((int)(intptr_t)c, (off_t)*off, whence);
	if (r < 0)
		return -1;
	*off = r;
	return 0;
}

static int cookie_close(void *c)
{
	return real_close((int)(intptr_t)c);
}

static const cookie_io_functions_t cookie_fns = {
	.read = cookie_read, .write = cookie_write, .seek = cookie_seek, .close = cookie_close,
};

FILE *fopen(const char *path, const char *mode)
{
	resolve();
	if (!matches(path))
		return real_fopen(path, mode);
	int flags = strchr(mode, '+') ? O_RDWR : mode[0] == 'r' ? O_RDONLY : O_WRONLY;
	if (mode[0] == 'w')
		flags |= O_CREAT | O_TRUNC;
	else if (mode[0] == 'a')
		flags |= O_CREAT | O_APPEND;
	int fd = real_open(path, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return NULL;
	if (mode[0] == 'a')
		lseek(fd, 0, SEEK_END); /* ftello on a new append stream reports the file's size */
	FILE *f = fopencookie((void *)(intptr_t)fd, mode, cookie_fns);
	if (!f)
		real_close(fd);
	return f;
}

FILE *fopen64(const char *path, const char *mode) __attribute__((alias("fopen")));

__attribute__((constructor(102))) static void fault_stdout(void)
{
	if (!target || strcmp(target, "stdout") != 0)
		return;
	int fd = dup(STDOUT_FILENO);
	FILE *f = fd >= 0 ? fopencookie((void *)(intptr_t)fd, "w", cookie_fns) : NULL;
	if (f)
		stdout = f;
}
