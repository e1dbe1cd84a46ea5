/* report_plot_bound.c — a result set's plot list cannot overflow: report_plot_add hands out
 * REPORT_MAX_PLOTS zeroed plots, then refuses (NULL) and leaves the set as it was. Poison bytes
 * after the array (in the same struct) show a write past the end even without a sanitizer.
 */
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "test_util.h"

int main(void)
{
	static struct {
		struct report_set s;
		unsigned char guard[sizeof(struct report_plot)];
	} box;
	memset(&box.s.plots, 0xa5, sizeof box.s.plots);
	memset(box.guard, 0x5a, sizeof box.guard);
	for (size_t i = 0; i < REPORT_MAX_PLOTS; i++) {
		struct report_plot *p = report_plot_add(&box.s);
		CHECK(p == &box.s.plots[i]);
		CHECK(p && !p->name && !p->made && p->why[0] == '\0'); /* zeroed, not the poison */
	}
	CHECK(box.s.nplots == REPORT_MAX_PLOTS);
	CHECK(report_plot_add(&box.s) == NULL);
	CHECK(report_plot_add(&box.s) == NULL);
	CHECK(box.s.nplots == REPORT_MAX_PLOTS);
	bool intact = true;
	for (size_t i = 0; i < sizeof box.guard; i++)
		intact &= box.guard[i] == 0x5a;
	CHECK(intact);
	return tu_summary("report_plot_bound");
}
