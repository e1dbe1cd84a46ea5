/* report_doc.h — the sections of report.html / report.md, shared by the files that write them:
 * report_doc.c (the document, machine and parameters, plots), report_winners.c (what wins where,
 * lock cost), report_points.c (every point, the flagged ones, the physical floor) and
 * report_fmt.c (how numbers are written). Internal to the report room.
 */
#ifndef LB_REPORT_REPORT_DOC_H
#define LB_REPORT_REPORT_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "report/doc.h"
#include "report/report.h"

/* Cells of a table are built in arrays of this many bytes. */
#define REPORT_CELL 512

/* "12.3 ns", "4.56 µs", ...; "–" when not finite. */
void report_fmt_ns(double ns, char *buf, size_t len);
/* A metric's value in its unit ("3.2 Mops/s", "0.950", a time); "–" when not finite. */
void report_fmt_metric(enum report_metric m, double v, char *buf, size_t len);
/* v in the unit that suits `scale_of` ("%.3g" into buf); returns the unit ("" for fairness). */
const char *report_fmt_scaled(enum report_metric m, double v, double scale_of, char *buf,
			      size_t len);
/* "12.3 Mops/s (CI 11.9–12.8)": a value with its spread, named for what it is. */
void report_fmt_with_spread(enum report_metric m, const struct verdict_candidate *c, bool ci,
			    char *buf, size_t len);


/* The sections, in the order the document has them. The summary opens it (report_summary.c). */
int report_summary_section(struct doc *d, const struct report_set *s);
int report_verdict_section(struct doc *d, const struct report_set *s, char *err, size_t errlen);
int report_lock_cost_section(struct doc *d, const struct report_set *s);
void report_flag_notes(struct doc *d, const struct report_set *s);
void report_floor_section(struct doc *d, const struct report_set *s);
int report_points_section(struct doc *d, const struct report_set *s);
/* A merged set of several hosts: each host, and the "which lock on which machine" table. */
int report_hosts_section(struct doc *d, const struct report_set *s);

#endif
