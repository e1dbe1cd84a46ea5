# fairness.gp — fairness vs threads, one line per lock: max/min of the threads' acquisition counts
# (1 = all equal), or for sets without it Jain's index (1 = all equal, 1/N = one thread got all).
#
# usage: gnuplot -c plots/fairness.gp DIR/summary.csv OUT.png|OUT.svg [CPUS]
#   Runnable by hand on any summary.csv of a lockbench result set (docs/SWEEP_FILES.md); the
#   terminal follows OUT's extension unless one was chosen with -e before -c. CPUS marks where
#   oversubscription starts (default: read from summary.csv's regime column).
if (ARGC < 2) {
	print "usage: gnuplot -c fairness.gp DIR/summary.csv OUT.png|OUT.svg [CPUS]"
	exit status 2
}
lb_user_term = GPVAL_TERM ne "unknown"
lb_data = ARG1
lb_out = ARG2
lb_self = ARG0
lb_here = system(sprintf("dirname '%s'", ARG0))
# max/min of the threads' operation counts where summary.csv has it (it tells a 2x gap apart,
# which Jain's index squeezes near 1); sets written before it get Jain's index.
# Every row must have it: a panel with none would leave gnuplot nothing to draw.
lb_mm_awk(args) = sprintf("awk -f '%s/lbcsv.awk' %s '%s'", lb_here, args, lb_data)
lb_has_maxmin = system(lb_mm_awk("-v mode=has -v cols=fairness_maxmin_median")) eq "1"
if (lb_has_maxmin) {
	lb_has_maxmin = system(lb_mm_awk("-v mode=count -v 'where=fairness_maxmin_median!='")) eq \
		system(lb_mm_awk("-v mode=count"))
}
if (lb_has_maxmin) {
	lb_metric = "fairness_maxmin"
	lb_title = "Fairness vs threads: max/min of the threads' acquisitions (1 = all equal)"
	lb_ylabel = "max/min per-thread acquisitions (log scale; lower is fairer)"
	lb_logy = 1
	lb_yrange = ""
} else {
	lb_metric = "fairness"
	lb_title = "Fairness vs threads (1 = every thread got the same share)"
	lb_ylabel = "Jain's fairness index over per-thread acquisitions"
	lb_logy = 0
	lb_yrange = "[0:1.05]"
}
load lb_here . "/lb_vs_threads.gp"
