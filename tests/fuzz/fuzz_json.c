/* fuzz_json.c — json_parse_flat, the reader of a result set's meta.json.
 *
 * Promises checked (jsonread.h): 0 or -EINVAL, never a crash or a deep recursion, whatever the
 * bytes; an error is one line; on success every pair has a key and a value, and json_get finds
 * the first pair of each key.
 */
#include <errno.h>

#include "fuzz_util.h"
#include "results/jsonread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	struct json_flat j;
	char err[256];
	memset(err, 'x', sizeof err);
	int rc = json_parse_flat(text, size, "fuzz.json", &j, err, sizeof err);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	if (rc != 0) {
		FUZZ_ASSERT(fuzz_one_line(err, sizeof err));
		FUZZ_ASSERT(j.n == 0);
	} else {
		for (size_t i = 0; i < j.n; i++) {
			FUZZ_ASSERT(j.kv[i].key && j.kv[i].value);
			const struct json_kv *first = json_find(&j, j.kv[i].key);
			FUZZ_ASSERT(first && first <= &j.kv[i]);
			FUZZ_ASSERT(json_get(&j, j.kv[i].key) == first->value);
		}
		json_free(&j);
	}
	free(text);
	return 0;
}
