#!/usr/bin/env bash
# reliability_writes.sh LOCKBENCH FAULT_WRITE_SO — every writer of a sweep and of `run`, made to
# fail in turn by the write-fault shim (tests/fault_write.c: writes to one named file fail with
# ENOSPC after N bytes), so the error paths are driven exactly, on any file system and kernel.
#
# The promise checked for each file: exit 1; every stderr line is lockbench's, one per message,
# and one names that file and the failing write's errno (No space left on device; for a plot,
# which gnuplot writes and fails on silently, that it is cut short); results.csv
# keeps only whole rows; no temporary is left behind; and the set is resumable: `sweep --resume`
# without the fault finishes it, with every run recorded once.
set -u
source "$(dirname "$0")/../common/lib.sh"
abs_args "usage: reliability_writes.sh LOCKBENCH FAULT_WRITE_SO" lb shim -- "$@"
work=$(mktemp -d /tmp/lb-rel-writes.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
ulimit -c 0

# Every stderr line is lockbench's (errors, or the sweep's progress), and one error line matches.
lockbench_lines() { # lockbench_lines FILE PATTERN
	[[ -s $1 ]] && ! grep -qv '^lockbench: \|^sweep: ' "$1" && grep -E '^lockbench: ' "$1" | grep -qE -- "$2"
}
faulted() { # faulted FILE BYTES COMMAND...: run COMMAND with writes to FILE failing after BYTES
	local file=$1 after=$2
	shift 2
	timeout 120 env LD_PRELOAD="$shim${LD_PRELOAD:+:$LD_PRELOAD}" LB_FAULT_FILE="$file" \
		LB_FAULT_AFTER="$after" "$@"
}

# A tiny sweep that writes every file a default one does: 2 locks x 2 thread counts x 2 reps and
# their lock-cost points, the physical floor (c2c.csv, handoff.csv) and the report.
S=(sweep --locks tas,futex --threads 1,2 --cs 50ns --reps 2 --duration 5ms --warmup 1ms --seed 3)

echo "reliability_writes: a reference sweep, unfaulted, for each file's size"
timeout 120 "$lb" "${S[@]}" --out "$work/ref" >/dev/null 2>"$work/ref.err"
rc=$?
check "reference sweep: exit 0 (got $rc)" test "$rc" = 0
runs=$(complete_rows --whole "$work/ref/results.csv") # the plan's runs, lock-cost points too
check "reference sweep: $runs whole rows, more than the 8 of its main points" test "$runs" -gt 8
size() { stat -c %s "$work/ref/$1" 2>/dev/null || echo 0; }
# The repetitions latency_hist.csv holds a distribution for: lock,permits,threads,cs,ncs,rep.
hist_reps() { awk -F, '/^#/ || !h++ { next } { print $1","$2","$3","$4","$5","$6 }' "$1" 2>/dev/null | sort -u | wc -l; }
# … and the ones it should: results.csv rows of the CDF point (2 threads, cs 50, ncs 100) with
# timed samples (a repetition whose worker got no CPU may have none).
timed_reps() {
	awk -F, '/^#/ { next } !h++ { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["threads"] == 2 && $c["cs_ns"] == 50 && $c["ncs_ns"] == 100 && $c["permits"] == 1 &&
		$c["lat_samples"] > 0 { n++ } END { print n + 0 }' "$1"
}
check "reference sweep: latency_hist.csv has a distribution for each timed repetition" \
	test "$(hist_reps "$work/ref/latency_hist.csv")" = "$(timed_reps "$work/ref/results.csv")"

# FILE BYTES...: 0 fails the first write (a log's header, or the whole of an atomic file); `mid`
# fails in the middle, after writes that succeeded, at a byte count every run reaches whatever
# it measured: a log's header and one byte of its first row, or at most 64 bytes into a file
# written whole.
targets=(
	"results.csv 0 mid" "latency_hist.csv 0 mid" "meta.json 0 mid" "sweep.args mid"
	"summary.csv mid" "latency_cdf.csv mid" "c2c.csv mid" "handoff.csv mid"
	"report.md mid" "report.html mid" "throughput.png mid"
)
mid() { # mid FILE
	case $1 in
	results.csv | latency_hist.csv) echo $(($(head -n 2 "$work/ref/$1" | wc -c) + 1)) ;;
	*) local half=$(($(size "$1") / 2)); echo $((half < 64 ? half : 64)) ;;
	esac
}
for t in "${targets[@]}"; do
	read -r file afters <<<"$t"
	for after in $afters; do
		[[ $after == mid ]] && after=$(mid "$file")
		name="$file after $after bytes"
		echo "reliability_writes: $name"
		dir=$work/set-$file-$after
		faulted "$file" "$after" "$lb" "${S[@]}" --out "$dir" >"$work/f.out" 2>"$work/f.err"
		rc=$?
		echo "    exit $rc: $(grep '^lockbench:' "$work/f.err" | head -2 | tr '\n' ' ' | cut -c1-220)"
		check "$name: exit 1 (got $rc)" test "$rc" = 1
		# gnuplot does not say why a write failed; lockbench then names the cut-short plot.
		why="No space left on device"
		[[ $file == *.png ]] && why="cut short"
		check "$name: lockbench's lines only, one naming $file and why ($why)" \
			lockbench_lines "$work/f.err" "$file.*$why|$why.*$file"
		check "$name: no temporary left" bash -c "! ls -A '$dir' 2>/dev/null | grep -q '\.tmp\$'"
		if [[ $file == sweep.args ]]; then
			# Nothing can have run without its arguments recorded: nothing to resume.
			check "$name: no run started (no results.csv)" test ! -e "$dir/results.csv"
			continue
		fi
		rows=$(complete_rows --whole "$dir/results.csv")
		check "$name: results.csv holds whole rows only ($rows)" \
			bash -c "[[ '$rows' != bad ]] || [[ '$file' == results.csv && '$after' == 0 ]]"
		timeout 120 "$lb" sweep --resume "$dir" >/dev/null 2>"$work/r.err"
		rc=$?
		check "$name: --resume finishes the set: exit 0 (got $rc)" test "$rc" = 0
		rows=$(complete_rows --whole "$dir/results.csv")
		check "$name: … every run recorded once ($rows of $runs rows)" test "$rows" = "$runs"
		got=$(hist_reps "$dir/latency_hist.csv") want=$(timed_reps "$dir/results.csv")
		check "$name: … every timed repetition's latency distribution there too ($got of $want)" \
			test "$got" = "$want"
		check "$name: … complete, with summary and report" \
			bash -c "grep -q '\"complete\": true' '$dir/meta.json' && test -s '$dir/summary.csv' && test -s '$dir/report.html'"
	done
done

# `run` writes one thing, stdout, as a table, CSV or JSON.
for fmt in table csv json; do
	ref=$(timeout 60 "$lb" run --lock tas --threads 2 --duration 10ms --warmup 0 --reps 3 --format $fmt 2>/dev/null | wc -c)
	for after in 0 $((ref / 2)); do
		name="run --format $fmt, stdout after $after bytes"
		faulted stdout "$after" "$lb" run --lock tas --threads 2 --duration 10ms --warmup 0 --reps 3 \
			--format $fmt >/dev/null 2>"$work/run.err"
		rc=$?
		check "$name: exit 1 (got $rc)" test "$rc" = 1
		check "$name: one line, the write's errno" \
			bash -c "test \$(wc -l <'$work/run.err') = 1 && grep -q '^lockbench: writing the results: No space left on device' '$work/run.err'"
	done
done

summary reliability_writes
