# latency_p99.gp — the 99th-percentile lock acquisition latency: the slow tail of lock() calls, vs threads, one line per lock.
#
# usage: gnuplot -c plots/latency_p99.gp DIR/summary.csv OUT.png|OUT.svg [CPUS]
#   Runnable by hand on any summary.csv of a lockbench result set (docs/SWEEP_FILES.md); the
#   terminal follows OUT's extension unless one was chosen with -e before -c. CPUS marks where
#   oversubscription starts (default: read from summary.csv's regime column).
if (ARGC < 2) {
	print "usage: gnuplot -c latency_p99.gp DIR/summary.csv OUT.png|OUT.svg [CPUS]"
	exit status 2
}
lb_user_term = GPVAL_TERM ne "unknown"
lb_data = ARG1
lb_out = ARG2
lb_self = ARG0
lb_here = system(sprintf("dirname '%s'", ARG0))
lb_metric = "lat_p99_ns"
lb_title = "p99 acquisition latency vs threads (lower is better; log scale)"
lb_ylabel = "p99 acquisition latency (ns)"
lb_logy = 1
lb_yrange = ""
load lb_here . "/lb_vs_threads.gp"
