# cpu.gp — CPU time per acquisition: all workers' CPU time in the window / acquisitions (spinning costs CPU, sleeping does not), vs threads, one line per lock.
#
# usage: gnuplot -c plots/cpu.gp DIR/summary.csv OUT.png|OUT.svg [CPUS]
#   Runnable by hand on any summary.csv of a lockbench result set (docs/SWEEP_FILES.md); the
#   terminal follows OUT's extension unless one was chosen with -e before -c. CPUS marks where
#   oversubscription starts (default: read from summary.csv's regime column).
if (ARGC < 2) {
	print "usage: gnuplot -c cpu.gp DIR/summary.csv OUT.png|OUT.svg [CPUS]"
	exit status 2
}
lb_user_term = GPVAL_TERM ne "unknown"
lb_data = ARG1
lb_out = ARG2
lb_self = ARG0
lb_here = system(sprintf("dirname '%s'", ARG0))
lb_metric = "cpu_ns_per_op"
lb_title = "CPU time per acquisition vs threads (lower is better; log scale)"
lb_ylabel = "CPU time per acquisition (ns, all threads)"
lb_logy = 1
lb_yrange = ""
load lb_here . "/lb_vs_threads.gp"
