# lb_common.gp — shared by lockbench's plot scripts (loaded by them; not run on its own).
#
# Expects: lb_here (this folder), lb_data (the CSV), lb_out (the output file), lb_user_term (1 when
# the caller chose a terminal with -e before the script), optionally lb_allow_missing. Provides: lb_awk() to read the CSV by
# column name through lbcsv.awk, the check that the CSV is a lockbench result file (v1 or v2), the lock
# colours keyed by lock_index (the same lock has the same colour, point and dash in every plot),
# and lb_terminal(), which picks the terminal from the output name's extension.

lb_awk(args) = sprintf("awk -f '%s/lbcsv.awk' %s '%s'", lb_here, args, lb_data)
lb_pipe(args) = "< " . lb_awk(args)

# A script that can draw "unavailable" (c2c) sets lb_allow_missing = 1: a missing or empty file
# then sets lb_missing instead of stopping. A file of another kind or version always stops.
if (!exists("lb_allow_missing")) { lb_allow_missing = 0 }
lb_missing = 0
lb_readable = system(sprintf("test -r '%s' && echo yes", lb_data)) eq "yes"
lb_check = lb_readable ? system(lb_awk("-v mode=check") . " 2>&1") : "cannot be read"
if (lb_check ne "ok") {
	if (lb_allow_missing && (lb_check eq "cannot be read" || lb_check eq "empty file")) {
		lb_missing = 1
	} else {
		print sprintf("%s: %s: %s", lb_self, lb_data, lb_check)
		exit status 1
	}
}

# 20 colours that stay apart on white (no pale tints); lock_index 20 and up reuse them with
# another dash pattern, and the point shape changes every index, so 20+ locks stay readable.
lb_colors = "#1f77b4 #d62728 #2ca02c #ff7f0e #9467bd #8c564b #e377c2 #17becf #bcbd22 #7f7f7f " . \
	"#393b79 #ad494a #637939 #e6550d #7b4173 #843c39 #3182bd #8ca252 #d6616b #000000"
lb_color(i) = word(lb_colors, int(i) % 20 + 1)
lb_pt(i) = int(word("7 5 9 11 13 15 4 6 8 10 12 14", int(i) % 12 + 1))
# A counting-semaphore sweep with more permits keeps its lock's colour, dashed.
lb_dt(i, permits) = (int(i) >= 20 ? 2 : 1) + (permits eq "1" ? 0 : 2)

# A series' legend title: the lock, and its permits when it is a counting semaphore sweep.
lb_series_title(name, permits) = permits eq "1" ? name : sprintf("%s (%s permits)", name, permits)

lb_ext = strlen(lb_out) > 4 ? lb_out[strlen(lb_out) - 3:] : ""
if (!lb_user_term && lb_ext ne ".png" && lb_ext ne ".svg") {
	print sprintf("%s: %s: the output name must end in .png or .svg (or choose a terminal with -e before -c)", lb_self, lb_out)
	exit status 2
}
lb_terminal(w, h) = lb_user_term ? "" : \
	(lb_ext eq ".png" ? sprintf("set terminal pngcairo size %d,%d font 'DejaVu Sans,10' noenhanced", w, h) : \
	 sprintf("set terminal svg size %d,%d font 'DejaVu Sans,10' noenhanced background '#ffffff'", w, h))

set datafile missing "?"
set grid xtics ytics mxtics mytics lc rgb "#dddddd" lw 1, lc rgb "#eeeeee" lw 0.5
set border 3 lc rgb "#444444"
set tics nomirror out
