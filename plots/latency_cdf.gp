# latency_cdf.gp — the distribution (CDF) of lock acquisition latency of every lock at one thread
# count: for each latency, the fraction of timed acquisitions that took at most that long.
#
# usage: gnuplot -c plots/latency_cdf.gp DIR/latency_cdf.csv OUT.png|OUT.svg [THREADS]
#   Runnable by hand on any latency_cdf.csv of a lockbench result set (docs/SWEEP_FILES.md); the
#   terminal follows OUT's extension unless one was chosen with -e before -c. THREADS picks the
#   thread count when the file holds several (default: the smallest in the file).
if (ARGC < 2) {
	print "usage: gnuplot -c latency_cdf.gp DIR/latency_cdf.csv OUT.png|OUT.svg [THREADS]"
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
	lb_nodata_title = "Acquisition latency distribution (CDF)"
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

set xlabel "acquisition latency (ns, log scale)"
set ylabel "fraction of acquisitions at most this slow"
set logscale x
set format x "%g"
set yrange [0:1.02]
set ytics 0.1
# p50 and p99 as dashed guides, so the CDF can be read against the p50/p99 plots.
set arrow 1 from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 2 lc rgb "#888888" back
set arrow 2 from graph 0, first 0.99 to graph 1, first 0.99 nohead dt 2 lc rgb "#888888" back
set label 1 "p50" at graph 0.01, first 0.5 offset 0, 0.6 tc rgb "#666666"
set label 2 "p99" at graph 0.01, first 0.99 offset 0, -0.6 tc rgb "#666666"

lb_series_pipe(i, cs) = lb_pipe(sprintf("-v sort=1 -v 'where=threads=%s;lock=%s;permits=%s;cs_ns=%s' -v cols=latency_ns,cdf", \
	lb_threads, word(lb_names, i), word(lb_permits, i), cs))

set multiplot title sprintf("Acquisition latency distribution (CDF) at %s threads", lb_threads) . \
	"\nfurther left is faster; a long flat tail before 1.0 means some acquisitions waited very long"
unset key
do for [p = 1:lb_npanels] {
	cs = word(lb_cs, p)
	eval lb_panel_margins(p)
	set title sprintf("critical section %s ns", cs)
	plot for [i = 1:lb_nseries] lb_series_pipe(i, cs) using 1:2 with linespoints lw 2 pi -3 ps 1.0 \
		pt lb_pt(word(lb_index, i)) dt lb_dt(word(lb_index, i), word(lb_permits, i)) lc rgb lb_color(word(lb_index, i)) notitle
}
unset arrow 1
unset arrow 2
unset label 1
unset label 2
load lb_here . "/lb_key.gp"
unset multiplot
