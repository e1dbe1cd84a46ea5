/* exec_check.c — before PROG runs: find it as execvp would, and refuse what LD_PRELOAD cannot
 * reach, each with one line saying why (exec.h).
 *
 * What makes the loader honour LD_PRELOAD (ld.so(8)): the program is dynamically linked, i.e.
 * the kernel starts its PT_INTERP loader first (a static or static-pie binary has no PT_INTERP,
 * and nothing reads LD_PRELOAD in it); the library is of the program's ELF class and machine
 * (else the loader prints "wrong ELF class" and ignores it); and the process is not in
 * secure-execution mode, which setuid, setgid and file capabilities all cause. A `#!` script is
 * run by its interpreter, which is what must pass these checks.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "exec/exec.h"
#include "exec/exec_config.h"

/* binfmt_script follows nested interpreters a few levels deep; more than this is a loop. */
#define EXEC_MAX_INTERP_DEPTH 4

int exec_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* 0 when path is an executable regular file, else -errno (-EISDIR for a directory). */
static int executable_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return access(path, X_OK) == 0 ? 0 : -errno;
}

static int absolute(const char *path, char *out, size_t len, char *err, size_t errlen)
{
	char *real = realpath(path, NULL);
	if (!real)
		return exec_fail(err, errlen, -errno, "'%s': %s", path, strerror(errno));
	int w = snprintf(out, len, "%s", real);
	free(real);
	if (w < 0 || (size_t)w >= len)
		return exec_fail(err, errlen, -ENAMETOOLONG, "'%s': path too long", path);
	return 0;
}

int exec_resolve(const char *prog, char *path, size_t len, char *err, size_t errlen)
{
	if (!*prog)
		return exec_fail(err, errlen, -ENOENT, "the program name is empty");
	if (strchr(prog, '/')) {
		int rc = executable_file(prog);
		if (rc == -EISDIR)
			return exec_fail(err, errlen, rc, "'%s' is a directory, not a program", prog);
		if (rc == -EACCES)
			return exec_fail(err, errlen, rc, "'%s' is not executable", prog);
		if (rc)
			return exec_fail(err, errlen, rc, "'%s': %s", prog, strerror(-rc));
		return absolute(prog, path, len, err, errlen);
	}
	char defpath[256] = "/bin:/usr/bin";
	const char *env = getenv("PATH");
	if (!env) {
		size_t n = confstr(_CS_PATH, defpath, sizeof defpath);
		env = n > 0 && n <= sizeof defpath ? defpath : "/bin:/usr/bin";
	}
	/* As execvp: an entry where the file exists but cannot be run is remembered, and said,
	 * when no later entry has a runnable one. */
	bool denied = false;
	for (const char *p = env;; p++) {
		size_t n = strcspn(p, ":");
		char cand[PATH_MAX];
		/* An empty entry is the current directory. */
		int w = n ? snprintf(cand, sizeof cand, "%.*s/%s", (int)n, p, prog)
			  : snprintf(cand, sizeof cand, "./%s", prog);
		if (w > 0 && (size_t)w < sizeof cand) {
			int rc = executable_file(cand);
			if (rc == 0)
				return absolute(cand, path, len, err, errlen);
			denied |= rc == -EACCES;
		}
		p += n;
		if (!*p)
			break;
	}
	if (denied)
		return exec_fail(err, errlen, -EACCES, "'%s' is in PATH but not executable", prog);
	return exec_fail(err, errlen, -ENOENT, "'%s' is not found in PATH", prog);
}

/* The ELF class and machine of this process's own executable: what the preload library is
 * built for (it is built with lockbench). */
static int own_elf(unsigned char *cls, unsigned *machine)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	Elf64_Ehdr eh;
	ssize_t got = pread(fd, &eh, sizeof eh, 0);
	close(fd);
	if (got < (ssize_t)sizeof(Elf32_Ehdr) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	*cls = eh.e_ident[EI_CLASS];
	*machine = eh.e_machine; /* at the same offset in both classes */
	return 0;
}

/* Does the ELF file behind fd have a PT_INTERP program header? 1, 0, or -ENOEXEC (malformed). */
static int elf_has_interp(int fd, const unsigned char *ident)
{
	bool is64 = ident[EI_CLASS] == ELFCLASS64;
	uint64_t phoff;
	unsigned phnum, phentsize;
	if (is64) {
		Elf64_Ehdr eh;
		if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh)
			return -ENOEXEC;
		phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
	} else {
		Elf32_Ehdr eh;
		if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh)
			return -ENOEXEC;
		phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
	}
	size_t want = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	/* The kernel refuses more than 64 KiB of program headers; so do we. */
	if (phentsize < want || phnum == 0 || (uint64_t)phnum * phentsize > 65536)
		return -ENOEXEC;
	for (unsigned i = 0; i < phnum; i++) {
		uint32_t type;
		if (pread(fd, &type, sizeof type, (off_t)(phoff + (uint64_t)i * phentsize)) !=
		    (ssize_t)sizeof type)
			return -ENOEXEC;
		if (type == PT_INTERP)
			return 1;
	}
	return 0;
}

/* Secure-execution mode: setuid, setgid, or file capabilities. */
static int check_secure(const char *path, const char *what, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return exec_fail(err, errlen, -errno, "%s'%s': %s", what, path, strerror(errno));
	const char *bit = st.st_mode & S_ISUID ? "setuid" : st.st_mode & S_ISGID ? "setgid" : NULL;
	if (!bit && getxattr(path, "security.capability", NULL, 0) >= 0)
		bit = "given file capabilities";
	if (bit)
		return exec_fail(err, errlen, -EPERM,
			    "%s'%s' is %s: the loader ignores LD_PRELOAD for it (secure-execution "
			    "mode)", what, path, bit);
	return 0;
}

static int check_at(const char *path, int depth, char *err, size_t errlen)
{
	const char *what = depth ? "the script's interpreter " : "";
	int rc = check_secure(path, what, err, errlen);
	if (rc)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return exec_fail(err, errlen, -errno, "%s'%s': %s", what, path, strerror(errno));
	unsigned char head[256];
	ssize_t got = pread(fd, head, sizeof head - 1, 0);
	if (got >= 2 && head[0] == '#' && head[1] == '!') {
		close(fd);
		if (depth >= EXEC_MAX_INTERP_DEPTH)
			return exec_fail(err, errlen, -ENOEXEC, "'%s': #! interpreters nested too deep",
				    path);
		head[got] = '\0';
		char *s = (char *)head + 2;
		s += strspn(s, " \t");
		s[strcspn(s, " \t\n")] = '\0';
		if (!*s)
			return exec_fail(err, errlen, -ENOEXEC, "'%s': a #! line names no interpreter",
				    path);
		return check_at(s, depth + 1, err, errlen);
	}
	if (got < (ssize_t)sizeof(Elf32_Ehdr) || memcmp(head, ELFMAG, SELFMAG) != 0) {
		close(fd);
		return exec_fail(err, errlen, -ENOEXEC, "%s'%s' is neither an ELF program nor a #! script",
			    what, path);
	}
	unsigned char cls = 0;
	unsigned machine = 0;
	if (own_elf(&cls, &machine) == 0 &&
	    (head[EI_CLASS] != cls || ((Elf32_Ehdr *)head)->e_machine != machine)) {
		close(fd);
		return exec_fail(err, errlen, -ENOEXEC, "%s'%s' is a %s program for another machine or "
			    "class than lockbench's: the preload library cannot be loaded into it",
			    what, path, head[EI_CLASS] == ELFCLASS64 ? "64-bit" : "32-bit");
	}
	rc = elf_has_interp(fd, head);
	close(fd);
	if (rc < 0)
		return exec_fail(err, errlen, rc, "%s'%s': a malformed ELF file", what, path);
	if (rc == 0)
		return exec_fail(err, errlen, -ENOEXEC, "%s'%s' is statically linked (no program "
			    "interpreter): LD_PRELOAD would do nothing", what, path);
	return 0;
}

int exec_check_preloadable(const char *path, char *err, size_t errlen)
{
	return check_at(path, 0, err, errlen);
}

int exec_preload_path(char *buf, size_t len, char *err, size_t errlen)
{
	static const char name[] = "liblockbench-preload.so";
	const char *env = getenv("LOCKBENCH_PRELOAD");
	if (env && *env) {
		if (access(env, R_OK) != 0)
			return exec_fail(err, errlen, -ENOENT, "the preload library '%s' ($LOCKBENCH_PRELOAD) "
				    "is not found: %s", env, strerror(errno));
		return absolute(env, buf, len, err, errlen);
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		char cand[PATH_MAX + 64];
		snprintf(cand, sizeof cand, "%.*s/preload/%s", (int)(slash ? slash - exe : 0), exe,
			 name);
		if (slash && access(cand, R_OK) == 0)
			return absolute(cand, buf, len, err, errlen);
	}
	char inst[PATH_MAX];
	snprintf(inst, sizeof inst, "%s/%s", LB_EXEC_LIBDIR, name);
	if (access(inst, R_OK) == 0)
		return absolute(inst, buf, len, err, errlen);
	return exec_fail(err, errlen, -ENOENT, "the preload library %s is not found (not in "
		    "$LOCKBENCH_PRELOAD, preload/ beside this lockbench, nor %s)", name,
		    LB_EXEC_LIBDIR);
}
