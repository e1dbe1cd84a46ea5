#!/usr/bin/env bash
# sweep_resume.sh LOCKBENCH — the sweep's files, and its interruption and resume path:
# a small sweep writes every file; SIGINT and SIGTERM mid-run keep every finished row, mark the
# set incomplete and exit 130 / 143; --resume finishes it without repeating a (point, rep);
# bad --resume / --out targets are usage errors; a set of another column layout is refused; the
# lock-cost points (cs 0, ncs 0, null as the floor) are planned, keyed apart from a user's own
# --cs 0 and run once when the user asks for the same point. Bounded by tiny windows.
set -u
lb=${1:?usage: sweep_resume.sh LOCKBENCH}
work=$(mktemp -d /tmp/lb-sweep-resume.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/../common/lib.sh"
rows() { grep -vc '^#' "$1" | awk '{print $1 - 1}'; } # data rows (minus the header)

small=(--locks tas,futex --threads 1,2 --cs 50ns --reps 2 --duration 20ms --warmup 5ms
	--no-report --no-probe)
# Lock-cost points run at 1 thread and at the allowed CPUs (one count when that is 1), for each
# lock and for null.
ncpus=$(nproc)
cost_threads=$((ncpus > 1 ? 2 : 1))
cost_points=$((3 * cost_threads))

echo "sweep_resume: a small sweep writes the result set"
"$lb" sweep "${small[@]}" --out "$work/a" >/dev/null 2>"$work/a.err"
rc=$?
check "small sweep exits 0 (got $rc)" test $rc = 0
for f in results.csv summary.csv latency_cdf.csv meta.json sweep.args; do
	check "$f written" test -s "$work/a/$f"
done
check "results.csv has (2 locks x 2 threads + $cost_points lock-cost) x 2 reps rows" \
	test "$(rows "$work/a/results.csv")" = $(((4 + cost_points) * 2))
check "summary.csv has 4 + $cost_points points" test "$(rows "$work/a/summary.csv")" = $((4 + cost_points))
check "the plan line counts the lock-cost points" grep -q "+ $cost_points lock-cost points = $((4 + cost_points)) points" "$work/a.err"
check "lock-cost points at cs 0 ncs 0: tas/1/1/0/0 and tas/1/$ncpus/0/0" \
	bash -c "grep -q ',tas/1/1/0/0,' '$work/a/results.csv' && grep -q ',tas/1/$ncpus/0/0,' '$work/a/results.csv'"
check "null runs at the lock-cost points only" \
	test "$(grep -c '^null,' "$work/a/results.csv")" = "$(grep -c ',null/1/[0-9]*/0/0,' "$work/a/results.csv")"
check "null runs at all (the floor)" grep -q '^null,' "$work/a/results.csv"
check "the other points carry their ncs in the key: tas/1/2/50/100" grep -q ',tas/1/2/50/100,' "$work/a/results.csv"

echo "sweep_resume: lock-cost points and a user's own --cs 0"
"$lb" sweep --locks tas --threads 1 --cs 0 --ncs 100ns --reps 1 --duration 5ms --warmup 1ms \
	--no-report --no-probe --out "$work/cs0" >/dev/null 2>&1
check "--cs 0 --ncs 100ns is its own point (tas/1/1/0/100), beside tas/1/1/0/0" \
	bash -c "grep -q ',tas/1/1/0/100,' '$work/cs0/results.csv' && grep -q ',tas/1/1/0/0,' '$work/cs0/results.csv'"
check "… two summary rows at cs 0 for tas at 1 thread" \
	test "$(grep -c '^tas,[0-9]*,1,1,uncontended,0,0,' "$work/cs0/summary.csv")" = 2
"$lb" sweep --locks tas --threads 1 --cs 0 --ncs 0 --reps 1 --duration 5ms --warmup 1ms \
	--no-report --no-probe --out "$work/cs00" >/dev/null 2>&1
check "--cs 0 --ncs 0 is the lock-cost point, run once" \
	test "$(grep -c ',tas/1/1/0/0,' "$work/cs00/results.csv")" = 1
"$lb" sweep --locks tas --threads 1 --cs 50ns --reps 1 --duration 5ms --warmup 1ms --no-lock-cost \
	--no-report --no-probe --out "$work/nocost" >/dev/null 2>&1
check "--no-lock-cost: one point, no null" \
	bash -c "test \"\$(grep -vc '^#' '$work/nocost/results.csv')\" = 2 && ! grep -q '^null,' '$work/nocost/results.csv'"
check "sweep --help documents --no-lock-cost" bash -c "'$lb' sweep --help | grep -q -- --no-lock-cost"

check "meta.json says complete" grep -q '"complete": true' "$work/a/meta.json"
check "no temporary files left" test -z "$(find "$work/a" -name '.*.tmp')"
"$lb" sweep "${small[@]}" --out "$work/a" >/dev/null 2>"$work/again.err"
rc=$?
check "--out on an existing result set is a usage error (exit $rc)" test $rc = 2
check "… naming --resume" grep -q -- '--resume' "$work/again.err"

interrupt() { # interrupt SIGNAL EXPECTED-EXIT DIR
	local sig=$1 want=$2 dir=$3
	"$lb" sweep --locks tas,futex,ticket,pthread-mutex --threads 1,2 --cs 50ns --reps 3 \
		--duration 150ms --warmup 10ms --no-report --no-probe --no-lock-cost --out "$dir" \
		>/dev/null 2>"$dir.err" &
	local pid=$! i
	for i in $(seq 1 300); do # wait for three finished rows (at most 30 s)
		[[ -f $dir/results.csv ]] && (($(rows "$dir/results.csv") >= 3)) && break
		sleep 0.1
	done
	kill "-$sig" "$pid"
	wait "$pid"
	local rc=$?
	check "$sig: exit $want (got $rc)" test "$rc" = "$want"
	check "$sig: meta.json marked incomplete" grep -q '"complete": false' "$dir/meta.json"
	check "$sig: meta.json says interrupted" grep -q '"state": "interrupted"' "$dir/meta.json"
	check "$sig: results.csv ends with a whole line" test "$(tail -c1 "$dir/results.csv" | od -An -c | tr -d ' ')" = '\n'
	check "$sig: finished rows kept (>= 3)" test "$(rows "$dir/results.csv")" -ge 3
	check "$sig: fewer than all 24 rows" test "$(rows "$dir/results.csv")" -lt 24
	check "$sig: summary.csv of the finished points written" test -s "$dir/summary.csv"
	check "$sig: the message says how to resume" grep -q -- "--resume $dir" "$dir.err"
}

echo "sweep_resume: SIGINT, then --resume"
interrupt INT 130 "$work/b"
before=$(rows "$work/b/results.csv")
"$lb" sweep --resume "$work/b" >/dev/null 2>"$work/b.resume.err"
rc=$?
check "--resume exits 0 (got $rc)" test $rc = 0
check "--resume completes 4 locks x 2 threads x 3 reps = 24 rows (had $before)" \
	test "$(rows "$work/b/results.csv")" = 24
# (point, rep) of every row: rep is the 14th field (the fields before it are never quoted in a
# sweep), the point is the 7th field from the end (the sweep's own, unquoted columns).
keys=$(grep -v '^#' "$work/b/results.csv" | tail -n +2 |
	sed -E 's/^([^,]*,){13}([0-9]+),.*,([^,]+),[0-9]+,[0-9]+,[^,]*,[^,]*,[^,]*,[^,]*$/\3 \2/' | sort)
check "no (point, rep) was run twice" test -z "$(uniq -d <<<"$keys")"
check "meta.json now complete" grep -q '"complete": true' "$work/b/meta.json"
check "summary.csv has 8 points" test "$(rows "$work/b/summary.csv")" = 8

echo "sweep_resume: SIGTERM"
interrupt TERM 143 "$work/c"

echo "sweep_resume: bad resume targets"
mkdir -p "$work/empty"
"$lb" sweep --resume "$work/empty" >/dev/null 2>"$work/e.err"
rc=$?
check "--resume on a directory without a sweep is exit 2 (got $rc)" test $rc = 2
check "… with one line" test "$(wc -l <"$work/e.err")" = 1
cp -r "$work/a" "$work/garbled"
printf 'tas,1,garbage\n"unterminated\n' >>"$work/garbled/results.csv"
"$lb" sweep --resume "$work/garbled" >/dev/null 2>"$work/g.err"
rc=$?
check "--resume on a garbled results.csv fails cleanly (exit $rc, not a crash)" test $rc = 1
check "… naming the file" grep -q 'results.csv' "$work/g.err"

# A set written with other columns (an older lockbench, or before the measuring side's new
# results.csv columns) must not get rows of this layout appended.
cp -r "$work/a" "$work/oldcols"
rm -f "$work/oldcols/latency_hist.csv"
sed -i '1s/,host,format_version$/,format_version/; 2,$s/,[^,]*\(,[^,]*\)$/\1/' "$work/oldcols/results.csv"
sed -i '$d' "$work/oldcols/results.csv" # one run left to do
before=$(md5sum <"$work/oldcols/results.csv")
"$lb" sweep --resume "$work/oldcols" >/dev/null 2>"$work/o.err"
rc=$?
check "--resume on a set of another column layout is refused (exit $rc)" test $rc = 1
check "… saying the columns differ, naming the column" grep -q "columns differ.*'host'" "$work/o.err"
check "… and leaving results.csv as it was" test "$(md5sum <"$work/oldcols/results.csv")" = "$before"
cp -r "$work/a" "$work/oldhist"
sed -i -E '1s/,ncs_ns,/,/; 2,$s/^(([^,]*,){4})[^,]*,/\1/' "$work/oldhist/latency_hist.csv"
"$lb" sweep --resume "$work/oldhist" >/dev/null 2>"$work/oh.err"
check "--resume on a latency_hist.csv of the old layout is refused" grep -q "latency_hist.csv: its columns differ" "$work/oh.err"
# A v1 set (a format line, no format_version column) still reads, but v2 rows must not be
# appended to it.
cp -r "$work/a" "$work/v1set"
for f in results latency_hist; do
	awk -v kind=$f 'NR == 1 { print "# lockbench-results v1 " kind } { sub(/,[^,]*$/, ""); print }' \
		"$work/v1set/$f.csv" >"$work/v1set/$f.tmp" && mv "$work/v1set/$f.tmp" "$work/v1set/$f.csv"
done
sed -i '$d' "$work/v1set/results.csv"
before=$(md5sum <"$work/v1set/results.csv")
"$lb" sweep --resume "$work/v1set" >/dev/null 2>"$work/v1.err"
rc=$?
check "--resume on a format v1 set is refused (exit $rc)" test $rc = 1
check "… in one line naming the file and both versions" \
	grep -q "results.csv: result format v1, this lockbench writes v2" "$work/v1.err"
check "… and leaving results.csv as it was" test "$(md5sum <"$work/v1set/results.csv")" = "$before"

# Ctrl-C while the report is being built: the runs are all done and meta.json says complete, so
# the message must not call the set incomplete. A gnuplot stand-in that sleeps holds the sweep in
# its report phase, where the signal lands; the group gets it, as from a terminal.
echo "sweep_resume: SIGINT during the report"
mkdir -p "$work/slowbin"
printf '#!/bin/sh\ntouch "%s/plotting"\nexec sleep 60\n' "$work" >"$work/slowbin/gnuplot"
chmod +x "$work/slowbin/gnuplot"
PATH="$work/slowbin:$PATH" timeout 120 "$lb" sweep --locks tas --threads 1 --cs 50ns --reps 1 \
	--duration 5ms --warmup 1ms --no-lock-cost --no-probe --out "$work/rep" >/dev/null 2>"$work/rep.err" &
pid=$!
for _ in $(seq 600); do [[ -e $work/plotting ]] && break; sleep 0.1; done
check "the sweep reached the report (the stand-in gnuplot ran)" test -e "$work/plotting"
kill -s INT -- -$pid
wait $pid
rc=$?
check "SIGINT in the report phase: exit 130 (got $rc)" test $rc = 130
check "… meta.json says complete" grep -q '"state": "complete"' "$work/rep/meta.json"
check "… the message says the runs are complete and how to build the report" \
	grep -q "^lockbench: sweep: runs complete; the report was interrupted by SIGINT: lockbench report $work/rep builds it$" "$work/rep.err"
check "… and never that the set is incomplete" bash -c "! grep -q 'incomplete' '$work/rep.err'"
check "… one line of error" test "$(grep -c '^lockbench:' "$work/rep.err")" = 1

summary sweep_resume
