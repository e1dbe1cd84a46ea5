/* preload_dlopen.c — a module preload_profile dlopen()s after the interposer has started: its
 * mutex's first call site lies in a mapping the start-up snapshot of /proc/self/maps does not
 * have, so the profile writer must append a new snapshot. */
#include <pthread.h>

static pthread_mutex_t module_mutex = PTHREAD_MUTEX_INITIALIZER;

void *preload_dlopen_lock(int times)
{
	for (int i = 0; i < times; i++) {
		pthread_mutex_lock(&module_mutex);
		pthread_mutex_unlock(&module_mutex);
	}
	return &module_mutex;
}
