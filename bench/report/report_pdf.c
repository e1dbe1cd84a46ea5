/* report_pdf.c — report.pdf: report.html printed by headless Chromium (its print stylesheet puts
 * each section on a new page and the plots at the page's width; report_doc.c). Chromium is found
 * in PATH, run offline (every host name resolves to nothing) with a private profile, bounded in
 * time, and its PDF taken only when it is whole (%PDF at the start, %%EOF at the end), through a
 * temporary name: a report.pdf is never half-written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report/report.h"

extern char **environ;

#define PDF_TIMEOUT_S 180

/* The first of Debian's and Google's names for Chromium found in PATH, into buf. */
static bool find_chromium(char *buf, size_t len)
{
	static const char *const names[] = { "chromium", "chromium-browser", "google-chrome" };
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		for (const char *p = path; *p;) {
			size_t n = strcspn(p, ":");
			if (n && (size_t)snprintf(buf, len, "%.*s/%s", (int)n, p, names[i]) < len &&
			    access(buf, X_OK) == 0)
				return true;
			p += n + (p[n] == ':');
		}
	}
	return false;
}

/* path is a whole PDF: it starts with %PDF- and its tail holds %%EOF. */
static bool pdf_is_whole(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char head[5], tail[64];
	off_t size = lseek(fd, 0, SEEK_END);
	bool ok = size > 64 && pread(fd, head, 5, 0) == 5 && memcmp(head, "%PDF-", 5) == 0 &&
		  pread(fd, tail, sizeof tail, size - (off_t)sizeof tail) == (ssize_t)sizeof tail &&
		  memmem(tail, sizeof tail, "%%EOF", 5) != NULL;
	close(fd);
	return ok;
}

static void remove_tree(const char *dir)
{
	/* The profile Chromium filled: a fixed command, no shell, bounded by its own design. */
	pid_t pid;
	char *argv[] = { "rm", "-rf", "--", (char *)dir, NULL };
	if (posix_spawnp(&pid, "rm", NULL, NULL, argv, environ) == 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
}

int report_print_pdf(const char *dir, char *err, size_t errlen)
{
	char chromium[PATH_MAX], abs[PATH_MAX], url[PATH_MAX + 16], tmp[PATH_MAX], final[PATH_MAX];
	char arg_pdf[PATH_MAX + 32], arg_profile[PATH_MAX + 32];
	if (!find_chromium(chromium, sizeof chromium))
		return report_fail(err, errlen, -ENOENT,
				   "report: --pdf prints report.html with headless Chromium, which is "
				   "not installed (Debian: apt-get install chromium); report.html "
				   "is written");
	if (!realpath(dir, abs))
		return report_fail(err, errlen, -errno, "report: %s: %s", dir, strerror(errno));
	int rc;
	if ((rc = report_join(tmp, sizeof tmp, abs, ".partial-report.pdf", err, errlen)) ||
	    (rc = report_join(final, sizeof final, abs, "report.pdf", err, errlen)))
		return rc;
	if ((size_t)snprintf(url, sizeof url, "file://%s/report.html", abs) >= sizeof url)
		return report_fail(err, errlen, -ENAMETOOLONG, "report: %s: path too long", abs);
	char profile[] = "/tmp/lockbench-pdf.XXXXXX";
	if (!mkdtemp(profile))
		return report_fail(err, errlen, -errno, "report: a temporary directory: %s",
				   strerror(errno));
	snprintf(arg_pdf, sizeof arg_pdf, "--print-to-pdf=%s", tmp);
	snprintf(arg_profile, sizeof arg_profile, "--user-data-dir=%s", profile);
	char *argv[] = { chromium, "--headless", "--no-sandbox", "--disable-gpu",
			 "--no-first-run", "--disable-background-networking", "--disable-sync",
			 "--disable-component-update", "--host-resolver-rules=MAP * ~NOTFOUND",
			 "--no-pdf-header-footer", "--virtual-time-budget=20000", arg_profile,
			 arg_pdf, url, NULL };
	unlink(tmp);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* Its own process group, so that a timeout stops its helper processes too. */
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	pid_t pid;
	fflush(NULL);
	int e = posix_spawn(&pid, chromium, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e) {
		remove_tree(profile);
		return report_fail(err, errlen, -e, "report: cannot run %s: %s", chromium,
				   strerror(e));
	}
	int status = 0;
	bool timed_out = false;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= PDF_TIMEOUT_S) {
			timed_out = true;
			kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		nanosleep(&(struct timespec){ 0, 50 * 1000000L }, NULL);
	}
	kill(-pid, SIGKILL); /* helpers it may have left behind */
	remove_tree(profile);
	if (timed_out)
		rc = report_fail(err, errlen, -ETIMEDOUT, "report: Chromium did not print %s within "
				 "%d s", url, PDF_TIMEOUT_S);
	else if (!pdf_is_whole(tmp))
		rc = report_fail(err, errlen, -EIO, "report: Chromium (%s %d) wrote no whole PDF "
				 "of %s", WIFEXITED(status) ? "exit" : "signal",
				 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), url);
	else if (rename(tmp, final) != 0)
		rc = report_fail(err, errlen, -errno, "report: rename %s: %s", tmp, strerror(errno));
	if (rc)
		unlink(tmp);
	return rc;
}
