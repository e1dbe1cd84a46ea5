# lb_key.gp — the legend strip under a multi-panel plot (loaded by lockbench's plot scripts; not
# run on its own): one entry per lock in its colour, point and dash, plus the ring that marks
# flagged points when there are any. Expects lb_names, lb_index, lb_permits, lb_nseries, lb_nflag,
# lb_flag_title, lb_keycols, lb_key_top, inside an active multiplot.
unset object 1
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
set key at screen 0.5, screen lb_key_top / 2 center center horizontal Left reverse maxcols lb_keycols maxrows lb_keyrows samplen 3 spacing 1.15 width 2 noopaque nobox
# The ring's entry only when something is flagged (an empty `for` would still take a slot).
lb_ring_key = lb_nflag == 0 ? "" : \
	", NaN with points pt 6 ps 2.4 lw 1.5 lc rgb '#000000' title lb_flag_title"
eval "plot for [i = 1:lb_nseries] NaN with linespoints lw 2 ps 1.1 pt lb_pt(word(lb_index, i)) " . \
	"dt lb_dt(word(lb_index, i), word(lb_permits, i)) lc rgb lb_color(word(lb_index, i)) " . \
	"title lb_series_title(word(lb_names, i), word(lb_permits, i))" . lb_ring_key
