# lb_vs_threads.gp — the body of the "METRIC vs threads" plots (throughput.gp, latency_p50.gp,
# latency_p99.gp, fairness.gp, cpu.gp load it after naming their metric; not run on its own).
#
# Expects lb_metric (the summary.csv column prefix: mops, lat_p99_ns, ...), lb_title, lb_ylabel,
# lb_logy (1 = log scale) and lb_yrange ("" = automatic), plus what lb_common.gp expects.
# One panel per critical-section length (cs_ns), one line per lock (and permits), error bars from
# the repetitions: the 95 % CI of the median where summary.csv has one (spread = ci95), else
# min..max. Points whose repetitions disagree, whose machine was noisy or busy, or whose status is not ok
# get a black ring. Threads > CPUs (the oversubscribed region) is shaded.

load lb_here . "/lb_common.gp"

lb_names = system(lb_awk("-v mode=series -v field=2"))
lb_index = system(lb_awk("-v mode=series -v field=1"))
lb_permits = system(lb_awk("-v mode=series -v field=3"))
lb_nseries = words(lb_names)
if (lb_nseries == 0) {
	print sprintf("%s: %s: no data rows", lb_self, lb_data)
	exit status 1
}
lb_cs = system(lb_awk("-v mode=distinct -v cols=cs_ns"))
lb_npanels = words(lb_cs)
lb_maxthreads = int(system(lb_awk("-v mode=max -v cols=threads")))
# The CPU count: ARG3 when given, else the most threads summary.csv does not call oversubscribed.
lb_c = ARGC >= 3 ? ARG3 : system(lb_awk("-v mode=max -v cols=threads -v 'where=regime!=oversubscribed'"))
lb_cpus = lb_c eq "" ? 0 : int(lb_c)
lb_nflag = int(system(lb_awk("-v mode=count -v flagged=1")))

lb_flag_title = "ringed: flagged point"
lb_title_lines = 3
load lb_here . "/lb_layout.gp"

set xlabel "threads"
set ylabel lb_ylabel
if (lb_maxthreads > 16) {
	set logscale x 2
	set xrange [0.8:lb_maxthreads * 1.25]
	lb_oversub_from = lb_cpus + 0.5
} else {
	set xtics 1
	set mxtics 1
	set xrange [0.5:lb_maxthreads + 0.5]
	lb_oversub_from = lb_cpus + 0.5
}
if (lb_logy) { set logscale y; set format y "%g" } else { unset logscale y }
if (lb_yrange ne "") { eval "set yrange " . lb_yrange }
# The shade's explanation goes in the axis label, where it cannot cover a line.
if (lb_cpus > 0 && lb_cpus < lb_maxthreads) {
	set object 1 rect from first lb_oversub_from, graph 0 to graph 1, graph 1 behind \
		fc rgb "#f3e3e3" fs solid 1.0 noborder
	set xlabel sprintf("threads  (shaded: oversubscribed, more threads than the %d CPUs)", lb_cpus)
}

lb_series_pipe(i, cs) = lb_pipe(sprintf("-v sort=1 -v 'where=lock=%s;permits=%s;cs_ns=%s' -v cols=threads,%s_median,%s_lo,%s_hi", \
	word(lb_names, i), word(lb_permits, i), cs, lb_metric, lb_metric, lb_metric))

# The lock-cost points (cs 0 with ncs 0 only) are named as such; a user's own --cs 0 is not.
lb_panel_title(cs) = (cs + 0 == 0 && system(lb_awk(sprintf("-v mode=distinct -v cols=ncs_ns -v 'where=cs_ns=%s'", cs))) eq "0") ? \
	"critical section 0 ns, ncs 0: lock cost" : sprintf("critical section %s ns", cs)
set multiplot title lb_title . \
	"\nerror bars: 95 % CI of the median where there are enough repetitions, else min-max;" . \
	"\na ring flags a point whose repetitions disagree, whose machine was noisy or busy, or with a failed repetition"
unset key
do for [p = 1:lb_npanels] {
	cs = word(lb_cs, p)
	eval lb_panel_margins(p)
	set title lb_panel_title(cs)
	# A panel with nothing drawable (every value unmeasured, or 0 on a log axis: a window too
	# short or too starved to time anything) says so; gnuplot would stop on it and take the whole
	# report down with it.
	lb_drawable = int(system(lb_awk(sprintf("-v mode=count -v 'where=cs_ns=%s;%s_median%s'", \
		cs, lb_metric, lb_logy ? ">0" : "!="))))
	if (lb_drawable == 0) {
		if (lb_yrange eq "") { if (lb_logy) { set yrange [1:10] } else { set yrange [0:1] } }
		set label 9 "no measured values in this panel" at graph 0.5, graph 0.5 center tc rgb "#666666"
		plot NaN notitle
		unset label 9
		if (lb_yrange eq "") { set autoscale y }
		continue
	}
	# The ring layer only when something is flagged: an empty pipe would draw a warning.
	lb_rings = lb_nflag == 0 ? "" : sprintf(", \"%s\" using 1:2 with points pt 6 ps 2.4 lw 1.5 lc rgb '#000000' notitle", \
		lb_pipe(sprintf("-v flagged=1 -v 'where=cs_ns=%s' -v cols=threads,%s_median", cs, lb_metric)))
	eval "plot for [i = 1:lb_nseries] lb_series_pipe(i, cs) using 1:2:3:4 with yerrorlines " . \
		"lw 2 ps 1.1 pt lb_pt(word(lb_index, i)) dt lb_dt(word(lb_index, i), word(lb_permits, i)) " . \
		"lc rgb lb_color(word(lb_index, i)) notitle" . lb_rings
}
load lb_here . "/lb_key.gp"
unset multiplot
