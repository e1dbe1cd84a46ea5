/* pair_spec.c — the text of a pair, A:B@THREADS[>=MIN][,jain>=B|,jain>=X]. See pair.h. */
#define _GNU_SOURCE
#include "cli/pair.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* A number >= 0, nothing else ("inf", "-1", "1x" and "" are not). */
static int parse_nonneg(const char *s, double *out)
{
	char *end;
	if (!((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* What the pair spec and the pair command set themselves: not a run option for a user to give. */
bool pair_owns_option(const char *name, size_t len)
{
	static const char *const owned[] = { "lock", "threads", "reps", "format", "help", NULL };
	for (const char *const *o = owned; *o; o++)
		if (strlen(*o) == len && strncmp(*o, name, len) == 0)
			return true;
	return false;
}

static bool ck_registered(void)
{
	for (size_t i = 0; lockset_at(i); i++)
		if (strncmp(lockset_at(i)->name, "ck-", 3) == 0)
			return true;
	return false;
}

/* One "+opt" or "+opt=v" of a side, kept as "--opt" or "--opt=v" (allocated: a value of any
 * length reaches run's parser whole). */
static int side_option(const struct pair *pr, struct pair_side *sd, const char *o)
{
	if (!o[0])
		return usage_error("pair '%s': side '%s' has an empty +OPTION", pr->arg, sd->spec);
	if (sd->nopts == PAIR_SIDE_OPTS)
		return usage_error("pair '%s': more than %u options on one side", pr->arg,
				   PAIR_SIDE_OPTS);
	char *opt;
	if (asprintf(&opt, "--%s", o) < 0)
		return runtime_error("out of memory");
	sd->opts[sd->nopts++] = opt; /* freed with the pair, whatever follows */
	int arity = cli_run_option_arity(opt);
	if (arity < 0 || pair_owns_option(o, strcspn(o, "=")))
		return usage_error("pair '%s': '+%s' is not a run option a side may set; see "
				   "lockbench pair --help", pr->arg, o);
	if (arity > 0)
		return usage_error("pair '%s': '+%s' needs a value (+%s=VALUE)", pr->arg, o, o);
	return 0;
}

/* "lock+opt+opt=v" → the lock name and "--opt", "--opt=v". */
static int parse_side(struct pair *pr, struct pair_side *sd, char *spec)
{
	if (!(sd->spec = strdup(spec)))
		return runtime_error("out of memory");
	if (spec[0] == '+' || !spec[0])
		return usage_error("pair '%s': a side has no lock name", pr->arg);
	/* strsep, not strtok: "tas++cs=1" and "tas+" have an empty part, a typo to refuse. */
	char *rest = spec;
	sd->lock = strsep(&rest, "+");
	for (char *o; (o = strsep(&rest, "+"));) {
		int rc = side_option(pr, sd, o);
		if (rc)
			return rc;
	}
	if (lockset_find(sd->lock))
		return 0;
	if (strncmp(sd->lock, "ck-", 3) == 0 && !ck_registered()) {
		fprintf(stderr, "lockbench: pair: skipping %s: %s is not registered (a build without "
				"Concurrency Kit)\n", pr->arg, sd->lock);
		pr->skip = true;
		return 0;
	}
	return usage_error("pair '%s': '%s' is not a registered lock; try: %s", pr->arg, sd->lock,
			   lockset_names());
}

static int parse_target(struct pair *pr, char *s)
{
	char *fair = strstr(s, ",jain>=");
	if (fair) {
		*fair = '\0';
		fair += strlen(",jain>=");
		pr->jain_text = fair;
		if (strcmp(fair, "B") == 0)
			pr->fair = FAIR_REF;
		else if (parse_nonneg(fair, &pr->jain_min) == 0 && pr->jain_min <= 1)
			pr->fair = FAIR_FLOOR;
		else
			return usage_error("pair '%s': fairness rule 'jain>=%s' is not jain>=B or "
					   "jain>=X with X in 0..1", pr->arg, fair);
	}
	char *ge = strstr(s, ">=");
	if (ge) {
		*ge = '\0';
		pr->min_text = ge + 2;
		if (parse_nonneg(ge + 2, &pr->min_ratio) != 0)
			return usage_error("pair '%s': MIN '%s' is not a number >= 0", pr->arg, ge + 2);
	}
	return 0;
}

/* A:B@THREADS[>=MIN][,jain>=B|,jain>=X] */
int pair_spec_parse(struct pair *pr, const char *arg)
{
	pr->arg = arg;
	pr->min_ratio = NAN;
	if (!(pr->buf = strdup(arg)))
		return runtime_error("out of memory");
	int rc = parse_target(pr, pr->buf);
	if (rc)
		return rc;
	char *at = strrchr(pr->buf, '@'), *colon = strchr(pr->buf, ':');
	if (!at || !colon || colon > at || strchr(colon + 1, ':'))
		return usage_error("pair '%s' is not A:B@THREADS[>=MIN] (e.g. ttas:ck-fas@2>=0.95)",
				   arg);
	*at = '\0';
	if (parse_uint(at + 1, 1, LB_MAX_THREADS, &pr->threads) != 0)
		return usage_error("pair '%s': THREADS '%s' is not an integer in 1..%u", arg, at + 1,
				   LB_MAX_THREADS);
	if (!(pr->name = strdup(pr->buf)))
		return runtime_error("out of memory");
	*colon = '\0';
	rc = parse_side(pr, &pr->side[0], pr->buf);
	return rc ? rc : parse_side(pr, &pr->side[1], colon + 1);
}

