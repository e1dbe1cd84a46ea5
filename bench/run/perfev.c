/* perfev.c — per-thread counters with perf_event_open(2). See perfev.h. */
#define _GNU_SOURCE
#include "run/perfev.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_event(struct perf_event_attr *attr, pid_t tid)
{
	/* cpu -1: follow the thread wherever it runs; no group, no flags. */
	long fd = syscall(SYS_perf_event_open, attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

int perfev_open(struct perfev *ev, enum perfev_kind kind, pid_t tid, char *why, size_t why_len)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.size = sizeof attr;
	if (kind == PERFEV_CACHE_MISSES) {
		attr.type = PERF_TYPE_HARDWARE;
		attr.config = PERF_COUNT_HW_CACHE_MISSES;
	} else {
		attr.type = PERF_TYPE_SOFTWARE;
		attr.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	}
	/* Per thread only: the workers are created before the counters are opened, and a
	 * counter must not follow any thread they might start. */
	attr.inherit = 0;
	attr.exclude_hv = 1;
	attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	ev->fd = -1;
	ev->user_only = 0;
	int fd = open_event(&attr, tid);
	if (fd == -EACCES || fd == -EPERM) {
		/* perf_event_paranoid >= 2 without CAP_PERFMON allows user-space counting only. A
		 * context switch happens in the kernel, so this fallback counts none of them. */
		attr.exclude_kernel = 1;
		fd = open_event(&attr, tid);
		ev->user_only = fd >= 0;
	}
	if (fd < 0) {
		snprintf(why, why_len, "unavailable: %s", strerror(-fd));
		return fd;
	}
	ev->fd = fd;
	if (why_len)
		snprintf(why, why_len, "available%s", ev->user_only ? " (user space only)" : "");
	return 0;
}

int perfev_read(const struct perfev *ev, uint64_t *value)
{
	uint64_t buf[3]; /* value, time_enabled, time_running */
	if (ev->fd < 0)
		return -EBADF;
	ssize_t n = read(ev->fd, buf, sizeof buf);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof buf)
		return -EIO;
	if (buf[2] == 0) {
		/* Never scheduled onto the PMU (all counters busy): no count, rather than zero. */
		if (buf[1] != 0)
			return -ENODATA;
		*value = 0; /* neither enabled nor running yet: nothing has happened */
		return 0;
	}
	if (buf[2] < buf[1])
		*value = (uint64_t)((double)buf[0] * (double)buf[1] / (double)buf[2]);
	else
		*value = buf[0];
	return 0;
}

void perfev_close(struct perfev *ev)
{
	if (ev->fd >= 0)
		close(ev->fd);
	ev->fd = -1;
}
