/* parse.c — strict text → number parsers (parse.h).
 *
 * The parsers are strict on purpose: a benchmark that silently reads "1x" as 1 second, or
 * "4-2" as no CPUs at all, produces numbers nobody asked for. Every parser accepts digits and
 * the documented separators only (no sign, no spaces, no hex), and reports -EINVAL for a value
 * it cannot read and -ERANGE for one it can read but that is out of bounds, so the caller can
 * say which.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "parse/parse.h"

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

/* 128-bit intermediates make the overflow checks in parse_time_ns exact. */
__extension__ typedef unsigned __int128 u128;

static const struct time_unit {
	const char *suffix;
	uint64_t ns;
} time_units[] = {
	/* Largest first: format_time_ns picks the first unit that divides exactly. */
	{ "h", 3600 * NS_PER_S },
	{ "m", 60 * NS_PER_S },
	{ "s", NS_PER_S },
	{ "ms", NS_PER_MS },
	{ "us", NS_PER_US },
	{ "\xc2\xb5s", NS_PER_US }, /* µs */
	{ "ns", 1 },
};

int parse_time_ns(const char *s, uint64_t bare_unit_ns, uint64_t max_ns, uint64_t *out)
{
	if (!s)
		return -EINVAL;
	const char *p = s;
	u128 whole = 0;
	bool too_big = false;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (unsigned)(*p - '0');
		if (whole > UINT64_MAX)
			too_big = true, whole = UINT64_MAX;
	}
	if (p == s)
		return -EINVAL; /* empty, a sign, a unit alone (".5s" too: we want the 0) */

	/* The fraction is kept as digits/10^k with trailing zeros dropped, so "1.50s" and "1.5s"
	 * are the same and the exactness test below sees only significant digits. */
	u128 frac = 0, scale = 1;
	if (*p == '.') {
		const char *f = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == f)
			return -EINVAL; /* "1." */
		const char *last = p;
		while (last > f && last[-1] == '0')
			last--;
		if (last - f > 18)
			return -EINVAL; /* finer than any unit can make a whole nanosecond */
		for (const char *d = f; d < last; d++) {
			frac = frac * 10 + (unsigned)(*d - '0');
			scale *= 10;
		}
	}

	uint64_t unit = 0;
	if (*p == '\0') {
		unit = bare_unit_ns;
	} else {
		for (size_t i = 0; i < sizeof time_units / sizeof time_units[0]; i++)
			if (strcmp(p, time_units[i].suffix) == 0)
				unit = time_units[i].ns;
	}
	if (unit == 0)
		return -EINVAL; /* unknown unit, or a bare number where a unit is required */
	if (too_big)
		return -ERANGE;

	u128 frac_ns = frac * unit;
	if (frac_ns % scale)
		return -EINVAL; /* "0.5ns": not a whole number of nanoseconds */
	u128 total = whole * unit + frac_ns / scale;
	if (total > max_ns)
		return -ERANGE;
	*out = (uint64_t)total;
	return 0;
}

void format_time_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns == 0) {
		snprintf(buf, len, "0");
		return;
	}
	for (size_t i = 0; i < sizeof time_units / sizeof time_units[0]; i++) {
		if (ns % time_units[i].ns == 0 && time_units[i].suffix[0] != '\xc2') {
			snprintf(buf, len, "%llu%s", (unsigned long long)(ns / time_units[i].ns),
				 time_units[i].suffix);
			return;
		}
	}
}

/* Reads digits at *pp into *v; -EINVAL if there are none, -ERANGE past UINT64_MAX. */
static int read_u64(const char **pp, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	bool too_big = false;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			too_big = true;
		else
			x = x * 10 + d;
	}
	if (p == *pp)
		return -EINVAL;
	*pp = p;
	*v = x;
	return too_big ? -ERANGE : 0;
}

int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	if (!s)
		return -EINVAL;
	uint64_t v;
	int rc = read_u64(&s, &v);
	if (rc == -EINVAL || *s != '\0')
		return -EINVAL;
	if (rc == -ERANGE || v < min || v > max)
		return -ERANGE;
	*out = (unsigned)v;
	return 0;
}

int parse_uint_list(const char *s, unsigned min, unsigned max, unsigned *vals, unsigned cap,
		    unsigned *n)
{
	if (!s)
		return -EINVAL;
	unsigned k = 0;
	bool out_of_range = false;
	for (;;) {
		uint64_t v;
		int rc = read_u64(&s, &v);
		if (rc == -EINVAL || (*s != ',' && *s != '\0'))
			return -EINVAL; /* empty item or garbage */
		if (rc == -ERANGE || v < min || v > max || k == cap)
			out_of_range = true; /* keep going: garbage later in the list is -EINVAL */
		else
			vals[k++] = (unsigned)v;
		if (*s == '\0')
			break;
		s++;
	}
	if (out_of_range)
		return -ERANGE;
	*n = k;
	return 0;
}

int parse_cpulist_why(const char *s, unsigned max_cpu, int *cpus, unsigned cap, unsigned *n,
			 char *why, size_t whylen)
{
	if (max_cpu > (unsigned)INT32_MAX)
		max_cpu = INT32_MAX;
	if (!s || !*s) {
		snprintf(why, whylen, "empty list");
		return -EINVAL;
	}
	unsigned k = 0;
	for (;;) {
		uint64_t lo, hi;
		int rc = read_u64(&s, &lo);
		if (rc == -EINVAL) {
			snprintf(why, whylen, *s == ',' || !*s ? "empty item" : "not a number at '%s'", s);
			return -EINVAL;
		}
		hi = lo;
		if (*s == '-') {
			s++;
			int rc2 = read_u64(&s, &hi);
			if (rc2 == -EINVAL) {
				snprintf(why, whylen, "range without an end");
				return -EINVAL;
			}
			rc = rc ? rc : rc2;
		}
		if (*s != ',' && *s != '\0') {
			snprintf(why, whylen, "unexpected '%c'", *s);
			return -EINVAL;
		}
		if (rc == -ERANGE || hi > max_cpu || lo > max_cpu) {
			snprintf(why, whylen, "CPU numbers go up to %u", max_cpu);
			return -ERANGE;
		}
		if (hi < lo) {
			snprintf(why, whylen, "reversed range %llu-%llu", (unsigned long long)lo,
				 (unsigned long long)hi);
			return -EINVAL;
		}
		for (uint64_t c = lo; c <= hi; c++) {
			/* Quadratic, but a list names at most a few thousand CPUs. */
			for (unsigned j = 0; j < k; j++) {
				if (cpus[j] == (int)c) {
					snprintf(why, whylen, "CPU %llu listed twice", (unsigned long long)c);
					return -EINVAL;
				}
			}
			if (k == cap) {
				snprintf(why, whylen, "more than %u CPUs", cap);
				return -ERANGE;
			}
			cpus[k++] = (int)c;
		}
		if (*s == '\0')
			break;
		s++; /* ',' — an empty item after it is caught by read_u64 */
	}
	*n = k;
	return 0;
}

int parse_cpulist(const char *s, unsigned max_cpu, int *cpus, unsigned cap, unsigned *n)
{
	char why[96];
	return parse_cpulist_why(s, max_cpu, cpus, cap, n, why, sizeof why);
}
