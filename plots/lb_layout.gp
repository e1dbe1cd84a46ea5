# lb_layout.gp — canvas size and panel margins for lockbench's multi-panel plots (loaded by them;
# not run on its own). Expects lb_npanels, lb_title_lines (lines in the multiplot title), the
# series lists (lb_names, lb_permits, lb_nseries), lb_nflag and lb_flag_title. Sets the terminal
# and the output, and defines lb_panel_margins(p) (a command string to eval before panel p's plot)
# and lb_key_top (the top of the legend strip below the panels).
#
# The legend is a strip of its own below the panels, with as many rows as the locks need, so it
# never covers data however many locks there are. gnuplot gives every key column the width of the
# longest title and falls back to one column when they do not fit, so the column count follows
# the longest title (~8.5 px a character at 10 pt, plus ~9 characters of sample and gaps); an
# estimate on the safe side costs a row, one on the other side overflows the canvas.

lb_w = lb_npanels > 1 ? 520 * lb_npanels : 860
lb_title_len = lb_nflag > 0 ? strlen(lb_flag_title) : 0
do for [i = 1:lb_nseries] {
	lb_l = strlen(lb_series_title(word(lb_names, i), word(lb_permits, i)))
	lb_title_len = lb_l > lb_title_len ? lb_l : lb_title_len
}
lb_nkeys = lb_nseries + (lb_nflag > 0)
lb_keycols = int((lb_w - 40) / (8.5 * (lb_title_len + 9)))
lb_keycols = lb_keycols < 1 ? 1 : (lb_keycols > lb_nkeys ? lb_nkeys : lb_keycols)
lb_keyrows = (lb_nkeys + lb_keycols - 1) / lb_keycols

lb_h = 445 + 16 * lb_title_lines + 20 * lb_keyrows + 60
eval lb_terminal(lb_w, lb_h)
set output lb_out

lb_top = 1.0 - (45.0 + 16 * lb_title_lines) / lb_h
lb_bottom = (20.0 * lb_keyrows + 65) / lb_h
lb_key_top = (20.0 * lb_keyrows + 15) / lb_h
lb_left0 = 95.0 / lb_w
lb_panel_w = (1.0 - 20.0 / lb_w - lb_left0) / lb_npanels
lb_panel_margins(p) = sprintf("set lmargin at screen %g; set rmargin at screen %g; " . \
	"set tmargin at screen %g; set bmargin at screen %g", \
	lb_left0 + (p - 1) * lb_panel_w, lb_left0 + p * lb_panel_w - 70.0 / lb_w, lb_top, lb_bottom)
