/* fuzz_time.c — parse_time_ns, the parser of --duration, --warmup, --watchdog, --cs, --ncs.
 *
 * Checked against a reference written here the obvious way (digits, an optional fraction, an
 * optional unit; the value in long double): both must accept the same inputs, except within a
 * rounding step of the bound, and agree on the value. Also: a value is returned only within
 * max_ns; printed back with format_time_ns it parses to the same value; -EINVAL and -ERANGE are
 * the only errors; a refused input leaves *out alone. The first byte picks the bare unit and the
 * bound, so both the seconds-by-default and the nanoseconds-by-default forms are explored.
 */
#include <errno.h>
#include <math.h>

#include "cli/cli.h"
#include "fuzz_util.h"

#define NS_PER_S 1000000000ull

enum ref_verdict { REF_ACCEPT, REF_REJECT, REF_UNSURE };

/* The reference: what the input is worth in ns, and whether it should be accepted. */
static enum ref_verdict reference(const char *s, uint64_t bare, uint64_t max, long double *value)
{
	static const struct { const char *suffix; uint64_t ns; } units[] = {
		{ "h", 3600 * NS_PER_S }, { "m", 60 * NS_PER_S }, { "s", NS_PER_S },
		{ "ms", 1000000 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "ns", 1 },
	};
	size_t nw = strspn(s, "0123456789");
	if (nw == 0)
		return REF_REJECT;
	const char *p = s + nw, *frac = "";
	size_t nf = 0;
	if (*p == '.') {
		frac = p + 1;
		nf = strspn(frac, "0123456789");
		if (nf == 0)
			return REF_REJECT;
		p = frac + nf;
	}
	uint64_t unit = 0;
	if (!*p)
		unit = bare;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (*p && strcmp(p, units[i].suffix) == 0)
			unit = units[i].ns;
	if (!unit)
		return REF_REJECT;
	while (nf && frac[nf - 1] == '0')
		nf--; /* trailing zeros say nothing */
	long double whole = 0, f = 0, scale = 1;
	for (size_t i = 0; i < nw; i++)
		whole = whole * 10 + (s[i] - '0');
	for (size_t i = 0; i < nf && i < 40; i++)
		f = f * 10 + (frac[i] - '0'), scale *= 10;
	*value = (whole + f / scale) * (long double)unit;
	if (nf > 18)
		return REF_REJECT; /* documented: finer than any unit can make a whole nanosecond */
	/* A whole number of ns: frac * unit divisible by 10^nf, exactly in 128 bits. */
	unsigned __int128 fi = 0, p10 = 1;
	for (size_t i = 0; i < nf; i++)
		fi = fi * 10 + (unsigned)(frac[i] - '0'), p10 *= 10;
	if ((fi * unit) % p10)
		return REF_REJECT;
	if (fabsl(*value - (long double)max) <= (long double)max * 1e-15L + 1)
		return REF_UNSURE; /* at the bound, long double cannot say */
	return *value <= (long double)max ? REF_ACCEPT : REF_REJECT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t bare[] = { 1, 1000, 1000000, NS_PER_S };
	static const uint64_t max[] = { NS_PER_S, 3600 * NS_PER_S, 600 * NS_PER_S, UINT64_MAX };
	if (size < 1)
		return 0;
	uint64_t unit = bare[data[0] & 3], bound = max[(data[0] >> 2) & 3];
	char *s = fuzz_cstr(data + 1, size - 1);
	const uint64_t sentinel = 0x5a5a5a5a5a5a5a5aull;
	uint64_t v = sentinel;
	int rc = parse_time_ns(s, unit, bound, &v);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	long double want = 0;
	enum ref_verdict ref = reference(s, unit, bound, &want);
	if (ref != REF_UNSURE)
		FUZZ_ASSERT((rc == 0) == (ref == REF_ACCEPT));
	if (rc == 0)
		FUZZ_ASSERT(fabsl((long double)v - want) <= want * 1e-15L + 1);
	if (rc != 0) {
		FUZZ_ASSERT(v == sentinel);
	} else {
		FUZZ_ASSERT(v <= bound);
		char buf[64];
		format_time_ns(v, buf, sizeof buf);
		uint64_t back = 0;
		FUZZ_ASSERT(parse_time_ns(buf, 1, UINT64_MAX, &back) == 0);
		FUZZ_ASSERT(back == v);
		/* A value that parses never has a sign, a space or a second dot in it. */
		FUZZ_ASSERT(strspn(s, "0123456789.nusmh\xc2\xb5") == strlen(s));
	}
	free(s);
	return 0;
}
