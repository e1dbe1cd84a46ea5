#!/bin/sh
# bench_preload.sh — the interposer's own cost on the sysbench mutex case, by LD_PRELOAD directly.
#
# Not a test (it times things, and this machine is shared and noisy): a measurement to run by
# hand, registered as a meson benchmark (`meson test -C BUILD --benchmark --suite preload-bench`)
# or run as
#
#   tests/preload/bench_preload.sh [LIB] [REPS] [LOCKS]
#
#   LIB    liblockbench-preload.so (default: $LBP_PRELOAD_LIB, else
#          build/bench/preload/liblockbench-preload.so)
#   REPS   rounds (default 5); each round runs every configuration once in order and once in
#          reverse (ABBA), so slow drifts of the machine hit every configuration alike
#   N      (environment) --mutex-locks per thread, default 5000000
#
# Configurations: plain (no LD_PRELOAD); glibc (the library, LOCKBENCH_LOCK unset: glibc's mutex
# underneath); glibc+prof (the same with LOCKBENCH_PROFILE_DIR); then each LOCK of LOCKS
# (default "pthread-mutex futex") as LOCKBENCH_LOCK, and pthread-mutex+prof. Each run's
# sysbench "total time:" is divided by the plain run of the same round and half (A or B); the
# script prints, per configuration, the median of those ratios, their min and max, and the
# median time. The workload is
#
#   sysbench mutex --threads=2 --mutex-num=1 --mutex-loops=0 --mutex-locks=N run
#
# Another benchmark, through `lockbench exec`, lives in tests/real/; this one isolates the
# library. Needs sysbench; exits 77 (skipped) without it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lib=${1:-${LBP_PRELOAD_LIB:-$here/../../build/bench/preload/liblockbench-preload.so}}
reps=${2:-5}
locks=${3:-pthread-mutex futex}
n=${N:-5000000}
command -v sysbench >/dev/null 2>&1 || { echo "bench_preload: sysbench not installed"; exit 77; }
[ -f "$lib" ] || { echo "bench_preload: no library at $lib" >&2; exit 1; }
case $lib in /*) ;; *) lib=$(pwd)/$lib ;; esac
prof=$(mktemp -d)
out=$(mktemp)
trap 'rm -rf "$prof" "$out"' EXIT INT TERM

configs="plain glibc glibc+prof"
for l in $locks; do configs="$configs $l"; done
configs="$configs pthread-mutex+prof"

# one CONFIG: prints sysbench's total time in seconds
one() {
	c=$1
	set --
	case $c in
	plain) ;;
	glibc) set -- env LD_PRELOAD="$lib" ;;
	glibc+prof) set -- env LD_PRELOAD="$lib" LOCKBENCH_PROFILE_DIR="$prof" ;;
	*+prof) set -- env LD_PRELOAD="$lib" LOCKBENCH_LOCK="${c%+prof}" LOCKBENCH_PROFILE_DIR="$prof" ;;
	*) set -- env LD_PRELOAD="$lib" LOCKBENCH_LOCK="$c" ;;
	esac
	t=$(timeout 300 "$@" sysbench mutex --threads=2 --mutex-num=1 --mutex-loops=0 \
		--mutex-locks="$n" run 2>/dev/null | awk '/total time:/ { sub("s$", "", $3); print $3 }')
	rm -f "$prof"/prof.*.lbp
	[ -n "$t" ] || { echo "bench_preload: $c: no 'total time:' from sysbench" >&2; exit 1; }
	echo "$t"
}

reverse() { for w in "$@"; do r="$w ${r:-}"; done; echo "$r"; r=; }

r=
for rep in $(seq 1 "$reps"); do
	for half in A B; do
		order=$configs
		[ $half = B ] && order=$(reverse $configs)
		for c in $order; do
			echo "$rep$half $c $(one "$c")" >>"$out"
		done
	done
	echo "round $rep/$reps done" >&2
done

# ratio to the plain run of the same round-half; medians per configuration
awk -v configs="$configs" -v lib="$lib" -v n="$n" -v reps="$reps" '
	{ t[$1, $2] = $3; rounds[$1] = 1 }
	function median(a, k,   i, j, x) {
		for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	END {
		printf "library %s, N=%s, %d rounds x ABBA\n", lib, n, reps
		printf "%-20s %8s %8s %8s %10s\n", "config", "median", "min", "max", "median_s"
		nc = split(configs, cs, " ")
		for (i = 1; i <= nc; i++) {
			k = 0; delete ra; delete ts
			for (r in rounds) { k++; ra[k] = t[r, cs[i]] / t[r, "plain"]; ts[k] = t[r, cs[i]] }
			lo = hi = ra[1]
			for (j = 1; j <= k; j++) { if (ra[j] < lo) lo = ra[j]; if (ra[j] > hi) hi = ra[j] }
			printf "%-20s %8.3f %8.3f %8.3f %10.4f\n", cs[i], median(ra, k), lo, hi, median(ts, k)
		}
	}' "$out"
