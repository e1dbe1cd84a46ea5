# lb_vs_threads.gp — the body of the "METRIC vs threads" plots (throughput.gp, latency_p50.gp,
# latency_p99.gp, fairness.gp, cpu.gp load it after naming their metric; not run on its own).
#
# Expects lb_metric (the summary.csv column prefix: mops, lat_p99_ns, ...), lb_title, lb_ylabel,
# lb_logy (1 = log scale) and lb_yrange ("" = automatic), plus what lb_common.gp expects.
# One row of panels per group of locks (a family, cut so that no panel has more than 8 lines;
# lbcsv.awk mode=groups), one column per critical-section length (cs_ns), one line per lock (and
# permits) in the lock's colour everywhere, one y axis for all panels, each row's legend to its
# right (lb_grid.gp), error bars from the repetitions: the 95 % CI of the median where summary.csv has one (spread = ci95), else
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
# The groups of lines: one row of panels each (a family, cut so that no panel holds more than 8).
lb_groups = system(lb_awk("-v mode=groups"))
lb_ngroups = words(lb_groups)
lb_key_chars = strlen(lb_flag_title)
do for [i = 1:lb_nseries] {
	lb_l = strlen(lb_series_title(word(lb_names, i), word(lb_permits, i)))
	lb_key_chars = lb_l > lb_key_chars ? lb_l : lb_key_chars
}
load lb_here . "/lb_grid.gp"

set ylabel lb_ylabel
if (lb_maxthreads > 16) {
	set logscale x 2
	set xrange [0.8:lb_maxthreads * 1.25]
} else {
	set xtics 1
	set mxtics 1
	set xrange [0.5:lb_maxthreads + 0.5]
}
lb_oversub_from = lb_cpus + 0.5
if (lb_logy) { set logscale y; set format y "%g" } else { unset logscale y }
# One y axis for every panel of the plot, so that panels of different families compare by eye:
# the range of every drawn value and spread (positive ones on a log axis), with a margin.
if (lb_yrange ne "") {
	eval "set yrange " . lb_yrange
} else {
	lb_pos = lb_logy ? ">0" : "!="
	lb_ylo = system(lb_awk(sprintf("-v mode=min -v cols=%s_lo -v 'where=%s_lo%s'", lb_metric, lb_metric, lb_pos)))
	lb_yhi = system(lb_awk(sprintf("-v mode=max -v cols=%s_hi -v 'where=%s_hi%s'", lb_metric, lb_metric, lb_pos)))
	if (lb_ylo ne "" && lb_yhi ne "" && lb_yhi + 0 > lb_ylo + 0) {
		if (lb_logy) { set yrange [lb_ylo / 1.6 : lb_yhi * 1.6] } \
		else { set yrange [(lb_ylo > 0 ? 0 : lb_ylo * 1.1) : lb_yhi * 1.1] }
	}
}
lb_shade = lb_cpus > 0 && lb_cpus < lb_maxthreads
if (lb_shade) {
	set object 1 rect from first lb_oversub_from, graph 0 to graph 1, graph 1 behind \
		fc rgb "#f3e3e3" fs solid 1.0 noborder
}

# SVG only: each point carries its values as hypertext (lockbench report turns it into the
# point's <title>, a tooltip with no script), drawn over the line's own point.
lb_unit = lb_metric eq "mops" ? " Mops/s" : (lb_metric eq "fairness" ? " (Jain)" : " ns")
lb_hover_text(name, permits, cs, t, m, lo, hi) = sprintf("%s, %d thread%s, cs %s ns: %.3g%s (spread %.3g to %.3g)", \
	lb_series_title(name, permits), int(t), int(t) == 1 ? "" : "s", cs, m, lb_unit, lo, hi)
lb_hover_layer = (lb_user_term || lb_ext ne ".svg") ? "" : \
	", for [i = 1:gn] lb_series_pipe(gnames, gpermits, i, cs) using 1:2:(lb_hover_text(word(gnames, i), word(gpermits, i), cs, $1, $2, $3, $4)) " . \
	"with labels hypertext point pt lb_pt(word(gindex, i)) ps 1.1 lc rgb lb_color(word(gindex, i)) notitle"
lb_series_pipe(names, permits, i, cs) = lb_pipe(sprintf("-v sort=1 -v 'where=lock=%s;permits=%s;cs_ns=%s' -v cols=threads,%s_median,%s_lo,%s_hi", \
	word(names, i), word(permits, i), cs, lb_metric, lb_metric, lb_metric))

# The lock-cost points (cs 0 with ncs 0 only) are named as such; a user's own --cs 0 is not.
lb_panel_title(cs) = (cs + 0 == 0 && system(lb_awk(sprintf("-v mode=distinct -v cols=ncs_ns -v 'where=cs_ns=%s'", cs))) eq "0") ? \
	"cs 0 ns, ncs 0: lock cost" : sprintf("critical section %s ns", cs)
# A group's name as a reader reads it: fifo-queue.2 of 2 -> "fifo queue (2 of 2)".
lb_group_title(g) = strstrt(g, ".") == 0 ? g : sprintf("%s (part %s)", g[1:strstrt(g, ".") - 1], g[strstrt(g, ".") + 1:])
set multiplot title lb_title . \
	"\nrows: lock families; error bars: 95 % CI of the median where there are enough repetitions, else min-max;" . \
	"\na ring flags a point whose repetitions disagree, whose machine was noisy or busy, or with a failed repetition" . \
	(lb_shade ? sprintf("; shaded: oversubscribed, more threads than the %d CPUs", lb_cpus) : "")
unset key
do for [g = 1:lb_ngroups] {
	grp = word(lb_groups, g)
	gnames = system(lb_awk(sprintf("-v mode=series -v field=2 -v group=%s", grp)))
	gindex = system(lb_awk(sprintf("-v mode=series -v field=1 -v group=%s", grp)))
	gpermits = system(lb_awk(sprintf("-v mode=series -v field=3 -v group=%s", grp)))
	gn = words(gnames)
	gset = ""
	do for [i = 1:gn] { gset = gset . (i > 1 ? "|" : "") . word(gnames, i) }
	if (g == lb_ngroups) { set xlabel "threads" } else { unset xlabel }
	lb_row_rings = 0
	do for [p = 1:lb_npanels] {
		cs = word(lb_cs, p)
		eval lb_cell_margins(g, p)
		if (p == 1) { set ylabel lb_ylabel } else { unset ylabel }
		set title (p == 1 ? lb_group_title(grp) . ": " : "") . lb_panel_title(cs)
		# A panel with nothing drawable (every value unmeasured, or 0 on a log axis: a window too
		# short or too starved to time anything) says so; gnuplot would stop on it and take the
		# whole report down with it.
		lb_drawable = int(system(lb_awk(sprintf("-v mode=count -v 'where=cs_ns=%s;lock~%s;%s_median%s'", \
			cs, gset, lb_metric, lb_logy ? ">0" : "!="))))
		if (lb_drawable == 0) {
			if (lb_yrange eq "" && (lb_ylo eq "" || lb_yhi eq "")) { if (lb_logy) { set yrange [1:10] } else { set yrange [0:1] } }
			set label 9 "no measured values in this panel" at graph 0.5, graph 0.5 center tc rgb "#666666"
			plot NaN notitle
			unset label 9
			continue
		}
		# The ring layer only when something in this panel is flagged: an empty pipe draws a warning.
		lb_nring = int(system(lb_awk(sprintf("-v mode=count -v flagged=1 -v 'where=cs_ns=%s;lock~%s'", cs, gset))))
		lb_row_rings = lb_row_rings + lb_nring
		lb_rings = lb_nring == 0 ? "" : sprintf(", \"%s\" using 1:2 with points pt 6 ps 2.4 lw 1.5 lc rgb '#000000' notitle", \
			lb_pipe(sprintf("-v flagged=1 -v 'where=cs_ns=%s;lock~%s' -v cols=threads,%s_median", cs, gset, lb_metric)))
		eval "plot for [i = 1:gn] lb_series_pipe(gnames, gpermits, i, cs) using 1:2:3:4 with yerrorlines " . \
			"lw 2 ps 1.1 pt lb_pt(word(gindex, i)) dt lb_dt(word(gindex, i), word(gpermits, i)) " . \
			"lc rgb lb_color(word(gindex, i)) notitle" . lb_rings . lb_hover_layer
	}
	# The row's legend, to its right: its locks in their colour, point and dash, and the ring.
	unset object 1
	unset title
	unset xlabel
	unset ylabel
	unset border
	unset tics
	unset grid
	unset logscale
	set xrange [0:1]
	set yrange [0:1]
	eval lb_key_margins(g)
	set key at graph 0.02, graph 1 left top vertical Left reverse samplen 3 spacing 1.1 width 1 noopaque nobox
	lb_ring_key = lb_row_rings == 0 ? "" : ", NaN with points pt 6 ps 2.4 lw 1.5 lc rgb '#000000' title lb_flag_title"
	eval "plot for [i = 1:gn] NaN with linespoints lw 2 ps 1.1 pt lb_pt(word(gindex, i)) " . \
		"dt lb_dt(word(gindex, i), word(gpermits, i)) lc rgb lb_color(word(gindex, i)) " . \
		"title lb_series_title(word(gnames, i), word(gpermits, i))" . lb_ring_key
	unset key
	# What the legend unset, back for the next row.
	set border 3 lc rgb "#444444"
	set tics nomirror out
	set grid xtics ytics mxtics mytics lc rgb "#dddddd" lw 1, lc rgb "#eeeeee" lw 0.5
	set ylabel lb_ylabel
	if (lb_maxthreads > 16) { set xrange [0.8:lb_maxthreads * 1.25]; set logscale x 2 } \
	else { set xrange [0.5:lb_maxthreads + 0.5]; set xtics 1 }
	if (lb_logy) { set logscale y }
	if (lb_yrange ne "") { eval "set yrange " . lb_yrange } \
	else { if (lb_ylo ne "" && lb_yhi ne "" && lb_yhi + 0 > lb_ylo + 0) { \
		if (lb_logy) { set yrange [lb_ylo / 1.6 : lb_yhi * 1.6] } \
		else { set yrange [(lb_ylo > 0 ? 0 : lb_ylo * 1.1) : lb_yhi * 1.1] } } else { set autoscale y } }
	if (lb_shade) {
		set object 1 rect from first lb_oversub_from, graph 0 to graph 1, graph 1 behind \
			fc rgb "#f3e3e3" fs solid 1.0 noborder
	}
}
unset multiplot
