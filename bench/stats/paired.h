/* paired.h — ratios of measurements taken side by side: per repetition, A's figure over B's,
 * summarised over the repetitions (lockbench pair).
 *
 * On a shared machine an absolute figure from one moment says little about another moment, but A
 * and B measured back to back share that moment's noise. So the summary is over the
 * per-repetition ratios, not a ratio of two medians: a preemption that spoils one repetition
 * spoils one ratio. The median uses stats_median and the quartiles stats_rank (nearest rank),
 * the same definitions as every other figure of the harness.
 */
#ifndef LB_STATS_PAIRED_H
#define LB_STATS_PAIRED_H

#include <stdbool.h>
#include <stddef.h>

struct paired_ratio {
	size_t n;        /* repetitions where both a[i] and b[i] are finite and > 0 */
	double median;   /* median of a[i] / b[i] over those */
	double min, max; /* their range */
	double se_pct;   /* standard error of the median, in % (below) */
};

/* Whether a repetition with figures A and B counts: both finite and > 0. NAN is a failed or
 * unmeasured run, 0 a window in which nothing ran (a side starved under load). The one rule:
 * stats_paired_ratio skips by it, and lockbench pair leaves such a repetition out of both sides'
 * medians and counts it as left out. */
bool stats_paired_usable(double a, double b);

/* The ratios a[i] / b[i] for i < n, skipping repetitions that are not stats_paired_usable. se_pct estimates the standard error of the median from the
 * spread of the log ratios, robust to the outliers a preemption makes: sigma = IQR / 1.349 (the
 * IQR of a normal distribution is 1.349 sigma), se = 1.2533 sigma / sqrt(n) (the median's
 * asymptotic efficiency), times 100; it is NAN below 2 ratios. Every field is NAN (n = 0) when no
 * repetition is usable. Returns 0, or -ENOMEM. */
int stats_paired_ratio(const double *a, const double *b, size_t n, struct paired_ratio *out);

#endif
