/* preload_early.h — what libpreload_early (preload_early.c) shares with preload_init: its
 * constructor's results, and the counting loop its early thread and preload_init's main thread
 * both run, so that the expected counter and call counts follow from one EARLY_ITERS. */
#ifndef LB_TESTS_PRELOAD_EARLY_H
#define LB_TESTS_PRELOAD_EARLY_H

#include <pthread.h>

/* Each counting thread's lock/unlock pairs on preload_early_shared. */
#define EARLY_ITERS 2000

extern int preload_early_rc, preload_early_started;
extern long preload_early_counter;
extern pthread_t preload_early_thread;

/* EARLY_ITERS read-modify-writes of preload_early_counter under preload_early_shared, slow
 * enough between the read and the write that a lock which fails to exclude loses updates. */
void preload_early_count(void);

#endif
