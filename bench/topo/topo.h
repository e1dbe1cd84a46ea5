/* topo.h — the machine as hwloc sees it, and the thread → CPU plan.
 *
 * Every CPU number comes from hwloc at run time. The planner takes a topology as input so it can
 * be tested on synthetic and XML topologies this machine does not have.
 */
#ifndef LB_TOPO_H
#define LB_TOPO_H

#include <stdbool.h>
#include <stdio.h>

#include "topo/placement.h"

/* The thread → CPU plan a run uses. cpu[i] is an OS CPU index (hwloc's os_index), or -1 when
 * placement is `none` (the OS decides). */
struct thread_plan {
	unsigned threads;
	int cpu[LB_MAX_THREADS];
	unsigned allowed_cpus;  /* how many CPUs this process may use */
	bool oversubscribed;    /* threads > allowed CPUs (or > the --cpus list) */
	char cpus_str[512];     /* the CPUs used, as a list ("0-1"), for output */
	/* Each thread's cluster for NUMA-aware locks (topo_cpu_clusters), numbered 0..clusters-1,
	 * and the level that made them ("numa", "L3", "L2", or "none": one cluster). */
	unsigned cluster[LB_MAX_THREADS];
	unsigned clusters;
	const char *cluster_level;
};

struct topo; /* wraps hwloc_topology_t and the allowed cpuset */

/* This machine, restricted to the CPUs the process may use (taskset, cgroup cpuset). */
int topo_open_system(struct topo **out, char *err, size_t errlen);
/* An hwloc synthetic description ("pack:2 l3:2 core:4 pu:2") or an XML file; every PU allowed. */
int topo_open_synthetic(struct topo **out, const char *desc, char *err, size_t errlen);
int topo_open_xml(struct topo **out, const char *path, char *err, size_t errlen);
void topo_close(struct topo *t);
/* Keep only `cpus` (OS indices, each in the topology) as if the process were bound to them, as
 * taskset does to the system topology: lets tests plan restricted sets on synthetic machines. */
int topo_restrict(struct topo *t, const int *cpus, unsigned n, char *err, size_t errlen);

unsigned topo_allowed_count(const struct topo *t);
/* The allowed CPUs' OS indices, ascending; returns how many (<= cap). */
unsigned topo_allowed_cpus(const struct topo *t, int *cpus, unsigned cap);
/* The allowed CPUs as a list ("0-1,4"), for messages and metadata. */
void topo_allowed_str(const struct topo *t, char *buf, size_t len);
/* One line: "1 package, 1 NUMA node, 2 cores, 2 PUs, L3 32 MiB" */
void topo_summary(const struct topo *t, char *buf, size_t len);
/* The full description for `lockbench topo` (objects, caches, allowed CPUs). */
void topo_print(const struct topo *t, FILE *f);

/* Plan `threads` threads. compact: fill PUs in topology order (sharing caches first); scatter:
 * spread over packages, NUMA nodes and last-level caches first (hwloc_distrib); none: cpu = -1;
 * list: round-robin over `cpus` (each must be allowed: -EINVAL with a message in err).
 * More threads than CPUs: round-robin, plan->oversubscribed set. */
int topo_plan(const struct topo *t, unsigned threads, enum placement placement, const int *cpus,
	      unsigned ncpus, struct thread_plan *plan, char *err, size_t errlen);

/* The clusters a NUMA-aware lock is told about (lock.h's ctx_set_cluster), for `n` OS CPUs (-1:
 * the OS places that thread; cluster 0). The level is chosen from the allowed CPUs, not from
 * the n: the NUMA node when the allowed CPUs span more than one; otherwise the largest shared
 * cache that splits them (L3, else L2); otherwise one cluster ("none"). cluster[i] numbers the
 * CPUs' domains densely, 0..*nclusters-1, in the order of the domains' hwloc logical indices, so
 * the numbers are small whatever the machine and the same CPU always gets the same number
 * within one set. *level is a static string. -EINVAL for a CPU not in the (allowed) topology. */
int topo_cpu_clusters(const struct topo *t, const int *cpus, unsigned n, unsigned *cluster,
		      unsigned *nclusters, const char **level);

/* Where an OS CPU sits: hwloc logical indices (L#) of the PU and of its core, last-level cache,
 * NUMA node and package; -1 for a level the topology does not have. -EINVAL for a CPU that is
 * not in the (allowed) topology. */
struct cpu_place {
	int pu, core, llc, numa, package;
};
int topo_cpu_place(const struct topo *t, int cpu, struct cpu_place *out);

/* The plan, one row per thread (thread, OS CPU, core, LLC, NUMA node, package), after a
 * header line saying the placement, the CPUs used and whether it is oversubscribed. */
void topo_plan_print(const struct topo *t, const struct thread_plan *plan, enum placement placement,
		     FILE *f);

/* Bind the calling thread to `cpu` (no-op for -1) with hwloc and confirm with
 * hwloc_get_last_cpu_location. Returns 0 or -errno: -EINVAL for a CPU outside the allowed set,
 * -ENOSYS for a synthetic or XML topology (not this machine), -EIO when the thread was still
 * not on `cpu` after binding. Thread-safe after open. */
int topo_bind_self(struct topo *t, int cpu);

#endif
