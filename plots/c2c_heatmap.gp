# c2c_heatmap.gp — core-to-core cache-line round trip (median ns) for every pair of CPUs, as a
# heatmap; says "unavailable" when c2c.csv is missing or has no rows (one CPU, or not measured).
#
# usage: gnuplot -c plots/c2c_heatmap.gp DIR/c2c.csv OUT.png|OUT.svg
#   Runnable by hand on any c2c.csv of a lockbench result set (docs/SWEEP_FILES.md); the terminal
#   follows OUT's extension unless one was chosen with -e before -c.
if (ARGC < 2) {
	print "usage: gnuplot -c c2c_heatmap.gp DIR/c2c.csv OUT.png|OUT.svg"
	exit status 2
}
lb_user_term = GPVAL_TERM ne "unknown"
lb_data = ARG1
lb_out = ARG2
lb_self = ARG0
lb_here = system(sprintf("dirname '%s'", ARG0))
lb_allow_missing = 1
load lb_here . "/lb_common.gp"

lb_rows = lb_missing ? 0 : int(system(lb_awk("-v mode=count")))
lb_a = lb_rows ? int(system(lb_awk("-v mode=max -v cols=cpu_a"))) : 0
lb_b = lb_rows ? int(system(lb_awk("-v mode=max -v cols=cpu_b"))) : 0
lb_maxcpu = lb_a > lb_b ? lb_a : lb_b
lb_side = lb_maxcpu < 8 ? 560 : (lb_maxcpu < 48 ? 560 + 12 * (lb_maxcpu - 8) : 1040)
eval lb_terminal(lb_side + 120, lb_side)
set output lb_out

set title "Core-to-core round trip: one cache line bounced between two CPUs (median, ns)"
unset grid
if (lb_rows == 0) {
	unset border
	unset tics
	unset key
	set label 1 "core-to-core data unavailable" at screen 0.5, screen 0.55 center font ",14"
	set label 2 (lb_missing ? "(no c2c.csv in this result set)" : "(c2c.csv has no rows: one CPU, or not measured)") \
		at screen 0.5, screen 0.47 center tc rgb "#666666"
	plot [0:1][0:1] NaN notitle
} else {
	set border 15
	set xlabel "CPU a"
	set ylabel "CPU b"
	set size ratio -1
	set xrange [-0.5:lb_maxcpu + 0.5]
	set yrange [-0.5:lb_maxcpu + 0.5]
	set xtics 1 out nomirror
	set ytics 1 out nomirror
	if (lb_maxcpu >= 16) { set xtics 4; set ytics 4 }
	# From 0, so that a few ns between pairs do not look like a different machine.
	set cbrange [0:*]
	set cblabel "round trip median (ns)"
	set palette defined (0 "#fde725", 1 "#5ec962", 2 "#21918c", 3 "#3b528b", 4 "#440154")
	set style fill solid 1.0 noborder
	unset key
	set style textbox opaque fc rgb "#ffffff" noborder margins 2, 1
	lb_rows_pipe = lb_pipe("-v cols=cpu_a,cpu_b,rtt_ns_median")
	# Each pair is drawn as measured (x = cpu_a, y = cpu_b); values are printed when they fit.
	plot lb_rows_pipe using 1:2:(0.5):(0.5):3 with boxxyerror fc palette notitle, \
		for [k = 1:(lb_maxcpu < 12)] lb_rows_pipe using 1:2:(sprintf("%.0f ns", $3)) \
		with labels boxed tc rgb "#000000" notitle
}
