#!/usr/bin/env bash
# exec_locks.sh LOCKBENCH EXEC_PROG EMPTY_SO — `lockbench exec --locks`, the "which lock for this
# program" result set: locks x reps rows (glibc always among them), the seed recorded and the
# order reproducible from it (another seed, another order: the control), every run's outcome in
# its row (exit status 3, no --metric match, a timeout), the verdict left to ok runs, --resume
# after a planted partial results.csv running only what is missing, SIGINT mid-run keeping the
# finished rows and --resume finishing them. LD_PRELOAD holds EMPTY_SO (via LOCKBENCH_PRELOAD).
set -u
source "$(dirname "$0")/../common/lib.sh"
abs_args "usage: exec_locks.sh LOCKBENCH EXEC_PROG EMPTY_SO" lb prog empty -- "$@"
work=$(mktemp -d /tmp/lb-exec-locks.XXXXXX)
trap 'rm -rf "$work"' EXIT
export LOCKBENCH_PRELOAD=$empty
rows() { awk 'NR > 1' "$1" | wc -l; }                       # data rows of a CSV
plan() { awk -F, 'NR > 1 { print $1 "/" $2 "/" $3 }' "$1"; } # lock/rep/order, in file order
col() { # col FILE NAME: the column's values, one a line
	awk -F, -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } { print $c }' "$1"
}

echo "exec_locks: --locks tas,futex,ticket --reps 3: 4 candidates x 3 reps"
"$lb" exec --locks tas,futex,ticket --reps 3 --seed 42 --out "$work/a" \
	--metric 'time: ([0-9.]+)' -- "$prog" sleep 5 >"$work/a.out" 2>"$work/a.err"
rc=$?
check "exit 0 (got $rc)" test $rc = 0
check "the set's directory on stdout" grep -qx "$work/a/" "$work/a.out"
for f in results.csv summary.csv meta.json exec.args report.html report.md; do
	check "$f written" test -s "$work/a/$f"
done
check "results.csv: 12 complete rows (glibc + 3 locks, x 3 reps)" \
	test "$(complete_rows --whole "$work/a/results.csv")" = 12
check "results.csv: header first, format_version last" \
	bash -c "head -1 '$work/a/results.csv' | grep -q '^lock,rep,order,wall_s,.*,format_version\$'"
check "glibc is a candidate, 3 times" test "$(col "$work/a/results.csv" lock | grep -c '^glibc$')" = 3
check "every (lock, rep) once" test "$(plan "$work/a/results.csv" | cut -d/ -f1,2 | sort -u | wc -l)" = 12
check "each rep runs every lock in orders 1..4" \
	test "$(plan "$work/a/results.csv" | awk -F/ '{print $2 "/" $3}' | sort -u | wc -l)" = 12
check "the metric parsed in every row (0.005)" test "$(col "$work/a/results.csv" metric | sort -u)" = 0.005
check "every run ok" test "$(col "$work/a/results.csv" status | sort -u)" = ok
check "summary.csv: 4 locks, judged by metric" \
	bash -c "test \$(awk 'NR > 1' '$work/a/summary.csv' | wc -l) = 4 && test \"\$(awk -F, 'NR > 1 {print \$6}' '$work/a/summary.csv' | sort -u)\" = metric"
check "meta.json: the seed, reps, program and complete" \
	bash -c "grep -q '\"seed\": 42' '$work/a/meta.json' && grep -q '\"reps\": 3' '$work/a/meta.json' && grep -q '\"complete\": true' '$work/a/meta.json' && grep -q '\"program\": \"$prog\"' '$work/a/meta.json'"
check "the seed is printed" grep -q 'seed 42' "$work/a.err"
check "equal metrics are a tie of all four, said" grep -q 'a tie between' "$work/a.err"
check "report.md names the verdict" grep -q 'For this program, a tie between' "$work/a/report.md"
check "each run's output kept for --metric" test "$(ls "$work/a/output" | wc -l)" = 12
"$lb" exec --locks tas,futex,ticket --reps 3 --seed 42 --out "$work/a" -- "$prog" print x >/dev/null 2>"$work/err"
rc=$?
check "--out on an existing set: exit 2 (got $rc), naming --resume" \
	bash -c "test $rc = 2 && grep -q -- '--resume' '$work/err'"

echo "exec_locks: the order comes from the seed"
"$lb" exec --locks tas,futex,ticket --reps 3 --seed 42 --out "$work/b" -- "$prog" print x >/dev/null 2>&1
check "the same seed, the same order" test "$(plan "$work/a/results.csv")" = "$(plan "$work/b/results.csv")"
"$lb" exec --locks tas,futex,ticket --reps 3 --seed 43 --out "$work/c" -- "$prog" print x >/dev/null 2>&1
check "control: another seed, another order" test "$(plan "$work/a/results.csv")" != "$(plan "$work/c/results.csv")"
"$lb" exec --locks tas --reps 2 --out "$work/d" -- "$prog" print x >/dev/null 2>"$work/err"
seed=$(sed -n 's/.*seed \([0-9]*\);.*/\1/p' "$work/err")
check "without --seed one is drawn, printed ($seed) and recorded" \
	bash -c "test -n '$seed' && grep -q '\"seed\": $seed' '$work/d/meta.json' && grep -qx -- '--seed=$seed' '$work/d/exec.args'"

echo "exec_locks: failed runs are recorded and left out of the verdict"
"$lb" exec --locks tas --reps 2 --out "$work/f" -- "$prog" exit 3 >/dev/null 2>"$work/err"
rc=$?
check "every run exits 3: exit 1 (got $rc)" test $rc = 1
check "... 4 rows, status failed, exit_status 3, note says so" \
	bash -c "test \$(grep -c ',3,,0,,failed,exited with status 3,2\$' '$work/f/results.csv') = 4"
check "... said, naming results.csv" grep -q '4 runs failed or timed out' "$work/err"
check "... no verdict from failed runs" grep -q 'no verdict: no lock has a run that finished ok' "$work/err"
"$lb" exec --locks tas --reps 1 --out "$work/m" --metric 'time: ([0-9.]+)' -- "$prog" print none >/dev/null 2>"$work/err"
rc=$?
check "no --metric match: exit 1 (got $rc), runs failed with the note" \
	bash -c "test $rc = 1 && test \$(grep -c 'failed,metric: no line of the output matches --metric' '$work/m/results.csv') = 2"
"$lb" exec --locks glibc --reps 1 --timeout 1 --out "$work/t" -- "$prog" ignore-term "$work/t.pid" >/dev/null 2>"$work/err"
rc=$?
check "a run past --timeout: exit 1 (got $rc)" test $rc = 1
check "... recorded timed_out 1, status timeout" \
	test "$(col "$work/t/results.csv" timed_out):$(col "$work/t/results.csv" status)" = 1:timeout
check "... --locks glibc alone is one candidate" test "$(rows "$work/t/results.csv")" = 1
# A lock under which the program fails once is out of the verdict, however good its ok runs:
# here tas fails in rep 1 only and is the fastest otherwise (metric 1 against 5).
"$lb" exec --locks tas,futex --reps 2 --seed 7 --out "$work/l" --metric 'time: ([0-9.]+)' -- sh -c \
	'if [ "$LOCKBENCH_LOCK" = tas ]; then [ -e "$0.failed" ] && { echo time: 1; exit 0; }; : >"$0.failed"; exit 3; fi; echo time: 5' \
	"$work/l-marker" >/dev/null 2>"$work/err"
check "a lock that failed once is left out of the verdict, said with its count" \
	grep -q 'left out of the verdict: tas (1 of 2 runs failed or timed out)' "$work/err"
check "... and the verdict is between the others: $(grep 'exec: a tie\|exec: the winner' "$work/err")" \
	bash -c "grep -q 'exec: a tie between glibc, futex\|exec: a tie between futex, glibc' '$work/err'"
check "... report.md says so" grep -q 'Left out of the verdict.*tas (1 of 2 runs' "$work/l/report.md"
check "control: tas did have an ok run (metric 1, better than the others' 5)" \
	test "$(awk -F, 'NR > 1 && $1 == "tas" && $0 ~ /,ok,/' "$work/l/results.csv" | wc -l)" = 1

echo "exec_locks: --resume after a planted partial results.csv"
"$lb" exec --locks tas,futex --reps 2 --seed 7 --out "$work/r" -- "$prog" print x >/dev/null 2>&1
full=$(plan "$work/r/results.csv")
# Keep the header and the first 2 runs, one of them marked so that a re-run would show.
head -3 "$work/r/results.csv" | sed '3s/^\([a-z]*,[0-9]*,[0-9]*\),[0-9.]*,/\1,99.5,/' >"$work/r/results.csv.new"
mv "$work/r/results.csv.new" "$work/r/results.csv"
planted=$(plan "$work/r/results.csv")
"$lb" exec --resume "$work/r" >/dev/null 2>"$work/err"
rc=$?
check "--resume: exit 0 (got $rc)" test $rc = 0
check "... says 2 of 6 runs are done" grep -q '2 of 6 runs are done' "$work/err"
check "... 6 rows now" test "$(rows "$work/r/results.csv")" = 6
check "... the planted rows first, as they were" test "$(plan "$work/r/results.csv" | head -2)" = "$planted"
check "... the marked one not re-run (wall_s 99.5 kept)" \
	test "$(awk -F, 'NR == 3 { print $4 + 0 }' "$work/r/results.csv")" = 99.5
check "... every (lock, rep) once, in the recorded order" test "$(plan "$work/r/results.csv")" = "$full"
check "... meta.json complete" grep -q '"complete": true' "$work/r/meta.json"
"$lb" exec --resume --out "$work/r" >/dev/null 2>"$work/err"
rc=$?
check "--resume --out DIR of a complete set: nothing to run, exit 0 (got $rc)" \
	bash -c "test $rc = 0 && grep -q '6 of 6 runs are done' '$work/err' && test \$(awk 'NR>1' '$work/r/results.csv' | wc -l) = 6"
printf 'lock,rep,order\n' >"$work/r/results.csv"
"$lb" exec --resume "$work/r" >/dev/null 2>"$work/err"
rc=$?
check "--resume of a results.csv of another layout: exit 2 (got $rc)" test $rc = 2

echo "exec_locks: SIGINT mid-run keeps the finished rows"
"$lb" exec --locks tas,futex,ticket --reps 3 --seed 5 --out "$work/i" -- "$prog" sleep 300 \
	>/dev/null 2>"$work/i.err" &
pid=$!
for _ in $(seq 1 300); do # at most 30 s for two finished runs
	[[ -f $work/i/results.csv ]] && (($(rows "$work/i/results.csv") >= 2)) && break
	sleep 0.1
done
kill -INT $pid
wait $pid
rc=$?
kept=$(rows "$work/i/results.csv")
check "exit 130 (got $rc)" test $rc = 130
check "finished rows kept, whole ($kept of 12)" \
	bash -c "test '$(complete_rows --whole "$work/i/results.csv")' = '$kept' && test $kept -ge 2 && test $kept -lt 12"
check "meta.json says interrupted" grep -q '"state": "interrupted"' "$work/i/meta.json"
check "says how to finish" grep -q "lockbench exec --resume $work/i" "$work/i.err"
before=$(plan "$work/i/results.csv")
"$lb" exec --resume "$work/i" >/dev/null 2>&1
rc=$?
check "--resume finishes it: exit 0 (got $rc), 12 rows" \
	bash -c "test $rc = 0 && test \$(awk 'NR>1' '$work/i/results.csv' | wc -l) = 12"
check "... the rows from before first, unchanged" test "$(plan "$work/i/results.csv" | head -n "$kept")" = "$before"
check "... every (lock, rep) once" test "$(plan "$work/i/results.csv" | cut -d/ -f1,2 | sort -u | wc -l)" = 12

summary exec_locks
