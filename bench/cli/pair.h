/* pair.h — `lockbench pair`'s pairs: A:B@THREADS[>=MIN][,jain>=B|,jain>=X], each side a lock
 * with `lockbench run` options of its own (`futex+no-timing`). cmd_pair.c runs them. */
#ifndef LB_CLI_PAIR_H
#define LB_CLI_PAIR_H

#include <stdbool.h>
#include <stddef.h>

#include "run/params.h"

#define PAIR_SIDE_OPTS 32

enum fair_rule { FAIR_NONE, FAIR_REF, FAIR_FLOOR };

struct pair_side {
	char *spec;                     /* "futex+no-timing", as given (owned) */
	const char *lock;               /* points into the pair's working copy */
	char *opts[PAIR_SIDE_OPTS];     /* "--no-timing", "--cs=1us" (owned) */
	unsigned nopts;
	struct run_params p;
	struct thread_plan *plan;
	double *mops, *jain;            /* [reps]; NAN where the run did not finish ok */
};

struct pair {
	const char *arg;                /* as given on the command line */
	char *buf;                      /* the working copy the sides point into */
	char *name;                     /* "A:B" with the sides' options, no threads or target
	                                 * (owned) */
	unsigned threads;
	double min_ratio;               /* NAN: no target */
	const char *min_text;           /* MIN as given, for the target column */
	enum fair_rule fair;
	double jain_min;                /* FAIR_FLOOR: A's median Jain must reach it */
	const char *jain_text;          /* X as given */
	bool skip;
	struct pair_side side[2];
};

/* Parse ARG into *pr (zeroed by the caller): the syntax, the MIN and fairness rule, each side's
 * lock and options. A side's options are checked to be run's (cli_run_option_arity) but their
 * values are cli_parse_run's to judge. A ck-* lock that is not registered in a build without
 * Concurrency Kit sets pr->skip with a note on stderr. 0, or the exit status after one printed
 * line (2 for a usage error). */
int pair_spec_parse(struct pair *pr, const char *arg);

/* Whether NAME (LEN characters, no "--") is a run option that pair sets itself (--lock,
 * --threads, --reps, --format, --help): neither the command line nor a side may give it. */
bool pair_owns_option(const char *name, size_t len);

#endif
