#!/usr/bin/env bash
# sweep_busy.sh LOCKBENCH — a quick sweep with a busy loop pinned to its first CPU must flag `busy`
# points: other processes then take about one CPU's worth of the machine, above the stated share
# (SWEEP_BUSY_OTHER_PCT, results/README.md), which the sweep reads from /proc/stat around every
# point, and a 1-thread point placed on that CPU gets about half its CPU (worker_util). Not
# parallel in meson: it loads a CPU on purpose. Bounded by `timeout` and tiny windows; the loop
# is killed by its PID on every exit path.
set -u
lb=${1:?usage: sweep_busy.sh LOCKBENCH}
work=$(mktemp -d /tmp/lb-sweep-busy.XXXXXX)
loop=
cleanup() {
	[[ -n $loop ]] && kill "$loop" 2>/dev/null && wait "$loop" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/../common/lib.sh"

# The first CPU this test may use (taskset and cgroups followed), where the sweep's compact
# placement puts a 1-thread point: CPU 0 need not be allowed on a CI runner, and a loop that
# could not be pinned there would leave no busy point to flag.
cpu=$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')
taskset -c "$cpu" sh -c 'while :; do :; done' &
loop=$!
echo "sweep_busy: a quick sweep next to a busy loop pinned to CPU $cpu (pid $loop)"
timeout 60 "$lb" sweep --quick --locks tas --reps 1 --duration 20ms --warmup 5ms --no-report \
	--no-probe --out "$work/s" >/dev/null 2>"$work/err"
rc=$?
check "the sweep exits 0 (got $rc: $(tail -1 "$work/err"))" test $rc = 0
col() { awk -F, -v name="$1" '/^#/ { next } !h { for (i = 1; i <= NF; i++) if ($i == name) c = i; h = 1; next } { print $c }' "$work/s/summary.csv"; }
busy=$(col busy | grep -c '^1$')
check "summary.csv has a busy column" test -n "$(col busy | head -1)"
check "busy points flagged ($busy of $(col busy | wc -l))" test "$busy" -gt 0
# Either half of the rule may be the one that fires: the loop's share, less the tick slack, can
# fall under 25 % on short points, but then the 1-thread point on that CPU gets half its CPU.
check "… and the note says why" grep -qE 'busy: (other processes used|workers on a CPU)' "$work/s/summary.csv"

summary sweep_busy
