/* harness_run_perfev.c — the perf_event path the runner uses for cache misses, exercised with a
 * software event that works where hardware counters do not (as in VMs without a virtual PMU): one counter per
 * thread opened by another thread, read at two edges by that other thread.
 *
 * A worker sleeps SLEEPS times (each sleep is a voluntary context switch) between the edges;
 * the counter must see at least that many, and nothing before they happen. The hardware event
 * must either work or fail with "unavailable: <reason>", never pretend.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/perfev.h"
#include "test_util.h"

#define SLEEPS 20

static atomic_int tid_ready, go, done;
static pid_t worker_tid;

static void *sleeper(void *arg)
{
	(void)arg;
	worker_tid = gettid();
	atomic_store_explicit(&tid_ready, 1, memory_order_release);
	while (!atomic_load_explicit(&go, memory_order_acquire)) {
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < SLEEPS; i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	atomic_store_explicit(&done, 1, memory_order_release);
	/* Stay alive until the second edge has been read. */
	while (atomic_load_explicit(&go, memory_order_acquire) != 2) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;
	char why[128];
	if (pthread_create(&t, NULL, sleeper, NULL) != 0)
		tu_die("harness_run_perfev", "pthread_create", errno);
	while (!atomic_load_explicit(&tid_ready, memory_order_acquire)) {
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}

	struct perfev ev;
	int rc = perfev_open(&ev, PERFEV_CONTEXT_SWITCHES, worker_tid, why, sizeof why);
	printf("software event (context switches) on thread %d: %s\n", (int)worker_tid, why);
	CHECK_EQ(rc, 0);
	uint64_t a = 0, b = 0;
	if (rc == 0) {
		CHECK_EQ(perfev_read(&ev, &a), 0);
		atomic_store_explicit(&go, 1, memory_order_release);
		while (!atomic_load_explicit(&done, memory_order_acquire)) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
		CHECK_EQ(perfev_read(&ev, &b), 0);
		printf("  %llu context switches across %d sleeps%s\n", (unsigned long long)(b - a),
		       SLEEPS, ev.user_only ? " (user-space only: the kernel refused more)" : "");
		/* User-space-only counting cannot see a switch, which happens in the kernel. */
		if (!ev.user_only)
			CHECK(b - a >= SLEEPS);
		perfev_close(&ev);
		uint64_t x;
		CHECK_EQ(perfev_read(&ev, &x), -EBADF); /* closed: an error, not a zero */
	} else {
		atomic_store_explicit(&go, 1, memory_order_release);
	}
	atomic_store_explicit(&go, 2, memory_order_release);

	/* The hardware event, the one the runner really uses: works, or says why not. */
	struct perfev hw;
	rc = perfev_open(&hw, PERFEV_CACHE_MISSES, getpid(), why, sizeof why);
	printf("hardware event (cache misses): %s\n", why);
	if (rc == 0) {
		uint64_t v;
		CHECK_EQ(perfev_read(&hw, &v), 0);
		CHECK(strncmp(why, "available", 9) == 0);
		perfev_close(&hw);
	} else {
		CHECK(rc < 0);
		CHECK(strncmp(why, "unavailable: ", 13) == 0 && strlen(why) > 13);
		CHECK_EQ(hw.fd, -1);
	}

	/* A thread that does not exist: an error with a reason. */
	rc = perfev_open(&hw, PERFEV_CONTEXT_SWITCHES, 0x7ffffff0, why, sizeof why);
	printf("a thread that does not exist: %s\n", why);
	CHECK(rc < 0 && strncmp(why, "unavailable: ", 13) == 0);

	pthread_join(t, NULL);
	return tu_summary("harness_run_perfev");
}
