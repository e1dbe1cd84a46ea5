# latency_percentiles.gp — acquisition latency by percentile, HdrHistogram-style, of every lock at
# one thread count: x is the percentile on a log(1/(1-p)) axis (50, 90, 99, 99.9, 99.99 % equally
# spaced), y the latency (ns, log). The same data as latency_cdf.gp, read so the tail is as
# legible as the median.
#
# usage: gnuplot -c plots/latency_percentiles.gp DIR/latency_cdf.csv OUT.png|OUT.svg [THREADS]
#   Runnable by hand on any latency_cdf.csv of a lockbench result set (docs/SWEEP_FILES.md); the
#   terminal follows OUT's extension unless one was chosen with -e before -c. THREADS picks the
#   thread count when the file holds several (default: the smallest in the file).
if (ARGC < 2) {
	print "usage: gnuplot -c latency_percentiles.gp DIR/latency_cdf.csv OUT.png|OUT.svg [THREADS]"
	exit status 2
}
lb_user_term = GPVAL_TERM ne "unknown"
lb_data = ARG1
lb_out = ARG2
lb_self = ARG0
lb_here = system(sprintf("dirname '%s'", ARG0))
load lb_here . "/lb_common.gp"

lb_threads = ARGC >= 3 ? ARG3 : word(system(lb_awk("-v mode=distinct -v cols=threads")), 1)
lb_where(extra) = sprintf("-v 'where=threads=%s%s'", lb_threads, extra)
lb_names = system(lb_awk(lb_where("") . " -v mode=series -v field=2"))
lb_index = system(lb_awk(lb_where("") . " -v mode=series -v field=1"))
lb_permits = system(lb_awk(lb_where("") . " -v mode=series -v field=3"))
lb_nseries = words(lb_names)
if (lb_nseries == 0 && ARGC >= 3) {
	print sprintf("%s: %s: no rows at %s threads", lb_self, lb_data, lb_threads)
	exit status 1
}
if (lb_nseries == 0) {
	lb_nodata_title = "Acquisition latency by percentile"
	lb_nodata_why = "no acquisition was timed in this result set (windows too short or starved of CPU)"
	load lb_here . "/lb_nodata.gp"
	exit
}
lb_cs = system(lb_awk(lb_where("") . " -v mode=distinct -v cols=cs_ns"))
lb_npanels = words(lb_cs)
lb_nflag = 0
lb_flag_title = ""
lb_title_lines = 2
load lb_here . "/lb_layout.gp"

# 1/(1-p): 2 at the median, 10 at p90, ... 10000 at p99.99. The last bucket has cdf 1 (1/0): it
# is drawn at the right edge, where "the slowest acquisition seen" belongs.
lb_xmax = 20000.0
lb_x(cdf) = cdf >= 1 - 1.0 / lb_xmax ? lb_xmax : 1.0 / (1.0 - cdf)
set xlabel "percentile (log scale of 1/(1-p))"
set ylabel "acquisition latency (ns, log scale)"
set logscale x
set logscale y
set format y "%g"
set xrange [1:lb_xmax]
set xtics ("0%%" 1, "50%%" 2, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000)
set mxtics 1
set grid noxtics nomxtics
set for [k = 1:5] arrow k from first (k == 1 ? 2 : 10 ** (k - 1)), graph 0 to first (k == 1 ? 2 : 10 ** (k - 1)), graph 1 \
	nohead dt 2 lc rgb "#bbbbbb" back

lb_series_pipe(i, cs) = lb_pipe(sprintf("-v sort=1 -v 'where=threads=%s;lock=%s;permits=%s;cs_ns=%s' -v cols=cdf,latency_ns", \
	lb_threads, word(lb_names, i), word(lb_permits, i), cs))

set multiplot title sprintf("Acquisition latency by percentile at %s threads", lb_threads) . \
	"\nlower is faster; read the tail on the right: 99 % of acquisitions took at most the value above 99%"
unset key
do for [p = 1:lb_npanels] {
	cs = word(lb_cs, p)
	eval lb_panel_margins(p)
	set title sprintf("critical section %s ns", cs)
	# fsteps: a bucket's latency holds from the previous bucket's percentile up to its own.
	plot for [i = 1:lb_nseries] lb_series_pipe(i, cs) using (lb_x($1)):2 with fsteps lw 2 \
		dt lb_dt(word(lb_index, i), word(lb_permits, i)) lc rgb lb_color(word(lb_index, i)) notitle
}
unset for [k = 1:5] arrow k
load lb_here . "/lb_key.gp"
unset multiplot
