/* result.c — a run result's names and prose: the status names the outputs print, and the notes
 * that say why a field is empty. Stats computes the numbers; this room words them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "run/result.h"
#include "stats/stats.h"

const char *run_status_name(enum run_status s)
{
	switch (s) {
	case RUN_OK: return "ok";
	case RUN_VIOLATION: return "violation";
	case RUN_STUCK: return "stuck";
	case RUN_ERROR: return "error";
	case RUN_INTERRUPTED: return "interrupted";
	}
	return "?";
}

/* Append "; "-separated text; a note that does not fit ends the detail with "..." so a reader
 * knows something was cut. */
static void note_append(char *detail, size_t cap, const char *text)
{
	static const char sep[] = "; ", cut[] = "...";
	size_t len = strlen(detail), tlen = strlen(text);
	if (len && len + 2 < cap) {
		memcpy(detail + len, sep, 2);
		len += 2;
	}
	size_t room = cap - 1 - len;
	memcpy(detail + len, text, tlen < room ? tlen : room);
	detail[len + (tlen < room ? tlen : room)] = '\0';
	if (tlen > room) /* cut: say so in the last bytes */
		memcpy(detail + cap - sizeof cut, cut, sizeof cut);
}

void run_result_note(struct run_result *r, const char *fmt, ...)
{
	char text[sizeof r->status_detail];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	note_append(r->status_detail, sizeof r->status_detail, text);
}

/* The reason for a failed status goes first: the notes gathered before it (a starved warm-up, an
 * idle thread, empty percentiles) are longer under load and would otherwise crowd it out. */
void run_result_note_first(struct run_result *r, const char *fmt, ...)
{
	char old[sizeof r->status_detail];
	memcpy(old, r->status_detail, sizeof old);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->status_detail, sizeof r->status_detail, fmt, ap);
	va_end(ap);
	if (old[0])
		note_append(r->status_detail, sizeof r->status_detail, old);
}

void run_result_fill_latency(struct run_result *r, const struct latency_hist *h)
{
	r->lat_p50_ns = r->lat_p90_ns = r->lat_p99_ns = r->lat_p999_ns = r->lat_max_ns = NAN;
	r->lat_p9999_ns = NAN;
	r->lat_samples = 0;
	if (!h)
		return;
	uint64_t n = h->count;
	r->lat_samples = n;
	if (n == 0) {
		run_result_note(r, "latency: no acquisition was timed in the window");
		return;
	}
	r->lat_max_ns = (double)h->max_ns;
	if (n < LB_MIN_SAMPLES_P90) {
		run_result_note(r, "p50, p90, p99, p99.9 empty: %llu latency samples < %d",
				(unsigned long long)n, LB_MIN_SAMPLES_P90);
		return;
	}
	r->lat_p50_ns = lat_hist_percentile_part(h, LB_P50);
	r->lat_p90_ns = lat_hist_percentile_part(h, LB_P90);
	if (n < LB_MIN_SAMPLES_P99) {
		run_result_note(r, "p99, p99.9 empty: %llu latency samples < %d",
				(unsigned long long)n, LB_MIN_SAMPLES_P99);
		return;
	}
	r->lat_p99_ns = lat_hist_percentile_part(h, LB_P99);
	if (n < LB_MIN_SAMPLES_P999) {
		run_result_note(r, "p99.9 empty: %llu latency samples < %d", (unsigned long long)n,
				LB_MIN_SAMPLES_P999);
		return;
	}
	r->lat_p999_ns = lat_hist_percentile_part(h, LB_P999);
	if (n < LB_MIN_SAMPLES_P9999) {
		run_result_note(r, "p99.99 empty: %llu latency samples < %d", (unsigned long long)n,
				LB_MIN_SAMPLES_P9999);
		return;
	}
	r->lat_p9999_ns = lat_hist_percentile_part(h, LB_P9999);
}
