/* exec_profile_stub.c — stands in for profile_collect (profile.h) in a tree where the profile
 * reader has not landed yet: `--profile` then ends with this one line instead of a link error.
 * bench/exec/meson.build builds it only when no profile_*.c is in the build. */
#include <stdio.h>

#include "exec/profile.h"

int profile_collect(const char *dir, const struct profile_meta *meta, unsigned top, FILE *out,
		    char *err, size_t errlen)
{
	(void)meta;
	(void)top;
	(void)out;
	snprintf(err, errlen, "the profile reader is not built into this lockbench; the raw "
		 "profile files are in %s", dir);
	return -1;
}
