#!/usr/bin/env bash
# real_sysbench.sh LOCKBENCH BUILDDIR — sysbench, unmodified, under `lockbench exec` and every
# mutual-exclusion lock: `sysbench mutex` with real contention (one mutex, no work between
# acquisitions; the profile shows the threads met) at 2 threads (one per CPU here) and 4
# (oversubscribed on 2 CPUs), each finishing within its timeout with sysbench's "total time:"
# read by --metric; `sysbench threads` for a fixed time, its number of events (higher is
# better) read the same way.
# Negative control: the same run with a count no FIFO spinlock can finish in time is reported
# as timed out — the "completes within the timeout" check can fail.
set -u
source "$(dirname "$0")/../common/lib.sh"
source "$(dirname "$0")/real_lib.sh"
real_args real_sysbench "$@"
need sysbench
work=$(mktemp -d /tmp/lb-real-sysbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Acquisitions per thread. sysbench releases its threads together (a barrier), yet a thread
# does 10^4 acquisitions in under a millisecond, before the others are even scheduled: measured
# with --profile, 2..4 threads x 2*10^4 showed 0 contended acquisitions. At 10^5 a thread takes
# milliseconds and the threads do meet (ticket, 2 threads: 5537 of 200000 contended, 2.3 s at
# load average 30). But a FIFO spinlock (ticket, mcs, clh) with more threads than CPUs hands
# over only when the next waiter is scheduled, 10^2..10^3 times a second (`lockbench run --cs 0
# --ncs 0`, 4 threads on 2 CPUs: 124..160/s; 4 threads x 10^5 did not finish in 100 s), so at 4
# threads those locks get 300 each: at worst 1200 handovers, ~8 s.
locks_2=100000
locks_4=100000
locks_4_fifo=300
tries=3 # a run that by chance saw no contention (its threads never met) is repeated
timeout_s=60
total_time='total time: +([0-9.]+)s'

mutex_run() { # mutex_run THREADS N: the sysbench mutex command line
	echo sysbench mutex --threads="$1" --mutex-num=1 --mutex-loops=0 --mutex-locks="$2" run
}
# metric_of ERR: the value lockbench exec read with --metric (its stderr line "exec: metric V").
metric_of() { sed -n 's/^exec: metric \([0-9.eE+-]*\)$/\1/p' "$1" | tail -1; }
# busiest PROFILE.CSV: "acquisitions contended" of the mutex with the most acquisitions (the one
# sysbench mutex hammers; its start barrier's mutex is contended by design, so not "any row").
busiest() {
	python3 - "$1" <<'PY' 2>/dev/null
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r.get("acquisitions", "").isdigit()]
r = max(rows, key=lambda r: int(r["acquisitions"]))
print(r["acquisitions"], r["contended"])
PY
}

echo "real_sysbench: sysbench itself"
timed timeout 60 $(mutex_run 2 $locks_2) >"$work/native.out" 2>&1
check "sysbench mutex runs natively and prints 'total time:' (exit $rc, $ms ms)" \
	grep -Eq "$total_time" "$work/native.out"
have_exec || { summary real_sysbench; exit; }

echo "real_sysbench: sysbench mutex under every mutual-exclusion lock (--profile counts the contention)"
mapfile -t locks < <(mutex_locks)
check "lockbench list names mutual-exclusion locks (${#locks[@]})" test ${#locks[@]} -gt 0
for lock in "${locks[@]}"; do
	for t in 2 4; do
		n=$locks_2
		((t == 4)) && n=$locks_4
		((t == 4)) && fifo_spinner "$lock" && n=$locks_4_fifo
		# Contention is required where the counts make it near certain; a FIFO spinlock's 300
		# at 4 threads only reports it.
		must_meet=$((n >= 100000))
		tag=$lock-$t
		for try in $(seq 1 $tries); do
			rm -rf "$work/$tag.prof"
			lbexec $timeout_s "$work/$tag.out" "$work/$tag.err" --lock "$lock" --profile \
				--out "$work/$tag.prof" --metric "$total_time" -- $(mutex_run "$t" "$n")
			read -r acq cont < <(busiest "$work/$tag.prof/profile.csv")
			((rc != 0 || !must_meet || ${cont:-0} > 0)) && break
		done
		st=$(metric_of "$work/$tag.err")
		check "$lock: sysbench mutex, $t threads x $n: exit $rc in $ms ms, --metric total time ${st:-?} s" \
			bash -c "[[ $rc == 0 && -n '$st' ]]" || why "$work/$tag.err"
		if ((must_meet)); then
			check "$lock: … the threads met: ${cont:-?} of ${acq:-?} acquisitions contended (try $try)" \
				test "${cont:-0}" -gt 0
		else
			echo "    $lock: ${cont:-?} of ${acq:-?} acquisitions contended"
		fi
	done
done

echo "real_sysbench: sysbench threads, events in a fixed time"
# The locks: glibc's (no --lock), the first sleeping lock and the first FIFO spinlock of the
# registry (the two behaviours sysbench threads' yield-inside-the-lock tells apart).
sleeper=$(locks_where " sleep " " (not-a-lock|test-only|reentrant|counting) " | grep -v '^pthread' | head -1)
fifo=$(locks_where " spin .*fifo | fifo .*spin " " (not-a-lock|test-only) " | head -1)
for lock in "" $sleeper $fifo; do
	lockarg=()
	[[ -n $lock ]] && lockarg=(--lock "$lock")
	tag=threads-${lock:-glibc}
	# The events of the whole run, not the last per-second report: under a FIFO spinlock on a
	# loaded machine the last second can hold no finished event (CI saw "eps: 0" there), while
	# the events of the run are counted when the run ends. Shorter events (100 yields, not
	# sysbench's 1000) make finishing some likely even then.
	lbexec $timeout_s "$work/$tag.out" "$work/$tag.err" "${lockarg[@]}" \
		--metric 'total number of events: +([0-9]+)' --higher-is-better -- \
		sysbench threads --threads=2 --time=2 --thread-yields=100 run
	eps=$(metric_of "$work/$tag.err")
	check "${lock:-glibc}: sysbench threads, 2 threads, 2 s: exit $rc, ${eps:-no} events in all" \
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
