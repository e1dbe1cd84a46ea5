/* preload_early.c — a library whose constructor locks a mutex and starts a thread. Linked into
 * preload_init, its constructor runs before the preloaded interposer's (ld.so initialises the
 * program's own dependencies first), so the interposer must initialise itself from that first
 * call, and a thread that exists before the interposer's constructor (racing the main thread
 * into initialisation) must work under a lock that needs a per-thread context. */
#include "preload_early.h"

static pthread_mutex_t early = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t preload_early_shared = PTHREAD_MUTEX_INITIALIZER;
long preload_early_counter;
int preload_early_rc = -1;
pthread_t preload_early_thread;
int preload_early_started;

void preload_early_count(void)
{
	for (int i = 0; i < EARLY_ITERS; i++) {
		pthread_mutex_lock(&preload_early_shared);
		long v = preload_early_counter;
		for (int k = 0; k < 20; k++)
			__asm__ __volatile__("" ::: "memory");
		preload_early_counter = v + 1;
		pthread_mutex_unlock(&preload_early_shared);
	}
}

static void *early_worker(void *arg)
{
	(void)arg;
	preload_early_count();
	return NULL;
}

__attribute__((constructor)) static void preload_early_init(void)
{
	preload_early_rc = pthread_mutex_lock(&early) * 100 + pthread_mutex_unlock(&early);
	preload_early_started = pthread_create(&preload_early_thread, NULL, early_worker, NULL) == 0;
}
