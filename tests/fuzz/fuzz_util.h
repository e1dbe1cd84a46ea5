/* fuzz_util.h — what every libFuzzer target in tests/fuzz shares: the input as a C string, the
 * input split into strings, and an invariant check that aborts (so libFuzzer saves the input).
 *
 * The targets check more than "no crash": each states what its parser promises (a value in its
 * bounds, a round trip, an error that is one line) and aborts when the promise is broken.
 */
#ifndef LB_FUZZ_UTIL_H
#define LB_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                  \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* The bytes as a NUL-terminated string (cut at the first NUL, as a command line would be).
 * Exactly len + 1 bytes are allocated, so that ASan sees a read past the terminator. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size);
	char *s = malloc(len + 1);
	if (!s)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/* An error message as the readers promise it: NUL-terminated within its buffer, one line. */
static inline int fuzz_one_line(const char *err, size_t errlen)
{
	const char *nul = memchr(err, '\0', errlen);
	return nul && !memchr(err, '\n', (size_t)(nul - err));
}

#endif
