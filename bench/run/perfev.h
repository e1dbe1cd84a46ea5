/* perfev.h — per-thread performance counters through perf_event_open(2).
 *
 * The coordinator opens one counter per worker thread (pid = the worker's TID, cpu = -1,
 * inherit off), and reads it at the window's edges like the other per-thread figures. Hardware
 * events are often unavailable (virtual machines, containers, perf_event_paranoid): then
 * perfev_open fails with the reason, and the result is empty, never zero. The same code path
 * is exercised by the tests with a software event (context switches), which works everywhere.
 */
#ifndef LB_PERFEV_H
#define LB_PERFEV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct perfev {
	int fd;          /* -1 when not open */
	int user_only;   /* the kernel refused kernel-side counting; this counts user space only */
};

enum perfev_kind {
	PERFEV_CACHE_MISSES,     /* PERF_TYPE_HARDWARE / PERF_COUNT_HW_CACHE_MISSES */
	PERFEV_CONTEXT_SWITCHES, /* PERF_TYPE_SOFTWARE / PERF_COUNT_SW_CONTEXT_SWITCHES */
};

/* Open a counter of `kind` for thread `tid`, counting from now. Returns 0, or -errno with a
 * one-line reason in why ("unavailable: No such file or directory"). Tries user+kernel first
 * and falls back to user space only when the kernel refuses (perf_event_paranoid). */
int perfev_open(struct perfev *ev, enum perfev_kind kind, pid_t tid, char *why, size_t why_len);
/* The current count, scaled for multiplexing (time_enabled / time_running). 0 or -errno. */
int perfev_read(const struct perfev *ev, uint64_t *value);
void perfev_close(struct perfev *ev);

#endif
