/* fuzz_csv.c — csv_parse, the reader behind report, compare and sweep --resume.
 *
 * Promises checked (csvread.h): whatever the bytes, the reader returns 0, -EINVAL or -EPROTO
 * with a one-line message; on success every row has exactly `ncols` non-NULL fields, every row
 * has a line number within the input's lines, and csv_double on any field gives 0 with a
 * finite number or NAN (empty), or -EINVAL with a one-line message. The first byte chooses the
 * expected kind (any, "results", "summary"), so the kind check is reached both ways.
 */
#include <errno.h>
#include <math.h>

#include "results/csvread.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { NULL, "results", "summary", "latency_hist" };
	if (size < 1)
		return 0;
	const char *want = kinds[data[0] & 3];
	/* A copy of exactly the input's length, not terminated: the reader must not look past it. */
	size_t len = size - 1;
	char *text = malloc(len ? len : 1);
	if (!text)
		abort();
	memcpy(text, data + 1, len);

	struct csv_table t;
	char err[256];
	memset(err, 'x', sizeof err);
	int rc = csv_parse(text, len, "fuzz.csv", want, &t, err, sizeof err);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -EPROTO);
	if (rc != 0) {
		FUZZ_ASSERT(fuzz_one_line(err, sizeof err));
		FUZZ_ASSERT(t.nrows == 0 && t.rows == NULL);
	} else {
		size_t lines = 1;
		for (size_t i = 0; i < len; i++)
			lines += text[i] == '\n';
		FUZZ_ASSERT(t.ncols >= 1 && t.header != NULL);
		/* A v2 file has no kind; a v1 file's is the one asked for. */
		FUZZ_ASSERT(t.version >= RESULTS_FORMAT_OLDEST && t.version <= RESULTS_FORMAT_VERSION);
		FUZZ_ASSERT(!want || t.version != 1 || strcmp(t.kind, want) == 0);
		for (size_t c = 0; c < t.ncols; c++) {
			FUZZ_ASSERT(t.header[c] != NULL);
			FUZZ_ASSERT(csv_col(&t, t.header[c]) >= 0);
		}
		for (size_t r = 0; r < t.nrows; r++) {
			FUZZ_ASSERT(t.line[r] >= 2 && t.line[r] <= lines);
			for (size_t c = 0; c < t.ncols; c++) {
				FUZZ_ASSERT(t.rows[r][c] != NULL);
				double v;
				memset(err, 'x', sizeof err);
				int drc = csv_double(&t, r, (int)c, &v, err, sizeof err);
				FUZZ_ASSERT(drc == 0 || drc == -EINVAL);
				if (drc == 0)
					FUZZ_ASSERT(isnan(v) ? t.rows[r][c][0] == '\0' : isfinite(v));
				else
					FUZZ_ASSERT(fuzz_one_line(err, sizeof err));
			}
		}
		/* A name the header does not have (the first one with a byte appended). */
		char missing[64];
		snprintf(missing, sizeof missing, "%.60s~", t.header[0]);
		for (char *m = missing; *m; m++)
			if ((unsigned char)*m < 0x20)
				*m = '_'; /* callers name columns with constants: no newline in them */
		int found = -1;
		for (size_t c = 0; c < t.ncols && found < 0; c++)
			if (strcmp(t.header[c], missing) == 0)
				found = (int)c;
		memset(err, 'x', sizeof err);
		int got = csv_need_col(&t, missing, err, sizeof err);
		FUZZ_ASSERT(found >= 0 ? got == found : got == -EINVAL);
		if (got < 0)
			FUZZ_ASSERT(fuzz_one_line(err, sizeof err));
		csv_free(&t);
	}
	free(text);
	return 0;
}
