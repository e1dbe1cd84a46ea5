/* report_doc.c — report.html and report.md: the document around the sections (title, machine
 * and parameters, plots, the notes a reader needs to trust them).
 *
 * Both documents come from the same calls to the writer in doc.c, which renders headings,
 * paragraphs and tables either as HTML (escaped, plots embedded as base64 data URIs, so the file
 * is self-contained) or as GitHub-flavoured Markdown (escaped, plots as relative links, for
 * pasting into a ticket). The tables are in report_winners.c and report_points.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_doc.h"
#include "results/file.h"
#include "version.h"

static void incomplete_note(struct doc *d, const struct report_set *s)
{
	if (s->complete == 0) {
		doc_para_start(d, "warn");
		const char *state = json_get(&s->meta, "sweep.state");
		const char *done = json_get(&s->meta, "sweep.runs_done");
		const char *total = json_get(&s->meta, "sweep.runs_total");
		doc_textf(d, "This result set is incomplete (meta.json: state %s, %s of %s runs done). "
			 "Points the sweep did not reach are missing from the tables and plots; "
			 "lockbench sweep --resume DIR finishes it.",
		      state ? state : "not complete", done ? done : "?", total ? total : "?");
		doc_para_end(d);
	}
}

/* meta.json's keys under `prefix` ("machine"), or the top-level ones (NULL), as table rows. */
static bool meta_rows(struct doc *d, const struct report_set *s, const char *prefix, bool started)
{
	static const char *const head[] = { "what", "value" };
	size_t plen = prefix ? strlen(prefix) : 0;
	for (size_t i = 0; i < s->meta.n; i++) {
		const char *k = s->meta.kv[i].key;
		if (prefix ? strncmp(k, prefix, plen) != 0 || k[plen] != '.' : strchr(k, '.') != NULL)
			continue;
		if (!started)
			doc_table_start(d, "kv", head, 2, 0);
		started = true;
		doc_row(d, (const char *[]){ k + (prefix ? plen + 1 : 0), s->meta.kv[i].value }, 2,
			false);
	}
	return started;
}

/* One section of meta.json: a heading and one table of the keys under the given prefixes. */
static void meta_section(struct doc *d, const struct report_set *s, const char *id,
			 const char *title, const char *const *prefixes, size_t n)
{
	if (d->html)
		doc_raw(d, "<section>");
	doc_heading(d, 3, id, title);
	bool started = false;
	for (size_t i = 0; i < n; i++)
		started = meta_rows(d, s, prefixes[i], started);
	if (started)
		doc_table_end(d);
	else {
		doc_para_start(d, "note");
		doc_text(d, "(not in meta.json)");
		doc_para_end(d);
	}
	if (d->html)
		doc_raw(d, "</section>\n");
}

static bool is_known_group(const char *k)
{
	static const char *const groups[] = { "meta.", "machine.", "sweep.", "params.",
					      "parameters.", NULL };
	for (size_t i = 0; groups[i]; i++)
		if (strncmp(k, groups[i], strlen(groups[i])) == 0)
			return true;
	return !strchr(k, '.');
}

/* Machine (with the top-level facts: host, dates, completeness), parameters, then any other
 * group of meta.json (build, ...), side by side in HTML. */
static void meta_sections(struct doc *d, const struct report_set *s)
{
	/* The sweep writes "meta" (machine, build) and "sweep" (its parameters and state). */
	static const char *const machine[] = { NULL, "meta", "machine" };
	static const char *const params[] = { "sweep", "params", "parameters" };
	doc_heading(d, 2, "setup", "Machine and parameters");
	if (!s->have_meta) {
		doc_para_start(d, "warn");
		doc_text(d, "This result set has no meta.json: the machine and the parameters are unknown.");
		doc_para_end(d);
		return;
	}
	if (d->html)
		doc_raw(d, "<div class=\"meta\">\n");
	meta_section(d, s, "machine", "Machine", machine, 3);
	meta_section(d, s, "parameters", "Parameters", params, 3);
	for (size_t i = 0; i < s->meta.n; i++) {
		const char *k = s->meta.kv[i].key;
		if (is_known_group(k))
			continue;
		size_t n = (size_t)(strchr(k, '.') - k);
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strncmp(s->meta.kv[j].key, k, n) == 0 && s->meta.kv[j].key[n] == '.';
		char *group = seen ? NULL : strndup(k, n);
		if (!seen && !group) {
			d->err = d->err ? d->err : -ENOMEM;
			break;
		}
		if (!seen) {
			const char *one[] = { group };
			meta_section(d, s, group, group, one, 1); /* the id is reduced by doc_heading */
			free(group);
		}
	}
	if (d->html)
		doc_raw(d, "</div>\n");
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The file's bytes as base64. */
static int embed_base64(struct doc *d, const char *path)
{
	FILE *in = fopen(path, "rb");
	if (!in)
		return -errno;
	unsigned char buf[3 * 1024];
	char out[4 * 1024 + 1];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
		size_t o = 0;
		for (size_t i = 0; i < n; i += 3) {
			unsigned v = (unsigned)buf[i] << 16;
			if (i + 1 < n)
				v |= (unsigned)buf[i + 1] << 8;
			if (i + 2 < n)
				v |= buf[i + 2];
			out[o++] = b64[v >> 18 & 63];
			out[o++] = b64[v >> 12 & 63];
			out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
			out[o++] = i + 2 < n ? b64[v & 63] : '=';
		}
		out[o] = '\0';
		doc_raw(d, out);
		if (n % 3)
			break; /* only the last read can end mid-group */
	}
	int bad = ferror(in);
	fclose(in);
	return bad ? -EIO : 0;
}

/* gnuplot's hypertext, as its svg terminal writes it: the text is a JavaScript string for its
 * gnuplot_svg.js, which a self-contained report does not carry. */
#define HYPER_OPEN "<g onmousemove=\"gnuplot_svg.showHypertext(evt,'"
#define HYPER_CLOSE "')\" onmouseout=\"gnuplot_svg.hideHypertext()\"><title> </title>"

/* The plot NAME.svg inline, so that each point's values show on hover with no script: every
 * hypertext becomes its group's <title> (the browser's own tooltip), the file's own title the
 * plot's, every id and reference to one gets the plot's name in front (several plots share one
 * page), and any other event attribute or script is left out. Returns 0 or a negative errno. */
static int embed_svg(struct doc *d, const struct report_set *s, const struct report_plot *p)
{
	char name[160], *svg;
	size_t len;
	snprintf(name, sizeof name, "%s.svg", p->name);
	int rc = file_read_text(s->dir, name, 64u << 20, &svg, &len);
	if (rc)
		return rc;
	const char *c = strstr(svg, "<svg");
	if (!c) {
		free(svg);
		return -EINVAL;
	}
	doc_rawf(d, "<svg class=\"plot\" role=\"img\" aria-label=\"");
	doc_attr(d, p->title);
	doc_raw(d, "\"");
	c += 4;
	char *out = malloc(len + 1);
	if (!out) {
		free(svg);
		return -ENOMEM;
	}
	size_t o = 0;
#define FLUSH() (out[o] = '\0', doc_raw(d, out), o = 0)
	while (*c) {
		if (strncmp(c, HYPER_OPEN, strlen(HYPER_OPEN)) == 0) {
			const char *text = c + strlen(HYPER_OPEN), *end = strstr(text, HYPER_CLOSE);
			if (end) {
				FLUSH();
				doc_raw(d, "<g class=\"pt\"><title>");
				char *t = strndup(text, (size_t)(end - text));
				if (!t) {
					rc = -ENOMEM;
					break;
				}
				doc_scrub(t); /* a lock's name from the file: no markers, no controls */
				doc_text(d, t);
				free(t);
				doc_raw(d, "</title>");
				c = end + strlen(HYPER_CLOSE);
				continue;
			}
		}
		if (strncmp(c, "<title>Gnuplot</title>", 22) == 0) {
			FLUSH();
			doc_raw(d, "<title>");
			doc_text(d, p->title);
			doc_raw(d, "</title>");
			c += 22;
			continue;
		}
		if (strncmp(c, "<script", 7) == 0) { /* gnuplot's `mouse` option: never wanted here */
			const char *end = strstr(c, "</script>");
			c = end ? end + 9 : c + strlen(c);
			continue;
		}
		/* An event attribute (` onmousemove="…"`): dropped with its value. */
		if (c[0] == ' ' && c[1] == 'o' && c[2] == 'n' && c[3] >= 'a' && c[3] <= 'z') {
			const char *q = c + 3;
			while (*q >= 'a' && *q <= 'z')
				q++;
			if (q[0] == '=' && (q[1] == '"' || q[1] == '\'')) {
				const char *end = strchr(q + 2, q[1]);
				if (end) {
					c = end + 1;
					continue;
				}
			}
		}
		static const char *const refs[] = { "id='", "id=\"", "href='#", "href=\"#", "url(#" };
		bool ref = false;
		for (size_t k = 0; k < sizeof refs / sizeof refs[0] && !ref; k++) {
			size_t n = strlen(refs[k]);
			if (strncmp(c, refs[k], n) == 0 && (c == svg || c[-1] == ' ' || c[-1] == ':' ||
							    c[-1] == '(' || c[-1] == '\t' || k == 4)) {
				FLUSH();
				doc_raw(d, refs[k]);
				doc_rawf(d, "%s-", p->name);
				c += n;
				ref = true;
			}
		}
		if (ref)
			continue;
		out[o++] = *c++;
		if (o == len)
			FLUSH();
	}
	if (!rc)
		FLUSH();
#undef FLUSH
	doc_raw(d, "\n");
	free(out);
	free(svg);
	return rc;
}

static int plots(struct doc *d, const struct report_set *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->nplots; i++) {
		const struct report_plot *p = &s->plots[i];
		doc_heading(d, 3, p->name, p->title);
		if (!p->made) {
			doc_para_start(d, "note");
			doc_textf(d, "Not drawn: %s.", p->why);
			doc_para_end(d);
			continue;
		}
		if (d->html) {
			/* Inline SVG, whose points say their values on hover; the PNG where there
			 * is no SVG to take. */
			char path[4096];
			doc_raw(d, "<figure>");
			snprintf(path, sizeof path, "%s/%s.svg", s->dir, p->name);
			int rc = -ENOENT;
			if (report_is_file(path)) {
				rc = embed_svg(d, s, p);
			} else {
				snprintf(path, sizeof path, "%s/%s.png", s->dir, p->name);
				doc_raw(d, "<img alt=\"");
				doc_attr(d, p->title);
				doc_raw(d, "\" src=\"data:image/png;base64,");
				rc = embed_base64(d, path);
				doc_raw(d, "\">\n");
			}
			if (rc) {
				snprintf(err, errlen, "report: embedding %s: %s", path, strerror(-rc));
				return rc;
			}
			doc_raw(d, "<figcaption>");
			doc_text(d, p->caption);
			doc_rawf(d, " <a href=\"%s.svg\">SVG</a>, <a href=\"%s.png\">PNG</a></figcaption></figure>\n",
				 p->name, p->name);
		} else {
			doc_rawf(d, "![%s](%s.png)\n\n", p->title, p->name);
			doc_text(d, p->caption);
			doc_rawf(d, " ([SVG](%s.svg))\n\n", p->name);
		}
	}
	return 0;
}

/* --- the whole document -------------------------------------------------------------------- */

static const char css[] =
	"body{font:15px/1.45 'DejaVu Sans',system-ui,sans-serif;max-width:1120px;margin:1.5em auto;"
	"padding:0 1em;color:#222}"
	"h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}"
	"table{border-collapse:collapse;font-size:13px;margin:.6em 0}"
	"th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}"
	"th{background:#f2f2f2}tr.flag td{background:#fff4cc}"
	"table.points td{white-space:nowrap}table.points td:last-child{white-space:normal;min-width:12em}"
	".scroll{overflow-x:auto}.note{color:#555;font-size:13px}"
	".warn{background:#fff4cc;border-left:4px solid #e0a800;padding:.4em .8em}"
	"ul.flags{font-size:13px}figure{margin:1em 0}ul.summary li{margin:.25em 0}"
	"tr:target td{background:#dbeafe}"
	".meta{display:flex;flex-wrap:wrap;gap:0 2em;align-items:flex-start}.meta>section{flex:1 1 400px;max-width:540px}.meta h3{margin:.4em 0}"
	"img,svg.plot{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;font-size:13px}"
	"svg.plot g.pt:hover{opacity:.6}"
	/* Printed (lockbench report --pdf): a section a page, plots the page's width, no cut row. */
	"@media print{body{max-width:none;margin:0;font-size:11px}h2{break-before:page}"
	"h2#summary{break-before:avoid}h3{break-after:avoid}figure{break-inside:avoid}svg.plot,img{width:100%}"
	"tr{break-inside:avoid}.scroll{overflow:visible}table.points{font-size:8px}"
	"a{color:inherit;text-decoration:none}}"
	"@page{size:A4;margin:12mm}";

static int document(struct doc *d, const struct report_set *s, char *err, size_t errlen)
{
	const char *host = s->have_meta ? json_get(&s->meta, "meta.host") : NULL;
	if (!host && s->have_meta)
		host = json_get(&s->meta, "host");
	const char *title = host ? host : s->dir;
	if (d->html) {
		doc_raw(d, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			   "<title>lockbench report: ");
		doc_text(d, title);
		doc_rawf(d, "</title>\n<style>%s</style>\n</head><body>\n<h1>lockbench report: ", css);
		doc_text(d, title);
		doc_raw(d, "</h1>\n");
	} else {
		doc_raw(d, "# lockbench report: ");
		doc_text(d, title);
		doc_raw(d, "\n\n");
	}
	incomplete_note(d, s);
	/* The answer first; the machine and the parameters at the end, with every point. */
	int rc = report_summary_section(d, s);
	if (rc == -EINVAL)
		return report_fail(err, errlen, rc, "report: more than %d locks at one point",
				   VERDICT_MAX);
	if (rc)
		return report_fail(err, errlen, rc, "report: out of memory");
	doc_heading(d, 2, "verdict", "What wins where");
	rc = report_verdict_section(d, s, err, errlen);
	if (rc)
		return rc;
	if ((rc = report_lock_cost_section(d, s))) {
		snprintf(err, errlen, "report: out of memory");
		return rc;
	}
	if ((rc = report_hosts_section(d, s))) {
		snprintf(err, errlen, "report: %s", rc == -ENOMEM ? "out of memory"
								  : "more locks than a verdict takes");
		return rc;
	}
	report_flag_notes(d, s);
	doc_heading(d, 2, "plots", "Plots");
	if ((rc = plots(d, s, err, errlen)))
		return rc;
	report_floor_section(d, s);
	meta_sections(d, s);
	doc_heading(d, 2, "points", "All points");
	doc_para_start(d, "note");
	doc_text(d, "Medians across repetitions. Highlighted rows are flagged: disagree = the "
		"repetitions' throughput spread exceeds 25 % of the median; noisy = the machine "
		"changed under the point; busy = other processes took a share of the CPUs or the "
		"workers were off the CPU (results/README.md); a status other than ok = a repetition "
		"failed. Fairness: Jain's index, max/min of the threads' operation counts, and their "
		"stddev/mean (– where the set does not have it).");
	doc_para_end(d);
	if ((rc = report_points_section(d, s))) {
		snprintf(err, errlen, "report: out of memory");
		return rc;
	}
	doc_para_start(d, "note");
	doc_textf(d, "Written by lockbench %s report from the files next to this one: summary.csv, "
		 "results.csv, latency_cdf.csv, c2c.csv, handoff.csv, meta.json (formats: docs/SWEEP_FILES.md).",
	      LB_VERSION);
	doc_para_end(d);
	if (d->html)
		doc_raw(d, "</body></html>\n");
	return 0;
}

/* A failed write (memory, for the memory stream the documents are rendered into) is said once. */
static int write_document(const struct report_set *s, FILE *f, bool html, char *err,
			  size_t errlen)
{
	struct doc d;
	doc_init(&d, f, html, DOC_MD_PROSE);
	int rc = document(&d, s, err, errlen);
	int wrc = doc_finish(&d);
	if (!rc && wrc)
		rc = report_fail(err, errlen, wrc, "report: rendering report.%s: %s",
				 html ? "html" : "md", strerror(-wrc));
	return rc;
}

int report_write_html(const struct report_set *s, FILE *f, char *err, size_t errlen)
{
	return write_document(s, f, true, err, errlen);
}

int report_write_md(const struct report_set *s, FILE *f, char *err, size_t errlen)
{
	return write_document(s, f, false, err, errlen);
}
