/* topo.c — hwloc: the allowed CPUs, the topology summary, the thread → CPU plan.
 *
 * The sequence is hwloc's own (doc/examples/hwloc-hello.c, cpuset+bitmap+cpubind.c): init →
 * flags, set before load → load → for each thread, a copy of an object's cpuset → singlify →
 * bind → confirm with hwloc_get_last_cpu_location.
 *
 * Allowed CPUs. hwloc's default topology shows the whole machine even under `taskset -c 1`
 * (it follows cgroup cpusets, not the process's affinity mask), so the system topology is
 * loaded with IS_THISSYSTEM | RESTRICT_TO_CPUBINDING: objects outside the process binding are
 * dropped during discovery. On top of that, the allowed set is intersected with hwloc's allowed
 * cpuset (cgroups) and the process binding read back, and if that leaves less than the topology
 * holds, the topology is restricted to it. From then on every object — and hwloc_distrib —
 * sees only CPUs the process may use, so no plan can name another.
 *
 * Plans. compact: PUs in hwloc's logical order, which walks the tree depth-first (the second
 * thread shares the first one's core, then its caches, then its package). scatter:
 * hwloc_distrib() over the root, which splits the threads among the root's children in
 * proportion to their PUs and recurses, so N threads get N subtrees as far apart as the tree
 * allows (packages, then NUMA/LLC, then cores), each singlified to its first PU. Past one thread
 * per allowed CPU every placement goes round-robin over its order of all allowed PUs.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hwloc.h>

#include "topo/topo.h"

struct topo {
	hwloc_topology_t topo;
	hwloc_bitmap_t allowed; /* == the topology's cpuset after open */
	bool thissystem;
	char source[300];
};

#define FAIL(code, ...) (snprintf(err, errlen, __VA_ARGS__), (code))

static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* Makes t->allowed the CPUs we may use and restricts the topology to them. The process binding
 * is the union of its threads' masks, so open the system topology before binding any thread
 * (a bound main thread would shrink the set to its own CPU). */
static int settle_allowed(struct topo *t, char *err, size_t errlen)
{
	hwloc_topology_t tp = t->topo;
	t->allowed = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(tp));
	if (!t->allowed)
		return FAIL(-ENOMEM, "out of memory");
	hwloc_bitmap_and(t->allowed, t->allowed, hwloc_topology_get_topology_cpuset(tp));
	if (t->thissystem) {
		/* Belt and braces: RESTRICT_TO_CPUBINDING is ignored where binding is unsupported. */
		hwloc_bitmap_t bound = hwloc_bitmap_alloc();
		if (!bound)
			return FAIL(-ENOMEM, "out of memory");
		if (hwloc_get_cpubind(tp, bound, HWLOC_CPUBIND_PROCESS) == 0)
			hwloc_bitmap_and(t->allowed, t->allowed, bound);
		hwloc_bitmap_free(bound);
	}
	if (hwloc_bitmap_iszero(t->allowed))
		return FAIL(-ENODEV, "no CPU of this topology is available to this process");
	if (!hwloc_bitmap_isequal(t->allowed, hwloc_topology_get_topology_cpuset(tp)) &&
	    hwloc_topology_restrict(tp, t->allowed, 0) != 0)
		return FAIL(neg_errno(), "hwloc_topology_restrict: %s", strerror(errno));
	return 0;
}

enum topo_source { SRC_SYSTEM, SRC_SYNTHETIC, SRC_XML };

static int topo_open(struct topo **out, enum topo_source src, const char *arg, char *err,
		     size_t errlen)
{
	struct topo *t = calloc(1, sizeof *t);
	int rc = 0;
	if (!t)
		return FAIL(-ENOMEM, "out of memory");
	if (hwloc_topology_init(&t->topo) != 0) {
		rc = FAIL(neg_errno(), "hwloc_topology_init: %s", strerror(errno));
		free(t);
		return rc;
	}
	switch (src) {
	case SRC_SYSTEM:
		t->thissystem = true;
		snprintf(t->source, sizeof t->source, "this system");
		if (hwloc_topology_set_flags(t->topo, HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM |
							      HWLOC_TOPOLOGY_FLAG_RESTRICT_TO_CPUBINDING))
			rc = FAIL(neg_errno(), "hwloc_topology_set_flags: %s", strerror(errno));
		break;
	case SRC_SYNTHETIC:
		snprintf(t->source, sizeof t->source, "synthetic '%s'", arg);
		if (hwloc_topology_set_synthetic(t->topo, arg))
			rc = FAIL(-EINVAL, "'%s' is not an hwloc synthetic description "
					   "(e.g. 'pack:2 l3:2 core:4 pu:2')", arg);
		break;
	case SRC_XML:
		snprintf(t->source, sizeof t->source, "XML '%s'", arg);
		if (access(arg, R_OK) != 0)
			rc = FAIL(neg_errno(), "'%s': %s", arg, strerror(errno));
		else if (hwloc_topology_set_xml(t->topo, arg))
			rc = FAIL(-EINVAL, "'%s' is not an hwloc XML topology", arg);
		break;
	}
	if (rc == 0 && hwloc_topology_load(t->topo) != 0)
		rc = src == SRC_XML ? FAIL(-EINVAL, "'%s' is not an hwloc XML topology", arg)
				    : FAIL(neg_errno(), "hwloc_topology_load: %s", strerror(errno));
	if (rc == 0)
		rc = settle_allowed(t, err, errlen);
	if (rc) {
		topo_close(t);
		return rc;
	}
	*out = t;
	return 0;
}

int topo_open_system(struct topo **out, char *err, size_t errlen)
{
	return topo_open(out, SRC_SYSTEM, NULL, err, errlen);
}

int topo_open_synthetic(struct topo **out, const char *desc, char *err, size_t errlen)
{
	return topo_open(out, SRC_SYNTHETIC, desc, err, errlen);
}

int topo_open_xml(struct topo **out, const char *path, char *err, size_t errlen)
{
	return topo_open(out, SRC_XML, path, err, errlen);
}

void topo_close(struct topo *t)
{
	if (!t)
		return;
	hwloc_bitmap_free(t->allowed);
	hwloc_topology_destroy(t->topo);
	free(t);
}

int topo_restrict(struct topo *t, const int *cpus, unsigned n, char *err, size_t errlen)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int rc = 0;
	if (!set)
		return FAIL(-ENOMEM, "out of memory");
	for (unsigned i = 0; i < n && rc == 0; i++) {
		if (cpus[i] < 0 || !hwloc_bitmap_isset(t->allowed, (unsigned)cpus[i]))
			rc = FAIL(-EINVAL, "CPU %d is not in the topology", cpus[i]);
		else
			hwloc_bitmap_set(set, (unsigned)cpus[i]);
	}
	if (rc == 0 && hwloc_bitmap_iszero(set))
		rc = FAIL(-EINVAL, "no CPU to keep");
	if (rc == 0 && hwloc_topology_restrict(t->topo, set, 0) != 0)
		rc = FAIL(neg_errno(), "hwloc_topology_restrict: %s", strerror(errno));
	if (rc == 0)
		hwloc_bitmap_copy(t->allowed, set);
	hwloc_bitmap_free(set);
	return rc;
}

unsigned topo_allowed_count(const struct topo *t)
{
	int w = hwloc_bitmap_weight(t->allowed);
	return w > 0 ? (unsigned)w : 0;
}

unsigned topo_allowed_cpus(const struct topo *t, int *cpus, unsigned cap)
{
	unsigned n = 0;
	unsigned i;
	hwloc_bitmap_foreach_begin(i, t->allowed)
	{
		if (n == cap)
			break;
		cpus[n++] = (int)i;
	}
	hwloc_bitmap_foreach_end();
	return n;
}

void topo_allowed_str(const struct topo *t, char *buf, size_t len)
{
	hwloc_bitmap_list_snprintf(buf, len, t->allowed);
}

/* The last-level cache type this topology has, or HWLOC_OBJ_TYPE_MAX if it has none. */
static hwloc_obj_type_t llc_type(hwloc_topology_t tp)
{
	static const hwloc_obj_type_t caches[] = { HWLOC_OBJ_L5CACHE, HWLOC_OBJ_L4CACHE,
						    HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L2CACHE,
						    HWLOC_OBJ_L1CACHE };
	for (size_t i = 0; i < sizeof caches / sizeof caches[0]; i++)
		if (hwloc_get_nbobjs_by_type(tp, caches[i]) > 0)
			return caches[i];
	return HWLOC_OBJ_TYPE_MAX;
}

static int logical_of(hwloc_topology_t tp, hwloc_obj_t pu, hwloc_obj_type_t type)
{
	if (type == HWLOC_OBJ_TYPE_MAX)
		return -1;
	hwloc_obj_t o = hwloc_get_ancestor_obj_by_type(tp, type, pu);
	return o ? (int)o->logical_index : -1;
}

int topo_cpu_place(const struct topo *t, int cpu, struct cpu_place *out)
{
	hwloc_topology_t tp = t->topo;
	if (cpu < 0 || !hwloc_bitmap_isset(t->allowed, (unsigned)cpu))
		return -EINVAL;
	hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(tp, (unsigned)cpu);
	if (!pu)
		return -EINVAL;
	out->pu = (int)pu->logical_index;
	out->core = logical_of(tp, pu, HWLOC_OBJ_CORE);
	out->llc = logical_of(tp, pu, llc_type(tp));
	out->package = logical_of(tp, pu, HWLOC_OBJ_PACKAGE);
	/* NUMA nodes hang off the tree as memory children: the PU's node is the first whose
	 * cpuset holds it. */
	out->numa = -1;
	for (hwloc_obj_t n = hwloc_get_next_obj_by_type(tp, HWLOC_OBJ_NUMANODE, NULL); n;
	     n = hwloc_get_next_obj_by_type(tp, HWLOC_OBJ_NUMANODE, n)) {
		if (hwloc_bitmap_isset(n->cpuset, (unsigned)cpu)) {
			out->numa = (int)n->logical_index;
			break;
		}
	}
	return 0;
}

/* How many objects of `type` hold an allowed CPU. Restricting a topology keeps NUMA nodes that
 * lost their CPUs (they still have memory), so count by cpuset, not by hwloc's count. */
static unsigned count_with_cpus(const struct topo *t, hwloc_obj_type_t type)
{
	unsigned n = 0;
	for (hwloc_obj_t o = hwloc_get_next_obj_by_type(t->topo, type, NULL); o;
	     o = hwloc_get_next_obj_by_type(t->topo, type, o))
		n += o->cpuset && hwloc_bitmap_intersects(o->cpuset, t->allowed);
	return n;
}

/* The logical index of the NUMA node, or of the `type` cache, that holds `cpu`; -1 if none. */
static int domain_of(hwloc_topology_t tp, hwloc_obj_type_t type, int cpu)
{
	if (type == HWLOC_OBJ_NUMANODE) {
		/* NUMA nodes are memory children, not ancestors: find the node by cpuset, as
		 * topo_cpu_place does. */
		for (hwloc_obj_t o = hwloc_get_next_obj_by_type(tp, type, NULL); o;
		     o = hwloc_get_next_obj_by_type(tp, type, o))
			if (hwloc_bitmap_isset(o->cpuset, (unsigned)cpu))
				return (int)o->logical_index;
		return -1;
	}
	hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(tp, (unsigned)cpu);
	return pu ? logical_of(tp, pu, type) : -1;
}

int topo_cpu_clusters(const struct topo *t, const int *cpus, unsigned n, unsigned *cluster,
		      unsigned *nclusters, const char **level)
{
	hwloc_topology_t tp = t->topo;
	hwloc_obj_type_t type = HWLOC_OBJ_TYPE_MAX;
	*level = "none";
	if (count_with_cpus(t, HWLOC_OBJ_NUMANODE) > 1)
		type = HWLOC_OBJ_NUMANODE, *level = "numa";
	else if (count_with_cpus(t, HWLOC_OBJ_L3CACHE) > 1)
		type = HWLOC_OBJ_L3CACHE, *level = "L3";
	else if (count_with_cpus(t, HWLOC_OBJ_L2CACHE) > 1)
		type = HWLOC_OBJ_L2CACHE, *level = "L2";
	*nclusters = 1;
	for (unsigned i = 0; i < n; i++) {
		if (cpus[i] >= 0 && !hwloc_bitmap_isset(t->allowed, (unsigned)cpus[i]))
			return -EINVAL;
		cluster[i] = 0;
	}
	if (type == HWLOC_OBJ_TYPE_MAX)
		return 0;
	/* Dense numbers: a domain's number is how many smaller logical indices the set uses.
	 * Logical indices run 0..count-1, so one array indexed by them does it. */
	int ndom_all = hwloc_get_nbobjs_by_type(tp, type); /* logical indices: 0..ndom-1 */
	unsigned ndom = ndom_all > 0 ? (unsigned)ndom_all : 0;
	unsigned *num = calloc(ndom + 1, sizeof *num);
	if (!num)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		int k = cpus[i] < 0 ? -1 : domain_of(tp, type, cpus[i]);
		cluster[i] = k < 0 || (unsigned)k >= ndom ? ndom : (unsigned)k; /* ndom: no domain */
		num[cluster[i]] = 1;
	}
	unsigned distinct = 0;
	for (unsigned d = 0; d <= ndom; d++) {
		unsigned used = num[d];
		num[d] = distinct;
		distinct += used;
	}
	for (unsigned i = 0; i < n; i++)
		cluster[i] = num[cluster[i]];
	free(num);
	*nclusters = distinct ? distinct : 1;
	return 0;
}

/* All allowed PUs, compact order: hwloc's logical order. */
static unsigned order_compact(hwloc_topology_t tp, int *order, unsigned cap)
{
	unsigned n = 0;
	for (hwloc_obj_t pu = hwloc_get_next_obj_by_type(tp, HWLOC_OBJ_PU, NULL); pu && n < cap;
	     pu = hwloc_get_next_obj_by_type(tp, HWLOC_OBJ_PU, pu))
		order[n++] = (int)pu->os_index;
	return n;
}

/* `n` PUs (n <= allowed) spread by hwloc_distrib, one per thread. */
static int order_scatter(hwloc_topology_t tp, unsigned n, int *order)
{
	hwloc_cpuset_t *sets = calloc(n, sizeof *sets);
	hwloc_obj_t root = hwloc_get_root_obj(tp);
	int rc = 0;
	if (!sets)
		return -ENOMEM;
	if (hwloc_distrib(tp, &root, 1, sets, n, INT_MAX, 0) != 0)
		rc = neg_errno();
	for (unsigned i = 0; i < n; i++) {
		if (!sets[i]) {
			rc = rc ? rc : -ENOMEM;
			continue;
		}
		/* distrib hands out a subtree's whole cpuset; singlify keeps its first PU so that
		 * the thread does not wander inside the subtree. */
		hwloc_bitmap_singlify(sets[i]);
		order[i] = hwloc_bitmap_first(sets[i]);
		hwloc_bitmap_free(sets[i]);
	}
	free(sets);
	return rc;
}

int topo_plan(const struct topo *t, unsigned threads, enum placement placement, const int *cpus,
	      unsigned ncpus, struct thread_plan *plan, char *err, size_t errlen)
{
	hwloc_topology_t tp = t->topo;
	unsigned nallowed = topo_allowed_count(t);
	char allowed[256];
	topo_allowed_str(t, allowed, sizeof allowed);

	memset(plan, 0, sizeof *plan);
	if (threads == 0 || threads > LB_MAX_THREADS)
		return FAIL(-EINVAL, "%u threads: a plan takes 1..%d", threads, LB_MAX_THREADS);
	plan->threads = threads;
	plan->allowed_cpus = nallowed;

	int *order = calloc(nallowed > ncpus ? nallowed : ncpus ? ncpus : 1, sizeof *order);
	unsigned norder = 0;
	int rc = 0;
	if (!order)
		return FAIL(-ENOMEM, "out of memory");
	switch (placement) {
	case PLACEMENT_COMPACT:
		norder = order_compact(tp, order, nallowed);
		break;
	case PLACEMENT_SCATTER:
		/* Oversubscribed, the order of all PUs is what round-robin cycles over. */
		norder = threads < nallowed ? threads : nallowed;
		rc = order_scatter(tp, norder, order);
		if (rc)
			snprintf(err, errlen, "hwloc_distrib: %s", strerror(-rc));
		break;
	case PLACEMENT_NONE:
		norder = 0;
		break;
	case PLACEMENT_LIST:
		if (ncpus == 0)
			rc = FAIL(-EINVAL, "an empty CPU list");
		for (unsigned i = 0; i < ncpus && rc == 0; i++) {
			if (cpus[i] < 0 || !hwloc_bitmap_isset(t->allowed, (unsigned)cpus[i]))
				rc = FAIL(-EINVAL,
					  "CPU %d is not available to this process (allowed: %s)",
					  cpus[i], allowed);
			order[i] = cpus[i];
		}
		norder = ncpus;
		break;
	default:
		rc = FAIL(-EINVAL, "unknown placement %d", (int)placement);
	}
	if (rc == 0 && placement != PLACEMENT_NONE && norder == 0)
		rc = FAIL(-ENODEV, "no CPU to place threads on");
	if (rc) {
		free(order);
		return rc;
	}

	hwloc_bitmap_t used = hwloc_bitmap_alloc();
	if (!used) {
		free(order);
		return FAIL(-ENOMEM, "out of memory");
	}
	for (unsigned i = 0; i < threads; i++) {
		plan->cpu[i] = norder ? order[i % norder] : -1;
		if (plan->cpu[i] >= 0)
			hwloc_bitmap_set(used, (unsigned)plan->cpu[i]);
	}
	if (placement == PLACEMENT_NONE) {
		hwloc_bitmap_copy(used, t->allowed); /* the OS may put them anywhere allowed */
		plan->oversubscribed = threads > nallowed;
	} else {
		plan->oversubscribed = threads > norder;
	}
	hwloc_bitmap_list_snprintf(plan->cpus_str, sizeof plan->cpus_str, used);
	hwloc_bitmap_free(used);
	free(order);
	rc = topo_cpu_clusters(t, plan->cpu, threads, plan->cluster, &plan->clusters,
			       &plan->cluster_level);
	if (rc)
		return FAIL(rc, "clusters: %s", strerror(-rc));
	if (placement == PLACEMENT_NONE)
		plan->cluster_level = "none"; /* every thread in cluster 0: the OS moves them */
	return 0;
}

int topo_bind_self(struct topo *t, int cpu)
{
	if (cpu < 0)
		return 0;
	if (!t->thissystem)
		return -ENOSYS; /* binding to a CPU of a machine we are not running on */
	if (!hwloc_bitmap_isset(t->allowed, (unsigned)cpu))
		return -EINVAL;
	hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(t->topo, (unsigned)cpu);
	if (!pu)
		return -EINVAL;
	hwloc_cpuset_t set = hwloc_bitmap_dup(pu->cpuset);
	if (!set)
		return -ENOMEM;
	hwloc_bitmap_singlify(set);
	int rc = 0;
	if (hwloc_set_cpubind(t->topo, set, HWLOC_CPUBIND_THREAD) != 0) {
		rc = neg_errno();
	} else {
		/* Linux migrates a thread off a CPU that left its mask before sched_setaffinity
		 * returns; the retries cover kernels that do it at the next scheduling point. */
		rc = -EIO;
		for (int tries = 0; tries < 3 && rc == -EIO; tries++) {
			if (tries)
				sched_yield();
			if (hwloc_get_last_cpu_location(t->topo, set, HWLOC_CPUBIND_THREAD) != 0)
				rc = neg_errno();
			else if (hwloc_bitmap_isset(set, (unsigned)cpu))
				rc = 0;
		}
	}
	hwloc_bitmap_free(set);
	return rc;
}

/* ---- printing ---------------------------------------------------------------------------- */

/* "32 MiB" when exact, "4.96 GiB" otherwise (NUMA memory is rarely a round number). */
static void format_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;
	double v = (double)b;
	while (v >= 1024 && u + 1 < sizeof units / sizeof units[0])
		v /= 1024, u++;
	if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%llu %s", (unsigned long long)v, units[u]);
	else
		snprintf(buf, len, "%.2f %s", v, units[u]);
}

static unsigned nb(hwloc_topology_t tp, hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(tp, type);
	return n > 0 ? (unsigned)n : 0;
}

void topo_summary(const struct topo *t, char *buf, size_t len)
{
	hwloc_topology_t tp = t->topo;
	unsigned pk = nb(tp, HWLOC_OBJ_PACKAGE), nu = nb(tp, HWLOC_OBJ_NUMANODE);
	unsigned co = nb(tp, HWLOC_OBJ_CORE), pu = nb(tp, HWLOC_OBJ_PU);
	int w = snprintf(buf, len, "%u package%s, %u NUMA node%s, %u core%s, %u PU%s", pk,
			 pk == 1 ? "" : "s", nu, nu == 1 ? "" : "s", co, co == 1 ? "" : "s", pu,
			 pu == 1 ? "" : "s");
	hwloc_obj_type_t llc = llc_type(tp);
	if (llc == HWLOC_OBJ_TYPE_MAX || w < 0 || (size_t)w >= len)
		return;
	hwloc_obj_t c = hwloc_get_obj_by_type(tp, llc, 0);
	char type[32], size[32];
	hwloc_obj_type_snprintf(type, sizeof type, c, 0);
	format_bytes(c->attr->cache.size, size, sizeof size);
	unsigned n = nb(tp, llc);
	if (n > 1)
		snprintf(buf + w, len - (size_t)w, ", %u x %s %s", n, type, size);
	else
		snprintf(buf + w, len - (size_t)w, ", %s %s", type, size);
}

static void describe(hwloc_obj_t o, char *buf, size_t len)
{
	char type[32], size[32];
	hwloc_obj_type_snprintf(type, sizeof type, o, 0);
	int w = snprintf(buf, len, "%s L#%u", type, o->logical_index);
	size_t at = w > 0 ? (size_t)w : 0;
	if (at >= len)
		return;
	if (o->type == HWLOC_OBJ_PU) {
		snprintf(buf + at, len - at, " (P#%u)", o->os_index);
	} else if (o->type == HWLOC_OBJ_NUMANODE) {
		format_bytes(o->attr->numanode.local_memory, size, sizeof size);
		snprintf(buf + at, len - at, " (P#%u, %s)", o->os_index, size);
	} else if (hwloc_obj_type_is_cache(o->type)) {
		format_bytes(o->attr->cache.size, size, sizeof size);
		snprintf(buf + at, len - at, " (%s)", size);
	}
}

/* lstopo's console layout: a chain of single children joins one line with " + ". */
static void print_tree(FILE *f, hwloc_obj_t o, int depth)
{
	char d[96];
	describe(o, d, sizeof d);
	fprintf(f, "  %*s%s", 2 * depth, "", d);
	while (o->arity == 1 && o->memory_arity == 0) {
		o = o->children[0];
		describe(o, d, sizeof d);
		fprintf(f, " + %s", d);
	}
	fputc('\n', f);
	for (hwloc_obj_t m = o->memory_first_child; m; m = m->next_sibling)
		print_tree(f, m, depth + 1);
	for (unsigned i = 0; i < o->arity; i++)
		print_tree(f, o->children[i], depth + 1);
}

void topo_print(const struct topo *t, FILE *f)
{
	char summary[256], allowed[512];
	topo_summary(t, summary, sizeof summary);
	topo_allowed_str(t, allowed, sizeof allowed);
	fprintf(f, "topology: %s\n", t->source);
	fprintf(f, "summary:  %s\n", summary);
	fprintf(f, "allowed CPUs: %s (%u CPU%s)\n", allowed, topo_allowed_count(t),
		topo_allowed_count(t) == 1 ? "" : "s");
	if (t->thissystem) {
		/* The restricted topology no longer knows the others; say that they exist. */
		long online = sysconf(_SC_NPROCESSORS_ONLN);
		if (online > 0 && (unsigned long)online > topo_allowed_count(t))
			fprintf(f, "  %u of %ld online CPUs: taskset or a cgroup cpuset keeps this "
				   "process off the others, which are not shown\n",
				topo_allowed_count(t), online);
	}
	fputc('\n', f);
	print_tree(f, hwloc_get_root_obj(t->topo), 0);
}

void topo_plan_print(const struct topo *t, const struct thread_plan *plan, enum placement placement,
		     FILE *f)
{
	char llc[32] = "llc";
	hwloc_obj_type_t type = llc_type(t->topo);
	if (type != HWLOC_OBJ_TYPE_MAX)
		hwloc_obj_type_snprintf(llc, sizeof llc, hwloc_get_obj_by_type(t->topo, type, 0), 0);
	fprintf(f, "plan: %u thread%s, placement %s, on CPUs %s (%u allowed), %s\n", plan->threads,
		plan->threads == 1 ? "" : "s", placement_name(placement), plan->cpus_str,
		plan->allowed_cpus,
		plan->oversubscribed ? "OVERSUBSCRIBED (more threads than CPUs)"
				     : "not oversubscribed");
	fprintf(f, "  cpu is the OS index (P#); core, %s, numa and package are hwloc logical "
		   "indices (L#)\n",
		llc);
	fprintf(f, "  %6s %5s %5s %5s %5s %8s\n", "thread", "cpu", "core", llc, "numa", "package");
	for (unsigned i = 0; i < plan->threads; i++) {
		struct cpu_place pl = { -1, -1, -1, -1, -1 };
		if (plan->cpu[i] < 0) {
			fprintf(f, "  %6u %5s %5s %5s %5s %8s\n", i, "-", "-", "-", "-", "-");
			continue;
		}
		topo_cpu_place(t, plan->cpu[i], &pl);
		fprintf(f, "  %6u %5d %5d %5d %5d %8d\n", i, plan->cpu[i], pl.core, pl.llc, pl.numa,
			pl.package);
	}
}
