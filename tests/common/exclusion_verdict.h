/* exclusion_verdict.h — the checks on one excl_check / excl_check_timed run, for the tests that
 * count with test_util.h (exclusion_check.c itself counts nothing). */
#ifndef LB_TESTS_EXCLUSION_VERDICT_H
#define LB_TESTS_EXCLUSION_VERDICT_H

#include "exclusion_check.h"
#include "test_util.h"

/* No call failed, every thread did its per_thread critical sections, none saw another inside
 * (a == b on entry), and neither counter lost an update. */
static inline void excl_verdict(const struct excl_result *r, unsigned threads, uint64_t per_thread)
{
	if (!CHECK_EQ(r->err, 0))
		printf("    %s returned %d\n", r->err_what, r->err);
	CHECK_EQ(r->expected, (uint64_t)threads * per_thread);
	CHECK_EQ(r->violations, 0);
	CHECK_EQ(r->final_a, r->expected);
	CHECK_EQ(r->final_b, r->expected);
}

#endif
