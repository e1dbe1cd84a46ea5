/* race_demo.c — a small program of our own for `lockbench exec`: the pthread calls an unmodified
 * program makes, with totals that say whether the lock underneath excluded anything.
 *
 *   race_demo [--threads T] [--iters N] [--mode counter|prodcons|all] [--items N] [--queue Q]
 *             [--plant-bug outside|lose-item]
 *
 * counter: T threads, released together by a pthread barrier so that they really overlap, each
 * do N iterations of a read-modify-write of plain counters, one per kind of mutex an unmodified
 * program may hand the interposer: statically initialised normal, recursive (taken twice, nested)
 * and error-checking mutexes, and a pthread_spinlock_t. Every 64th acquisition of the normal
 * mutex is a trylock loop and of the error-checking one a timedlock, so those paths run too.
 * Each thread also checks, once, the error-checking semantics the interposer must keep: a relock
 * by the owner is EDEADLK, an unlock by a thread that does not hold it is EPERM.
 * The read and the write of each increment are separated by a compiler barrier, so that without
 * exclusion (LOCKBENCH_LOCK=null) two threads interleave between them and updates are lost: the
 * totals then fall short, which is both the race demonstration and the proof that the program's
 * own mutex was really replaced.
 *
 * prodcons: T/2 producers (at least 1) and the rest consumers (at least 1) pass N items through a
 * bounded queue of Q slots under one mutex and two condition variables; each item must be
 * consumed exactly once (a per-item count) and the checksum of what was consumed must equal the
 * checksum of what was produced. Consumers wait with pthread_cond_wait (a lost wakeup hangs the
 * program: the test's timeout names it); producers with pthread_cond_timedwait (2 s deadline, a
 * timeout is counted and printed, never needed when wakeups work).
 *
 * Output, one line per total (key=value): counter=X expected=Y, recursive=…, errorcheck=…,
 * spin=…, errorcheck_semantics=ok|bad…, items=… checksum=… duplicates=… missing=…
 * Exit: 0 when every total is right, 1 when one is wrong (lost updates, a lost or repeated item),
 * 2 on a usage error, 3 when a pthread call failed unexpectedly.
 *
 * The data race without a lock is deliberate; the program is never built with a sanitizer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256
#define COND_WAIT_S 2

/* The statically initialised mutexes: the interposer first sees them at their first lock, without
 * a pthread_mutex_init call, and must read their kind from glibc's initialiser. */
static pthread_mutex_t normal_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t recursive_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t errorcheck_mutex = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static pthread_spinlock_t spin;

/* Plain, not atomic: the mutexes are what protects them (that is the point). */
static uint64_t normal_count, recursive_count, errorcheck_count, spin_count;

static pthread_barrier_t start_line;
static uint64_t iters;
/* Planted bugs (negative controls of the test's checks, no interposer needed): the counter
 * threads increment after the unlock instead of before it (the same calls, the same timing, no
 * exclusion); a consumer drops one item in a thousand. */
static int plant_outside, plant_lose_item;
static atomic_uint pthread_failures; /* relaxed: only read after every thread was joined */
static atomic_uint errorcheck_bad;   /* relaxed: likewise */
static atomic_ulong timedlock_timeouts, timedwait_timeouts; /* relaxed: likewise */

static void fail(const char *what, int err)
{
	fprintf(stderr, "race_demo: %s: %s\n", what, strerror(err));
	atomic_fetch_add_explicit(&pthread_failures, 1, memory_order_relaxed);
}

/* The increment the lock must make atomic: a load, a compiler barrier, a store. Without the
 * barrier the compiler may fuse them into one add-to-memory, which still loses updates but far
 * more rarely. */
static inline void bump(uint64_t *c)
{
	uint64_t v = *c;
	__asm__ __volatile__("" ::: "memory");
	*c = v + 1;
}

static struct timespec deadline_in(clockid_t clk, int seconds)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	ts.tv_sec += seconds;
	return ts;
}

/* Once per thread, before the race: the error-checking mutex's semantics. */
static void check_errorcheck(void)
{
	int rc = pthread_mutex_lock(&errorcheck_mutex);
	if (rc) {
		fail("pthread_mutex_lock(errorcheck)", rc);
		return;
	}
	rc = pthread_mutex_lock(&errorcheck_mutex);
	if (rc != EDEADLK) {
		fprintf(stderr, "race_demo: relock of an error-checking mutex by its owner returned "
				"%d (%s), not EDEADLK\n", rc, strerror(rc));
		atomic_fetch_add_explicit(&errorcheck_bad, 1, memory_order_relaxed);
		if (rc == 0)
			pthread_mutex_unlock(&errorcheck_mutex);
	}
	rc = pthread_mutex_unlock(&errorcheck_mutex);
	if (rc)
		fail("pthread_mutex_unlock(errorcheck)", rc);
	/* Now nobody (at least not this thread) holds it for us: unlocking must be refused. Another
	 * thread may hold it at this moment; EPERM is still the answer for us. */
	rc = pthread_mutex_unlock(&errorcheck_mutex);
	if (rc != EPERM) {
		fprintf(stderr, "race_demo: unlock of an error-checking mutex by a non-owner returned "
				"%d (%s), not EPERM\n", rc, strerror(rc));
		atomic_fetch_add_explicit(&errorcheck_bad, 1, memory_order_relaxed);
	}
}

static void *counter_thread(void *arg)
{
	(void)arg;
	check_errorcheck();
	int rc = pthread_barrier_wait(&start_line);
	if (rc && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		fail("pthread_barrier_wait", rc);
	for (uint64_t i = 0; i < iters; i++) {
		if (i % 64 == 63) {
			/* Bounded by the other threads' progress: trylock fails only while one holds it. */
			while ((rc = pthread_mutex_trylock(&normal_mutex)) == EBUSY)
				;
		} else {
			rc = pthread_mutex_lock(&normal_mutex);
		}
		if (rc) {
			fail("pthread_mutex_lock(normal)", rc);
			return NULL;
		}
		if (!plant_outside)
			bump(&normal_count);
		pthread_mutex_unlock(&normal_mutex);
		if (plant_outside)
			bump(&normal_count);

		if ((rc = pthread_mutex_lock(&recursive_mutex)) ||
		    (rc = pthread_mutex_lock(&recursive_mutex))) {
			fail("pthread_mutex_lock(recursive)", rc);
			return NULL;
		}
		if (!plant_outside)
			bump(&recursive_count);
		pthread_mutex_unlock(&recursive_mutex);
		pthread_mutex_unlock(&recursive_mutex);
		if (plant_outside)
			bump(&recursive_count);

		if (i % 64 == 63) {
			struct timespec dl = deadline_in(CLOCK_REALTIME, 10);
			while ((rc = pthread_mutex_timedlock(&errorcheck_mutex, &dl)) == ETIMEDOUT) {
				atomic_fetch_add_explicit(&timedlock_timeouts, 1, memory_order_relaxed);
				dl = deadline_in(CLOCK_REALTIME, 10);
			}
		} else {
			rc = pthread_mutex_lock(&errorcheck_mutex);
		}
		if (rc) {
			fail("pthread_mutex_lock(errorcheck)", rc);
			return NULL;
		}
		if (!plant_outside)
			bump(&errorcheck_count);
		pthread_mutex_unlock(&errorcheck_mutex);
		if (plant_outside)
			bump(&errorcheck_count);

		if ((rc = pthread_spin_lock(&spin))) {
			fail("pthread_spin_lock", rc);
			return NULL;
		}
		if (!plant_outside)
			bump(&spin_count);
		pthread_spin_unlock(&spin);
		if (plant_outside)
			bump(&spin_count);
	}
	return NULL;
}

static int run_threads(unsigned n, void *(*fn)(void *), void **args)
{
	pthread_t tid[MAX_THREADS];
	unsigned started = 0;
	int rc = 0;
	for (; started < n; started++) {
		rc = pthread_create(&tid[started], NULL, fn, args ? args[started] : NULL);
		if (rc) {
			fail("pthread_create", rc);
			break;
		}
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	return rc;
}

static int line(const char *name, uint64_t got, uint64_t want)
{
	printf("%s=%" PRIu64 " expected=%" PRIu64 "%s\n", name, got, want,
	       got == want ? "" : got < want ? " (lost updates)" : " (too many)");
	return got == want;
}

static int run_counter(unsigned nthreads)
{
	int rc = pthread_barrier_init(&start_line, NULL, nthreads);
	if (rc) {
		fail("pthread_barrier_init", rc);
		return 0;
	}
	if ((rc = pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE))) {
		fail("pthread_spin_init", rc);
		return 0;
	}
	if (run_threads(nthreads, counter_thread, NULL)) {
		/* The threads already started wait at the barrier for ever: leave now. */
		fflush(stdout);
		_exit(3);
	}
	pthread_barrier_destroy(&start_line);
	pthread_spin_destroy(&spin);
	uint64_t want = (uint64_t)nthreads * iters;
	int ok = line("counter", normal_count, want);
	ok &= line("recursive", recursive_count, want);
	ok &= line("errorcheck", errorcheck_count, want);
	ok &= line("spin", spin_count, want);
	unsigned bad = atomic_load_explicit(&errorcheck_bad, memory_order_relaxed);
	printf("errorcheck_semantics=%s (EDEADLK on relock, EPERM on a non-owner unlock: %u of %u "
	       "threads wrong)\n", bad ? "bad" : "ok", bad, nthreads);
	printf("timedlock_timeouts=%lu\n",
	       atomic_load_explicit(&timedlock_timeouts, memory_order_relaxed));
	return ok && !bad;
}

/* The bounded queue of prodcons, all of it under q_mutex. */
static pthread_mutex_t q_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER;
static uint64_t *q_slot;
static unsigned q_cap, q_head, q_len;
static uint64_t q_items, q_consumed;
static unsigned q_producers;
static atomic_uint *seen; /* per item; relaxed: read after every thread was joined */
static atomic_ulong consumed_sum; /* relaxed: likewise */

/* The item's contribution to the checksum: a mixing function, so that a lost item and a repeated
 * one do not cancel out. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static void *producer(void *arg)
{
	uint64_t first = (uint64_t)(uintptr_t)arg;
	for (uint64_t item = first; item < q_items; item += q_producers) {
		int rc = pthread_mutex_lock(&q_mutex);
		if (rc) {
			fail("pthread_mutex_lock(queue)", rc);
			return NULL;
		}
		while (q_len == q_cap) {
			struct timespec dl = deadline_in(CLOCK_REALTIME, COND_WAIT_S);
			rc = pthread_cond_timedwait(&q_not_full, &q_mutex, &dl);
			if (rc == ETIMEDOUT)
				atomic_fetch_add_explicit(&timedwait_timeouts, 1, memory_order_relaxed);
			else if (rc) {
				fail("pthread_cond_timedwait", rc);
				pthread_mutex_unlock(&q_mutex);
				return NULL;
			}
		}
		q_slot[(q_head + q_len) % q_cap] = item;
		q_len++;
		pthread_cond_signal(&q_not_empty);
		pthread_mutex_unlock(&q_mutex);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		int rc = pthread_mutex_lock(&q_mutex);
		if (rc) {
			fail("pthread_mutex_lock(queue)", rc);
			return NULL;
		}
		while (q_len == 0 && q_consumed < q_items) {
			rc = pthread_cond_wait(&q_not_empty, &q_mutex);
			if (rc) {
				fail("pthread_cond_wait", rc);
				pthread_mutex_unlock(&q_mutex);
				return NULL;
			}
		}
		if (q_len == 0) { /* every item was taken: wake the other consumers to see it too */
			pthread_cond_broadcast(&q_not_empty);
			pthread_mutex_unlock(&q_mutex);
			return NULL;
		}
		uint64_t item = q_slot[q_head];
		q_head = (q_head + 1) % q_cap;
		q_len--;
		q_consumed++;
		if (q_consumed == q_items)
			pthread_cond_broadcast(&q_not_empty);
		pthread_cond_signal(&q_not_full);
		pthread_mutex_unlock(&q_mutex);
		if (plant_lose_item && item % 1000 == 999)
			continue;
		if (item < q_items)
			atomic_fetch_add_explicit(&seen[item], 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&consumed_sum, mix(item), memory_order_relaxed);
	}
}

static int run_prodcons(unsigned nthreads, uint64_t items, unsigned cap)
{
	unsigned np = nthreads / 2 ? nthreads / 2 : 1;
	unsigned nc = nthreads > np ? nthreads - np : 1;
	q_items = items;
	q_cap = cap;
	q_producers = np;
	q_slot = calloc(cap, sizeof *q_slot);
	seen = calloc(items ? items : 1, sizeof *seen);
	if (!q_slot || !seen) {
		fail("calloc", ENOMEM);
		return 0;
	}
	void *args[MAX_THREADS];
	for (unsigned i = 0; i < np; i++)
		args[i] = (void *)(uintptr_t)i;
	pthread_t ptid[MAX_THREADS], ctid[MAX_THREADS];
	unsigned pstarted = 0, cstarted = 0;
	int rc = 0;
	for (; cstarted < nc; cstarted++)
		if ((rc = pthread_create(&ctid[cstarted], NULL, consumer, NULL)))
			break;
	for (; !rc && pstarted < np; pstarted++)
		if ((rc = pthread_create(&ptid[pstarted], NULL, producer, args[pstarted])))
			break;
	if (rc) {
		/* Consumers would wait for items that never come. */
		fail("pthread_create", rc);
		fflush(stdout);
		_exit(3);
	}
	for (unsigned i = 0; i < pstarted; i++)
		pthread_join(ptid[i], NULL);
	for (unsigned i = 0; i < cstarted; i++)
		pthread_join(ctid[i], NULL);

	uint64_t got = 0, dup = 0, missing = 0, want_sum = 0;
	for (uint64_t i = 0; i < items; i++) {
		unsigned n = atomic_load_explicit(&seen[i], memory_order_relaxed);
		got += n;
		dup += n > 1 ? n - 1 : 0;
		missing += n == 0;
		want_sum += mix(i);
	}
	uint64_t sum = atomic_load_explicit(&consumed_sum, memory_order_relaxed);
	printf("items=%" PRIu64 " expected=%" PRIu64 " checksum=%016" PRIx64 " expected=%016" PRIx64
	       " duplicates=%" PRIu64 " missing=%" PRIu64 " producers=%u consumers=%u queue=%u%s\n",
	       got, items, sum, want_sum, dup, missing, np, nc, cap,
	       got == items && sum == want_sum && !dup && !missing ? "" : " (wrong)");
	printf("timedwait_timeouts=%lu\n",
	       atomic_load_explicit(&timedwait_timeouts, memory_order_relaxed));
	free(q_slot);
	free(seen);
	return got == items && sum == want_sum && !dup && !missing;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: race_demo [--threads T] [--iters N] [--mode counter|prodcons|all]\n"
		   "                 [--items N] [--queue Q] [--plant-bug outside|lose-item]\n"
		   "  --threads T  threads (default 2, 1..%d)\n"
		   "  --iters N    counter: increments per thread and mutex (default 100000)\n"
		   "  --mode M     counter, prodcons or all (default all)\n"
		   "  --items N    prodcons: items passed through the queue (default 100000)\n"
		   "  --queue Q    prodcons: queue slots (default 8)\n"
		   "  --plant-bug B  a negative control: 'outside' (counters incremented after the\n"
		   "               unlock) or 'lose-item' (one item in a thousand is not counted)\n"
		   "Exit 0 when every total is right, 1 when one is wrong, 2 on a usage error, 3 when\n"
		   "a pthread call failed.\n",
		MAX_THREADS);
}

static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < lo || v > hi) {
		fprintf(stderr, "race_demo: %s: '%s' is not a number in %" PRIu64 "..%" PRIu64 "\n",
			opt, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_THREADS = 256, OPT_ITERS, OPT_MODE, OPT_ITEMS, OPT_QUEUE, OPT_PLANT, OPT_HELP };
	static const struct option opts[] = {
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "iters", required_argument, NULL, OPT_ITERS },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "items", required_argument, NULL, OPT_ITEMS },
		{ "queue", required_argument, NULL, OPT_QUEUE },
		{ "plant-bug", required_argument, NULL, OPT_PLANT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t nthreads = 2, items = 100000, cap = 8;
	int do_counter = 1, do_prodcons = 1, c;
	iters = 100000;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_THREADS:
			if (parse_u64("--threads", optarg, 1, MAX_THREADS, &nthreads))
				return 2;
			break;
		case OPT_ITERS:
			if (parse_u64("--iters", optarg, 0, UINT64_MAX / MAX_THREADS, &iters))
				return 2;
			break;
		case OPT_ITEMS:
			if (parse_u64("--items", optarg, 0, (uint64_t)1 << 32, &items))
				return 2;
			break;
		case OPT_QUEUE:
			if (parse_u64("--queue", optarg, 1, 1u << 20, &cap))
				return 2;
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "counter")) {
				do_counter = 1;
				do_prodcons = 0;
			} else if (!strcmp(optarg, "prodcons")) {
				do_counter = 0;
				do_prodcons = 1;
			} else if (!strcmp(optarg, "all")) {
				do_counter = do_prodcons = 1;
			} else {
				fprintf(stderr, "race_demo: --mode: '%s' is not one of counter, "
						"prodcons, all\n", optarg);
				return 2;
			}
			break;
		case OPT_PLANT:
			if (!strcmp(optarg, "outside")) {
				plant_outside = 1;
			} else if (!strcmp(optarg, "lose-item")) {
				plant_lose_item = 1;
			} else {
				fprintf(stderr, "race_demo: --plant-bug: '%s' is not one of outside, "
						"lose-item\n", optarg);
				return 2;
			}
			break;
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "race_demo: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	int ok = 1;
	if (do_counter)
		ok &= run_counter((unsigned)nthreads);
	if (do_prodcons)
		ok &= run_prodcons((unsigned)nthreads, items, (unsigned)cap);
	fflush(stdout);
	if (atomic_load_explicit(&pthread_failures, memory_order_relaxed))
		return 3;
	return ok ? 0 : 1;
}
