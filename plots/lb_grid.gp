# lb_grid.gp — canvas and panel margins for the "METRIC vs threads" plots, which draw one row of
# panels per group of locks (a family, at most 8 lines; lbcsv.awk mode=groups) and one column per
# critical section, with each row's legend to its right (loaded by lb_vs_threads.gp; not run on
# its own). Expects lb_npanels, lb_ngroups, lb_title_lines and lb_key_chars (the longest legend
# title, in characters). Sets the terminal and the output, and defines lb_cell_margins(g, p), a
# command string to eval before the panel of group g, column p, and lb_key_margins(g), the same
# for row g's legend.
#
# Sizes are in pixels: a panel 440 wide and 270 tall (room for its title and tick labels), the
# legend column as wide as its longest title (~8.5 px a character at 10 pt plus the sample).

lb_pw = 440
lb_rh = 270
lb_kw = 70 + 8.5 * (lb_key_chars > 12 ? lb_key_chars : 12)
lb_top_px = 45 + 16 * lb_title_lines
lb_w = int(95 + lb_npanels * lb_pw + lb_kw)
lb_h = int(lb_top_px + lb_ngroups * lb_rh + 45)
eval lb_terminal(lb_w, lb_h)
set output lb_out

# Row g spans [lb_top_px + (g-1) lb_rh, lb_top_px + g lb_rh] from the top: 28 px for the panel
# title, then the plot, then 40 px for the tick labels and the gap to the next row.
lb_row_top(g) = 1.0 - (lb_top_px + (g - 1) * lb_rh + 28.0) / lb_h
lb_row_bottom(g) = 1.0 - (lb_top_px + g * lb_rh - 40.0) / lb_h
lb_cell_margins(g, p) = sprintf("set lmargin at screen %g; set rmargin at screen %g; " . \
	"set tmargin at screen %g; set bmargin at screen %g", \
	(95.0 + (p - 1) * lb_pw) / lb_w, (95.0 + p * lb_pw - 55.0) / lb_w, lb_row_top(g), lb_row_bottom(g))
lb_key_left = (95.0 + lb_npanels * lb_pw - 40.0) / lb_w
lb_key_margins(g) = sprintf("set lmargin at screen %g; set rmargin at screen 0.995; " . \
	"set tmargin at screen %g; set bmargin at screen %g", lb_key_left, lb_row_top(g), lb_row_bottom(g))
