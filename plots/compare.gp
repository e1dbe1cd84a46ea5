# compare.gp — two result sets overlaid: a metric vs threads, A solid and B dashed, one colour per
# lock (keyed by lock_index, as in every lockbench plot), one panel per critical-section length.
#
# usage: gnuplot -c plots/compare.gp A/summary.csv B/summary.csv OUT.png|OUT.svg [LABEL_A LABEL_B [METRIC]]
#   `lockbench compare A B` runs it; it is runnable by hand on the summary.csv of any two
#   lockbench result sets (docs/SWEEP_FILES.md). LABEL_A and LABEL_B name the sets in the title
#   (default A and B); METRIC is a summary.csv column prefix: mops (default), lat_p99_ns,
#   fairness, fairness_maxmin, cpu_ns_per_op. The terminal follows OUT's extension unless one was chosen with -e
#   before -c. Error bars are each set's spread (the 95 % CI of the median where summary.csv has
#   one, else min..max); B's points sit a little to the right so that both stay visible. The
#   oversubscribed region (threads > CPUs) is shaded, once per set when their CPU counts differ.
if (ARGC < 3) {
	print "usage: gnuplot -c compare.gp A/summary.csv B/summary.csv OUT.png|OUT.svg [LABEL_A LABEL_B [METRIC]]"
	exit status 2
}
lb_user_term = GPVAL_TERM ne "unknown"
cmp_a = ARG1
cmp_b = ARG2
lb_out = ARG3
lb_self = ARG0
lb_here = system(sprintf("dirname '%s'", ARG0))
cmp_label_a = ARGC >= 4 ? ARG4 : "A"
cmp_label_b = ARGC >= 5 ? ARG5 : "B"
lb_metric = ARGC >= 6 ? ARG6 : "mops"

lb_logy = 1
lb_yrange = ""
if (lb_metric eq "mops") {
	lb_title = "Throughput vs threads (higher is better; log scale)"
	lb_ylabel = "throughput (million acquisitions/s, all threads)"
} else { if (lb_metric eq "lat_p99_ns") {
	lb_title = "p99 acquisition latency vs threads (lower is better; log scale)"
	lb_ylabel = "p99 acquisition latency (ns)"
} else { if (lb_metric eq "cpu_ns_per_op") {
	lb_title = "CPU time per acquisition vs threads (lower is better; log scale)"
	lb_ylabel = "CPU time per acquisition (ns, all threads)"
} else { if (lb_metric eq "fairness") {
	lb_title = "Fairness vs threads (1 = every thread got the same share)"
	lb_ylabel = "Jain's fairness index over per-thread acquisitions"
	lb_logy = 0
	lb_yrange = "[0:1.05]"
} else { if (lb_metric eq "fairness_maxmin") {
	lb_title = "Fairness vs threads: max/min of the threads' acquisitions (lower is fairer; log scale)"
	lb_ylabel = "max/min per-thread acquisitions"
} else {
	print sprintf("%s: METRIC '%s' is not one of mops, lat_p99_ns, fairness, fairness_maxmin, cpu_ns_per_op", lb_self, lb_metric)
	exit status 2
} } } } }

# lb_common.gp checks lb_data (A here); B gets the same check below.
lb_data = cmp_a
load lb_here . "/lb_common.gp"
lb_data = cmp_b
lb_check = system(sprintf("test -r '%s' && echo yes", lb_data)) eq "yes" ? \
	system(lb_awk("-v mode=check") . " 2>&1") : "cannot be read"
if (lb_check ne "ok") {
	print sprintf("%s: %s: %s", lb_self, lb_data, lb_check)
	exit status 1
}

cmp_awk(file, args) = sprintf("awk -f '%s/lbcsv.awk' %s '%s'", lb_here, args, file)
cmp_series(file, field) = system(cmp_awk(file, sprintf("-v mode=series -v field=%d", field)))

# The lines to draw: A's locks (and permits), then those only B has, coloured by lock_index.
lb_names = cmp_series(cmp_a, 2)
lb_index = cmp_series(cmp_a, 1)
lb_permits = cmp_series(cmp_a, 3)
cmp_bnames = cmp_series(cmp_b, 2)
cmp_bindex = cmp_series(cmp_b, 1)
cmp_bpermits = cmp_series(cmp_b, 3)
do for [j = 1:words(cmp_bnames)] {
	cmp_found = 0
	do for [i = 1:words(lb_names)] {
		if (word(lb_names, i) eq word(cmp_bnames, j) && word(lb_permits, i) eq word(cmp_bpermits, j)) {
			cmp_found = 1
		}
	}
	if (!cmp_found) {
		lb_names = lb_names . " " . word(cmp_bnames, j)
		lb_index = lb_index . " " . word(cmp_bindex, j)
		lb_permits = lb_permits . " " . word(cmp_bpermits, j)
	}
}
lb_nseries = words(lb_names)
if (lb_nseries == 0) {
	print sprintf("%s: %s and %s: no data rows", lb_self, cmp_a, cmp_b)
	exit status 1
}

# One panel per critical-section length of either set.
lb_cs = system(cmp_awk(cmp_a, "-v mode=distinct -v cols=cs_ns"))
cmp_bcs = system(cmp_awk(cmp_b, "-v mode=distinct -v cols=cs_ns"))
do for [j = 1:words(cmp_bcs)] {
	cmp_found = 0
	do for [i = 1:words(lb_cs)] {
		if (word(lb_cs, i) + 0 == word(cmp_bcs, j) + 0) { cmp_found = 1 }
	}
	if (!cmp_found) { lb_cs = lb_cs . " " . word(cmp_bcs, j) }
}
lb_npanels = words(lb_cs)

cmp_max(file, where) = system(cmp_awk(file, "-v mode=max -v cols=threads" . where))
cmp_int(s) = s eq "" ? 0 : int(s)
cmp_maxa = cmp_int(cmp_max(cmp_a, ""))
cmp_maxb = cmp_int(cmp_max(cmp_b, ""))
lb_maxthreads = cmp_maxa > cmp_maxb ? cmp_maxa : cmp_maxb
# Each set's CPU count: the most threads its summary.csv does not call oversubscribed.
cmp_cpus_a = cmp_int(cmp_max(cmp_a, " -v 'where=regime!=oversubscribed'"))
cmp_cpus_b = cmp_int(cmp_max(cmp_b, " -v 'where=regime!=oversubscribed'"))

lb_nflag = 0
lb_flag_title = ""
lb_title_lines = 3
load lb_here . "/lb_layout.gp"

set xlabel "threads"
set ylabel lb_ylabel
if (lb_maxthreads > 16) {
	set logscale x 2
	set xrange [0.8:lb_maxthreads * 1.25]
	cmp_from(cpus) = cpus * 1.25
	cmp_dx(x) = x * 1.04
} else {
	set xtics 1
	set mxtics 1
	set xrange [0.5:lb_maxthreads + 0.5]
	cmp_from(cpus) = cpus + 0.5
	cmp_dx(x) = x + 0.08
}
if (lb_logy) { set logscale y; set format y "%g" } else { unset logscale y }
if (lb_yrange ne "") { eval "set yrange " . lb_yrange }
# Shade threads > CPUs of each set; where both shades lie the colour is darker. The explanation
# goes in the axis label, where it cannot cover a line.
cmp_shade(n, cpus) = sprintf("set object %d rect from first %g, graph 0 to graph 1, graph 1 behind fc rgb '#e8c8c8' fs transparent solid 0.5 noborder", n, cmp_from(cpus))
if (cmp_cpus_a > 0 && cmp_cpus_a < lb_maxthreads) { eval cmp_shade(1, cmp_cpus_a) }
if (cmp_cpus_b > 0 && cmp_cpus_b < lb_maxthreads && cmp_cpus_b != cmp_cpus_a) { eval cmp_shade(2, cmp_cpus_b) }
if (cmp_cpus_a == cmp_cpus_b && cmp_cpus_a > 0 && cmp_cpus_a < lb_maxthreads) {
	set xlabel sprintf("threads  (shaded: oversubscribed, more threads than the %d CPUs)", cmp_cpus_a)
} else { if (cmp_cpus_a != cmp_cpus_b) {
	set xlabel sprintf("threads  (shaded: oversubscribed; A has %d CPUs, B has %d)", cmp_cpus_a, cmp_cpus_b)
} }

cmp_pipe(file, i, cs) = "< " . cmp_awk(file, sprintf("-v sort=1 -v 'where=lock=%s;permits=%s;cs_ns=%s' -v cols=threads,%s_median,%s_lo,%s_hi", \
	word(lb_names, i), word(lb_permits, i), cs, lb_metric, lb_metric, lb_metric))
# A line's dash says which set it is from, so the other plots' dash patterns (for lock_index 20
# and up, and for permits > 1) become point shapes here: a permits > 1 series gets the other
# half of lb_pt's list (open where the lock's own is filled, and the reverse).
cmp_lc(i) = lb_color(word(lb_index, i))
cmp_pt(i) = lb_pt(word(lb_index, i) + (word(lb_permits, i) eq "1" ? 0 : 6))

set multiplot title lb_title . \
	sprintf("\nsolid: A = %s      dashed: B = %s", cmp_label_a, cmp_label_b) . \
	"\nerror bars: 95 % CI of the median where there are enough repetitions, else min-max"
unset key
do for [p = 1:lb_npanels] {
	cs = word(lb_cs, p)
	eval lb_panel_margins(p)
	set title sprintf("critical section %s ns", cs)
	# A lock missing from one set at this cs_ns gives an empty series; gnuplot skips it.
	plot for [i = 1:lb_nseries] cmp_pipe(cmp_a, i, cs) using 1:2 with lines lw 2 dt 1 lc rgb cmp_lc(i) notitle, \
		for [i = 1:lb_nseries] cmp_pipe(cmp_a, i, cs) using 1:2:3:4 with yerrorbars lw 1.5 ps 1.1 \
			pt cmp_pt(i) lc rgb cmp_lc(i) notitle, \
		for [i = 1:lb_nseries] cmp_pipe(cmp_b, i, cs) using (cmp_dx($1)):2 with lines lw 2 dt (8, 5) \
			lc rgb cmp_lc(i) notitle, \
		for [i = 1:lb_nseries] cmp_pipe(cmp_b, i, cs) using (cmp_dx($1)):2:3:4 with yerrorbars lw 1 ps 1.1 \
			pt cmp_pt(i) lc rgb cmp_lc(i) notitle
}
# The legend strip under the panels (laid out by lb_layout.gp), with this plot's point shapes.
unset object 1
unset object 2
unset title
unset xlabel
unset ylabel
unset logscale
unset grid
unset border
unset tics
set lmargin at screen 0.01
set rmargin at screen 0.99
set bmargin at screen 0.005
set tmargin at screen lb_key_top
set xrange [0:1]
set yrange [0:1]
set key at screen 0.5, screen lb_key_top / 2 center center horizontal Left reverse maxcols lb_keycols samplen 3 spacing 1.15 width 2 noopaque nobox
plot for [i = 1:lb_nseries] NaN with linespoints lw 2 ps 1.1 pt cmp_pt(i) lc rgb cmp_lc(i) \
	title lb_series_title(word(lb_names, i), word(lb_permits, i))
unset multiplot
