/* fuzz_cpulist.c — parse_cpulist_why, the parser of --cpus (run, topo, c2c).
 *
 * Checked against a reference written here the slow, obvious way (split on commas, each item N
 * or N-M): both must accept the same lists and produce the same CPUs in the same order. Also:
 * nothing is written past `cap` entries (the array is exactly that big), the reason for a
 * refusal is terminated within its buffer (it may quote the input, newlines and all: usage_error
 * makes the printed message one line), and a list is accepted only with distinct CPUs
 * <= max_cpu. The first bytes choose max_cpu and cap, small enough to be reached.
 */
#include <errno.h>
#include <stdbool.h>

#include "cli/cli.h"
#include "fuzz_util.h"

/* The reference: 0 and the CPUs, or -1. Bounds as parse_cpulist_why documents them. */
static int reference(const char *s, unsigned max_cpu, unsigned cap, int *out, unsigned *n)
{
	unsigned k = 0;
	if (!*s)
		return -1;
	for (;;) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		char item[4096];
		if (len == 0 || len >= sizeof item)
			return -1; /* empty item; longer than the input can be (cli_run: 255) */
		memcpy(item, s, len);
		item[len] = '\0';
		char *dash = strchr(item, '-');
		if (dash)
			*dash = '\0';
		const char *hi_s = dash ? dash + 1 : item;
		if (!*item || !*hi_s || strspn(item, "0123456789") != strlen(item) ||
		    strspn(hi_s, "0123456789") != strlen(hi_s))
			return -1;
		/* Leading zeros are allowed; past them, 13 digits are certainly > max_cpu (< 2^31). */
		if (strlen(item + strspn(item, "0")) > 12 || strlen(hi_s + strspn(hi_s, "0")) > 12)
			return -1;
		unsigned long long lo = strtoull(item, NULL, 10), hi = strtoull(hi_s, NULL, 10);
		if (lo > max_cpu || hi > max_cpu || hi < lo)
			return -1;
		for (unsigned long long c = lo; c <= hi; c++) {
			for (unsigned j = 0; j < k; j++)
				if (out[j] == (int)c)
					return -1;
			if (k == cap)
				return -1;
			out[k++] = (int)c;
		}
		if (!end)
			break;
		s = end + 1;
	}
	*n = k;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	unsigned max_cpu = data[0] == 255 ? 8191 : data[0];
	unsigned cap = (data[1] & 63) + 1;
	size_t whylen = (data[2] & 127) + 1;
	char *s = fuzz_cstr(data + 3, size - 3);
	int *cpus = malloc(cap * sizeof *cpus), *ref = malloc(cap * sizeof *ref);
	char *why = malloc(whylen);
	if (!cpus || !ref || !why)
		abort();
	memset(why, 'x', whylen);
	unsigned n = 0, rn = 0;
	int rc = parse_cpulist_why(s, max_cpu, cpus, cap, &n, why, whylen);
	int rrc = reference(s, max_cpu, cap, ref, &rn);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	FUZZ_ASSERT((rc == 0) == (rrc == 0));
	if (rc == 0) {
		FUZZ_ASSERT(n == rn && memcmp(cpus, ref, n * sizeof *cpus) == 0);
	} else {
		FUZZ_ASSERT(memchr(why, '\0', whylen) != NULL);
	}
	unsigned n2 = 0;
	FUZZ_ASSERT(parse_cpulist(s, max_cpu, cpus, cap, &n2) == rc);
	free(why);
	free(ref);
	free(cpus);
	free(s);
	return 0;
}
