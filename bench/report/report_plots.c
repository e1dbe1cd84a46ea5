/* report_plots.c — the gnuplot driver: which plots a result set gets, where the scripts are, and
 * running gnuplot so that a missing gnuplot, a failing script and a plot cut short by a full disk
 * are each told apart (report_run_gnuplot, which `lockbench compare` uses too).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report/report.h"
#include "results/metrics.h"

extern char **environ;

static bool dir_has(const char *dir, const char *name)
{
	char path[4096];
	return (size_t)snprintf(path, sizeof path, "%s/%s", dir, name) < sizeof path &&
	       report_is_file(path);
}

const char *report_plots_dir(void)
{
	const char *env = getenv("LOCKBENCH_PLOTS");
	if (env && *env)
		return env;
#ifdef LB_PLOTS_DIR
	if (dir_has(LB_PLOTS_DIR, "throughput.gp"))
		return LB_PLOTS_DIR;
#endif
#ifdef LB_DATA_DIR
	if (dir_has(LB_DATA_DIR "/lockbench/plots", "throughput.gp"))
		return LB_DATA_DIR "/lockbench/plots";
#endif
	return NULL;
}

/* --- the plots of a result set ------------------------------------------------------------------------------- */

struct plot_def {
	const char *name, *script, *data, *title, *caption;
};

/* The plots that are not one metric against threads: a distribution, a machine's c2c matrix.
 * They follow the per-metric plots, which come from the metric table's `plot` rows. */
static const struct plot_def plot_defs[] = {
	{ "latency_cdf", "latency_cdf.gp", "latency_cdf.csv", "Latency distribution",
	  "For each latency, the fraction of timed acquisitions that took at most that long." },
	{ "latency_percentiles", "latency_percentiles.gp", "latency_cdf.csv",
	  "Latency by percentile",
	  "The same distribution read by percentile, HdrHistogram-style: each step is the latency "
	  "that 50, 90, 99, 99.9, 99.99 % of acquisitions stayed within (both axes log), so the "
	  "tail gets as much room as the median." },
	{ "c2c_heatmap", "c2c_heatmap.gp", "c2c.csv", "Core-to-core round trip",
	  "One cache line bounced between two CPUs: the floor under any lock handoff between them." },
};

/* The plots of a result set, in the report's order: one per metric row with a plot (its
 * plots/PLOT.gp reads summary.csv), then plot_defs. The number of plots, at most `max`. */
static size_t plot_list(struct plot_def *out, size_t max, char (*scripts)[64])
{
	size_t n = 0;
	for (size_t i = 0; i < metric_count && n < max; i++) {
		const struct metric *m = &metric_table[i];
		if (!m->plot)
			continue;
		snprintf(scripts[n], sizeof scripts[n], "%s.gp", m->plot);
		out[n] = (struct plot_def){ m->plot, scripts[n], "summary.csv", m->plot_title,
					    m->plot_caption };
		n++;
	}
	for (size_t i = 0; i < sizeof plot_defs / sizeof plot_defs[0] && n < max; i++)
		out[n++] = plot_defs[i];
	return n;
}

/* posix_spawnp rather than fork + exec: a gnuplot missing from PATH comes back as ENOENT from the
 * spawn itself, so it is told apart from a gnuplot that ran and failed. */
static int spawn_gnuplot(const char *who, char *const argv[], char *err, size_t errlen)
{
	int pfd[2];
	if (pipe(pfd) != 0)
		return report_fail(err, errlen, -errno, "%s: pipe: %s", who, strerror(errno));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	posix_spawn_file_actions_addclose(&fa, pfd[0]);
	posix_spawn_file_actions_addclose(&fa, pfd[1]);
	pid_t pid;
	fflush(NULL);
	int e = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (e) {
		close(pfd[0]);
		if (e == ENOENT)
			return report_fail(err, errlen, -ENOENT,
					   "%s: gnuplot is not installed (not found in PATH); "
					   "install it (Debian: apt-get install gnuplot-nox) "
					   "to draw the plots", who);
		return report_fail(err, errlen, -e, "%s: cannot run gnuplot: %s", who, strerror(e));
	}
	char msg[2048];
	size_t n = 0;
	for (;;) {
		if (n > sizeof msg - 512) { /* keep the tail: the error is gnuplot's last line */
			memmove(msg, msg + n - 512, 512);
			n = 512;
		}
		ssize_t got = read(pfd[0], msg + n, sizeof msg - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	msg[n] = '\0';
	close(pfd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return report_fail(err, errlen, -errno, "%s: waitpid: %s", who,
					   strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	/* gnuplot's last non-empty line is the error; a warning may come first. */
	char *last = "no message";
	for (char *line = strtok(msg, "\n"); line; line = strtok(NULL, "\n"))
		if (strspn(line, " \t^") != strlen(line))
			last = line;
	return report_fail(err, errlen, -EIO, "%s: gnuplot failed on %s (%s %d): %.300s", who,
			   argv[2], WIFEXITED(status) ? "exit" : "signal",
			   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), last);
}

/* gnuplot exits 0 when a write of its output fails (a full disk): a plot counts as written only
 * when it ends as its format ends, PNG with its IEND chunk, SVG with its closing tag. Other
 * formats are taken as they are. */
static bool plot_is_whole(const char *path)
{
	static const unsigned char png_end[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D',
						   0xae, 0x42, 0x60, 0x82 };
	const char *ext = strrchr(path, '.');
	bool png = ext && strcmp(ext, ".png") == 0, svg = ext && strcmp(ext, ".svg") == 0;
	if (!png && !svg)
		return true;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	unsigned char tail[64];
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof tail ? size - (off_t)sizeof tail : 0;
	ssize_t n = size > 0 ? pread(fd, tail, (size_t)(size - from), from) : 0;
	close(fd);
	if (n <= 0)
		return false;
	if (png)
		return n >= 12 && memcmp(tail + n - 12, png_end, 12) == 0;
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == ' ' || tail[n - 1] == '\r'))
		n--;
	return n >= 6 && memcmp(tail + n - 6, "</svg>", 6) == 0;
}

int report_run_gnuplot(const char *who, char *const argv[], const char *tmp, const char *final,
		       char *err, size_t errlen)
{
	int rc = spawn_gnuplot(who, argv, err, errlen);
	if (!rc && !report_is_file(tmp))
		rc = report_fail(err, errlen, -EIO, "%s: gnuplot wrote no %s", who, tmp);
	if (!rc && !plot_is_whole(tmp))
		rc = report_fail(err, errlen, -EIO, "%s: gnuplot's %s is cut short: writing it "
				 "failed (is the file system full?)", who, tmp);
	if (!rc && rename(tmp, final) != 0)
		rc = report_fail(err, errlen, -errno, "%s: rename %s: %s", who, tmp, strerror(errno));
	if (rc)
		unlink(tmp);
	return rc;
}

struct report_plot *report_plot_add(struct report_set *s)
{
	if (s->nplots >= REPORT_MAX_PLOTS)
		return NULL;
	s->plots[s->nplots] = (struct report_plot){ 0 };
	return &s->plots[s->nplots++];
}

int report_make_plots(struct report_set *s, const char *scripts, char *err, size_t errlen)
{
	static const char *const exts[] = { "png", "svg" };
	/* One more than there is room for, so that a table with too many plots is an error. */
	char gp[REPORT_MAX_PLOTS + 1][64];
	struct plot_def defs[REPORT_MAX_PLOTS + 1];
	size_t ndefs = plot_list(defs, REPORT_MAX_PLOTS + 1, gp);
	for (size_t i = 0; i < ndefs; i++) {
		struct report_plot *p = report_plot_add(s);
		if (!p)
			return report_fail(err, errlen, -E2BIG, "report: more than %d plots; raise "
					   "REPORT_MAX_PLOTS", REPORT_MAX_PLOTS);
		char script[4096], data[4096], tmp[4096], final[4096];
		p->name = defs[i].name;
		p->title = defs[i].title;
		p->caption = defs[i].caption;
		int rc = report_join(script, sizeof script, scripts, defs[i].script, err, errlen);
		const char *data_name = defs[i].data;
		if (s->plot_summary[0] && strcmp(data_name, "summary.csv") == 0)
			data_name = s->plot_summary; /* several hosts: the first one's points */
		if (rc || (rc = report_join(data, sizeof data, s->dir, data_name, err, errlen)))
			return rc;
		if (!report_is_file(script))
			return report_fail(err, errlen, -ENOENT, "report: %s is missing", script);
		/* c2c_heatmap.gp draws "unavailable" itself; the CDF needs its file. */
		if (!report_is_file(data) && strcmp(p->name, "c2c_heatmap") != 0) {
			snprintf(p->why, sizeof p->why, "no %s in this result set", defs[i].data);
			continue;
		}
		for (size_t e = 0; e < 2; e++) {
			char name[128];
			snprintf(name, sizeof name, ".partial-%s.%s", p->name, exts[e]);
			if ((rc = report_join(tmp, sizeof tmp, s->dir, name, err, errlen)))
				return rc;
			snprintf(name, sizeof name, "%s.%s", p->name, exts[e]);
			if ((rc = report_join(final, sizeof final, s->dir, name, err, errlen)))
				return rc;
			char *argv[] = { "gnuplot", "-c", script, data, tmp, NULL };
			if ((rc = report_run_gnuplot("report", argv, tmp, final, err, errlen)))
				return rc;
		}
		p->made = true;
	}
	return 0;
}

