#!/usr/bin/env bash
# real_sysbench.sh LOCKBENCH BUILDDIR — sysbench, unmodified, under `lockbench exec` and every
# mutual-exclusion lock: `sysbench mutex` with real contention (one mutex, no work between
# acquisitions) at 2 threads (one per CPU here) and 4 (oversubscribed on 2 CPUs), each finishing
# within its timeout with sysbench's "total time:" read by --metric; `sysbench threads` for a
# fixed time, its events per second (higher is better) read the same way.
# Negative control: the same run with a count no FIFO spinlock can finish in time is reported
# as timed out — the "completes within the timeout" check can fail.
set -u
source "$(dirname "$0")/../common/lib.sh"
source "$(dirname "$0")/real_lib.sh"
real_args real_sysbench "$@"
need sysbench
work=$(mktemp -d /tmp/lb-real-sysbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Acquisitions per thread. A FIFO spinlock (ticket, mcs, clh) with more threads than CPUs hands
# over only when the next waiter is scheduled: 10^2..10^3 acquisitions a second here (measured:
# ticket/mcs/clh, 4 threads on 2 CPUs, `lockbench run --cs 0 --ncs 0`: 124..160/s). At 4
# threads x 50 that is ~1.5 s; at 2 threads (not oversubscribed unless the machine is busy)
# 2 x 1000 is milliseconds, ~15 s in the worst case.
locks_per_thread_2=1000
locks_per_thread_4=50
timeout_s=60
total_time='total time: +([0-9.]+)s'

mutex_run() { # mutex_run THREADS N: the sysbench mutex command line
	echo sysbench mutex --threads="$1" --mutex-num=1 --mutex-loops=0 --mutex-locks="$2" run
}
# metric_of ERR: the value lockbench exec read with --metric (its stderr line "exec: metric V").
metric_of() { sed -n 's/^exec: metric \([0-9.eE+-]*\)$/\1/p' "$1" | tail -1; }

echo "real_sysbench: sysbench itself"
timed timeout 60 $(mutex_run 2 $locks_per_thread_2) >"$work/native.out" 2>&1
check "sysbench mutex runs natively and prints 'total time:' (exit $rc, $ms ms)" \
	grep -Eq "$total_time" "$work/native.out"
have_exec || { summary real_sysbench; exit; }

echo "real_sysbench: sysbench mutex under every mutual-exclusion lock"
mapfile -t locks < <(mutex_locks)
check "lockbench list names mutual-exclusion locks (${#locks[@]})" test ${#locks[@]} -gt 0
for lock in "${locks[@]}"; do
	for t in 2 4; do
		n=$([[ $t == 2 ]] && echo $locks_per_thread_2 || echo $locks_per_thread_4)
		tag=$lock-$t
		lbexec $timeout_s "$work/$tag.out" "$work/$tag.err" --lock "$lock" --metric "$total_time" \
			-- $(mutex_run "$t" "$n")
		st=$(metric_of "$work/$tag.err")
		check "$lock: sysbench mutex, $t threads x $n: exit $rc in $ms ms, --metric total time ${st:-?} s" \
			bash -c "[[ $rc == 0 && -n '$st' ]]" || why "$work/$tag.err"
	done
done

echo "real_sysbench: sysbench threads, events per second"
# The locks: glibc's (no --lock), the first sleeping lock and the first FIFO spinlock of the
# registry (the two behaviours sysbench threads' yield-inside-the-lock tells apart).
sleeper=$(locks_where " sleep " " (not-a-lock|test-only|reentrant|counting) " | grep -v '^pthread' | head -1)
fifo=$(locks_where " spin .*fifo | fifo .*spin " " (not-a-lock|test-only) " | head -1)
for lock in "" $sleeper $fifo; do
	lockarg=()
	[[ -n $lock ]] && lockarg=(--lock "$lock")
	tag=threads-${lock:-glibc}
	lbexec $timeout_s "$work/$tag.out" "$work/$tag.err" "${lockarg[@]}" --metric 'eps: ([0-9.]+)' \
		--higher-is-better -- sysbench threads --threads=2 --time=2 --report-interval=1 run
	eps=$(metric_of "$work/$tag.err")
	check "${lock:-glibc}: sysbench threads, 2 threads, 2 s: exit $rc, ${eps:-no} events/s" \
		bash -c "[[ $rc == 0 ]] && awk 'BEGIN { exit !(\"${eps:-0}\" + 0 > 0) }'" || why "$work/$tag.err"
done

echo "real_sysbench: negative control — a run that cannot finish is reported as timed out"
if [[ -n $fifo ]]; then
	lbexec 2 "$work/neg.out" "$work/neg.err" --lock "$fifo" -- $(mutex_run 4 100000000)
	check "$fifo, 4 threads x 10^8 with --timeout 2: exit $rc ($ms ms), not 0" test $rc != 0
	check "… within the timeout and its grace (< 15 s)" test $ms -lt 15000
	check "… and says it timed out: $(grep -im1 'time' "$work/neg.err")" grep -qi 'timed out\|timeout' "$work/neg.err"
else
	skip "no FIFO spinlock registered for the negative control"
fi
summary real_sysbench
