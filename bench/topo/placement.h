/* placement.h — how a run's threads are put on CPUs, and the one table of their names.
 *
 * Every parser, help text and output names a placement through this table, so a new placement
 * is one enum value and one row.
 */
#ifndef LB_PLACEMENT_H
#define LB_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>

/* The most threads one plan places (and so one run starts). */
#define LB_MAX_THREADS 1024

enum placement {
	PLACEMENT_COMPACT,
	PLACEMENT_SCATTER,
	PLACEMENT_NONE,
	PLACEMENT_LIST, /* --cpus was given: threads go round-robin over that list */
};

const char *placement_name(enum placement p);
/* Returns 0 and sets *out, or -EINVAL (the caller prints the valid choices). Accepts "list"
 * too, so that result readers round-trip placement_name(). */
int placement_parse(const char *s, enum placement *out);
/* Whether a user may name this placement: `list` is implied by a CPU list, never named. */
bool placement_user_choice(enum placement p);
/* The placements a user may name, in table order: "compact, scatter, none" with `last_sep`
 * ", " or "compact, scatter or none" with " or ". */
void placement_choices(char *buf, size_t len, const char *last_sep);

#endif
