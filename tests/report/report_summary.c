/* report_summary.c — the report's summary says what planted summary.csv rows say, and only that:
 * a clear winner named with its factor over the next and a far-behind lock to avoid; an all-way
 * tie told as "the workload hides the lock"; a tie due to wide spreads told with the repetitions
 * that would break it (worked out by hand below); a family's collapse once threads outnumber
 * CPUs, with both figures; the flags counted in one sentence; every figure linked to its row.
 * Negative controls: the tie's leader is never called the one to use, and a set whose points are
 * all quiet never reads as flagged.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_doc.h"
#include "test_util.h"

static unsigned next_line = 2;

static struct report_point pt(const char *lock, const char *family, unsigned threads,
			      enum report_regime regime, double cs, double med, double lo, double hi)
{
	struct report_point p = { 0 };
	p.lock = lock;
	p.family = family;
	p.placement = "compact";
	p.status = "ok";
	p.note = "";
	p.permits = 1;
	p.threads = threads;
	p.reps = p.reps_ok = 3;
	p.line = next_line++;
	p.regime = regime;
	p.cs_ns = cs;
	p.ncs_ns = 100;
	p.mops = (struct report_stat){ med, lo, hi, NAN, NAN };
	struct report_stat none = { NAN, NAN, NAN, NAN, NAN };
	p.fairness = p.p50 = p.p99 = p.cpu = p.maxmin = none;
	p.cv = p.util = p.other_pct = p.timer_p50_ns = p.timer_tick_ns = NAN;
	return p;
}

/* The summary of pts (one critical section, cs) as Markdown or HTML; free() it. */
static char *summary_of(struct report_point *pts, size_t n, double cs, bool html)
{
	struct report_set s = { .dir = "planted", .pts = pts, .npts = n, .cpus = 2, .ncs = 1,
				.complete = 1 };
	s.cs[0] = cs;
	s.ncs_of[0] = 100;
	s.timer_res_ns = s.timer_p50_ns = s.timer_tick_ns = NAN;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct doc d;
	doc_init(&d, f, html, DOC_MD_PROSE);
	int rc = report_summary_section(&d, &s);
	CHECK(rc == 0);
	CHECK(doc_finish(&d) == 0);
	fclose(f);
	return buf;
}

/* A check with a message: the text it looked in, when it fails. */
#define CHECK_MSG(cond, ...)                                                               \
	__extension__({                                                                    \
		char tu_got_[4096] = "";                                                   \
		bool tu_ok_ = (cond);                                                      \
		if (!tu_ok_) {                                                             \
			tu_got_[0] = ' ';                                                  \
			snprintf(tu_got_ + 1, sizeof tu_got_ - 1, __VA_ARGS__);            \
		}                                                                          \
		tu_check_(tu_ok_, __FILE__, __LINE__, #cond, tu_got_);                     \
	})
#define HAS(text, needle) CHECK_MSG(strstr((text), (needle)) != NULL, "no '%s' in:\n%s", (needle), (text))
#define HASNT(text, needle) CHECK_MSG(strstr((text), (needle)) == NULL, "'%s' in:\n%s", (needle), (text))

int main(void)
{
	printf("report_reps_to_separate:\n");
	/* min-max over 3 reps: sigma = 8 / d2(3) = 8 / 1.693 = 4.725 each; gap 1:
	 * n = ceil((1.96 * 1.2533 * 9.45 / 1)^2) = ceil(538.7) = 539. */
	struct verdict_candidate a = { "a", 10, 6, 14 }, b = { "b", 9, 5, 13 };
	double n = report_reps_to_separate(&a, false, 3, &b, false, 3);
	CHECK_MSG(n == 539, "min-max: %g repetitions, want 539", n);
	printf("  wide min-max spreads, 3 reps, gap 1: %g repetitions\n", n);
	/* A 95 % CI of ±0.5 over 9 reps: sigma = 0.5 * 3 / 2.4565 = 0.6106 each; gap 2:
	 * n = ceil((2.4565 * 1.2212 / 2)^2) = ceil(2.25) = 3, raised to 10 (more than it has). */
	struct verdict_candidate c = { "c", 12, 11.5, 12.5 }, e = { "e", 10, 9.5, 10.5 };
	n = report_reps_to_separate(&c, true, 9, &e, true, 9);
	CHECK_MSG(n == 10, "ci: %g, want 10 (more than the 9 it has)", n);
	struct verdict_candidate same = { "same", 9, 5, 13 };
	CHECK(isinf(report_reps_to_separate(&b, false, 3, &same, false, 3)));
	CHECK(isnan(report_reps_to_separate(&a, false, 1, &b, false, 1)));
	struct verdict_candidate nospread = { "x", 9, NAN, NAN };
	CHECK(isnan(report_reps_to_separate(&a, false, 3, &nospread, false, 3)));

	printf("a clear winner, and one to avoid:\n");
	struct report_point win[] = {
		pt("fast", "spinning", 2, REGIME_CONTENDED, 50, 10, 9.5, 10.5),
		pt("mid", "sleeping", 2, REGIME_CONTENDED, 50, 5, 4.5, 5.5),
		pt("slow", "fifo queue", 2, REGIME_CONTENDED, 50, 0.5, 0.4, 0.6),
	};
	char *t = summary_of(win, 3, 50, false);
	HAS(t, "**cs 50 ns, 2 threads on 2 CPUs (contended)**: use **fast**, 10 Mops/s [summary.csv:");
	HAS(t, "2.0× the next, mid (5 Mops/s");
	HAS(t, "avoid **slow** (20× below: 0.5 Mops/s");
	HAS(t, "None of the 3 points is flagged");
	free(t);

	printf("all locks tie: the workload hides the lock:\n");
	struct report_point tie[] = {
		pt("a", "spinning", 2, REGIME_CONTENDED, 1000, 1, 0.8, 1.2),
		pt("b", "spinning", 2, REGIME_CONTENDED, 1000, 1.1, 0.9, 1.3),
		pt("c", "sleeping", 2, REGIME_CONTENDED, 1000, 0.95, 0.7, 1.2),
	};
	t = summary_of(tie, 3, 1000, false);
	HAS(t, "all 3 locks tie (medians 0.95 Mops/s");
	HAS(t, "this workload hides the lock");
	HASNT(t, "use **"); /* control: the best median is not called the winner */
	free(t);

	printf("a tie of wide spreads: the repetitions that would break it:\n");
	struct report_point wide[] = {
		pt("a", "spinning", 2, REGIME_CONTENDED, 50, 10, 6, 14),
		pt("b", "sleeping", 2, REGIME_CONTENDED, 50, 9, 5, 13),
		pt("c", "fifo queue", 2, REGIME_CONTENDED, 50, 1, 0.9, 1.1),
	};
	t = summary_of(wide, 3, 50, false);
	HAS(t, "no single winner: **a** (10 Mops/s");
	HAS(t, "**b** (9 Mops/s");
	HAS(t, "separating a from b would take about 539 repetitions a point; this set has 3");
	HAS(t, "avoid **c** (10× below");
	HASNT(t, "use **a**");
	free(t);

	printf("a family collapses once threads outnumber CPUs:\n");
	struct report_point col[] = {
		pt("t1", "fifo queue", 2, REGIME_CONTENDED, 50, 5.1, 5.0, 5.2),
		pt("t1", "fifo queue", 4, REGIME_OVERSUBSCRIBED, 50, 0.0004, 0.0003, 0.0005),
		pt("t2", "fifo queue", 2, REGIME_CONTENDED, 50, 2, 1.9, 2.1),
		pt("t2", "fifo queue", 4, REGIME_OVERSUBSCRIBED, 50, 0.001, 0.0009, 0.0011),
		pt("ok", "sleeping", 2, REGIME_CONTENDED, 50, 4, 3.9, 4.1),
		pt("ok", "sleeping", 4, REGIME_OVERSUBSCRIBED, 50, 3.8, 3.7, 3.9),
	};
	col[5].busy = true;
	t = summary_of(col, 6, 50, false);
	HAS(t, "fifo queue locks (**t1**, **t2**) fall up to ~10⁴× once threads outnumber CPUs at cs 50 ns: t1 5.1 Mops/s");
	HAS(t, "→ 0.0004 Mops/s");
	HASNT(t, "**ok** (sleeping) falls"); /* 4 → 3.8 is no collapse */
	HAS(t, "1 of 6 points are flagged (busy 1, noisy 0");
	HAS(t, "**cs 50 ns, 4 threads on 2 CPUs (oversubscribed)**: use **ok**");
	free(t);

	printf("HTML: every figure links to its row of the table of all points:\n");
	t = summary_of(win, 3, 50, true);
	char want[64];
	snprintf(want, sizeof want, "<a href=\"#pt-%u\">10 Mops/s</a>", win[0].line);
	HAS(t, want);
	HAS(t, "<h2 id=\"summary\">Summary</h2>");
	free(t);
	return tu_summary("report_summary");
}
