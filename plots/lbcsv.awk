# lbcsv.awk — read a lockbench result CSV by column name, for the gnuplot scripts.
#
# A result CSV (docs/SWEEP_FILES.md), format v2, starts with its header row, whose last column
# `format_version` holds 2 on every row; a v1 file has a line `# lockbench-results v1 KIND` before
# the header. Fields may be quoted ("a, b") and unmeasured fields are empty. Portable awk
# (Debian's mawk as well as gawk): no FPAT, no gensub, no asort.
#
#   awk -f lbcsv.awk [-v VAR=VALUE]... FILE
#     mode=rows      (default) print `cols`, space-separated, one line per kept row; an empty
#                    field prints as `?` (gnuplot: set datafile missing "?")
#     mode=series    the distinct lines to draw (lock_index:lock:permits:group), ordered by
#                    lock_index; with field=1|2|3|4 only that part, space-separated on one line;
#                    with group=G only the lines of group G
#     mode=groups    the groups of lines, one panel row each, in order: each lock family (the
#                    `family` column; `all` in a set without it), cut into near-equal parts of
#                    at most 8 lines (`fifo-queue.1`, `fifo-queue.2`) so no panel holds more
#     mode=min       the smallest value of the first of `cols` (empty when no row is kept)
#     mode=distinct  the distinct values of the first of `cols`, ascending, on one line
#     mode=max       the largest value of the first of `cols` (empty when no row is kept)
#     mode=count     how many rows are kept
#     mode=check     `ok`, or the reason the file is not a readable lockbench result file (v1 or v2)
#     mode=has       `1` when the header has the first of `cols`, else `0` (optional columns)
#     cols=a,b       columns to print; NAME_lo / NAME_hi are the spread to draw: NAME_ci_lo/hi
#                    when the row's spread is ci95 and they are present, else NAME_min / NAME_max
#     where=a=x;b!=y keep rows where every condition holds (numeric comparison when both sides
#                    are numbers, so cs_ns=100 matches 1e2); a>x holds only for a number above x,
#                    b!= keeps rows where b was measured (is not empty), and a~x|y|z rows where a
#                    is one of the |-separated values
#     flagged=1      keep only rows marked disagree=1, noisy=1 or busy=1 (when the column is
#                    there) or whose status is not ok
#     sort=1         sort the printed rows numerically on their first column
# Errors go to stderr as `lbcsv.awk: FILE:LINE: why` and exit 1.

function csvsplit(line, f,    n, i, c, inq, cur, len) {
	if (index(line, "\"") == 0)
		return split(line, f, ",")
	n = 0; cur = ""; inq = 0; len = length(line)
	for (i = 1; i <= len; i++) {
		c = substr(line, i, 1)
		if (inq) {
			if (c == "\"") {
				if (substr(line, i + 1, 1) == "\"") { cur = cur "\""; i++ }
				else inq = 0
			} else cur = cur c
		} else if (c == "\"") inq = 1
		else if (c == ",") { f[++n] = cur; cur = "" }
		else cur = cur c
	}
	f[++n] = cur
	return n
}

function isnum(s) {
	return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/
}

function fail(why) {
	if (mode == "check") { print why; checked = 1; exit 0 }
	printf "lbcsv.awk: %s:%d: %s\n", FILENAME, FNR, why > "/dev/stderr"
	failed = 1
	exit 1
}

function col(name,    i) {
	if (!(name in colidx))
		fail("no column '" name "' in the header")
	i = colidx[name]
	return i in f ? f[i] : ""
}

# The spread to draw for NAME: the CI of the median when the row has one, else min..max.
function value(name,    base, end, v) {
	if (name ~ /_lo$/ || name ~ /_hi$/) {
		base = substr(name, 1, length(name) - 3)
		end = substr(name, length(name) - 1)
		if (!(name in colidx)) {
			if ("spread" in colidx && col("spread") == "ci95" && (base "_ci_" end) in colidx) {
				v = col(base "_ci_" end)
				if (v != "")
					return v
			}
			return col(base (end == "lo" ? "_min" : "_max"))
		}
	}
	return col(name)
}

function keep(    i, c, op, k, v, got) {
	for (i = 1; i <= ncond; i++) {
		c = cond[i]
		op = index(c, "!=") ? "!=" : (index(c, ">") ? ">" : (index(c, "~") ? "~" : "="))
		k = substr(c, 1, index(c, op) - 1)
		v = substr(c, index(c, op) + length(op))
		got = value(k)
		if (op == "~") {
			if (index("|" v "|", "|" got "|") == 0)
				return 0
		} else if (op == ">") {
			if (!isnum(got) || !isnum(v) || got + 0 <= v + 0)
				return 0
		} else if (isnum(got) && isnum(v)) {
			if ((op == "=") != (got + 0 == v + 0))
				return 0
		} else if ((op == "=") != (got == v))
			return 0
	}
	if (flagged && !(col("disagree") == "1" || col("noisy") == "1" || col("status") != "ok" ||
			 (("busy" in colidx) && col("busy") == "1")))
		return 0
	return 1
}

# Insertion sort of out[1..n] (and fam[], when set) on the numeric value of key[]: the inputs are
# a few hundred rows.
function sortrows(n,    i, j, t, tk, tf) {
	for (i = 2; i <= n; i++) {
		t = out[i]; tk = key[i]; tf = fam[i]
		for (j = i - 1; j >= 1 && key[j] > tk; j--) {
			out[j + 1] = out[j]; key[j + 1] = key[j]; fam[j + 1] = fam[j]
		}
		out[j + 1] = t; key[j + 1] = tk; fam[j + 1] = tf
	}
}

# Each line's group (grp[i]), and the groups in order (groups[1..ngroups]): families in the order
# of their first lock, each cut into ceil(n / GROUP_MAX) parts of near-equal size.
function assign_groups(n,    i, f, nf, order, cnt, rank, parts) {
	nf = 0
	for (i = 1; i <= n; i++) {
		f = fam[i]
		if (!(f in cnt)) { cnt[f] = 0; order[++nf] = f }
		cnt[f]++
	}
	for (i = 1; i <= n; i++) {
		f = fam[i]
		parts = int((cnt[f] + GROUP_MAX - 1) / GROUP_MAX)
		grp[i] = parts == 1 ? f : f "." (int(rank[f]++ * parts / cnt[f]) + 1)
	}
	ngroups = 0
	for (i = 1; i <= nf; i++) {
		parts = int((cnt[order[i]] + GROUP_MAX - 1) / GROUP_MAX)
		if (parts == 1)
			groups[++ngroups] = order[i]
		else
			for (k = 1; k <= parts; k++)
				groups[++ngroups] = order[i] "." k
	}
}

BEGIN {
	if (mode == "") mode = "rows"
	GROUP_MAX = 8
	ncol = split(cols, want, ",")
	ncond = where == "" ? 0 : split(where, cond, ";")
	header = 0; nout = 0
}

{ sub(/\r$/, "") }

FNR == 1 && /^#/ {
	if ($0 !~ /^# lockbench-results v[0-9]+/)
		fail("not a lockbench result file (its first line should be its header row)")
	if ($0 !~ /^# lockbench-results v1( |$)/)
		fail("format '" substr($0, 3) "' is not a version these scripts read (v1, v2)")
	v1 = 1
	next
}

/^#/ || /^[ \t]*$/ { next }

!header {
	n = csvsplit($0, h)
	for (i = 1; i <= n; i++) colidx[h[i]] = i
	header = 1
	if (!v1 && !("format_version" in colidx))
		fail("not a lockbench result file (the header has no format_version column)")
	next
}

# Every v2 row says its version: a row of another one is refused, not misread.
!v1 {
	delete f
	csvsplit($0, f)
	if (col("format_version") != "2")
		fail("format_version '" col("format_version") "' is not a version these scripts read (v1, v2)")
}

mode == "check" { next }
mode == "has" { exit 0 }

{
	delete f
	csvsplit($0, f)
	if (!keep())
		next
	if (mode == "count") { nout++; next }
	if (mode == "series" || mode == "groups") {
		k = col("lock_index") ":" col("lock") ":" col("permits")
		if (!(k in seen)) {
			seen[k] = 1; nout++
			out[nout] = k; key[nout] = col("lock_index") * 1000 + col("permits")
			fam[nout] = ("family" in colidx) ? col("family") : "all"
			if (fam[nout] == "") fam[nout] = "other"
			gsub(/ /, "-", fam[nout])
		}
		next
	}
	if (mode == "distinct" || mode == "max" || mode == "min") {
		v = value(want[1])
		if (v == "" || (v in seen)) next
		seen[v] = 1; nout++
		out[nout] = v; key[nout] = v + 0
		next
	}
	line = ""
	for (i = 1; i <= ncol; i++) {
		v = value(want[i])
		if (v == "") v = "?"
		line = line (i > 1 ? " " : "") v
	}
	nout++
	out[nout] = line; key[nout] = (ncol ? value(want[1]) : 0) + 0
}

END {
	if (failed) exit 1
	if (checked) exit 0
	if (mode == "has") { print ((want[1] in colidx) ? 1 : 0); exit 0 }
	if (mode == "check") {
		if (NR == 0) print "empty file"
		else if (!header) print "no header row"
		else print "ok"
		exit 0
	}
	if (mode == "count") { print nout; exit 0 }
	if (mode == "series" || mode == "groups" || mode == "distinct" || mode == "max" ||
	    mode == "min" || sort)
		sortrows(nout)
	if (mode == "max") { if (nout) print out[nout]; exit 0 }
	if (mode == "min") { if (nout) print out[1]; exit 0 }
	if (mode == "series" || mode == "groups")
		assign_groups(nout)
	if (mode == "groups") {
		line = ""
		for (i = 1; i <= ngroups; i++) line = line (i > 1 ? " " : "") groups[i]
		print line
		exit 0
	}
	if (mode == "series") {
		m = 0
		for (i = 1; i <= nout; i++) {
			if (group != "" && grp[i] != group) continue
			sel[++m] = out[i] ":" grp[i]
		}
		if (field) {
			line = ""
			for (i = 1; i <= m; i++) {
				split(sel[i], p, ":")
				line = line (i > 1 ? " " : "") p[field]
			}
			print line
		} else
			for (i = 1; i <= m; i++) print sel[i]
		exit 0
	}
	if (mode == "distinct") {
		line = ""
		for (i = 1; i <= nout; i++) line = line (i > 1 ? " " : "") out[i]
		print line
		exit 0
	}
	for (i = 1; i <= nout; i++) print out[i]
}
