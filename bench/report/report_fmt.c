/* report_fmt.c — how the report writes numbers: units scaled to the value, spreads named. */
#include <math.h>
#include <stdio.h>

#include "report/report_doc.h"

void report_fmt_ns(double ns, char *buf, size_t len)
{
	if (!isfinite(ns))
		snprintf(buf, len, "–");
	else if (ns < 1e3)
		snprintf(buf, len, "%.3g ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.3g µs", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3g s", ns / 1e9);
}

void report_fmt_metric(enum report_metric m, double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "–");
	else if (m == METRIC_MOPS)
		snprintf(buf, len, "%.3g Mops/s", v);
	else if (m == METRIC_FAIRNESS)
		snprintf(buf, len, "%.3f", v);
	else
		report_fmt_ns(v, buf, len);
}

/* A value in the unit that suits `scale_of` (ns, µs, ms, s for times): "%.3g" and the unit. */
const char *report_fmt_scaled(enum report_metric m, double v, double scale_of, char *buf,
			      size_t len)
{
	static const struct {
		double div;
		const char *unit;
	} t[] = { { 1, "ns" }, { 1e3, "µs" }, { 1e6, "ms" }, { 1e9, "s" } };
	size_t k = 0;
	if (m == METRIC_MOPS || m == METRIC_FAIRNESS) {
		snprintf(buf, len, m == METRIC_MOPS ? "%.3g" : "%.3f", v);
		return m == METRIC_MOPS ? "Mops/s" : "";
	}
	while (k + 1 < sizeof t / sizeof t[0] && fabs(scale_of) >= t[k + 1].div)
		k++;
	snprintf(buf, len, "%.3g", v / t[k].div);
	return t[k].unit;
}

/* "12.3 Mops/s (CI 11.9–12.8)": a value with its spread, named for what it is. */
void report_fmt_with_spread(enum report_metric m, const struct verdict_candidate *c, bool ci,
			    char *buf, size_t len)
{
	char v[64], lo[64], hi[64];
	if (!isfinite(c->median)) {
		snprintf(buf, len, "–");
		return;
	}
	const char *unit = report_fmt_scaled(m, c->median, c->median, v, sizeof v);
	if (!isfinite(c->lo) || !isfinite(c->hi)) {
		snprintf(buf, len, "%s%s%s", v, *unit ? " " : "", unit);
		return;
	}
	report_fmt_scaled(m, c->lo, c->median, lo, sizeof lo);
	report_fmt_scaled(m, c->hi, c->median, hi, sizeof hi);
	snprintf(buf, len, "%s%s%s (%s %s–%s)", v, *unit ? " " : "", unit, ci ? "CI" : "min–max",
		 lo, hi);
}

