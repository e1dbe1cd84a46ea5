/* preload_early.c — a library whose constructor locks a mutex. Linked into preload_init, its
 * constructor runs before the preloaded interposer's (ld.so initialises the program's own
 * dependencies first), so the interposer must initialise itself from that first call. */
#include <pthread.h>

static pthread_mutex_t early = PTHREAD_MUTEX_INITIALIZER;
int preload_early_rc = -1;

__attribute__((constructor)) static void preload_early_init(void)
{
	preload_early_rc = pthread_mutex_lock(&early) * 100 + pthread_mutex_unlock(&early);
}
