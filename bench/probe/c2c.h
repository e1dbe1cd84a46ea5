/* c2c.h — the physical floor: the core-to-core cache-line round trip between two CPUs.
 *
 * Two threads, pinned with topo_bind_self, pass one cache-line-aligned word back and forth: A
 * stores i, B waits for i and stores i + 1, A waits for i + 1, and so on. One round trip moves
 * the line A → B → A, which is what handing a contended lock to another core and back costs at
 * the very least. A sample is the mean round trip of one batch (batch_rtts round trips timed as
 * a whole with CLOCK_MONOTONIC, so that the clock's own cost, ~20 ns, is spread over the batch);
 * callers get every sample in time order, because on the VMs we run on the round trip switches
 * between regimes (~55 ns and ~350 ns here) within seconds and one average would hide that.
 *
 * Both spin loops call lb_cpu_relax, as every lock's spin loop does, so the floor is the one a
 * lock could reach; without the pause the round trip is a few ns shorter.
 *
 * Library functions return 0 or a negative errno and never print or format a file (c2c.csv is
 * results/probe_csv.c); cmd_c2c (commands.h) is the `lockbench c2c` front end.
 */
#ifndef LB_C2C_H
#define LB_C2C_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct topo;

struct c2c_params {
	unsigned batch_rtts;     /* round trips per sample */
	unsigned warmup_batches; /* batches run and discarded before the first sample */
	uint64_t time_limit_ns;  /* stop taking samples past this, once there is one (0: none) */
};
#define C2C_BATCH_RTTS 100
#define C2C_WARMUP_BATCHES 10

void c2c_params_defaults(struct c2c_params *p);

/* Measure up to `nsamples` batches between cpu_a and cpu_b (distinct, allowed, >= 0) into
 * rtt_ns[], in time order; *got says how many: at least 1, fewer than nsamples only when the
 * time limit was reached (which the warm-up counts against).
 * -EINVAL for bad arguments, the binding's -errno when a thread could not be pinned, -EAGAIN
 * or -ENOMEM when a thread could not be created. */
int c2c_measure(struct topo *t, int cpu_a, int cpu_b, const struct c2c_params *p, double *rtt_ns,
		unsigned nsamples, unsigned *got);

/* The short variant the sweep runs before and after each point: a few milliseconds (50 batches
 * of 100 round trips after a warm-up: 0.3 ms to 2 ms, cut short at 50 ms when the threads are
 * preempted), the median batch in *rtt_ns_median.
 * cpu_a = cpu_b = -1 picks the first two allowed CPUs. -ENODEV when fewer than two CPUs are
 * allowed (*rtt_ns_median is NAN then); other errors as c2c_measure. */
int c2c_probe(struct topo *t, int cpu_a, int cpu_b, double *rtt_ns_median);
#define C2C_PROBE_SAMPLES 50
#define C2C_PROBE_LIMIT_NS 50000000ull

/* The first two allowed CPUs (the pair the sweep's probe and handoff use), or -ENODEV. */
int c2c_default_pair(const struct topo *t, int *cpu_a, int *cpu_b);

/* A distribution of samples: nearest-rank percentiles (the value at rank ceil(p · n), as
 * stats.h's histogram does), from a sorted copy. Every field NAN when n is 0. */
struct c2c_summary {
	unsigned samples;
	double median, p10, p90, min, max;
};
int c2c_summarize(const double *x, unsigned n, struct c2c_summary *s);

/* On a large machine, not every pair: pick at most `cap` representative CPUs from `cpus`
 * (allowed, ascending). Per cache domain (last-level cache, else NUMA node, else package, from
 * topo_cpu_place), up to three: the first CPU, an SMT sibling of it, and a CPU of the domain's
 * last core, so that every distance class the machine has (SMT, same cache, other cache, other
 * package) appears in some pair; when that is more than `cap`, domains are taken evenly spaced
 * across the machine (the first and the last always). `how` gets one line saying what was
 * chosen. Returns how many CPUs were written to picked[] (ascending), or a negative errno. */
int c2c_pick_cpus(const struct topo *t, const int *cpus, unsigned n, unsigned cap, int *picked,
		  char *how, size_t howlen);
#define C2C_MAX_FULL_CPUS 16u /* up to this many CPUs, every pair is measured */

/* The matrix: every pair (a < b) of `cpus`, in interleaved rounds — each round takes
 * `samples_per_round` samples from every pair in turn, and round r starts no earlier than
 * r · `round_every_ns` (sleeping in between when measuring takes less) — so that every pair's
 * samples cover the same seconds, and a regime switch shows in each pair's time series instead
 * of making one pair look slow. More samples, more rounds: a longer look. */
struct c2c_matrix_params {
	struct c2c_params pair;       /* time_limit_ns bounds one pair's share of one round */
	unsigned samples;             /* per pair */
	unsigned samples_per_round;
	uint64_t round_every_ns;
};
void c2c_matrix_params_defaults(struct c2c_matrix_params *p);

struct c2c_pair {
	int cpu_a, cpu_b;
	unsigned samples;          /* taken (NAN-free, in time order) */
	double *rtt_ns;            /* [samples] */
	unsigned *round_end;       /* [rounds]: samples taken by the end of each round */
	struct c2c_summary summary;
	int error;                 /* 0, or the first failed round's negative errno */
};

struct c2c_matrix {
	unsigned ncpus;
	int *cpus;                 /* [ncpus], ascending */
	unsigned npairs;
	struct c2c_pair *pairs;    /* [npairs], (cpus[i], cpus[j]) for i < j, row-major */
	unsigned rounds;
	double *round_start_s;     /* [rounds], since the first round started */
	double wall_s;
};

/* Runs the matrix (n >= 2 distinct CPUs). A pair that fails keeps its error and the other pairs
 * go on; the return is 0 unless the matrix itself could not be set up (-EINVAL, -ENOMEM). */
int c2c_matrix_run(struct topo *t, const int *cpus, unsigned n, const struct c2c_matrix_params *p,
		   struct c2c_matrix **out);
void c2c_matrix_free(struct c2c_matrix *m);
/* The pair (a, b) in either order, or NULL. */
const struct c2c_pair *c2c_matrix_pair(const struct c2c_matrix *m, int cpu_a, int cpu_b);

#endif
