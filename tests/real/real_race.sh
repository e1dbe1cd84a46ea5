#!/usr/bin/env bash
# real_race.sh LOCKBENCH BUILDDIR — our own race_demo (tests/programs/) under `lockbench exec`:
# every mutual-exclusion lock keeps its totals right (the counter race of statically initialised
# normal, recursive and error-checking mutexes and a spinlock; the condvar producer/consumer), and
# the no-exclusion lock loses updates — which is also the proof that the program's own mutexes
# were replaced. LOCKBENCH_PRELOAD_STATS shows the calls reached the interposer.
# Negative controls: race_demo's planted bugs, run without the interposer, make the same checks
# fail (lost updates, a lost item).
set -u
source "$(dirname "$0")/../common/lib.sh"
source "$(dirname "$0")/real_lib.sh"
real_args real_race "$@"
demo=$build/tests/programs/race_demo
work=$(mktemp -d /tmp/lb-real-race.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Counts: small enough for a spinlock on a loaded 2-CPU machine, big enough to overlap.
# Measured on 2 CPUs at load average 25..30: the counter race, 2 threads x 5000 x 4 mutexes,
# 10..250 ms under every lock; the producer/consumer, where a woken consumer spins for the mutex
# while the thread that holds it waits for a CPU, 5000 items in 12..19 s under tas, ttas,
# pthread-spin, ck-fas and 13..21 s under ticket, mcs, clh at 2 threads, ~17 items/s under a FIFO
# spinlock at 4. So spinning locks pass spin_items through the queue (500 items: 0.1..9 s then;
# 100 at 4 threads: 0.1..7 s); the sleeping ones take `items` in milliseconds.
iters=5000
items=5000
spin_items=(500 100) # at 2 threads, at 4
# No exclusion (null, and the planted bug): two threads lose updates only while both are on a CPU
# at once, which a busy machine makes rare; measured at load average 25 on 2 CPUs, the planted
# bug lost updates in 1 of 5 runs at 10^6 increments per thread, in 4 of 5 at 4*10^6.
race_iters=4000000
race_tries=5

# lost_updates FILE: the counter line says updates were lost.
lost_updates() { grep -Eq '^counter=[0-9]+ expected=[0-9]+ \(lost updates\)' "$1"; }
# totals_right FILE: every total line of race_demo is right.
totals_right() {
	grep -q '^counter=' "$1" && grep -q '^items=' "$1" && ! grep -Eq '\((lost updates|too many|wrong)\)' "$1" &&
		grep -q '^errorcheck_semantics=ok' "$1"
}
# counter_right FILE RC / prodcons_right FILE RC ITEMS: one mode's run exited 0 with its totals right.
counter_right() {
	[[ $2 == 0 ]] && grep -q '^counter=' "$1" && grep -q '^errorcheck_semantics=ok' "$1" &&
		! grep -Eq '\((lost updates|too many)\)' "$1"
}
prodcons_right() {
	[[ $2 == 0 ]] && grep -Eq "^items=$3 expected=$3 .*duplicates=0 missing=0 " "$1" && ! grep -q '(wrong)' "$1"
}

echo "real_race: race_demo's checks, without the interposer"
check "race_demo is built" test -x "$demo" || { summary real_race; exit; }
timed timeout 60 "$demo" --threads 2 --iters $iters --items $items >"$work/native.out" 2>&1
check "natively, every total is right (exit $rc)" counter_right "$work/native.out" $rc
check "… and the producer/consumer's" prodcons_right "$work/native.out" $rc $items
seen=0
for try in $(seq 1 $race_tries); do
	timeout 60 "$demo" --threads 2 --iters $race_iters --mode counter --plant-bug outside \
		>"$work/plant.out" 2>&1
	rc=$?
	if ((rc == 1)) && lost_updates "$work/plant.out"; then seen=$try; break; fi
done
check "negative control: increments outside the lock lose updates (try $seen of $race_tries)" test $seen -gt 0
check "… the check every lock must pass fails it" not counter_right "$work/plant.out" 0
timeout 60 "$demo" --threads 4 --items $items --mode prodcons --plant-bug lose-item >"$work/lose.out" 2>&1
rc=$?
check "negative control: a dropped item is seen (exit $rc, $(grep -o 'missing=[0-9]*' "$work/lose.out"))" \
	test $rc = 1
check "… the check every lock must pass fails it" not prodcons_right "$work/lose.out" 0 $items
timeout 10 "$demo" --mode nonsense >/dev/null 2>"$work/usage.err"
rc=$?
check "a bad option is a usage error (exit $rc): $(head -1 "$work/usage.err")" test $rc = 2

have_exec || { summary real_race; exit; }

# run_demo LOCK TAG DEMO-ARGS...: race_demo under lockbench exec (LOCK "" = glibc underneath),
# counting its pthread calls; output in $work/TAG.{out,err,stats}.
run_demo() {
	local lock=$1 tag=$2 lockarg=()
	shift 2
	[[ -n $lock ]] && lockarg=(--lock "$lock")
	rm -f "$work/$tag.stats"
	LOCKBENCH_PRELOAD_STATS=$work/$tag.stats lbexec 60 "$work/$tag.out" "$work/$tag.err" \
		"${lockarg[@]}" -- "$demo" "$@"
}
# interposed FILE / forwarded FILE: the calls of the stats file's (one) process that reached the
# interposer, and those it forwarded to glibc.
interposed() { sed -n 's/.*interposed=\([0-9]*\).*/\1/p' "$1" 2>/dev/null | head -1; }
forwarded() { sed -n 's/.* real=\([0-9]*\).*/\1/p' "$1" 2>/dev/null | head -1; }

echo "real_race: glibc's mutex underneath (no --lock): counted, still right"
run_demo "" glibc --threads 2 --iters $iters --items $items
check "race_demo exits 0 under exec without --lock (exit $rc, $ms ms)" test $rc = 0 || why "$work/glibc.err"
check "… every total right" totals_right "$work/glibc.out"
n=$(interposed "$work/glibc.stats")
# Each counter thread locks 4 times per iteration: a lower bound on what must reach our code.
check "… LOCKBENCH_PRELOAD_STATS: ${n:-no} interposed calls >= $((8 * iters))" \
	test "${n:-0}" -ge $((8 * iters))
f=$(forwarded "$work/glibc.stats")
check "… forwarded to glibc's mutex underneath (real=${f:-none} > 0): the negative of 'none escaped'" \
	test "${f:-0}" -gt 0

echo "real_race: every mutual-exclusion lock keeps the totals right"
mapfile -t locks < <(mutex_locks)
check "lockbench list names mutual-exclusion locks (${#locks[@]})" test ${#locks[@]} -gt 0
for lock in "${locks[@]}"; do
	run_demo "$lock" "c-$lock" --threads 2 --iters $iters --mode counter
	c_rc=$rc c_ms=$ms
	check "$lock: counter race, 2 threads x $iters x 4 mutexes: exit $c_rc ($c_ms ms)" \
		counter_right "$work/c-$lock.out" $c_rc ||
		{ rc=$c_rc ms=$c_ms why "$work/c-$lock.err"; grep -v '^timedlock' "$work/c-$lock.out" | sed 's/^/        /'; }
	n=$(interposed "$work/c-$lock.stats")
	check "$lock: ${n:-no} calls reached the interposer (>= $((8 * iters)))" test "${n:-0}" -ge $((8 * iters))
	# race_demo has no process-shared, robust or priority mutex: nothing may go to glibc.
	f=$(forwarded "$work/c-$lock.stats")
	check "$lock: … and none escaped to glibc (real=${f:-none})" test "${f:-x}" = 0
	for t in 2 4; do
		n=$items
		spinner "$lock" && n=${spin_items[t / 4]}
		run_demo "$lock" "p$t-$lock" --threads $t --items $n --mode prodcons
		check "$lock: producer/consumer, $((t / 2))+$((t / 2)) threads, $n items once each: exit $rc ($ms ms)" \
			prodcons_right "$work/p$t-$lock.out" $rc $n ||
			{ why "$work/p$t-$lock.err"; sed 's/^/        /' "$work/p$t-$lock.out"; }
	done
done

echo "real_race: no exclusion loses updates (the replacement really happens)"
null=$(null_lock)
check "lockbench list has a not-a-lock lock (${null:-none})" test -n "$null"
if [[ -n $null ]]; then
	seen=0
	for try in $(seq 1 $race_tries); do
		run_demo "$null" null --threads 2 --iters $race_iters --mode counter
		if ((rc == 1)) && lost_updates "$work/null.out"; then seen=$try; break; fi
		echo "    try $try: exit $rc, $(head -1 "$work/null.out")"
	done
	check "$null: lost updates seen (try $seen of $race_tries): $(head -1 "$work/null.out")" test $seen -gt 0
fi
summary real_race
