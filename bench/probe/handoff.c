/* handoff.c — a lock's handoff cost: half the round trip of a strict two-thread ping-pong
 * through the lock.
 *
 * Definition. Two threads, A and B, pinned to two CPUs, share one lock and one `turn` word. Each
 * runs the same loop:
 *
 *     lock; if (turn == me) { turn = other; my_turns++; } else my_retries++; unlock;
 *
 * A turn is a handoff: between A's turn k and B's turn k the lock went from A to B, and B was
 * waiting inside lock() for it (B has nothing else to do: after its own turn it unlocked and
 * called lock() again at once). When the lock gives itself back to the thread that has just let
 * go (it barged back in before the waiter got it, or the waiter was still waking up), that
 * thread finds it is not its turn, lets go and tries again: a retry. Retries are part of the
 * cost — they are what the lock's unfairness costs a waiter — and are counted apart. A takes a
 * timestamp at its turns W+1, W+1+R, W+1+2R, … (W warm-up turns, R = `rounds`); a sample is the
 * time between two stamps over the 2R handoffs in between:
 *
 *     handoff_ns = (t[k+1] − t[k]) / 2R  =  half the mean round trip A → B → A.
 *
 * So one handoff is "the holder releases wanting the other thread to have the lock, and it
 * does": the releasing path, the waiting path, moving the lock's line(s) between the caches,
 * the wake-up for a lock that sleeps, and the retries. The ideal lock hands over in one
 * one-way line transfer, which is half the c2c round trip (c2c.h); the ratio of the two is
 * how far a lock is from the hardware.
 *
 * Why this shape. Strict alternation needs some state both threads read; here it is data the
 * lock itself protects, touched only with the lock held, so there is no second channel: a
 * thread can see that it is its turn only by acquiring the lock. The alternative — wait for
 * the turn word outside the lock, then lock — hands over through the turn word and then takes
 * an uncontended lock: it would measure the c2c round trip plus lock + unlock, and a sleeping
 * lock would never sleep. The price of our shape is that the turn word is one more line that
 * travels with every handoff, as the data of any real critical section does; it is updated
 * with one compare-exchange, so it moves once per handoff (a load, then a store, would move it
 * shared and then upgrade it). A lock's line could hold the word only for some locks (most are
 * a whole line), so it lives on its own line for every lock alike.
 *
 * Bounded time. The threads run in a forked child process (run/child.c, as the runner's
 * points do), with the samples in shared memory. At the time limit the parent asks them to stop
 * (they check after every unlock); a second later it kills the child. A thread stuck inside a
 * broken lock (or a lock whose waiter spins in a queue nobody will ever serve) cannot be
 * cancelled any other way, and a crash in a lock ends the child, not the caller.
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "probe/handoff.h"
#include "run/child.h"
#include "run/clock.h"
#include "topo/topo.h"

#define HANDOFF_KILL_GRACE_NS 1000000000ull

/* Shared between the parent and the child (MAP_SHARED). */
struct handoff_shm {
	atomic_uint turn LB_CACHE_ALIGNED;    /* whose turn: the data the lock protects */
	atomic_uint stop LB_CACHE_ALIGNED;    /* set once (parent at the limit, or a failing side);
					       * read after every unlock, so alone on its line */
	atomic_uint arrived LB_CACHE_ALIGNED; /* sides past their setup */
	atomic_int err;                       /* the first failure, 0 if none */
	atomic_uint got LB_CACHE_ALIGNED;     /* samples written by A */
	uint64_t turns[2], retries[2], sleeps[2]; /* each side's own, written as it leaves */
	double samples[];                     /* [nsamples] */
};

struct handoff_run {
	const struct lb_lock_ops *ops;
	struct topo *t;
	void *lock;
	int cpu[2];
	unsigned cluster[2]; /* the two CPUs' clusters, told to a NUMA-aware lock's contexts */
	unsigned rounds, warmup_turns;
	uint64_t turns_a; /* A's turns; B takes one fewer, so neither waits for a turn at the end */
	unsigned nsamples;
	struct handoff_shm *sh;
	uint64_t deadline_ns; /* the parent's: when to ask the sides to stop, then to kill */
	bool stop_asked;
};

static void side_fail(struct handoff_shm *sh, int err)
{
	int none = 0;
	/* relaxed: the parent reads err after waitpid; a partner only needs `stop`. */
	atomic_compare_exchange_strong_explicit(&sh->err, &none, err, memory_order_relaxed,
						memory_order_relaxed);
	atomic_store_explicit(&sh->stop, 1, memory_order_relaxed);
}

static uint64_t voluntary_switches(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_THREAD, &ru) == 0 ? (uint64_t)ru.ru_nvcsw : 0;
}

static void side_loop(const struct handoff_run *hr, void *ctx, unsigned me)
{
	struct handoff_shm *sh = hr->sh;
	const struct lb_lock_ops *ops = hr->ops;
	const unsigned other = 1 - me;
	const uint64_t target = me == 0 ? hr->turns_a : hr->turns_a - 1;
	uint64_t turns = 0, retries = 0, next_stamp = hr->warmup_turns + 1, last_ns = 0;
	unsigned got = 0;
	const uint64_t sleeps0 = voluntary_switches();
	while (turns < target) {
		int rc = ops->lock(hr->lock, ctx);
		if (rc) {
			side_fail(sh, rc);
			break;
		}
		unsigned expect = me;
		/* relaxed: turn is touched only with the lock held, so the lock's acquire and
		 * release order it; atomic only so that a lock that fails to exclude makes
		 * wrong counts, not undefined behaviour. */
		int mine = atomic_compare_exchange_strong_explicit(
			&sh->turn, &expect, other, memory_order_relaxed, memory_order_relaxed);
		if (mine && ++turns == next_stamp && me == 0) {
			uint64_t t = mono_ns();
			if (next_stamp > hr->warmup_turns + 1) {
				sh->samples[got] = (double)(t - last_ns) / (2.0 * hr->rounds);
				/* release: the parent reads samples[0, got) after loading got. */
				atomic_store_explicit(&sh->got, ++got, memory_order_release);
			}
			last_ns = t;
			next_stamp += hr->rounds;
		}
		rc = ops->unlock(hr->lock, ctx);
		if (rc) {
			side_fail(sh, rc);
			break;
		}
		if (!mine)
			retries++;
		/* relaxed: stop carries no data; seeing it one iteration late is harmless. */
		if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
			break;
	}
	sh->turns[me] = turns;
	sh->retries[me] = retries;
	sh->sleeps[me] = voluntary_switches() - sleeps0;
}

static void side_run(const struct handoff_run *hr, unsigned me)
{
	struct handoff_shm *sh = hr->sh;
	const struct lb_lock_ops *ops = hr->ops;
	int rc = 0;
	bool ctx_ready = false;
	void *ctx = lb_ctx_alloc(ops);
	if (!ctx)
		rc = -ENOMEM;
	else if (ops->ctx_init)
		rc = ops->ctx_init(ctx);
	ctx_ready = ctx && rc == 0;
	if (ctx_ready && (ops->props & LB_NUMA_AWARE) && ops->ctx_set_cluster)
		rc = ops->ctx_set_cluster(ctx, hr->cluster[me]);
	if (rc == 0)
		rc = topo_bind_self(hr->t, hr->cpu[me]);
	if (rc)
		side_fail(sh, rc);
	/* release/acquire: a failure recorded above is seen by the partner once it sees the
	 * count that includes this side. */
	atomic_fetch_add_explicit(&sh->arrived, 1, memory_order_release);
	while (atomic_load_explicit(&sh->arrived, memory_order_acquire) < 2)
		lb_cpu_relax();
	if (atomic_load_explicit(&sh->err, memory_order_relaxed) == 0)
		side_loop(hr, ctx, me);
	if (ctx_ready && ops->ctx_destroy)
		ops->ctx_destroy(ctx);
	lb_free(ctx);
}

static void *side_b(void *arg)
{
	side_run(arg, 1);
	return NULL;
}

/* The child (child_run's body): A is its main thread, B one more thread. It sends nothing
 * through the pipe: the samples are in shared memory, and its exit is the end. */
static int handoff_child(void *arg, int fd)
{
	(void)fd;
	struct handoff_run *hr = arg;
	struct handoff_shm *sh = hr->sh;
	hr->lock = lb_lock_alloc(hr->ops);
	int rc = hr->lock ? hr->ops->init(hr->lock, 1) : -ENOMEM;
	if (rc) {
		side_fail(sh, rc);
		return 0;
	}
	pthread_t b;
	int err = pthread_create(&b, NULL, side_b, hr);
	if (err) {
		side_fail(sh, -err);
		return 0;
	}
	side_run(hr, 0);
	pthread_join(b, NULL);
	hr->ops->destroy(hr->lock);
	lb_free(hr->lock);
	return 0;
}

/* At the time limit the sides are asked to stop; a grace period later the child is killed. */
static enum child_verdict handoff_watch(void *arg, uint64_t now_ns)
{
	struct handoff_run *hr = arg;
	if (now_ns < hr->deadline_ns)
		return CHILD_GO;
	if (hr->stop_asked)
		return CHILD_KILL_STUCK;
	hr->stop_asked = true;
	/* relaxed: stop carries no data, and the sides only need to see it soon. */
	atomic_store_explicit(&hr->sh->stop, 1, memory_order_relaxed);
	hr->deadline_ns = now_ns + HANDOFF_KILL_GRACE_NS;
	return CHILD_GO;
}

/* The counts and the samples from shared memory; 0 or why the measurement failed. */
static int take_outcome(const struct handoff_run *hr, const struct child_outcome *o,
			double *handoff_ns, struct handoff_result *res)
{
	int rc = 0;
	res->timed_out = hr->stop_asked;
	res->killed = o->end != CHILD_EXITED;
	if (!res->killed && WIFSIGNALED(o->wait_status))
		rc = WTERMSIG(o->wait_status) == SIGINT || WTERMSIG(o->wait_status) == SIGTERM
			     ? -EINTR
			     : -ECHILD;
	unsigned got = atomic_load_explicit(&hr->sh->got, memory_order_acquire);
	memcpy(handoff_ns, hr->sh->samples, got * sizeof *handoff_ns);
	res->samples = got;
	if (!res->killed) {
		res->turns_a = hr->sh->turns[0];
		res->turns_b = hr->sh->turns[1];
		res->retries_a = hr->sh->retries[0];
		res->retries_b = hr->sh->retries[1];
		res->sleeps_a = hr->sh->sleeps[0];
		res->sleeps_b = hr->sh->sleeps[1];
	}
	if (rc == 0)
		rc = atomic_load_explicit(&hr->sh->err, memory_order_relaxed);
	if (rc == 0 && got == 0)
		rc = -ETIMEDOUT;
	return rc;
}

bool handoff_supported(const struct lb_lock_ops *ops)
{
	return ops && lb_is_mutex(ops, 1);
}

int handoff_measure(const struct lb_lock_ops *ops, struct topo *t, int cpu_a, int cpu_b,
		    unsigned rounds, double *handoff_ns, unsigned nsamples, uint64_t time_limit_ns,
		    struct handoff_result *res)
{
	memset(res, 0, sizeof *res);
	if (!ops || !t || !handoff_ns || nsamples == 0 || cpu_a < 0 || cpu_b < 0 ||
	    cpu_a == cpu_b)
		return -EINVAL;
	if (!handoff_supported(ops))
		return -EOPNOTSUPP;
	struct handoff_run hr = {
		.ops = ops,
		.t = t,
		.cpu = { cpu_a, cpu_b },
		.rounds = rounds ? rounds : HANDOFF_ROUNDS,
		.nsamples = nsamples,
	};
	unsigned nclusters;
	const char *level;
	int crc = topo_cpu_clusters(t, hr.cpu, 2, hr.cluster, &nclusters, &level);
	if (crc)
		return crc;
	hr.warmup_turns = hr.rounds < 16 ? 16 : hr.rounds;
	hr.turns_a = hr.warmup_turns + 1 + (uint64_t)nsamples * hr.rounds;
	if (!time_limit_ns)
		time_limit_ns = HANDOFF_TIME_LIMIT_NS;

	size_t size = sizeof *hr.sh + nsamples * sizeof(double);
	hr.sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (hr.sh == MAP_FAILED)
		return -errno;
	/* mmap zeroes the memory: turn = 0 (A's), stop = 0, arrived = 0, err = 0, got = 0. */
	hr.deadline_ns = mono_ns() + time_limit_ns;
	const struct child_spec spec = { .body = handoff_child, .watch = handoff_watch, .arg = &hr };
	struct child_outcome o;
	int rc = child_run(&spec, &o);
	if (rc == 0)
		rc = take_outcome(&hr, &o, handoff_ns, res);
	child_outcome_free(&o);
	munmap(hr.sh, size);
	return rc;
}
