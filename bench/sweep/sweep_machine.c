/* sweep_machine.c — what the machine did around a point: /proc/stat's steal and busy ticks, and
 * our children's CPU time, from which the sweep tells other processes' share (summary.csv's
 * busy and noisy flags).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "sweep/sweep.h"

/* The allowed CPUs' lines of /proc/stat (the aggregate line when the affinity or the per-CPU
 * lines are not to be had): "other processes took N % of the CPUs" must mean the CPUs the
 * sweep may use, not a machine it was fenced out of by taskset or a cpuset. */
int cpu_ticks_read(struct cpu_ticks *t)
{
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -errno;
	cpu_set_t allowed;
	bool have_set = sched_getaffinity(0, sizeof allowed, &allowed) == 0;
	struct cpu_ticks all = { 0 }, mine = { 0 };
	bool have_all = false, have_mine = false;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "cpu", 3) != 0)
			break; /* the cpu lines come first */
		unsigned long long v[10] = { 0 };
		int cpu = -1, used = 0;
		if (line[3] == ' ')
			used = sscanf(line + 3, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
				      &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		else if (sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0],
				&v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 9)
			used = 8;
		if (used < 8)
			continue;
		/* user nice system idle iowait irq softirq steal [guest guest_nice: already in user] */
		struct cpu_ticks c = {
			.busy = v[0] + v[1] + v[2] + v[5] + v[6],
			.steal = v[7],
			.total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7],
		};
		struct cpu_ticks *into = cpu < 0 ? &all : &mine;
		if (cpu >= 0 && (!have_set || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)))
			continue;
		into->busy += c.busy;
		into->steal += c.steal;
		into->total += c.total;
		if (cpu < 0)
			have_all = true;
		else
			have_mine = true;
	}
	fclose(f);
	if (!have_all && !have_mine)
		return -EINVAL;
	*t = have_mine ? mine : all;
	return 0;
}

uint64_t children_cpu_ns(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
		return 0;
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}
