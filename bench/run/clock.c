/* clock.c — choosing and calibrating the timestamp clock, and its floor. See clock.h. */
#define _GNU_SOURCE
#include "run/clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/stats.h"

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	size_t n = fread(buf, 1, len - 1, f);
	int err = ferror(f) ? -EIO : 0;
	fclose(f);
	buf[n] = '\0';
	return err;
}

void clocksource_name(char *buf, size_t len)
{
	char s[64];
	if (read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource", s,
		      sizeof s) != 0 || !s[0]) {
		snprintf(buf, len, "unknown");
		return;
	}
	s[strcspn(s, "\n")] = '\0';
	snprintf(buf, len, "%s", s);
}

/* Whether the first "flags" line of /proc/cpuinfo has `flag` as a whole word. */
static bool cpuinfo_flag(const char *flags_line, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = flags_line; (p = strstr(p, flag)) != NULL; p += n)
		if ((p == flags_line || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* The first "flags" line of /proc/cpuinfo into line; false when there is none. */
static bool cpuinfo_flags_line(char *line, size_t len)
{
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		while (fgets(line, (int)len, f))
			if (strncmp(line, "flags", 5) == 0) {
				found = true;
				break;
			}
		fclose(f);
	}
	return found;
}

int cpuinfo_has_flag(const char *flag)
{
	char line[8192];
	return cpuinfo_flags_line(line, sizeof line) ? cpuinfo_flag(line, flag) : -1;
}

int tsc_invariant(char *flags, size_t flags_len, char *why, size_t why_len)
{
	char line[8192] = "";
	bool found = cpuinfo_flags_line(line, sizeof line);
	bool constant = found && cpuinfo_flag(line, "constant_tsc");
	bool nonstop = found && cpuinfo_flag(line, "nonstop_tsc");
	char cs[64];
	clocksource_name(cs, sizeof cs);
	snprintf(flags, flags_len, "%s%s%s, clocksource %s", constant ? "constant_tsc" : "",
		 constant && nonstop ? " " : "", nonstop ? "nonstop_tsc" : "", cs);
	if (!LB_HAVE_RDTSC) {
		snprintf(why, why_len, "not an x86 CPU");
		return 0;
	}
	if (!found) {
		snprintf(why, why_len, "no flags line in /proc/cpuinfo");
		return 0;
	}
	if (!constant || !nonstop) {
		snprintf(why, why_len, "the TSC is not invariant (%s%s missing)",
			 constant ? "" : "constant_tsc ", nonstop ? "" : "nonstop_tsc");
		return 0;
	}
	if (strcmp(cs, "tsc") != 0) {
		snprintf(why, why_len, "the kernel does not use the TSC as clocksource (%s)", cs);
		return 0;
	}
	return 1;
}

/* A (TSC, CLOCK_MONOTONIC) pair read as close together as possible: of a few tries, the one
 * whose two bracketing TSC reads are nearest, the TSC taken as their middle. */
static void tsc_mono_pair(uint64_t *tsc, uint64_t *mono)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 7; i++) {
		uint64_t a = rdtsc_stop(), m = mono_ns(), b = rdtsc_start();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*mono = m;
		}
	}
}

int ts_clock_init(struct ts_clock *c)
{
	char flags[128], why[128];
	memset(c, 0, sizeof *c);
	c->ns_per_tick = 1.0;
	if (!tsc_invariant(flags, sizeof flags, why, sizeof why)) {
		c->tsc = false;
		snprintf(c->desc, sizeof c->desc, "clock_gettime (%.70s)", why);
		return 0;
	}
	/* ~20 ms against CLOCK_MONOTONIC: each end is known to within the bracketing reads
	 * (~100 ns), so the rate is good to about 1e-5. */
	uint64_t t0 = 0, m0 = 0, t1 = 0, m1 = 0;
	tsc_mono_pair(&t0, &m0);
	struct timespec nap = { 0, 20000000 };
	while (nanosleep(&nap, &nap) != 0 && errno == EINTR)
		;
	tsc_mono_pair(&t1, &m1);
	if (t1 <= t0 || m1 <= m0) {
		snprintf(c->desc, sizeof c->desc, "clock_gettime (TSC calibration failed)");
		return 0;
	}
	c->tsc = true;
	c->ns_per_tick = (double)(m1 - m0) / (double)(t1 - t0);
	snprintf(c->desc, sizeof c->desc, "rdtsc (invariant TSC, %.1f MHz)",
		 1e3 / c->ns_per_tick);
	return 0;
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Raw differences below this many ticks are tallied for the tick; longer ones were interrupted. */
#define TICK_DIFF_MAX 8192u

int ts_clock_floor(const struct ts_clock *c, struct ts_timer_floor *f)
{
	enum { PAIRS = 50000, RUNS = 3 };
	f->pair_ns = f->p50_ns = f->tick_ns = NAN;
	struct latency_hist *h = malloc(sizeof *h);
	uint32_t *seen = calloc(TICK_DIFF_MAX, sizeof *seen);
	if (!h || !seen) {
		free(h);
		free(seen);
		return -ENOMEM;
	}
	lat_hist_init(h);
	double best = INFINITY;
	for (int run = 0; run < RUNS; run++) {
		uint64_t m0 = mono_ns();
		for (int i = 0; i < PAIRS; i++) {
			uint64_t a = ts_clock_start(c);
			uint64_t b = ts_clock_stop(c);
			lat_hist_record(h, ts_clock_ns(c, b - a));
			if (b - a < TICK_DIFF_MAX)
				seen[b - a]++;
		}
		double ns = (double)(mono_ns() - m0) / PAIRS;
		if (ns < best)
			best = ns;
	}
	f->pair_ns = best;
	f->p50_ns = lat_hist_percentile_part(h, LB_P50);
	/* The GCD of the differences seen in at least 0.1 % of the pairs: one interval skewed off
	 * the grid (an interrupt or VM exit in between) would otherwise make it 1 tick. On this VM
	 * the TSC (2596 MHz) steps by 26 ticks, 10 ns, and one process in a few read 0.385 ns. */
	uint64_t tick = 0; /* gcd(0, d) = d */
	for (uint64_t d = 1; d < TICK_DIFF_MAX; d++)
		if (seen[d] >= (uint32_t)(RUNS * PAIRS / 1000))
			tick = gcd_u64(tick, d);
	/* 0: the clock did not move between two reads often enough to tell. */
	f->tick_ns = tick ? (double)tick * c->ns_per_tick : NAN;
	free(seen);
	free(h);
	return 0;
}

double ts_clock_pair_cost_ns(const struct ts_clock *c)
{
	struct ts_timer_floor f;
	ts_clock_floor(c, &f);
	return f.pair_ns;
}
