#!/usr/bin/env bash
# run.sh BUILD [SECONDS] [TARGET...] — fuzz each libFuzzer target of a -Dfuzz=true build for a
# bounded time, starting from its committed seed corpus.
#
#   CC=clang meson setup build-fuzz -Dfuzz=true && ninja -C build-fuzz
#   bash tests/fuzz/run.sh build-fuzz 20            every target, 20 s each
#   SEED=1234 bash tests/fuzz/run.sh build-fuzz 60 fuzz_csv     replay one seed
#
# Prints, per target, the seed, the executions and the new inputs found. New inputs go to a
# scratch directory, never into the committed corpus (copy the useful ones there by hand). A
# crash or a broken invariant leaves its input in $FUZZ_OUT (default build/fuzz-out) with the
# command that replays it; the script then exits 1.
set -u
build=${1:?usage: run.sh BUILD [SECONDS] [TARGET...]}
secs=${2:-20}
shift $(($# < 2 ? $# : 2))
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if ((${#targets[@]} == 0)); then
	for d in "$here"/corpus/*/; do targets+=("$(basename "$d")"); done
fi
out=${FUZZ_OUT:-$build/fuzz-out}
mkdir -p "$out"
seed=${SEED:-$(( $(date +%s) % 1000000007 ))}
failed=0
total=0
printf '%-14s %10s %12s %8s %6s  %s\n' target seed executions exec/s new result
for t in "${targets[@]}"; do
	bin=$build/tests/fuzz/$t
	if [[ ! -x $bin ]]; then
		echo "run.sh: $bin is not built (meson setup with -Dfuzz=true, clang)" >&2
		exit 2
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/lb-fuzz-$t.XXXXXX")
	log=$out/$t.log
	# fuzz_cli_run prints a usage message per input: -close_fd_mask=3 drops the target's own
	# output (libFuzzer and the sanitizers keep reporting on a duplicate of stderr; a broken
	# invariant's message shows when the input is replayed).
	quiet=()
	[[ $t == fuzz_cli_run ]] && quiet=(-close_fd_mask=3)
	"$bin" -seed="$seed" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		"${quiet[@]}" -print_final_stats=1 -artifact_prefix="$out/$t-" \
		"$work" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	new=$(find "$work" -type f | wc -l)
	total=$((total + ${execs:-0}))
	if ((rc == 0)); then
		result=ok
	else
		result="FAILED (exit $rc)"
		failed=$((failed + 1))
	fi
	printf '%-14s %10s %12s %8s %6s  %s\n' "$t" "$seed" "${execs:-?}" "${rate:-?}" "$new" "$result"
	if ((rc != 0)); then
		grep -E 'ERROR|invariant broken|SUMMARY|Test unit written' "$log" | head -8 | sed 's/^/    /'
		for a in "$out/$t-"*; do
			[[ -f $a ]] && echo "    replay: $bin $a"
		done
		echo "    log: $log"
	fi
	rm -rf "$work"
done
echo "fuzz: ${#targets[@]} targets, $total executions, seed $seed, $failed failed"
((failed == 0))
