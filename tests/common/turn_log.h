/* turn_log.h — the turn-log run that locks_fifo, locks_bypass and locks_overtake judge.
 *
 * Those tests link the lock library built with LB_TEST_HOOKS, whose locks have the test-only
 * `turn` hook (lock.h): the turn the caller took in its latest lock(), counted from 1 in doorway
 * order. tl_run starts `threads` threads on one lock; each takes a context, waits at a barrier,
 * then lock()s `per_thread` times; inside each critical section it appends (its thread index,
 * its turn) to the log, so the log is the order of the acquisitions, and it holds the lock a
 * while (shape.hold_pauses pause instructions, and now and then a sched_yield) so that the
 * others queue up behind it and the order they are served in is a real choice of the lock's.
 * What each test then asks of the log (1, 2, 3, …; overtakes per thread) stays in the test.
 *
 * Counting real choices: a relaxed counter of the threads inside lock() tells, at each
 * acquisition, whether another thread was waiting too (`contended`). Relaxed, so that it
 * orders nothing itself and cannot hide a lock's missing orders from ThreadSanitizer.
 * Work is bounded by counts (threads x per_thread acquisitions), never by time.
 */
#ifndef LB_TURN_LOG_H
#define LB_TURN_LOG_H

#include <stddef.h>
#include <stdint.h>

#include <lockbench/lock.h>

enum { TL_MAX_THREADS = 16 };

struct tl_entry {
	uint64_t turn;   /* ops->turn() right after the lock() */
	unsigned thread; /* 0 .. threads - 1 */
};

/* How the threads hold and leave the lock: the tests differ only here. */
struct tl_shape {
	unsigned hold_pauses;    /* lb_cpu_relax() calls while holding */
	unsigned yield_held_every, yield_held_at; /* yield while holding when i % every == at */
	unsigned yield_free_every; /* yield after unlock when i % every == every - 1; 0: never */
};

struct tl_log {
	int err;                 /* 0, or the first negative errno of init/ctx/lock/unlock */
	struct tl_entry *entries; /* in acquisition order; free with tl_log_free */
	size_t logged;           /* entries written: threads x per_thread when err is 0 */
	size_t contended;        /* acquisitions made while another thread was inside lock() */
};

/* locks_fifo's and locks_bypass's shape, for spinning queue locks at small counts: hold 200
 * pauses, yield while holding every 16th time, and after unlocking every 4th, so that the others
 * queue up and no thread does all its turns before the next is even scheduled. */
extern const struct tl_shape tl_shape_queue;

/* One run on a fresh lock, for the test named `test` (in the one-line error that ends it). Fills
 * *log (log->err says whether it went through; a log with an error still holds what was logged).
 * threads must be 1 .. TL_MAX_THREADS (else -EINVAL); a thread that cannot be started ends the
 * test with one line (tu_die). */
void tl_run(const char *test, const struct lb_lock_ops *ops, const struct tl_shape *shape,
	    unsigned threads, uint64_t per_thread, struct tl_log *log);
void tl_log_free(struct tl_log *log);

#endif
