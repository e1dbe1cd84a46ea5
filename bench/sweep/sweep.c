/* sweep.c — `lockbench sweep`: the main job.
 *
 * A sweep is a list of points (lock × permits × threads × critical section) run `reps` times.
 * Repetitions are the outer loop and the order of the points is shuffled in each one with a
 * recorded seed, so that drift in the machine (another tenant, a c2c regime switch) spreads over
 * every lock instead of landing on whichever ran last. Each repetition of a point runs in its
 * own child process (runner.c) and its row is appended to results.csv and flushed at once, so
 * an interruption loses at most the point in flight; `--resume DIR` runs what is missing, with
 * the options recorded in DIR/sweep.args. The final files (summary.csv, latency_cdf.csv,
 * meta.json, plots, report) are written through temporary names and renamed.
 *
 * Around every point it records what the machine did: a short core-to-core ping-pong before and
 * after (c2c.c), and the steal time and other processes' CPU time from /proc/stat, so the
 * report can flag points measured while the machine changed under them.
 *
 * Its command line and exit status are cli/cmd_sweep.c; the files it appends to and meta.json
 * are sweep_log.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "probe/c2c.h"
#include "results/file.h"
#include "results/csvread.h"
#include "results/output.h"
#include "report/report.h"
#include "run/runner.h"
#include "stats/stats.h"
#include "sweep/sweep.h"
#include "topo/topo.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

/* ---- progress ----------------------------------------------------------------------------- */

static void fmt_secs(double s, char *buf, size_t len)
{
	if (s < 0 || !isfinite(s))
		s = 0;
	if (s >= 60)
		snprintf(buf, len, "%um%02us", (unsigned)(s / 60), (unsigned)s % 60);
	else
		snprintf(buf, len, "%.0fs", s);
}

/* `done_here` runs took `elapsed_s` in this process (a resumed set counts the rest as done). */
static void progress(bool tty, size_t done, size_t total, size_t done_here, const struct sweep_point *pt,
		     unsigned rep, double elapsed_s, const struct run_result *r)
{
	char eta[32];
	fmt_secs(done_here ? elapsed_s / (double)done_here * (double)(total - done) : 0, eta,
		 sizeof eta);
	if (tty) {
		const int width = 30;
		int fill = total ? (int)((double)done / (double)total * width) : width;
		fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu  rep %u  %-40.40s ETA %s", fill,
			"##############################", width - fill, "", done, total, rep + 1,
			pt->key, eta);
		if (done == total)
			fputc('\n', stderr);
	} else {
		fprintf(stderr, "sweep: %zu/%zu rep %u %s: %s", done, total, rep + 1, pt->key,
			r ? run_status_name(r->status) : "-");
		if (r && r->measured)
			fprintf(stderr, " %.3f Mops/s fairness %.2f", r->mops, r->fairness);
		fprintf(stderr, " (ETA %s)\n", eta);
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the command --------------------------------------------------------------------------- */

struct sweep_run {
	struct sweep_opts o;
	struct topo *topo;
	struct sweep_point *pts;
	size_t npts;
	unsigned char *done;
	size_t ndone, total;
	struct sweep_log results, hist;
	int probe_a, probe_b;
	double last_probe_ns; /* the previous run's "after" probe, this run's "before" */
	unsigned failures;
};

static void point_params(const struct sweep_opts *o, const struct sweep_point *pt,
			 struct run_params *p)
{
	run_params_defaults(p);
	p->lock = pt->lock;
	p->threads = pt->threads;
	p->permits = pt->permits;
	p->cs_ns = pt->cs_ns;
	p->ncs_ns = pt->ncs_ns;
	p->duration_ns = pt->duration_ns;
	p->warmup_ns = pt->warmup_ns;
	p->placement = o->placement;
	p->reps = 1;
	p->format = FORMAT_CSV;
}

static double probe(struct sweep_run *s)
{
	double rtt = NAN;
	if (!s->o.no_probe && s->probe_a >= 0)
		c2c_probe(s->topo, s->probe_a, s->probe_b, &rtt);
	return rtt;
}

/* Run one repetition of one point and append its rows. 0, or -errno when writing failed. */
static int run_one(struct sweep_run *s, size_t k, unsigned rep, size_t order,
		   struct run_result *r_out, char *err, size_t errlen)
{
	const struct sweep_point *pt = &s->pts[k];
	struct run_params p;
	struct thread_plan plan;
	point_params(&s->o, pt, &p);
	run_result_init(r_out, rep);
	if (topo_plan(s->topo, p.threads, p.placement, NULL, 0, &plan, err, errlen) != 0)
		return -EINVAL;

	/* One probe between consecutive runs serves as the first one's "after" and the next one's
	 * "before": half the probes, the same information. */
	double c2c_before = isfinite(s->last_probe_ns) ? s->last_probe_ns : probe(s);
	struct cpu_ticks t0, t1;
	bool ticks = cpu_ticks_read(&t0) == 0;
	uint64_t cpu0 = children_cpu_ns();
	struct run_result r;
	run_result_free(r_out);
	int harness = runner_run_point(s->topo, &p, &plan, rep + 1, &r); /* rep counts from 1 */
	uint64_t cpu1 = children_cpu_ns();
	ticks = ticks && cpu_ticks_read(&t1) == 0;
	double c2c_after = probe(s);
	s->last_probe_ns = c2c_after;
	if (r.status == RUN_INTERRUPTED || runner_interrupt_signal()) {
		*r_out = r;
		return 0; /* not recorded: --resume runs it again */
	}
	if (harness) { /* lockbench's own failure (fork, mmap, memory), not the lock's: no row */
		snprintf(err, errlen, "%s rep %u: the harness failed: %s; not recorded, --resume "
			 "runs it again", pt->key, rep + 1,
			 r.status_detail[0] ? r.status_detail : strerror(-harness));
		*r_out = r;
		return harness;
	}

	double steal = NAN, other = NAN;
	if (ticks && t1.total > t0.total) {
		const double ns_per_tick = 1e9 / (double)sysconf(_SC_CLK_TCK);
		double total_ns = (double)(t1.total - t0.total) * ns_per_tick;
		double busy_ns = (double)(t1.busy - t0.busy) * ns_per_tick;
		steal = 100.0 * (double)(t1.steal - t0.steal) / (double)(t1.total - t0.total);
		/* A lower bound: each CPU's /proc/stat count may be a tick off at either reading,
		 * and a short point spans only a few ticks, so that slack is taken off before
		 * anything is called other processes' time (and a busy flag raised on it). */
		double slack_ns = 2.0 * (double)topo_allowed_count(s->topo) * ns_per_tick;
		other = 100.0 * fmax(0.0, busy_ns - (double)(cpu1 - cpu0) - slack_ns) / total_ns;
	}
	/* The results.csv row is the record that a run is done (--resume reads only it), so it
	 * stands only when the run's histogram was written too: a failed histogram takes the row
	 * back out, and --resume runs the repetition again. */
	off_t row_start = lseek(s->results.fd, 0, SEEK_END);
	int rc = sweep_log_row(&s->results, &p, &plan, &r, pt, order, s->o.seed, c2c_before,
			    c2c_after, steal, other, s->o.host, err, errlen);
	if (rc == 0 && r.lat_hist && pt->threads == s->o.cdf_threads && pt->permits == 1 &&
	    pt->cs_ns == s->o.cs_ns[0] && !pt->lock_cost) {
		rc = sweep_log_hist(&s->hist, pt, rep + 1, r.lat_hist, err, errlen);
		if (rc && row_start >= 0 && ftruncate(s->results.fd, row_start) != 0)
			(void)0; /* best effort: the histogram's own error is the one to report */
	}
	if (r.status != RUN_OK) {
		s->failures++;
		if (isatty(2))
			fputc('\n', stderr);
		fprintf(stderr, "lockbench: sweep: %s rep %u: %s%s%s\n", pt->key, rep + 1,
			run_status_name(r.status), r.status_detail[0] ? ": " : "", r.status_detail);
	}
	if (rc == 0) { /* recorded; a run whose row was taken back is not done */
		s->done[k * s->o.reps + rep] = 1;
		s->ndone++;
	}
	*r_out = r; /* the caller shows it, then frees it */
	return rc;
}

static int sweep_loop(struct sweep_run *s, double t_start, char *err, size_t errlen)
{
	size_t *idx = malloc(s->npts * sizeof *idx);
	if (!idx)
		return -ENOMEM;
	const bool tty = isatty(2);
	size_t done_at_start = s->ndone;
	int rc = 0;
	for (unsigned rep = 0; rep < s->o.reps && !runner_interrupt_signal() && rc == 0; rep++) {
		sweep_shuffle(idx, s->npts, s->o.seed + rep);
		for (size_t j = 0; j < s->npts && !runner_interrupt_signal() && rc == 0; j++) {
			size_t k = idx[j];
			if (s->done[k * s->o.reps + rep])
				continue;
			struct run_result r;
			rc = run_one(s, k, rep, j, &r, err, errlen);
			if (rc == 0 && !runner_interrupt_signal())
				progress(tty, s->ndone, s->total, s->ndone - done_at_start, &s->pts[k],
					 rep, now_s() - t_start, &r);
			run_result_free(&r);
		}
	}
	if (tty && runner_interrupt_signal())
		fputc('\n', stderr);
	free(idx);
	return rc;
}

static int copy_plan(const char *from, const char *dir)
{
	FILE *f = fopen(from, "r");
	if (!f)
		return -errno;
	char *text = malloc(1 << 24);
	size_t len = text ? fread(text, 1, 1 << 24, f) : 0;
	int rc = !text ? -ENOMEM : ferror(f) ? -EIO : 0;
	fclose(f);
	if (rc == 0)
		rc = file_write_atomic(dir, "plan.json", text, len);
	free(text);
	return rc;
}

static int setup_dir(struct sweep_run *s, int argc, char **argv, bool resuming, char *err,
		     size_t errlen)
{
	const char *dir = s->o.out;
	if (!resuming) {
		struct stat st;
		if (stat(dir, &st) == 0) {
			char probe_path[1200];
			snprintf(probe_path, sizeof probe_path, "%s/results.csv", dir);
			if (access(probe_path, F_OK) == 0) {
				snprintf(err, errlen, "--out: '%.400s' already holds a result set; use "
					 "--resume %.400s to finish it, or another --out", dir, dir);
				return -EEXIST;
			}
		}
		int rc = sweep_mkdir_p(dir);
		if (rc) {
			snprintf(err, errlen, "--out: cannot create '%.800s': %s", dir, strerror(-rc));
			return rc;
		}
		rc = sweep_write_args(dir, argc, argv, s->o.seed);
		if (rc) {
			snprintf(err, errlen, "%.800s/sweep.args: %s", dir, strerror(-rc));
			return rc;
		}
		/* A slice keeps its plan: merge names a missing slice's points from it. */
		if (s->o.plan_text_path[0] && (rc = copy_plan(s->o.plan_text_path, dir)) != 0) {
			snprintf(err, errlen, "%.800s/plan.json: %s", dir, strerror(-rc));
			return rc;
		}
	}
	int rc = sweep_log_open(&s->results, dir, "results.csv",
			  OUTPUT_CSV_HEADER RESULTS_SWEEP_COLUMNS, err, errlen);
	if (rc == 0)
		rc = sweep_log_open(&s->hist, dir, "latency_hist.csv", SWEEP_HIST_HEADER,
			      err, errlen);
	return rc;
}

/* A --shard I/N run: the pairs of the other slices count as done-elsewhere (2), never run
 * and never counted, so the loop, the estimate and meta.json's runs_total see this slice. */
static int mark_other_shards(struct sweep_run *s)
{
	unsigned *slice = calloc(s->total ? s->total : 1, sizeof *slice);
	double *load = calloc(s->o.shard_n, sizeof *load);
	if (!slice || !load) {
		free(slice);
		free(load);
		return -ENOMEM;
	}
	sweep_shard_assign(s->pts, s->npts, s->o.reps, s->o.shard_n, slice, load);
	size_t mine = 0;
	for (size_t i = 0; i < s->total; i++) {
		if (slice[i] + 1 != s->o.shard_i)
			s->done[i] = 2;
		else
			mine++;
	}
	s->total = mine;
	free(slice);
	free(load);
	return 0;
}

/* The topology, the thread counts and seed it decides, and the checked list of points. */
static int sweep_prepare(struct sweep_run *s, struct sweep_outcome *res, char *err, size_t errlen)
{
	char why[512];
	int rc = topo_open_system(&s->topo, why, sizeof why);
	if (rc) {
		snprintf(err, errlen, "sweep: %s", why);
		return rc;
	}
	unsigned ncpus = topo_allowed_count(s->topo);
	/* A plan is made for one machine kind: its thread counts and lock-cost points come from
	 * that machine's CPUs, so another count would run a different sweep under its hash. */
	if (s->o.plan_hash[0] && s->o.plan_ncpus != ncpus) {
		snprintf(err, errlen, "--plan-file: the plan was made for %u CPUs; this machine "
			 "allows %u (make a plan here with lockbench sweep --plan)",
			 s->o.plan_ncpus, ncpus);
		res->user_error = true;
		return -EINVAL;
	}
	sweep_plan_decide(&s->o, s->topo);
	if (!s->o.host[0])
		sweep_default_host(s->o.host, sizeof s->o.host);
	if (!s->o.out[0])
		sweep_out_dir_for_host(s->o.out, sizeof s->o.out, s->o.host);
	s->last_probe_ns = NAN;
	if (c2c_default_pair(s->topo, &s->probe_a, &s->probe_b) != 0)
		s->probe_a = s->probe_b = -1;

	size_t maxpts = sweep_max_points(&s->o);
	s->pts = calloc(maxpts ? maxpts : 1, sizeof *s->pts);
	if (!s->pts) {
		snprintf(err, errlen, "sweep: out of memory");
		return -ENOMEM;
	}
	s->npts = sweep_build_points(&s->o, s->pts);
	s->total = s->npts * s->o.reps;
	s->done = calloc(s->total ? s->total : 1, 1);
	if (!s->done) {
		snprintf(err, errlen, "sweep: out of memory");
		return -ENOMEM;
	}
	if (s->o.shard_n && (rc = mark_other_shards(s)) != 0) {
		snprintf(err, errlen, "sweep: out of memory");
		return rc;
	}
	for (size_t i = 0; i < s->npts; i++) {
		struct run_params p;
		point_params(&s->o, &s->pts[i], &p);
		if ((rc = runner_check(&p, why, sizeof why)) != 0) {
			snprintf(err, errlen, "sweep: %s: %s", s->pts[i].key, why);
			res->user_error = true;
			return rc;
		}
	}
	return 0;
}

/* What a resumed set has done, and whether its layout is ours, is decided before setup_dir
 * opens (or creates) anything: a set refused must be left as it was, for the lockbench that
 * wrote it. Only a row cut by a crash is dropped first, as any version would drop it. */
static int sweep_load_resumed(struct sweep_run *s, char *err, size_t errlen)
{
	char path[1200], why[1024];
	snprintf(path, sizeof path, "%.1000s/results.csv", s->o.out);
	struct stat st;
	int rc = sweep_trim_partial_line(path);
	/* No results.csv yet, or an empty one (its header's write failed): nothing done. */
	if (rc == 0 && stat(path, &st) == 0 && st.st_size > 0)
		rc = sweep_load_done(s->o.out, s->pts, s->npts, s->o.reps, s->done, &s->ndone, why,
				     sizeof why);
	else if (rc)
		snprintf(why, sizeof why, "%.800s: %s", path, strerror(-rc));
	if (rc)
		snprintf(err, errlen, "--resume: %s", why);
	return rc;
}

static void announce(const struct sweep_run *s, bool resuming)
{
	char plan_s[32];
	fmt_secs(sweep_estimate_ns(s->pts, s->npts, s->o.reps, s->done) / 1e9, plan_s,
		 sizeof plan_s);
	size_t ncost = 0;
	for (size_t i = 0; i < s->npts; i++)
		ncost += s->pts[i].lock_cost;
	fprintf(stderr, "sweep: %u locks x %u thread counts x %u critical sections + %zu lock-cost "
			"points = %zu points, %u reps: %zu runs%s, about %s -> %s/\n",
		s->o.nlocks, s->o.nthreads, s->o.ncs, ncost, s->npts, s->o.reps, s->total - s->ndone,
		resuming ? " still to do" : "", plan_s, s->o.out);
	fprintf(stderr, "sweep: %u CPUs allowed; thread counts above %u are oversubscribed; seed %llu\n",
		s->o.ncpus, s->o.ncpus, (unsigned long long)s->o.seed);
}

/* The loop, the floor, and every file that closes the set, whatever happened before: the first
 * failure is the one reported, and the set is still summarised and its meta.json says how it
 * ended. The report is built only for a set that finished well. */
static int run_and_close(struct sweep_run *s, struct sweep_outcome *res, char *err,
			 size_t errlen)
{
	char why[1024] = "";
	double t0 = now_s();
	int rc = sweep_write_meta(s->o.out, s->topo, &s->o, s->npts, s->ndone, s->total, "running", 0);
	if (rc)
		snprintf(why, sizeof why, "writing %.800s/meta.json: %s", s->o.out, strerror(-rc));
	else
		rc = sweep_loop(s, t0, why, sizeof why);
	if (rc == 0 && !runner_interrupt_signal() && !s->o.no_probe) {
		fprintf(stderr, "sweep: the physical floor: c2c round trips and each lock's handoff\n");
		rc = sweep_floor(s->o.out, s->topo, s->o.locks, s->o.nlocks, why, sizeof why);
	}
	int write_failed = rc;
	char close_err[sizeof why] = "";
	int hist_rc = sweep_log_close(&s->hist, close_err, sizeof close_err);
	int results_rc = sweep_log_close(&s->results, close_err, sizeof close_err);
	if (!write_failed && (hist_rc || results_rc)) {
		write_failed = results_rc ? results_rc : hist_rc;
		snprintf(why, sizeof why, "%s", close_err);
	}

	const char *state = runner_interrupt_signal() ? "interrupted" : write_failed ? "failed" : "complete";
	int meta_rc = sweep_write_meta(s->o.out, s->topo, &s->o, s->npts, s->ndone, s->total, state,
				 now_s() - t0);
	res->complete = meta_rc == 0 && strcmp(state, "complete") == 0;
	rc = 0;
	if (write_failed) {
		rc = write_failed;
		snprintf(err, errlen, "sweep: %s; finished points are in %s/results.csv",
			 why[0] ? why : strerror(-write_failed), s->o.out);
	}
	int points = sweep_summarize(s->o.out, why, sizeof why);
	res->summarized = points >= 0;
	if (rc) {
	} else if (points < 0) {
		rc = points;
		snprintf(err, errlen, "sweep: summary: %s", why);
	} else if (meta_rc) {
		rc = meta_rc;
		snprintf(err, errlen, "sweep: %s/meta.json: %s", s->o.out, strerror(-meta_rc));
	}
	if (rc == 0 && !runner_interrupt_signal() && !s->o.no_report) {
		fprintf(stderr, "sweep: building plots and report\n");
		if ((rc = report_build(s->o.out, why, sizeof why)) != 0)
			snprintf(err, errlen, "%s (the results are in %s/)", why, s->o.out);
		res->reported = rc == 0;
	}
	res->elapsed_s = now_s() - t0;
	return rc;
}

int sweep_run(struct sweep_opts *o, bool resuming, int argc, char **argv,
	      struct sweep_outcome *res, char *err, size_t errlen)
{
	struct sweep_run s = { .o = *o, .results.fd = -1, .hist.fd = -1 };
	*res = (struct sweep_outcome){ 0 };
	int rc = sweep_prepare(&s, res, err, errlen);
	if (rc == 0 && resuming)
		rc = sweep_load_resumed(&s, err, errlen);
	if (rc == 0) {
		char why[1024];
		rc = setup_dir(&s, argc, argv, resuming, why, sizeof why);
		if (rc == -EEXIST)
			res->user_error = true, snprintf(err, errlen, "%s", why);
		else if (rc)
			snprintf(err, errlen, "sweep: %s", why);
	}
	if (rc == 0) {
		announce(&s, resuming);
		runner_catch_signals(NULL);
		rc = run_and_close(&s, res, err, errlen);
	}
	res->stop_signal = runner_interrupt_signal();
	res->ndone = s.ndone;
	res->total = s.total;
	res->failures = s.failures;
	*o = s.o; /* the out directory, seed and thread counts as decided */
	char ignored[1024];
	sweep_log_close(&s.hist, ignored, sizeof ignored);
	sweep_log_close(&s.results, ignored, sizeof ignored);
	if (s.topo)
		topo_close(s.topo);
	free(s.pts);
	free(s.done);
	return rc;
}
