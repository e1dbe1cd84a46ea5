#!/usr/bin/env bash
# report_build.sh — `lockbench report` on copies of the fixture result set: the documents and the
# plots are written (self-contained HTML with the images embedded, the "what wins where" table
# with the fixture's planted winner, ties and flags), and every bad result set is refused with
# one line naming the file (and line) and the right exit code: gnuplot missing, another format
# version, a truncated or garbled CSV, a garbage meta.json, a folder that is not a result set.
#   tests/report_build.sh LOCKBENCH FIXTURE_DIR SCRIPTS_DIR WORK_DIR
set -u
lockbench=$1 fixture=$2 scripts=$3 work=$4
export LOCKBENCH_PLOTS=$scripts
source "$(dirname "$0")/../common/lib.sh"
ok() { check "$@"; } # DESCRIPTION COMMAND...: one check

fresh() { # NAME: a new copy of the fixture under $work
	rm -rf "${work:?}/$1"
	mkdir -p "$work"
	cp -r "$fixture" "$work/$1"
	chmod -R u+w "$work/$1"
	echo "$work/$1"
}

# run DIR [ENV...]: lockbench report DIR; sets rc, out, errout.
run() {
	local dir=$1
	shift
	errout=$(env "$@" "$lockbench" report "$dir" 2>&1 >/dev/null)
	rc=$?
}

one_line() { [[ -n $errout && $(printf '%s\n' "$errout" | wc -l) -eq 1 ]]; }
has() { grep -qF -- "$2" "$1"; }
says() { [[ $errout == *"$1"* ]]; }
no_partial() { ! compgen -G "$1/.*.tmp" >/dev/null && ! compgen -G "$1/.partial-*" >/dev/null; }
# The plots are inline SVG (hover values), or embedded PNG where a plot has no SVG.
images() { echo $(($(grep -o '<svg class="plot"' "$1" | wc -l) + $(grep -o '<img [^>]*src="data:image/png;base64,[A-Za-z0-9+/=]\{100,\}"' "$1" | wc -l))); }
at_least_6_images() { (($(images "$1") >= 6)); }

echo "report on the fixture:"
d=$(fresh good)
run "$d"
ok "exit 0 (got $rc: $errout)" test "$rc" = 0
ok "report.html and report.md written" test -s "$d/report.html" -a -s "$d/report.md"
for p in throughput latency_p50 latency_p99 fairness cpu latency_cdf latency_percentiles c2c_heatmap; do
	ok "$p.png and $p.svg" test -s "$d/$p.png" -a -s "$d/$p.svg"
done
ok "no temporary files left" no_partial "$d"
ok "report.html embeds $(images "$d/report.html") plots (6 or more)" at_least_6_images "$d/report.html"
ok "every point of the plots against threads says its values on hover (an SVG <title>)" \
	has "$d/report.html" '<g class="pt"><title>tas, 2 threads, cs 1000 ns: 0.988 Mops/s (spread'
ok "… with no script: the report stays one self-contained file" \
	bash -c "! grep -qiE '<script|onmouse|onclick|onload=' '$d/report.html'"
ok "… and no id twice among the inline plots" \
	bash -c "[[ -z \$(grep -oE \"id=['\\\"][^'\\\"]*\" '$d/report.html' | sort | uniq -d) ]]"
ok "report.html loads nothing from the network" bash -c "! grep -Eq '(src|href)=\"(https?:)?//' '$d/report.html'"
ok "report.html opens with the machine" has "$d/report.html" '<h3 id="machine">Machine</h3>'
ok "report.html has the parameters" has "$d/report.html" 'cdf_threads'
ok "report.html has the winner table" has "$d/report.html" '<th>best throughput</th><th>best p99 latency</th><th>fairest</th><th>cheapest CPU per acquisition</th>'
ok "report.md has the winner table" has "$d/report.md" '| critical section | regime | best throughput | best p99 latency | fairest | cheapest CPU per acquisition |'
ok "uncontended, cs 100 ns: tas wins throughput clearly (CI)" has "$d/report.md" '| 100 ns | uncontended: 1 thread | **tas** 45.9 Mops/s (CI 42.8–46.7)'
ok "contended, cs 100 ns: mcs and ticket tie" has "$d/report.md" '| contended: 2 threads on 2 CPUs | tie of 2: mcs 15 Mops/s (CI 14.2–15.6), ticket 14 Mops/s (CI 13.8–14.6)'
ok "fairness at 1 thread: all tie" has "$d/report.md" 'tie: all 6 locks (all 1.000)'
ok "the stuck point is left out and said so" has "$d/report.md" 'left out: ticket (stuck)'
ok "spreads are named: min–max where there is no CI" has "$d/report.md" '(min–max 122–135)'
ok "the noise flags are noted" has "$d/report.md" '3 of 48 points are flagged'
ok "flagged rows are highlighted" grep -qE '<tr id="pt-[0-9]+" class="flag"><td>sem</td>' "$d/report.html"
ok "every row of all points is a link target, and the summary's figures link to them" bash -c "grep -q '<a href=\"#pt-[0-9]*\">' '$d/report.html' && grep -q '<tr id=\"pt-' '$d/report.html'"
ok "report.md links the plots" has "$d/report.md" '![Throughput vs threads](throughput.png)'
# The answer first: the summary is the first section, the machine and parameters come after
# the plots, just before the table of all points.
sections=$(grep -E '^## ' "$d/report.md" | tr '\n' '|')
ok "report.md opens with the summary ($sections)" test "${sections%%|*}" = "## Summary"
ok "… and the machine and parameters come last, before all points" \
	bash -c "[[ '$sections' == *'## Plots|'*'## Machine and parameters|'*'## All points|' ]]"
ok "every link of the summary has its row" bash -c "
	for id in \$(grep -o 'href=\"#pt-[0-9]*\"' '$d/report.html' | sed 's/.*#//; s/\"//'); do
		grep -q \"<tr id=\\\"\$id\\\"\" '$d/report.html' || exit 1
	done"
summary_out=$("$lockbench" report --summary "$d" 2>&1)
ok "report --summary prints the summary on the terminal" bash -c "[[ \$1 == *'## Summary'* && \$1 == *'[summary.csv:'* ]]" _ "$summary_out"
ok "… the same summary that opens report.md" bash -c "grep -qF -- \"\$(sed -n 3p <<<\"\$1\")\" '$d/report.md'" _ "$summary_out"
errout=$("$lockbench" report --summary "$work/no-such-set" 2>&1 >/dev/null); rc=$?
ok "report --summary on a missing set: exit 2, one line ($errout)" bash -c "(( $rc == 2 )) && [[ \$(wc -l <<<\"\$1\") == 1 ]]" _ "$errout"
ok "a complete set has no incomplete note" bash -c "! grep -q 'incomplete' '$d/report.md'"
# The fixture predates the lock-cost points and the measuring side's columns: it still reports.
ok "an old set: lock cost not measured, said so" has "$d/report.md" 'Not measured for this result set (no points at cs 0 and ncs 0'
ok "an old set: the timer resolution is unavailable" has "$d/report.md" 'Timer resolution: unavailable'
ok "an old set: max/min and cv shown as unavailable" has "$d/report.md" '| 1.000, –, – |'
ok "the percentile plot is in the report" has "$d/report.md" '![Latency by percentile](latency_percentiles.png)'
# The image check must be able to fail: report.md has links, not embedded images.
ok "negative control: the image check fails on report.md" bash -c "! (( \$(grep -o '<img [^>]*src=\"data:image/png;base64,\|<svg class=\"plot\"' '$d/report.md' | wc -l) >= 6 ))"

echo "lock-cost points and the measuring side's columns, planted:"
d=$(fresh lockcost)
# New columns appended to every fixture row (empty: unavailable), then lock-cost rows: tas
# 100 Mops/s = 10 ns, ticket 50 = 20 ns, null 500 = 2 ns (the floor); timer p50 15 ns, tick 20 ns;
# p99 tas 30 ns, ticket 40 ns: 10 ns apart, below the 20 ns resolution. ticket at 2 threads busy.
awk 'NR == 1 { print $0 ",busy,fairness_maxmin_median,fairness_maxmin_min,fairness_maxmin_max,timer_p50_ns_median,timer_tick_ns_median"; next }
	{ print $0 ",0,,,,15,20" }' "$fixture/summary.csv" >"$d/summary.csv"
cost_row() { # LOCK THREADS REGIME MOPS P99 BUSY NOTE
	local m=$4
	printf '%s,0,1,%s,%s,0,0,0,compact,3,3,%s,%s,%s,,,1,1,1,20,20,20,%s,%s,%s,%s,%s,%s,0,0,minmax,0,0,ok,"%s",2,%s,1.2,1.1,1.3,15,20\n' \
		"$1" "$2" "$3" "$m" "$(awk "BEGIN { print $m * 0.98 }")" "$(awk "BEGIN { print $m * 1.02 }")" \
		"$5" "$5" "$5" "$(awk "BEGIN { print 1000 / $m }")" "$(awk "BEGIN { print 1000 / $m }")" \
		"$(awk "BEGIN { print 1000 / $m }")" "$7" "$6" >>"$d/summary.csv"
}
cost_row tas 1 uncontended 100 30 0 ""
cost_row ticket 1 uncontended 50 40 0 ""
cost_row null 1 uncontended 500 20 0 ""
cost_row tas 2 contended 20 300 0 ""
cost_row ticket 2 contended 30 200 1 "busy: other processes used 48% of the CPUs"
cost_row null 2 contended 900 20 0 ""
run "$d"
ok "exit 0 ($errout)" test "$rc" = 0
ok "the lock-cost table ranks tas first: 10 ns, floor 2 ns, 8 ns without it" has "$d/report.md" '| 1 | tas | 10 ns (9.8 ns – 10.2 ns) | 2 ns | 8 ns |'
ok "… ticket second: 20 ns, 18 ns without the floor" has "$d/report.md" '| 2 | ticket | 20 ns (19.6 ns – 20.4 ns) | 2 ns | 18 ns |'
ok "… and names the cheapest" has "$d/report.md" 'Cheapest uncontended: **tas**'
ok "null never competes: tas leads the lock-cost throughput cell" has "$d/report.md" '| 0 ns, ncs 0 (lock cost) | uncontended: 1 thread | **tas** 100 Mops/s'
ok "null is not in the lock-cost ranking" bash -c "! grep -q '^| [0-9]* | null |' '$d/report.md'"
ok "the timer resolution is stated: the tick, with the pair's own cost beside it" has "$d/report.md" 'Timer resolution: 20 ns, the clock'"'"'s tick (timer\_tick\_ns, the largest seen at any point)'
ok "… and the timestamp pair's cost" has "$d/report.md" '(timer\_p50\_ns: 15 ns)'
ok "a p99 lead below it is marked" has "$d/report.md" '**tas** 30 ns (min–max 30–30); next: ticket 40 ns (min–max 40–40) (the difference is below the timer'
ok "fairest by max/min where the set has it" has "$d/report.md" 'max/min 1.200'
ok "the busy point is flagged and says why" has "$d/report.md" 'ticket, 2 threads, cs 0 ns, ncs 0 ns: busy: other processes used 48% of the CPUs'
ok "… counted with the others (3 + 1 of 54)" has "$d/report.md" '4 of 54 points are flagged'
ok "… and ringed in the plots (lbcsv.awk flagged=1 keeps it)" \
	test "$(awk -f "$scripts/lbcsv.awk" -v mode=count -v flagged=1 "$d/summary.csv")" = 4

echo "plots: one row of panels per family, at most 8 lines a panel (lbcsv.awk mode=groups):"
# 20 locks: 6 spinning, 3 sleeping, 11 fifo queue (registry order interleaves them).
fam="$work/families.csv"
{
	echo "lock,lock_index,permits,family,format_version"
	for i in $(seq 0 19); do
		if ((i < 6)); then f=spinning; elif ((i < 9)); then f=sleeping; else f="fifo queue"; fi
		echo "lock$i,$((19 - i)),1,$f,2"
	done
} >"$fam"
groups=$(awk -f "$scripts/lbcsv.awk" -v mode=groups "$fam")
ok "groups in the order of each family's first lock, the big one cut in two ($groups)" \
	test "$groups" = "fifo-queue.1 fifo-queue.2 sleeping spinning"
total=0 widest=0 mixed=0
for g in $groups; do
	names=$(awk -f "$scripts/lbcsv.awk" -v mode=series -v field=2 -v group="$g" "$fam")
	n=$(wc -w <<<"$names")
	total=$((total + n)); ((n > widest)) && widest=$n
	fams=$(for l in $names; do awk -F, -v l="$l" '$1 == l { print $4 }' "$fam"; done | sort -u | wc -l)
	((fams == 1)) || mixed=1
done
ok "every lock in exactly one group (20 = $total)" test "$total" = 20
ok "no panel of more than 8 lines (widest: $widest)" test "$widest" -le 8
ok "no group mixes families" test "$mixed" = 0
ok "a set without the family column is one family, cut the same way" \
	test "$(cut -d, -f1-3,5 "$fam" | awk -f "$scripts/lbcsv.awk" -v mode=groups /dev/stdin)" = "all.1 all.2 all.3"

echo "planted text: markup in meta.json, a 3000-character note, control characters in a name:"
d=$(fresh planted)
# A meta.json group whose name closes the heading's id and opens an <img>; a value with markup.
sed -i '1s/^{/{"build\\"><img src=x onerror=alert(3)>": {"k": "v<b>"},/' "$d/meta.json"
note="$(printf 'x%.0s' {1..3000})END"
# The note is the field before format_version (the last).
awk -v note="$note" 'NR == 3 { sub(/,[^,]*$/, ""); print $0 note ",2"; next } { print }' "$fixture/summary.csv" >"$d/summary.csv"
sed -i 's/^pthread-mutex,/pthread\x01\x02-mutex,/' "$d/summary.csv"
run "$d"
ok "exit 0 ($errout)" test "$rc" = 0
ok "report.html has no live <img> from meta.json" bash -c "test -s '$d/report.html' && ! grep -q '<img src=x' '$d/report.html'"
ok "… the group is shown as text" has "$d/report.html" '&lt;img src=x onerror=alert(3)&gt;</h3>'
ok "… its id keeps only [A-Za-z0-9_-]" has "$d/report.html" '<h3 id="build---img-src-x-onerror-alert-3--">'
ok "… its value is escaped in both" bash -c "grep -qF 'v&lt;b&gt;' '$d/report.html' && grep -qF 'v&lt;b&gt;' '$d/report.md'"
ok "the 3000-character note is whole in report.html" has "$d/report.html" "$note"
ok "… and in report.md" has "$d/report.md" "$note"
ok "a control character in a lock name is shown as ?, never as bold" \
	bash -c "grep -qF '<td>pthread??-mutex</td>' '$d/report.html' && ! grep -q 'pthread<b>' '$d/report.html'"
ok "… in the plots' hover titles too" has "$d/report.html" '<g class="pt"><title>pthread??-mutex, 1 thread'
ok "… every <b> is closed in its cell" bash -c "test -s '$d/report.html' && ! grep -q '<b>[^<]*</td>' '$d/report.html'"

echo "compare.md on planted text: markup in meta.json and lock names, a backtick in the path:"
a=$(fresh 'cmp`a') b=$(fresh 'cmp-b')
sed -i 's/"host": "fixture-vm"/"host": "vm<script>alert(1)<\/script>"/' "$a/meta.json"
sed -i 's/^tas,/t<i>as\&,/' "$a/summary.csv" "$b/summary.csv"
"$lockbench" compare "$a" "$b" --out "$work/cmp-out" >/dev/null 2>&1
ok "compare.md written" test -s "$work/cmp-out/compare.md"
ok "no raw <script> in compare.md" bash -c "test -s '$work/cmp-out/compare.md' && ! grep -q '<script>' '$work/cmp-out/compare.md'"
ok "… the host is shown escaped" has "$work/cmp-out/compare.md" 'vm&lt;script&gt;alert(1)&lt;/script&gt;'
ok "… and the lock name" has "$work/cmp-out/compare.md" '| t&lt;i&gt;as&amp; |'
ok "the path's backtick is inside a longer fence" has "$work/cmp-out/compare.md" "\`\`$a\`\`"

echo "report again on the same folder (rebuild):"
run "$d"
ok "exit 0 again" test "$rc" = 0
ok "still no temporary files" no_partial "$d"

echo "gnuplot missing:"
d=$(fresh nognuplot)
mkdir -p "$work/empty-path"
run "$d" PATH="$work/empty-path"
ok "exit 1 (got $rc)" test "$rc" = 1
ok "one line: $errout" one_line
ok "it says gnuplot is missing" says "gnuplot is not installed"
ok "no report written" test ! -e "$d/report.html"

echo "another format version:"
d=$(fresh v3)
sed -i '3s/,2$/,3/' "$d/summary.csv"
run "$d"
ok "summary.csv v3 row: exit 1 (got $rc)" test "$rc" = 1
ok "one line: $errout" one_line
ok "names the file, line and versions" says "summary.csv:3: format_version '3'; this lockbench reads v1 to v2 only"
d=$(fresh v3meta)
sed -i 's/"lockbench-results v2"/"lockbench-results v3"/' "$d/meta.json"
run "$d"
ok "meta.json v3: exit 1 (got $rc), $errout" test "$rc" = 1
ok "names meta.json and the format" says "meta.json: format 'lockbench-results v3'"
d=$(fresh v7cdf)
sed -i '1s/^/# lockbench-results v7 latency_cdf\n/' "$d/latency_cdf.csv"
run "$d"
ok "latency_cdf.csv v7: refused naming it ($errout)" says "latency_cdf.csv:1: result format v7"
d=$(fresh v1)
as_v1() { # the v2 file as v1 wrote it: a format line, no format_version column
	awk -v kind="$2" 'NR == 1 { print "# lockbench-results v1 " kind } { sub(/,[^,]*$/, ""); print }' "$1" >"$1.v1" &&
		mv "$1.v1" "$1"
}
as_v1 "$d/summary.csv" summary
as_v1 "$d/latency_cdf.csv" latency_cdf
sed -i 's/"lockbench-results v2"/"lockbench-results v1"/; s/"format_version": 2/"format_version": 1/' "$d/meta.json"
run "$d"
ok "a v1 set still reports: exit 0 ($errout)" test "$rc" = 0

echo "truncated and garbled files:"
d=$(fresh truncated)
head -c 3000 "$fixture/summary.csv" >"$d/summary.csv"
run "$d"
ok "truncated summary.csv: exit 1 (got $rc)" test "$rc" = 1
ok "one line naming file and line: $errout" bash -c '[[ $0 =~ summary\.csv:[0-9]+: ]]' "$errout"
d=$(fresh garbled)
sed -i '5s/^\([^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,\)[^,]*/\1abc/' "$d/summary.csv"
run "$d"
ok "a garbage number: exit 1 (got $rc)" test "$rc" = 1
ok "names file, line, column and value: $errout" says "summary.csv:5: column 'mops_median': 'abc' is not a number"
d=$(fresh foreign)
printf 'a,b,c\n1,2,3\n' >"$d/summary.csv"
run "$d"
ok "a foreign CSV: $errout" says "summary.csv:1: not a lockbench result file"
d=$(fresh wrongcols)
sed -i '7s/,compact,/,compact,extra,/' "$d/summary.csv"
run "$d"
ok "a row with a wrong field count: $errout" says "summary.csv:7: 37 fields, but the header (line 1) has 36"
d=$(fresh badmeta)
printf '{"format": "lockbench-results v1", "meta": {"host": "x",' >"$d/meta.json"
run "$d"
ok "a truncated meta.json: exit 1 (got $rc)" test "$rc" = 1
ok "names meta.json with line and column: $errout" bash -c '[[ $0 =~ meta\.json:1:[0-9]+:\ the\ document\ ends ]]' "$errout"
d=$(fresh binmeta)
printf '\x7fELF\x02\x01\x01\x00\x00\x00\x00garbage\n' >"$d/meta.json"
run "$d"
ok "a binary meta.json: exit 1, one line ($errout)" bash -c '[[ $0 == 1 ]]' "$rc"
ok "one line" one_line
ok "nothing written after a refusal" test ! -e "$d/report.html"

echo "optional files:"
d=$(fresh noc2c)
head -2 "$fixture/c2c.csv" >"$d/c2c.csv"
rm "$d/latency_cdf.csv"
run "$d"
ok "c2c.csv without rows and no latency_cdf.csv: exit 0 ($errout)" test "$rc" = 0
ok "the heatmap is still drawn (unavailable)" test -s "$d/c2c_heatmap.png"
ok "the CDF says why it is missing" has "$d/report.md" 'Not drawn: no latency\_cdf.csv in this result set.'
d=$(fresh incomplete)
sed -i 's/"complete": true/"complete": false/; s/"state": "complete"/"state": "interrupted"/' "$d/meta.json"
run "$d"
ok "an incomplete set: exit 0 ($errout)" test "$rc" = 0
ok "says it is incomplete" has "$d/report.md" 'This result set is incomplete (meta.json: state interrupted'

echo "nothing to draw (a short or starved sweep: no acquisition timed):"
# Every p99 unmeasured, every p50 0 on its log axis, and a latency_cdf.csv with its header only:
# gnuplot stops on a plot without one valid point, and the report must not stop with it.
nodata() { # DIR: plant the unmeasured latencies
	awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next }
		{ $c["lat_p99_ns_median"] = ""; $c["lat_p99_ns_min"] = ""; $c["lat_p99_ns_max"] = ""
		  $c["lat_p50_ns_median"] = 0; print }' "$fixture/summary.csv" >"$1/summary.csv"
	head -1 "$fixture/latency_cdf.csv" >"$1/latency_cdf.csv"
}
d=$(fresh nodata)
nodata "$d"
run "$d"
ok "latencies unmeasured: exit 0 ($errout)" test "$rc" = 0
ok "the p99 plot says its panels have no values" has "$d/latency_p99.svg" 'no measured values in this panel'
ok "the p50 plot (0 on a log axis) says so too" has "$d/latency_p50.svg" 'no measured values in this panel'
ok "the CDF says no acquisition was timed" has "$d/latency_cdf.svg" 'no acquisition was timed'
ok "the throughput plot is drawn as usual" bash -c "! grep -q 'no measured values' '$d/throughput.svg'"
# The guard is what keeps the report alive: without it, the same set fails on the p99 plot.
rm -rf "$work/plots-noguard"
cp -r "$scripts" "$work/plots-noguard"
sed -i 's/^\(\t*\)if (lb_drawable == 0) {/\1if (0) {/' "$work/plots-noguard/lb_vs_threads.gp"
d=$(fresh nodata-noguard)
nodata "$d"
run "$d" LOCKBENCH_PLOTS="$work/plots-noguard"
ok "negative control: without the guard the report fails (got $rc)" test "$rc" != 0

echo "usage problems:"
mkdir -p "$work/notaset"
run "$work/notaset"
ok "a folder without summary.csv: exit 2 (got $rc): $errout" test "$rc" = 2
run "$work/does-not-exist"
ok "a missing folder: exit 2 (got $rc): $errout" test "$rc" = 2
errout=$("$lockbench" report 2>&1)
rc=$?
ok "no folder: exit 2 (got $rc): $errout" test "$rc" = 2
errout=$("$lockbench" report --frobnicate x 2>&1)
rc=$?
ok "an unknown option: exit 2 (got $rc): $errout" test "$rc" = 2
"$lockbench" report --help >/dev/null
rc=$?
ok "--help: exit 0" test "$rc" = 0

summary report_build
