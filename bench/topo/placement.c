/* placement.c — the table of placement names (placement.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "topo/placement.h"

static const char *const placement_names[] = {
	[PLACEMENT_COMPACT] = "compact",
	[PLACEMENT_SCATTER] = "scatter",
	[PLACEMENT_NONE] = "none",
	[PLACEMENT_LIST] = "list",
};
#define NPLACEMENTS (sizeof placement_names / sizeof placement_names[0])

const char *placement_name(enum placement p)
{
	if ((unsigned)p < NPLACEMENTS)
		return placement_names[p];
	return "?";
}

int placement_parse(const char *s, enum placement *out)
{
	for (unsigned i = 0; i < NPLACEMENTS; i++) {
		if (s && strcmp(s, placement_names[i]) == 0) {
			*out = (enum placement)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool placement_user_choice(enum placement p)
{
	return (unsigned)p < NPLACEMENTS && p != PLACEMENT_LIST;
}

void placement_choices(char *buf, size_t len, const char *last_sep)
{
	unsigned n = 0, total = 0;
	for (unsigned i = 0; i < NPLACEMENTS; i++)
		total += placement_user_choice((enum placement)i);
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < NPLACEMENTS && used < len; i++) {
		if (!placement_user_choice((enum placement)i))
			continue;
		const char *sep = n == 0 ? "" : n + 1 == total ? last_sep : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep, placement_names[i]);
		if (w < 0)
			return;
		used += (size_t)w;
		n++;
	}
}
