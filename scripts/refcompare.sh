#!/usr/bin/env bash
# scripts/refcompare.sh — "is my lock as good as the library one?": runs our locks next to the
# reference locks (Concurrency Kit's ck-* when lockbench has them, glibc's pthread-* always) in
# one run and prints, per pair, the median throughput ratio with its spread and both fairnesses.
#
#   bash scripts/refcompare.sh [--lockbench PATH] [--plugin PATH.so]... [--reps N]
#                              [--duration TIME] [--warmup TIME] [--raw FILE] [PAIR...]
#
# A PAIR is A:B@THREADS[>=TARGET]: lock A against lock B at THREADS threads, ratio = A's Mops/s
# over B's. A or B may carry `lockbench run` options as +name or +name=value (`+no-timing`,
# `+cs=1us`), so the same lock with and without an option is a pair too. Without PAIRs (or with
# the word `default` among them), the default set: every target of issue 6 that compares a lock
# with a reference (docs/PERFORMANCE.md).
#
# Method (the machine is shared and noisy, so only ratios taken side by side mean anything):
# every measurement is one `lockbench run` (a fresh process, the default workload: --cs 100ns
# --ncs 100ns, compact placement). Repetitions are the outer loop, pairs the inner one, so a
# noisy minute spoils one repetition of every pair rather than every repetition of one. Within a
# repetition A and B run back to back, A first in odd repetitions and B first in even ones
# (ABBA), which cancels a steady drift. The ratio of that repetition is A/B; the verdict uses the
# median of the ratios, and min–max of the ratios is printed beside it. Fairness is Jain's index
# over the threads' operation counts (1 = equal shares), the median over the repetitions.
# +-se% is the median ratio's standard error, estimated from the interquartile range of the
# log ratios: a median within about two of them of 1 cannot be told from parity. The defaults
# (9 repetitions of 500 ms) are a compromise measured here: 2-thread spinlock pairs of a lock
# with itself gave a standard error of 6-9 % with 15 x 200 ms and 3-7 % with 9 x 600 ms, at the
# same total time; 41 x 50 ms gave 14 % (docs/PERFORMANCE.md).
#
# Verdicts (only where the pair has a target: given with >=X, or the same pair in the default set):
#   PASS   median ratio >= target, and the fairness rule holds
#   MISS   otherwise (the reason is printed)
# Fairness rules of the default set: `jain>=B` (the issue's "fairness no worse") holds when the
# median over the repetitions of Jain(A)/Jain(B) is at least 0.99 (paired like the throughput:
# a preemption that spoils one run's index spoils one ratio, not the verdict); `jain>=0.9` is an
# absolute floor on A's median Jain.
# Exit status: 0 every run finished (whatever the verdicts), 1 a run failed, 2 usage.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

# The default set: pair, ratio target, fairness rule (- none, ref, or a number for A's Jain).
default_pairs=(
	"ttas:ck-fas@1 0.95 ref"
	"ttas:ck-fas@2 0.95 ref"
	"ticket:ck-ticket@1 0.95 ref"
	"ticket:ck-ticket@2 0.95 ref"
	"mcs:ck-mcs@1 0.95 ref"
	"mcs:ck-mcs@2 0.95 ref"
	"clh:ck-clh@1 0.95 ref"
	"clh:ck-clh@2 0.95 ref"
	"futex:pthread-mutex@1 0.90 -"
	"futex:pthread-mutex@2 0.95 -"
	"futex:pthread-mutex@4 0.95 -"
	"futex:pthread-mutex@8 0.95 -"
	"futex-spin:pthread-mutex@2 1.30 0.9"
	"futex-spin:futex@2 1.00 0.9"
	"futex-spin:pthread-adaptive@2 1.00 0.9"
	"futex-spin:futex@8 0.90 -"
)

usage() {
	cat <<EOF
usage: bash scripts/refcompare.sh [OPTIONS] [PAIR...]

Runs each PAIR's two locks side by side (interleaved, ABBA) and prints the median of the
per-repetition throughput ratios A/B, their min-max, both locks' Jain fairness, and PASS/MISS
where the pair has a target.

  --lockbench PATH   the lockbench executable (default: \$LB_BUILD/bench/lockbench with
                     LB_BUILD=build, else lockbench in PATH)
  --plugin PATH.so   load your own locks (docs/PLUGINS.md) for every run; repeatable
  --reps N           repetitions of each pair (default 9; targets want >= 7)
  --duration TIME    each run's measured window (default 500ms)
  --warmup TIME      each run's warm-up (default: lockbench run's, 200ms)
  --raw FILE         also write every run's figures there (one line per repetition and pair)
  --help             this text

PAIR is A:B@THREADS[>=TARGET], e.g. ttas:ck-fas@2 or 'futex:futex+no-timing@2>=0.9', or
the word default for the default pairs.
A and B are lock names (lockbench list), each optionally followed by +OPTION or +OPTION=VALUE,
passed to lockbench run as --OPTION [VALUE]. Default pairs (target, fairness rule):
EOF
	local p
	for p in "${default_pairs[@]}"; do
		set -- $p
		printf '  %-32s >= %s%s\n' "$1" "$2" \
			"$([[ $3 == - ]] || { [[ $3 == ref ]] && echo ', Jain no worse than B' || echo ", Jain of A >= $3"; })"
	done
	cat <<EOF
Pairs whose reference is not registered (ck-* in a build without Concurrency Kit) are skipped
with a note. Exit status: 0 all runs finished, 1 a run failed, 2 usage error.
EOF
}

die_usage() {
	echo "refcompare: $*" >&2
	exit 2
}

lockbench=""
reps=9
duration=500ms
warmup=""
raw=""
plugins=()
pairs=()
while (($#)); do
	case $1 in
	--lockbench) (($# >= 2)) || die_usage "--lockbench: expected a path"; lockbench=$2; shift 2 ;;
	--lockbench=*) lockbench=${1#*=}; shift ;;
	--reps) (($# >= 2)) || die_usage "--reps: expected a number"; reps=$2; shift 2 ;;
	--reps=*) reps=${1#*=}; shift ;;
	--duration) (($# >= 2)) || die_usage "--duration: expected a time"; duration=$2; shift 2 ;;
	--duration=*) duration=${1#*=}; shift ;;
	--warmup) (($# >= 2)) || die_usage "--warmup: expected a time"; warmup=$2; shift 2 ;;
	--warmup=*) warmup=${1#*=}; shift ;;
	--raw) (($# >= 2)) || die_usage "--raw: expected a file"; raw=$2; shift 2 ;;
	--plugin) (($# >= 2)) || die_usage "--plugin: expected a path"; plugins+=(--plugin "$2"); shift 2 ;;
	--plugin=*) plugins+=(--plugin "${1#*=}"); shift ;;
	--raw=*) raw=${1#*=}; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) die_usage "unknown option '$1'; see --help" ;;
	*) pairs+=("$1"); shift ;;
	esac
done
[[ $reps =~ ^[0-9]+$ ]] && ((reps >= 1 && reps <= 1000)) ||
	die_usage "--reps: '$reps' is not an integer in 1..1000"
if [[ -z $lockbench ]]; then
	lockbench=$top/${LB_BUILD:-build}/bench/lockbench
	[[ -x $lockbench ]] || lockbench=$(command -v lockbench || true)
	[[ -n $lockbench ]] || die_usage "no lockbench found: build it (meson setup build && ninja -C build) or give --lockbench PATH"
fi
[[ -x $lockbench ]] || die_usage "--lockbench: '$lockbench' is not an executable"
[[ -f $here/lbcsv.awk ]] || { echo "refcompare: $here/lbcsv.awk is missing" >&2; exit 1; }

registered=" $("$lockbench" "${plugins[@]}" list | awk 'NR > 1 { printf "%s ", $1 }')"
[[ $registered != " " ]] || die_usage "'$lockbench ${plugins[*]} list' listed no locks"
is_registered() { [[ $registered == *" $1 "* ]]; }

# "lock+opt+opt=v" → the lock name in $spec_lock, the run options in spec_args.
spec_split() {
	local spec=$1 part
	spec_lock=${spec%%+*}
	spec_args=()
	[[ $spec == *+* ]] || return 0
	local IFS=+
	for part in ${spec#*+}; do
		[[ -n $part ]] || continue
		if [[ $part == *=* ]]; then
			spec_args+=("--${part%%=*}" "${part#*=}")
		else
			spec_args+=("--$part")
		fi
	done
}

# Parse every pair up front: a typo is reported before anything runs.
p_a=() p_b=() p_t=() p_target=() p_fair=() p_name=()
[[ ${#pairs[@]} -gt 0 ]] || pairs=(default)
expanded=()
for pair in "${pairs[@]}"; do
	if [[ $pair == default ]]; then
		for p in "${default_pairs[@]}"; do expanded+=("${p%% *}"); done
	else
		expanded+=("$pair")
	fi
done
for pair in "${expanded[@]}"; do
	target="" fair="-"
	body=$pair
	if [[ $body == *'>='* ]]; then
		target=${body##*>=}
		body=${body%>=*}
		[[ $target =~ ^[0-9]*\.?[0-9]+$ ]] || die_usage "pair '$pair': target '$target' is not a number"
	fi
	[[ $body =~ ^([^:@]+):([^:@]+)@([0-9]+)$ ]] ||
		die_usage "pair '$pair' is not A:B@THREADS[>=TARGET] (e.g. ttas:ck-fas@2)"
	a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} t=${BASH_REMATCH[3]}
	if [[ -z $target ]]; then
		for d in "${default_pairs[@]}"; do
			set -- $d
			if [[ $1 == "$body" ]]; then target=$2 fair=$3; fi
		done
	fi
	skip=""
	for s in "$a" "$b"; do
		spec_split "$s"
		if ! is_registered "$spec_lock"; then
			case $spec_lock in
			ck-*) skip="$spec_lock is not registered (a build without Concurrency Kit)" ;;
			*) die_usage "pair '$pair': '$spec_lock' is not a registered lock; try: lockbench list" ;;
			esac
		fi
	done
	if [[ -n $skip ]]; then
		echo "refcompare: skipping $body: $skip" >&2
		continue
	fi
	p_name+=("$body") p_a+=("$a") p_b+=("$b") p_t+=("$t") p_target+=("$target") p_fair+=("$fair")
done
npairs=${#p_name[@]}
((npairs > 0)) || { echo "refcompare: nothing to run" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/refcompare.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'echo "refcompare: interrupted" >&2; exit 130' INT TERM

run_failed=0
# One run: prints "mops fairness status" (? for an empty field). It runs in a subshell ($(…)):
# the caller judges the status.
measure() {
	local spec=$1 threads=$2 out=$work/run.csv err=$work/run.err
	spec_split "$spec"
	local args=("${plugins[@]}" run --lock "$spec_lock" --threads "$threads" --duration "$duration"
		--format csv)
	[[ -z $warmup ]] || args+=(--warmup "$warmup")
	if ! "$lockbench" "${args[@]}" "${spec_args[@]}" >"$out" 2>"$err"; then
		if [[ $(awk -f "$here/lbcsv.awk" -v mode=check "$out" 2>/dev/null) != ok ]]; then
			echo "refcompare: lockbench ${args[*]} ${spec_args[*]} failed: $(head -c 300 "$err")" >&2
			echo "? ? error"
			return
		fi
	fi
	local row
	row=$(awk -f "$here/lbcsv.awk" -v cols=mops,fairness,status "$out" | head -n 1)
	[[ -n $row ]] || row="? ? error"
	[[ $row == *" ok" ]] || {
		echo "refcompare: $spec at $threads threads: $(awk -f "$here/lbcsv.awk" -v cols=status,status_detail "$out" | head -n 1)" >&2
	}
	echo "$row"
}

echo "# refcompare: $npairs pairs x $reps repetitions, --duration $duration${warmup:+ --warmup $warmup}, $("$lockbench" --version 2>/dev/null | head -n 1)" >&2
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# $(uname -n), $(nproc) CPUs allowed, load average $load0 at start" >&2
if awk -v l="${load0%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n) }'; then
	echo "# note: the load average is above the CPU count: other processes take CPU time, and" \
		"spinlock figures at threads >= CPUs then measure preemption as much as the lock" >&2
fi
: >"$work/raw"
for ((rep = 1; rep <= reps; rep++)); do
	printf 'refcompare: repetition %d of %d\n' "$rep" "$reps" >&2
	for ((i = 0; i < npairs; i++)); do
		if ((rep % 2)); then
			ra=$(measure "${p_a[i]}" "${p_t[i]}")
			rb=$(measure "${p_b[i]}" "${p_t[i]}")
		else
			rb=$(measure "${p_b[i]}" "${p_t[i]}")
			ra=$(measure "${p_a[i]}" "${p_t[i]}")
		fi
		[[ $ra == *" ok" && $rb == *" ok" ]] || run_failed=1
		echo "$i $rep $ra $rb" >>"$work/raw"
	done
done
if [[ -n $raw ]]; then
	{
		echo "pair threads rep mops_a fairness_a status_a mops_b fairness_b status_b"
		while read -r i rest; do
			set -- $rest
			echo "${p_name[i]%@*} ${p_t[i]} $*"
		done <"$work/raw"
	} >"$raw" || { echo "refcompare: cannot write $raw" >&2; run_failed=1; }
fi

# The summary: one line per pair.
printf '%-40s %7s %7s %6s  %-13s %7s %7s  %-17s %s\n' pair threads ratio "+-se%" "min-max" \
	jain_a jain_b target verdict
for ((i = 0; i < npairs; i++)); do
	awk -v i="$i" -v name="${p_name[i]%@*}" -v threads="${p_t[i]}" -v target="${p_target[i]}" \
		-v fair="${p_fair[i]}" '
	function median(v, n,    j, k, t) {
		for (j = 2; j <= n; j++) {
			t = v[j]
			for (k = j - 1; k >= 1 && v[k] > t; k--) v[k + 1] = v[k]
			v[k + 1] = t
		}
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	$1 == i {
		if ($5 == "ok" && $8 == "ok" && $3 + 0 > 0 && $6 + 0 > 0) {
			n++; r[n] = $3 / $6; lr[n] = log(r[n])
			fa[n] = $4; fb[n] = $7; fr[n] = $7 > 0 ? $4 / $7 : 0
			if (n == 1 || r[n] < lo) lo = r[n]
			if (n == 1 || r[n] > hi) hi = r[n]
		} else bad++
	}
	END {
		tgt = target == "" ? "-" : ">=" target
		if (fair == "ref") tgt = tgt ", jain>=B"
		else if (fair != "-" && fair != "") tgt = tgt ", jain>=" fair
		if (n == 0) {
			printf "%-40s %7s %7s %6s  %-13s %7s %7s  %-17s %s\n", name, threads, "-", "-",
				"-", "-", "-", tgt, "NO DATA (every run failed)"
			exit
		}
		m = median(r, n); ja = median(fa, n); jb = median(fb, n); jr = median(fr, n)
		# The standard error of the median, from the spread of the log ratios: 1.2533 sigma / sqrt(n)
		# with sigma = IQR / 1.349 (robust to the outliers a preemption makes); median() sorts lr.
		median(lr, n)
		q1 = lr[int(n / 4) + 1]; q3 = lr[int(3 * n / 4) + 1 > n ? n : int(3 * n / 4) + 1]
		se = 100 * 1.2533 * (q3 - q1) / 1.349 / sqrt(n)
		verdict = "-"
		if (target != "") {
			why = ""
			if (m < target + 0) why = sprintf("ratio %.3f < %s", m, target)
			if (fair == "ref" && jr < 0.99)
				why = why (why ? "; " : "") sprintf("jain ratio %.3f < 0.99", jr)
			else if (fair != "-" && fair != "ref" && ja < fair + 0)
				why = why (why ? "; " : "") sprintf("jain %.3f < %s", ja, fair)
			verdict = why ? "MISS (" why ")" : "PASS"
		}
		if (bad) verdict = verdict sprintf(" [%d failed reps left out]", bad)
		printf "%-40s %7s %7.3f %6.1f  %5.3f-%-7.3f %7.3f %7.3f  %-17s %s\n", name, threads, m,
			se, lo, hi, ja, jb, tgt, verdict
	}' "$work/raw"
done
echo "# load average $(cut -d' ' -f1-3 /proc/loadavg) at the end" >&2
((reps >= 7)) || echo "# fewer than 7 repetitions: verdicts are indicative only" >&2
exit $run_failed
