/* report_verdict.c — the "what wins where" rule on planted numbers: a clear winner, overlapping
 * spreads (a tie that lists every tied lock, including one that is not the runner-up), NaN and
 * empty values skipped, lower-is-better metrics, and the choice of the point that represents each
 * regime (verdict_cell). The negative control shows that the planted ties are real: a naive
 * "best median wins" rule would name a winner there.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "test_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct verdict v;

static int decide(const struct verdict_candidate *c, size_t n, enum verdict_goal goal)
{
	return verdict_decide(c, n, goal, &v);
}

/* The tied names of verdict `w`, best first, as "a,b,c". */
static const char *tied_of(const struct verdict_candidate *c, const struct verdict *w)
{
	static char buf[256];
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < w->ntied; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "," : "", c[w->tied[i]].name);
	return buf;
}

#define tied(c) tied_of((c), &v)

#define CHECK_STR(a, b)                                                                    \
	do {                                                                               \
		const char *a_ = (a), *b_ = (b);                                           \
		char got_[300];                                                            \
		snprintf(got_, sizeof got_, " ('%s' != '%s')", a_, b_);                    \
		tu_check_(strcmp(a_, b_) == 0, __FILE__, __LINE__, #a " == " #b, got_);  \
	} while (0)

/* The rule a naive report would use: the best median wins, spreads ignored. */
static enum verdict_kind naive(const struct verdict_candidate *c, size_t n)
{
	size_t finite = 0;
	for (size_t i = 0; i < n; i++)
		finite += isfinite(c[i].median) != 0;
	return finite ? VERDICT_WINNER : VERDICT_NONE;
}

static void test_decide(void)
{
	printf("verdict_decide:\n");
	const struct verdict_candidate clear[] = {
		{ "a", 10, 9.5, 10.5 }, { "b", 8, 7.5, 8.5 }, { "c", 5, 4, 6 },
	};
	CHECK(decide(clear, N(clear), VERDICT_HIGHER_BETTER) == 0);
	CHECK_EQ(v.kind, VERDICT_WINNER);
	CHECK_STR(tied(clear), "a");
	CHECK_EQ(v.runner_up, 1);
	CHECK_EQ(v.considered, 3);
	printf("  clear winner: a, runner-up b\n");

	const struct verdict_candidate overlap[] = {
		{ "c", 5, 4, 6 }, { "b", 9.8, 8.9, 10.6 }, { "a", 10, 9, 11 },
	};
	decide(overlap, N(overlap), VERDICT_HIGHER_BETTER);
	CHECK_EQ(v.kind, VERDICT_TIE);
	CHECK_STR(tied(overlap), "a,b");
	printf("  overlapping spreads: tie a,b (c stays out)\n");

	/* c's median is third but its wide spread reaches the leader's: it is tied too. */
	const struct verdict_candidate wide[] = {
		{ "a", 10, 9.9, 10.1 }, { "b", 9, 8.9, 9.1 }, { "c", 7, 6, 12 },
	};
	decide(wide, N(wide), VERDICT_HIGHER_BETTER);
	CHECK_EQ(v.kind, VERDICT_TIE);
	CHECK_STR(tied(wide), "a,c");
	printf("  a wide spread behind the runner-up: tie a,c\n");

	const struct verdict_candidate nans[] = {
		{ "a", NAN, NAN, NAN }, { "b", 3, 2.9, 3.1 }, { "c", 2, 1.9, 2.1 },
		{ "d", INFINITY, 1, 2 },
	};
	decide(nans, N(nans), VERDICT_HIGHER_BETTER);
	CHECK_EQ(v.kind, VERDICT_WINNER);
	CHECK_STR(tied(nans), "b");
	CHECK_EQ(v.considered, 2);
	printf("  NaN / infinite medians skipped: b wins of 2 considered\n");

	/* Empty bounds (NaN) mean "no spread known": the median itself is the interval. */
	const struct verdict_candidate nobounds[] = { { "a", 10, NAN, NAN }, { "b", 9, 8, 10 } };
	decide(nobounds, N(nobounds), VERDICT_HIGHER_BETTER);
	CHECK_EQ(v.kind, VERDICT_TIE);
	const struct verdict_candidate nobounds2[] = { { "a", 10, NAN, NAN }, { "b", 9, 8, 9.5 } };
	decide(nobounds2, N(nobounds2), VERDICT_HIGHER_BETTER);
	CHECK_EQ(v.kind, VERDICT_WINNER);
	printf("  empty bounds count as the median\n");

	const struct verdict_candidate p99[] = {
		{ "slow", 200, 190, 210 }, { "fast", 100, 90, 110 }, { "mid", 150, 111, 189 },
	};
	decide(p99, N(p99), VERDICT_LOWER_BETTER);
	CHECK_EQ(v.kind, VERDICT_WINNER);
	CHECK_STR(tied(p99), "fast");
	CHECK_EQ(v.runner_up, 2);
	decide(p99, N(p99), VERDICT_HIGHER_BETTER);
	CHECK_STR(tied(p99), "slow");
	printf("  lower is better: fast wins; higher is better: slow wins\n");

	/* Closed intervals: spreads that touch overlap. */
	const struct verdict_candidate touch[] = { { "a", 10.5, 10, 11 }, { "b", 9.5, 9, 10 } };
	decide(touch, N(touch), VERDICT_HIGHER_BETTER);
	CHECK_EQ(v.kind, VERDICT_TIE);
	const struct verdict_candidate same[] = { { "b", 4, 4, 4 }, { "a", 4, 4, 4 } };
	decide(same, N(same), VERDICT_HIGHER_BETTER);
	CHECK_EQ(v.kind, VERDICT_TIE);
	CHECK_STR(tied(same), "a,b");
	printf("  touching spreads tie; equal medians are ordered by name\n");

	const struct verdict_candidate one[] = { { "only", 1, 0.5, 1.5 } };
	decide(one, N(one), VERDICT_HIGHER_BETTER);
	CHECK_EQ(v.kind, VERDICT_WINNER);
	CHECK(v.runner_up == SIZE_MAX);
	const struct verdict_candidate none[] = { { "x", NAN, 1, 2 } };
	decide(none, N(none), VERDICT_HIGHER_BETTER);
	CHECK_EQ(v.kind, VERDICT_NONE);
	CHECK_EQ(v.ntied, 0);
	decide(NULL, 0, VERDICT_HIGHER_BETTER);
	CHECK_EQ(v.kind, VERDICT_NONE);
	printf("  one candidate wins; no values: no verdict\n");

	/* The answer does not depend on the input order. */
	const struct verdict_candidate perm[] = {
		{ "c", 7, 6, 12 }, { "a", 10, 9.9, 10.1 }, { "b", 9, 8.9, 9.1 },
	};
	decide(perm, N(perm), VERDICT_HIGHER_BETTER);
	CHECK_STR(tied(perm), "a,c");
	printf("  input order does not matter\n");

	static struct verdict_candidate many[VERDICT_MAX + 1];
	for (size_t i = 0; i < N(many); i++)
		many[i] = (struct verdict_candidate){ "x", (double)i, NAN, NAN };
	CHECK_EQ(verdict_decide(many, N(many), VERDICT_HIGHER_BETTER, &v), -EINVAL);

	/* Negative control: on the planted ties a naive best-median rule names a winner, so these
	 * checks would fail for a report that ignored the spreads. */
	tu_negative_begin();
	CHECK_EQ(naive(overlap, N(overlap)), VERDICT_TIE);
	CHECK_EQ(naive(wide, N(wide)), VERDICT_TIE);
	CHECK_EQ(tu_negative_end(), 2);
	printf("  negative control: a best-median rule fails the tie checks\n");
}

static struct report_point pt(const char *lock, unsigned threads, enum report_regime r,
			      double mops, double lo, double hi)
{
	struct report_point p = {
		.lock = lock, .placement = "compact", .status = "ok", .note = "", .permits = 1,
		.threads = threads, .reps = 3, .reps_ok = 3, .regime = r, .cs_ns = 100,
		.mops = { mops, lo, hi, NAN, NAN }, .fairness = { 1, 1, 1, NAN, NAN },
		.p50 = { 50, 40, 60, NAN, NAN }, .p99 = { 1000 / mops, 900 / mops, 1100 / mops, NAN, NAN },
		.cpu = { 100, 90, 110, NAN, NAN }, .maxmin = { NAN, NAN, NAN, NAN, NAN },
		.ncs_ns = 100,
	};
	return p;
}

static void test_cell(void)
{
	printf("verdict_cell:\n");
	static struct verdict_cell cell;
	struct report_point pts[] = {
		pt("a", 1, REGIME_UNCONTENDED, 30, 29, 31),
		pt("b", 1, REGIME_UNCONTENDED, 20, 19, 21),
		pt("a", 2, REGIME_CONTENDED, 10, 9, 11),
		pt("b", 2, REGIME_CONTENDED, 10.5, 10, 11),
		pt("a", 3, REGIME_OVERSUBSCRIBED, 8, 7, 9),
		pt("b", 3, REGIME_OVERSUBSCRIBED, 1, 0.9, 1.1),
		pt("a", 4, REGIME_OVERSUBSCRIBED, 7, 6.5, 7.5),
		pt("b", 4, REGIME_OVERSUBSCRIBED, 0.5, 0.4, 0.6),
		pt("c", 4, REGIME_OVERSUBSCRIBED, 9, 8.5, 9.5),   /* stuck: left out */
		pt("d", 4, REGIME_OVERSUBSCRIBED, 50, 49, 51),    /* permits 2: not a mutex */
		pt("e", 4, REGIME_OVERSUBSCRIBED, 60, 59, 61),    /* another cs: not this cell */
		pt("f", 4, REGIME_OVERSUBSCRIBED, 6.9, 6.7, 7.1), /* its CI is narrower than min..max */
	};
	pts[8].status = "stuck";
	pts[9].permits = 2;
	pts[10].cs_ns = 1000;
	pts[11].ci95 = true;
	pts[11].mops.ci_lo = 6.8;
	pts[11].mops.ci_hi = 6.95;
	pts[11].mops.min = 6;
	pts[11].mops.max = 8;

	CHECK(verdict_cell(pts, N(pts), REGIME_UNCONTENDED, 100, METRIC_MOPS, &cell) == 0);
	CHECK_EQ(cell.threads, 1);
	CHECK_EQ(cell.v.kind, VERDICT_WINNER);
	CHECK_STR(cell.cand[cell.v.tied[0]].name, "a");
	printf("  uncontended: 1 thread, a wins\n");

	verdict_cell(pts, N(pts), REGIME_CONTENDED, 100, METRIC_MOPS, &cell);
	CHECK_EQ(cell.threads, 2);
	CHECK_EQ(cell.v.kind, VERDICT_TIE);
	CHECK_EQ(cell.v.ntied, 2);
	printf("  contended: 2 threads, a and b tie\n");

	verdict_cell(pts, N(pts), REGIME_OVERSUBSCRIBED, 100, METRIC_MOPS, &cell);
	CHECK_EQ(cell.threads, 4);
	CHECK_EQ(cell.ncand, 3); /* a, b, f: not c (stuck), d (permits), e (cs) */
	CHECK_EQ(cell.nexcluded, 1);
	CHECK_STR(cell.excluded[0]->lock, "c");
	/* a 7 [6.5, 7.5] against f 6.9: f's min..max 6–8 would tie, its CI 6.8–6.95 ties too. */
	CHECK_EQ(cell.v.kind, VERDICT_TIE);
	CHECK_STR(tied_of(cell.cand, &cell.v), "a,f");
	pts[6].mops.min = 6.96;
	verdict_cell(pts, N(pts), REGIME_OVERSUBSCRIBED, 100, METRIC_MOPS, &cell);
	CHECK_EQ(cell.v.kind, VERDICT_WINNER); /* f's CI is used, not its wider min..max */
	CHECK(cell.used_ci[2]);
	CHECK(!cell.used_ci[0]);
	printf("  oversubscribed: the most threads (4); stuck, permits > 1 and other cs left out; "
	       "CI used where the summary has one\n");

	verdict_cell(pts, N(pts), REGIME_OVERSUBSCRIBED, 100, METRIC_P99, &cell);
	CHECK_EQ(cell.v.kind, VERDICT_TIE); /* p99 = 1000 / mops: a and f overlap, b is far */
	CHECK_STR(tied_of(cell.cand, &cell.v), "a,f");
	verdict_cell(pts, N(pts), REGIME_OVERSUBSCRIBED, 100, METRIC_FAIRNESS, &cell);
	CHECK_EQ(cell.v.kind, VERDICT_TIE);
	CHECK_EQ(cell.v.ntied, 3);
	printf("  p99 is lower-better (a, f tie; b out); fairness all equal: tie of all\n");

	/* One CPU: nothing is contended within the cores. */
	verdict_cell(pts, 2, REGIME_CONTENDED, 100, METRIC_MOPS, &cell);
	CHECK_EQ(cell.threads, 0);
	CHECK_EQ(cell.v.kind, VERDICT_NONE);
	printf("  a regime without points: not measured\n");

	/* The floor never competes; fairness by max/min (lower is fairer) where the points have
	 * it, even against Jain's index; ncs keeps a lock-cost point apart from a user's cs. */
	struct report_point more[] = {
		pt("a", 1, REGIME_UNCONTENDED, 30, 29, 31),
		pt("null", 1, REGIME_UNCONTENDED, 500, 490, 510),
		pt("a", 2, REGIME_CONTENDED, 10, 9, 11),
		pt("b", 2, REGIME_CONTENDED, 10, 9, 11),
		pt("b", 1, REGIME_UNCONTENDED, 90, 89, 91), /* ncs 0: another point */
	};
	more[1].floor = true;
	more[4].ncs_ns = 0;
	verdict_cell_at(more, N(more), REGIME_UNCONTENDED, 100, 100, METRIC_MOPS, &cell);
	CHECK_EQ(cell.ncand, 1);
	CHECK_STR(cell.cand[cell.v.tied[0]].name, "a");
	printf("  null (the floor) is never a candidate; ncs 0 is another cell\n");
	verdict_cell_at(more, N(more), REGIME_UNCONTENDED, 100, 0, METRIC_MOPS, &cell);
	CHECK_EQ(cell.ncand, 1);
	CHECK_STR(cell.cand[cell.v.tied[0]].name, "b");
	more[2].fairness = (struct report_stat){ 0.9, 0.9, 0.9, NAN, NAN };
	more[2].maxmin = (struct report_stat){ 1.1, 1.0, 1.2, NAN, NAN };
	more[3].fairness = (struct report_stat){ 0.99, 0.99, 0.99, NAN, NAN };
	more[3].maxmin = (struct report_stat){ 3, 2.5, 3.5, NAN, NAN };
	verdict_cell(more, N(more), REGIME_CONTENDED, 100, METRIC_FAIRNESS, &cell);
	CHECK(cell.maxmin);
	CHECK_EQ(cell.v.kind, VERDICT_WINNER);
	CHECK_STR(cell.cand[cell.v.tied[0]].name, "a");
	more[2].maxmin.median = more[3].maxmin.median = NAN;
	verdict_cell(more, N(more), REGIME_CONTENDED, 100, METRIC_FAIRNESS, &cell);
	CHECK(!cell.maxmin);
	CHECK_STR(cell.cand[cell.v.tied[0]].name, "b");
	printf("  fairest: the lower max/min (a) over the higher Jain (b); Jain without max/min\n");
}

int main(void)
{
	test_decide();
	test_cell();
	return tu_summary("report_verdict");
}
