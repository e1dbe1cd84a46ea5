#!/usr/bin/env bash
# scripts/perf-targets.sh — check every performance target of issue 6 (docs/PERFORMANCE.md) and
# print one line per target: the measured median ratio (or time), its spread, the goal, and
# met/missed. `meson test -C build --benchmark perf_targets` runs it with the build's binaries.
#
#   bash scripts/perf-targets.sh [--lockbench PATH] [--bench-floor PATH] [--reps N (11)]
#                                [--duration TIME (500ms)] [--no-sweep] [--keep DIR]
#
# What it runs, in this order (about 15 minutes on the 2-CPU VM; 9 with --no-sweep):
#   1. tests/bench_floor: the harness floor (worker loop on `null` / bare loop), in process.
#   2. `lockbench pair` with the reference pairs (our locks against ck-* and pthread-*) and the
#      timing pairs (each lock with latency timing on against itself with --no-timing), all
#      interleaved in one process (the list is below; the raw rows go to pairs.csv).
#   3. Histogram memory: the peak RSS of `lockbench run` with a 0.2 s and a 2 s window.
#   4. The default sweep and --quick, each with and without the report (wall time; --no-sweep
#      skips this).
# Only ratios taken side by side are compared (the machine is shared and noisy); the raw figures
# are kept with --keep DIR. Exit status: 0 when every target is met, 1 when one is missed or a
# run failed, 2 usage.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

die_usage() {
	echo "perf-targets: $*" >&2
	exit 2
}

lockbench=""
floor=""
reps=11
duration=500ms
sweep=1
keep=""
while (($#)); do
	case $1 in
	--lockbench) (($# >= 2)) || die_usage "--lockbench: expected a path"; lockbench=$2; shift 2 ;;
	--bench-floor) (($# >= 2)) || die_usage "--bench-floor: expected a path"; floor=$2; shift 2 ;;
	--reps) (($# >= 2)) || die_usage "--reps: expected a number"; reps=$2; shift 2 ;;
	--duration) (($# >= 2)) || die_usage "--duration: expected a time"; duration=$2; shift 2 ;;
	--no-sweep) sweep=0; shift ;;
	--keep) (($# >= 2)) || die_usage "--keep: expected a directory"; keep=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) die_usage "unknown argument '$1'; see --help" ;;
	esac
done
build=$top/${LB_BUILD:-build}
[[ -n $lockbench ]] || lockbench=$build/bench/lockbench
[[ -n $floor ]] || floor=$build/tests/bench_floor
[[ -x $lockbench ]] || die_usage "--lockbench: '$lockbench' is not an executable"
[[ -x $floor ]] || die_usage "--bench-floor: '$floor' is not an executable"
[[ $reps =~ ^[0-9]+$ ]] && ((reps >= 7)) || die_usage "--reps: '$reps': the targets want 7 or more"

if [[ -n $keep ]]; then
	mkdir -p "$keep" || exit 1
	work=$keep
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/perf-targets.XXXXXX") || exit 1
	trap 'rm -rf "$work"' EXIT
fi

missed=0
failed=0
lines=()
# One target line: name, median, spread, goal, verdict.
target() {
	lines+=("$(printf '%-46s %9s  %-24s %-17s %s' "$1" "$2" "$3" "$4" "$5")")
	[[ $5 == met ]] || missed=$((missed + 1))
}

echo "perf-targets: $("$lockbench" --version), $(uname -n), $(nproc) CPUs, load average" \
	"$(cut -d' ' -f1-3 /proc/loadavg)" >&2

# 1. The harness floor.
echo "perf-targets: 1/4 harness floor ($floor)" >&2
if "$floor" >"$work/floor.txt" 2>&1; then
	sed 's/^/  /' "$work/floor.txt" >&2
	while read -r _ which _ m _ lo _ hi _ _ goal verdict; do
		target "harness floor null/bare loop, timing $which" "$m" "$lo-$hi" "<=$goal" "$verdict"
	done < <(grep '^floor ' "$work/floor.txt" | sed 's/^floor timing-\([a-z]*\)/floor \1/')
else
	cat "$work/floor.txt" >&2
	failed=1
fi

# 2. Reference pairs and timing pairs, one interleaved `lockbench pair` run. A pair is
# A:B@THREADS>=MIN, with ,jain>=B (A's fairness no worse than B's) or ,jain>=X (A's median Jain
# at least X); `lockbench pair --help` says how they are judged. Our locks against the library
# ones (ck-* pairs are skipped in a build without Concurrency Kit):
pairs=(
	"ttas:ck-fas@1>=0.95,jain>=B" "ttas:ck-fas@2>=0.95,jain>=B"
	"ticket:ck-ticket@1>=0.95,jain>=B" "ticket:ck-ticket@2>=0.95,jain>=B"
	"mcs:ck-mcs@1>=0.95,jain>=B" "mcs:ck-mcs@2>=0.95,jain>=B"
	"clh:ck-clh@1>=0.95,jain>=B" "clh:ck-clh@2>=0.95,jain>=B"
	"futex:pthread-mutex@1>=0.90" "futex:pthread-mutex@2>=0.95"
	"futex:pthread-mutex@4>=0.95" "futex:pthread-mutex@8>=0.95"
	"futex-spin:pthread-mutex@2>=1.30,jain>=0.9" "futex-spin:futex@2>=1.00,jain>=0.9"
	"futex-spin:pthread-adaptive@2>=1.00,jain>=0.9" "futex-spin:futex@8>=0.90"
)
# … and each lock with latency timing on against itself with timing off.
for lock in ttas mcs futex pthread-mutex; do
	for t in 1 2; do
		pairs+=("$lock:$lock+no-timing@$t>=0.90")
	done
done
echo "perf-targets: 2/4 reference and timing pairs (lockbench pair, $reps repetitions)" >&2
"$lockbench" pair --reps "$reps" --duration "$duration" --raw "$work/pairs.csv" "${pairs[@]}" \
	>"$work/pairs.txt" 2>"$work/pairs.err"
rc=$?
((rc == 0 || rc == 3)) || failed=1 # 3: a target missed, which the lines below say
grep -v '^lockbench: pair: repetition' "$work/pairs.err" >&2
cat "$work/pairs.txt" >&2
while read -r pair threads _ _ m se spread _ _ goal rest; do
	[[ $pair == pair ]] && continue
	verdict=missed
	[[ $rest == PASS* ]] && verdict=met
	[[ $rest == MISS* ]] && verdict="missed ${rest#MISS }"
	name="$pair @$threads"
	[[ $pair == *+no-timing ]] && name="timing on/off ${pair%%:*} @$threads"
	target "$name" "$m" "$spread +-$se%" "$goal" "$verdict"
done <"$work/pairs.txt"

# 3. Histogram memory: the peak RSS must not grow with the window.
echo "perf-targets: 3/4 histogram memory (peak RSS at 0.2 s and 2 s windows)" >&2
rss() {
	/usr/bin/time -f '%M' -o "$work/rss" "$lockbench" run --lock futex --threads 2 --duration "$1" \
		--format csv >/dev/null 2>&1 && cat "$work/rss"
}
if [[ -x /usr/bin/time ]]; then
	short=$(rss 200ms) long=$(rss 2s)
	if [[ -n $short && -n $long ]]; then
		ratio=$(awk -v a="$long" -v b="$short" 'BEGIN { printf "%.3f", a / b }')
		v=$(awk -v r="$ratio" 'BEGIN { print r <= 1.05 ? "met" : "missed" }')
		target "histogram memory: peak RSS 2 s / 0.2 s window" "$ratio" "$long/$short kB" "<=1.05" "$v"
	else
		failed=1
	fi
else
	echo "perf-targets: /usr/bin/time is not installed: histogram memory not measured" >&2
	target "histogram memory: peak RSS 2 s / 0.2 s window" - - "<=1.05" "missed (not measured)"
fi

# 4. Sweep wall time.
if ((sweep)); then
	echo "perf-targets: 4/4 sweep wall time (default and --quick, with and without the report)" >&2
	for quick in "" --quick; do
		for report in --no-report ""; do
			out=$work/sweep${quick:+-quick}${report:+-noreport}
			rm -rf "$out"
			t0=$(date +%s.%N)
			# shellcheck disable=SC2086 # empty options vanish
			"$lockbench" sweep $quick $report --out "$out" >"$out.log" 2>&1 || failed=1
			s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
			limit=$([[ -n $quick ]] && echo 20 || echo 120)
			v=$(awk -v s="$s" -v l="$limit" 'BEGIN { print s < l ? "met" : "missed" }')
			target "sweep ${quick:-default}${report:+ $report} wall time (s)" "$s" - "<$limit" "$v"
		done
	done
else
	echo "perf-targets: 4/4 sweep wall time skipped (--no-sweep)" >&2
fi

echo
printf '%-46s %9s  %-24s %-17s %s\n' target median "min-max +-se" goal verdict
printf '%s\n' "${lines[@]}"
echo "perf-targets: $((${#lines[@]} - missed)) met, $missed missed$( ((failed)) && echo ', and a run failed (see above)')"
((failed || missed)) && exit 1
exit 0
