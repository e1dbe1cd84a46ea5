#!/usr/bin/env bash
# real_which.sh LOCKBENCH BUILDDIR — "which lock for this program": `lockbench exec --locks A,B
# --reps 2 --metric …` on sysbench mutex writes one result set whose results.csv has one row
# per (candidate, rep) — A, B and glibc (always a candidate) — each with the metric read from
# sysbench's "total time:", whose summary.csv has one row per candidate, and whose report names a
# winner or says it is a tie. Negative controls: the row check fails on a planted results.csv
# with a row missing or a metric empty.
set -u
source "$(dirname "$0")/../common/lib.sh"
source "$(dirname "$0")/real_lib.sh"
real_args real_which "$@"
need sysbench python3
work=$(mktemp -d /tmp/lb-real-which.XXXXXX)
trap 'rm -rf "$work"' EXIT
reps=2

# rows_right RESULTS.CSV REPS CANDIDATE...: exactly REPS rows per candidate (and no other), each
# exit status 0, not timed out, with a numeric metric. Prints what is wrong.
rows_right() {
	python3 - "$@" <<'EOF'
import csv, sys
path, reps, want = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
try:
    rows = [r for r in csv.DictReader(line for line in open(path, newline="") if not line.startswith("#"))]
except (OSError, csv.Error) as e:
    print(f"cannot read {path}: {e}")
    sys.exit(1)
bad = []
seen = {}
for r in rows:
    seen[r.get("lock")] = seen.get(r.get("lock"), 0) + 1
    if r.get("exit_status") != "0" or r.get("status") != "ok":
        bad.append(f"{r.get('lock')} rep {r.get('rep')}: exit status {r.get('exit_status')!r}, status {r.get('status')!r}")
    if r.get("timed_out", "0") not in ("0", "false", "no"):
        bad.append(f"{r.get('lock')} rep {r.get('rep')}: timed out")
    try:
        float(r.get("metric", ""))
    except ValueError:
        bad.append(f"{r.get('lock')} rep {r.get('rep')}: metric {r.get('metric')!r}")
for c in want:
    if seen.get(c, 0) != reps:
        bad.append(f"{c}: {seen.get(c, 0)} rows, not {reps}")
for c in seen:
    if c not in want:
        bad.append(f"{c}: a row for a lock not asked for")
print("; ".join(bad) if bad else f"{len(rows)} rows")
sys.exit(1 if bad else 0)
EOF
}
rows_ok() { rows_right "$@" >/dev/null; }
rows_wrong() { ! rows_ok "$@"; }
# names_winner REPORT.MD: the report says which lock won, or that it is a tie.
names_winner() { grep -Eq 'the winner is [a-z]|a tie between [a-z]' "$1"; }

a=$(locks_where " sleep " " (not-a-lock|test-only|reentrant|counting) " | grep -v '^pthread' | head -1)
b=$(locks_where " spin " " (not-a-lock|test-only|fifo|reference) " | grep -v '^pthread' | head -1)

echo "real_which: the checks' negative controls"
printf 'lock,rep,order,wall_s,user_s,sys_s,vcsw,ivcsw,exit_status,signal,timed_out,metric,status,note\n' \
	>"$work/planted.csv"
printf '%s,1,1,0.1,0,0,0,0,0,0,0,0.01,ok,\n' glibc glibc "$a" "$a" "$b" >>"$work/planted.csv"
check "a results.csv with a row missing fails the row check: $(rows_right "$work/planted.csv" $reps glibc "$a" "$b")" \
	rows_wrong "$work/planted.csv" $reps glibc "$a" "$b"
printf '%s,2,1,0.1,0,0,0,0,0,0,0,,ok,\n' "$b" >>"$work/planted.csv"
check "… a row with no metric too: $(rows_right "$work/planted.csv" $reps glibc "$a" "$b")" \
	rows_wrong "$work/planted.csv" $reps glibc "$a" "$b"
printf '# a report\nNo conclusion.\n' >"$work/planted.md"
check "a report that names no winner and no tie fails the report check" not names_winner "$work/planted.md"
have_exec || { summary real_which; exit; }

echo "real_which: --locks $a,$b --reps $reps on sysbench mutex"
lbexec 120 "$work/which.log" "$work/which.err" --locks "$a,$b" --reps $reps --out "$work/set" \
	--metric 'total time: +([0-9.]+)s' -- \
	sysbench mutex --threads=2 --mutex-num=1 --mutex-loops=0 --mutex-locks=20000 run
check "lockbench exec --locks exits 0 ($rc, $ms ms)" test $rc = 0 || why "$work/which.err"
for f in results.csv summary.csv meta.json report.md report.html; do
	check "$f written" test -s "$work/set/$f"
done
check "results.csv: $reps rows each for glibc, $a, $b, all exit 0 with a metric: $(rows_right "$work/set/results.csv" $reps glibc "$a" "$b")" \
	rows_ok "$work/set/results.csv" $reps glibc "$a" "$b"
check "results.csv has every documented column" \
	bash -c "grep -v '^#' '$work/set/results.csv' | head -1 | grep -q 'lock.*rep.*order.*wall_s.*user_s.*sys_s.*vcsw.*ivcsw.*exit_status.*timed_out.*metric'"
check "summary.csv has one row per candidate (3)" \
	test "$(grep -v '^#' "$work/set/summary.csv" | tail -n +2 | grep -c .)" = 3
check "report.md names a winner or a tie: $(grep -Eom1 '(the winner is|a tie between) [^.]*' "$work/set/report.md" | cut -c1-160)" \
	names_winner "$work/set/report.md"
summary real_which
