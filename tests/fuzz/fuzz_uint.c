/* fuzz_uint.c — parse_uint and parse_uint_list (--threads, --reps, --samples, sweep --threads).
 *
 * The first bytes choose min, max and the list's capacity (small, so the bounds and the cap are
 * reached); the rest is the text. Promises checked: values in [min, max]; only digits (and
 * commas in a list) are accepted, and what is accepted equals strtoull's reading; a list never
 * writes past `cap` (the array is allocated exactly, so ASan would see it) and its values,
 * printed back with commas, parse to the same list.
 */
#include <errno.h>
#include <stdbool.h>

#include "cli/cli.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	unsigned min = data[0] & 7, max = data[1] < 250 ? data[1] * 5u : UINT32_MAX - (255u - data[1]);
	unsigned cap = (data[2] & 15) + 1;
	char *s = fuzz_cstr(data + 3, size - 3);

	unsigned v = 12345;
	int rc = parse_uint(s, min, max, &v);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	/* The reference: digits only, and strtoull's reading (no ERANGE) in [min, max]. */
	errno = 0;
	unsigned long long ref = strtoull(s, NULL, 10);
	bool ref_ok = s[0] && strspn(s, "0123456789") == strlen(s) && errno == 0 && ref >= min &&
		      ref <= max;
	FUZZ_ASSERT((rc == 0) == ref_ok);
	if (rc == 0) {
		FUZZ_ASSERT(v >= min && v <= max);
		FUZZ_ASSERT(s[0] && strspn(s, "0123456789") == strlen(s));
		FUZZ_ASSERT(strtoull(s, NULL, 10) == v);
	} else {
		FUZZ_ASSERT(v == 12345);
	}

	unsigned *vals = malloc(cap * sizeof *vals), n = 9999;
	if (!vals)
		abort();
	rc = parse_uint_list(s, min, max, vals, cap, &n);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	if (rc == 0) {
		FUZZ_ASSERT(n >= 1 && n <= cap);
		FUZZ_ASSERT(strspn(s, "0123456789,") == strlen(s));
		char buf[16 * 12] = "";
		size_t used = 0;
		for (unsigned i = 0; i < n; i++) {
			FUZZ_ASSERT(vals[i] >= min && vals[i] <= max);
			used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%u", i ? "," : "",
						 vals[i]);
		}
		unsigned again[16], m = 0;
		FUZZ_ASSERT(parse_uint_list(buf, min, max, again, cap, &m) == 0);
		FUZZ_ASSERT(m == n && memcmp(again, vals, n * sizeof *vals) == 0);
	}
	free(vals);
	free(s);
	return 0;
}
