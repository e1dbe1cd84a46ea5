# lb_nodata.gp — a plot that says why there is nothing to draw (loaded by a script that found no
# data it can draw, then `exit`; not run on its own). A report is still whole when one measurement
# could not be made — a window too short or too starved to time any acquisition — and the
# picture says so instead of gnuplot stopping the report.
#
# Expects lb_nodata_title, lb_nodata_why, plus what lb_common.gp expects.
eval lb_terminal(800, 420)
set output lb_out
unset border
unset tics
unset key
unset grid
set title lb_nodata_title
set label 1 "no data to draw" at screen 0.5, screen 0.55 center font ",14"
set label 2 lb_nodata_why at screen 0.5, screen 0.47 center tc rgb "#666666"
plot [0:1][0:1] NaN notitle
unset output
