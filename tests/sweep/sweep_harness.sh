#!/usr/bin/env bash
# sweep_harness.sh LOCKBENCH FAULT_SHIM — a harness failure (here fork, through the fault shim's
# LB_FAULT_FORK) is not the lock's: the sweep says it once, exits 1, keeps what finished and
# writes no row for the run, so --resume runs that repetition again.
set -u
lb=${1:?usage: sweep_harness.sh LOCKBENCH FAULT_SHIM}
shim=${2:?usage: sweep_harness.sh LOCKBENCH FAULT_SHIM}
work=$(mktemp -d /tmp/lb-sweep-harness.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/../common/lib.sh"
rows() { grep -vc '^#' "$1" | awk '{print $1 - 1}'; } # data rows (minus the header)

echo "sweep_harness: the second run's fork fails"
LD_PRELOAD=$shim LB_FAULT_FORK=1 "$lb" sweep --locks tas --threads 1,2 --cs 50ns --reps 1 \
	--duration 5ms --warmup 1ms --no-lock-cost --no-probe --no-report --out "$work/s" \
	>/dev/null 2>"$work/s.err"
rc=$?
check "exit 1 (got $rc)" test $rc = 1
check "one error line naming the harness and fork" \
	bash -c "test \$(grep -c '^lockbench:' '$work/s.err') = 1 && grep -q '^lockbench: sweep: tas/.* rep 1: the harness failed: fork: ' '$work/s.err'"
check "the finished run is kept, the failed one has no row" test "$(rows "$work/s/results.csv")" = 1
check "… and no error row" bash -c "! grep -q ',error,' '$work/s/results.csv'"
check "meta.json says failed" grep -q '"state": "failed"' "$work/s/meta.json"

echo "sweep_harness: --resume runs it again"
"$lb" sweep --resume "$work/s" >/dev/null 2>"$work/r.err"
rc=$?
check "--resume exits 0 (got $rc)" test $rc = 0
check "… both runs recorded, ok" \
	bash -c "test \$(grep -c ',ok,' '$work/s/results.csv') = 2"
check "meta.json says complete" grep -q '"state": "complete"' "$work/s/meta.json"
summary sweep_harness
