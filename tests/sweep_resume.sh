#!/usr/bin/env bash
# sweep_resume.sh LOCKBENCH — the sweep's files, and its interruption and resume path:
# a small sweep writes every file; SIGINT and SIGTERM mid-run keep every finished row, mark the
# set incomplete and exit 130 / 143; --resume finishes it without repeating a (point, rep);
# bad --resume / --out targets are usage errors. Bounded by tiny windows, not wall time.
set -u
lb=${1:?usage: sweep_resume.sh LOCKBENCH}
work=$(mktemp -d /tmp/lb-sweep-resume.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
rows() { grep -vc '^#' "$1" | awk '{print $1 - 1}'; } # data rows (minus the header)

small=(--locks tas,futex --threads 1,2 --cs 50ns --reps 2 --duration 20ms --warmup 5ms
	--no-report --no-probe)

echo "sweep_resume: a small sweep writes the result set"
"$lb" sweep "${small[@]}" --out "$work/a" >/dev/null 2>"$work/a.err"
rc=$?
check "small sweep exits 0 (got $rc)" test $rc = 0
for f in results.csv summary.csv latency_cdf.csv meta.json sweep.args; do
	check "$f written" test -s "$work/a/$f"
done
check "results.csv has 2 locks x 2 threads x 2 reps = 8 rows" test "$(rows "$work/a/results.csv")" = 8
check "summary.csv has 4 points" test "$(rows "$work/a/summary.csv")" = 4
check "meta.json says complete" grep -q '"complete": true' "$work/a/meta.json"
check "no temporary files left" test -z "$(find "$work/a" -name '.*.tmp')"
"$lb" sweep "${small[@]}" --out "$work/a" >/dev/null 2>"$work/again.err"
rc=$?
check "--out on an existing result set is a usage error (exit $rc)" test $rc = 2
check "… naming --resume" grep -q -- '--resume' "$work/again.err"

interrupt() { # interrupt SIGNAL EXPECTED-EXIT DIR
	local sig=$1 want=$2 dir=$3
	"$lb" sweep --locks tas,futex,ticket,pthread-mutex --threads 1,2 --cs 50ns --reps 3 \
		--duration 150ms --warmup 10ms --no-report --no-probe --out "$dir" \
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

echo "sweep_resume: $checks checks, $failed failed"
((failed == 0))
