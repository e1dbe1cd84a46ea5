#!/usr/bin/env bash
# real_overhead.sh LOCKBENCH BUILDDIR [PAIRS] — what `lockbench exec` costs a program (a meson
# benchmark, never a test: it times things and never fails on speed).
#
#   interposition: sysbench mutex plain  vs  under `lockbench exec --lock pthread-mutex`
#                  (our interposer around glibc's own mutex: the same lock, our path to it)
#   profile:       `lockbench exec --lock pthread-mutex`  vs  the same with --profile
#   bookkeeping:   plain  vs  `lockbench exec` without --lock (no goal: says where the cost is)
#
# Each comparison runs PAIRS (default 5) ABBA blocks — A B B A — so that a drift of the machine
# (a neighbour starting, the CPU clock) weighs on both sides alike; the ratio of each block is
# (B1 + B2) / (A1 + A2) of wall times, and the median of those ratios is printed beside the goal:
# <= 1.05x for interposition, <= 1.10x for the profile. sysbench's own "total time:" ratio is
# printed too (it leaves out process start and the profile's post-processing).
# Exit 0 whenever every run completed; 1 when one failed (a broken run is not a speed).
set -u
source "$(dirname "$0")/../common/lib.sh"
source "$(dirname "$0")/real_lib.sh"
real_args real_overhead "${1:-}" "${2:-}"
pairs=${3:-5}
need sysbench
work=$(mktemp -d /tmp/lb-real-overhead.XXXXXX)
trap 'rm -rf "$work"' EXIT
base=pthread-mutex
if ! "$lb" list --format csv | cut -d, -f1 | grep -qx "$base"; then
	echo "real_overhead: lock $base is not registered: nothing to compare"
	exit 1
fi
have_exec || { summary real_overhead; exit; }
# 2 threads, one mutex, nothing between acquisitions: the worst case for a per-call cost.
prog=(sysbench mutex --threads=2 --mutex-num=1 --mutex-loops=0 --mutex-locks=3000000 run)
failures=0

# one SIDE: run one side of a comparison; "wall_us sysbench_s" into $work/last.
one() {
	local t0 t1 rc cmd
	case $1 in
	plain) cmd=(timeout 120 "${prog[@]}") ;;
	exec) cmd=(timeout 120 "$lb" exec --lock "$base" --timeout 100 -- "${prog[@]}") ;;
	counted) cmd=(timeout 120 "$lb" exec --timeout 100 -- "${prog[@]}") ;;
	profile)
		rm -rf "$work/prof"
		cmd=(timeout 120 "$lb" exec --lock "$base" --profile --out "$work/prof" --timeout 100 -- "${prog[@]}")
		;;
	esac
	t0=$(date +%s%N)
	"${cmd[@]}" >"$work/out" 2>"$work/err"
	rc=$?
	t1=$(date +%s%N)
	if ((rc != 0)); then
		echo "real_overhead: $1 run failed (exit $rc): $(tail -2 "$work/err" | tr '\n' ' ')" >&2
		failures=$((failures + 1))
	fi
	echo "$(((t1 - t0) / 1000)) $(grep -Eo 'total time: +[0-9.]+' "$work/out" | grep -Eo '[0-9.]+$' || echo 0)" \
		>"$work/last"
}

# compare NAME A B GOAL: PAIRS ABBA blocks; prints the median ratios and the verdict.
compare() {
	local name=$1 a=$2 b=$3 goal=$4 i
	: >"$work/ratios"
	for i in $(seq 1 "$pairs"); do
		one "$a"; read -r wa1 sa1 <"$work/last"
		one "$b"; read -r wb1 sb1 <"$work/last"
		one "$b"; read -r wb2 sb2 <"$work/last"
		one "$a"; read -r wa2 sa2 <"$work/last"
		echo "$wa1 $wb1 $wb2 $wa2 $sa1 $sb1 $sb2 $sa2" >>"$work/ratios"
	done
	awk -v name="$name" -v a="$a" -v b="$b" -v goal="$goal" '
		function median(v, n,   i, j, t) {
			for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
				t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
			}
			return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		}
		{
			n++
			w[n] = ($2 + $3) / ($1 + $4)
			s[n] = ($5 + $8) > 0 ? ($6 + $7) / ($5 + $8) : 0
			wa += $1 + $4; wb += $2 + $3
		}
		END {
			mw = median(w, n); ms = median(s, n)
			printf "%s: %s vs %s, %d ABBA blocks: median wall ratio %.3fx (mean wall %.3f s vs %.3f s), sysbench total-time ratio %.3fx; ",
				name, b, a, n, mw, wa / (2 * n) / 1e6, wb / (2 * n) / 1e6, ms
			if (goal == "-") print "no goal (where the cost is)"
			else printf "goal <= %.2fx: %s\n", goal, mw <= goal ? "met" : "NOT met"
		}' "$work/ratios"
}

echo "real_overhead: ${prog[*]}; $base underneath; $pairs ABBA blocks per comparison"
compare interposition plain exec 1.05
# Where the interposition's cost is: the same without a replacement lock (glibc's mutex stays,
# every call still passes through the interposer's bookkeeping).
compare bookkeeping plain counted -
compare profile exec profile 1.10
if ((failures)); then
	echo "real_overhead: $failures runs failed"
	exit 1
fi
