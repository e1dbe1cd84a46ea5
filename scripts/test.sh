#!/usr/bin/env bash
# scripts/test.sh — install, build and run every test of lockbench (the README's second command;
# .ci/run calls it). Stages: gcc and clang builds with -Werror (Concurrency Kit present), a build
# without Concurrency Kit, ThreadSanitizer on the lock tests, AddressSanitizer+UBSan on
# everything, the libFuzzer targets (corpus replay, then a bounded fuzz run), the spin models,
# the lock library and its tests cross-built for arm64 and run under qemu-user (scripts/cross/),
# the main job end to end (quick sweep → report → browser), and a sweep sharded over a private
# single-node Slurm (the only stage that runs Slurm: root, slurm-wlm and munge).
# Prints how long each stage took and ends with `N passed, M failed`.
#   bash scripts/test.sh            everything
#   STAGES="gcc models" bash scripts/test.sh   a subset (names as printed)
# Stages: gcc clang nock tsan asan fuzz arm64 models e2e slurm.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
out=${LB_TEST_BUILD:-$top/build-ci}
mkdir -p "$out"

passed=0
failed=0
skipped=0
declare -a summary=()
declare -a failures=()

bash scripts/deps.sh --test || { echo "test: installing dependencies failed"; echo "0 passed, 1 failed"; exit 1; }

want() { [[ -z ${STAGES:-} || " $STAGES " == *" $1 "* ]]; }

# Count one meson test run from its machine-readable log (one JSON object per test).
count_meson() {
	local log=$1/meson-logs/testlog.json ok bad
	[[ -s $log ]] || { failed=$((failed + 1)); return; }
	ok=$(grep -cE '"result": "(OK|EXPECTEDFAIL)"' "$log")
	bad=$(grep -cE '"result": "(FAIL|TIMEOUT|UNEXPECTEDPASS|ERROR)"' "$log")
	# SKIP (exit 77: cannot run on this machine) is neither; said apart so it is not missed.
	skipped=$((skipped + $(grep -c '"result": "SKIP"' "$log")))
	passed=$((passed + ok))
	failed=$((failed + bad))
	# Name each failure again at the very end: CI keeps only the tail of a long log.
	while IFS= read -r t; do failures+=("${1##*/}: $t"); done < <(
		grep -E '"result": "(FAIL|TIMEOUT|UNEXPECTEDPASS|ERROR)"' "$log" |
			sed -E 's/.*"name": "([^"]*)".*"result": "([A-Z]+)".*/\1 (\2)/')
}

# stage NAME COMMAND...: run, time, record. A stage that is not a meson test run counts as one test.
stage() {
	local name=$1 t0 t1 rc
	shift
	want "$name" || return 0
	echo "=== stage $name: $*"
	t0=$(date +%s)
	"$@"
	rc=$?
	t1=$(date +%s)
	summary+=("$(printf '%-10s %4ss  %s' "$name" $((t1 - t0)) "$([[ $rc == 0 ]] && echo ok || echo "FAILED (exit $rc)")")")
	return $rc
}

meson_build_test() { # DIR CC MESON-ARGS... -- TEST-ARGS...
	local dir=$1 compiler=$2
	shift 2
	local setup=() tests=()
	while (($#)) && [[ $1 != -- ]]; do setup+=("$1"); shift; done
	(($#)) && shift
	tests=("$@")
	rm -rf "$dir"
	if ! CC=$compiler meson setup "$dir" "${setup[@]}" >"$dir.setup.log" 2>&1; then
		cat "$dir.setup.log"; failed=$((failed + 1)); return 1
	fi
	if ! ninja -C "$dir" >"$dir.build.log" 2>&1; then
		tail -50 "$dir.build.log"; failed=$((failed + 1)); return 1
	fi
	meson test -C "$dir" --print-errorlogs "${tests[@]}"
	local rc=$?
	count_meson "$dir"
	return $rc
}

one_check() { # a non-meson check counted as one test
	if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); return 1; fi
}

stage gcc meson_build_test "$out/gcc" gcc -Dwerror=true -Dck=enabled
stage clang meson_build_test "$out/clang" clang -Dwerror=true -Dck=enabled
stage nock meson_build_test "$out/nock" gcc -Dwerror=true -Dck=disabled -- --suite locks
stage tsan meson_build_test "$out/tsan" clang -Db_sanitize=thread -Db_lundef=false -- --suite locks
stage asan meson_build_test "$out/asan" clang -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=all --
fuzz_stage() { # the libFuzzer targets: replay the corpus as tests, then fuzz 15 s each (seed printed)
	meson_build_test "$out/fuzz" clang -Dfuzz=true -- --suite fuzz || return 1
	one_check bash tests/fuzz/run.sh "$out/fuzz" "${LB_FUZZ_SECONDS:-15}"
}
stage fuzz fuzz_stage
# qemu runs arm64 code on the host's TSO memory order: this catches non-portable code and inline
# assembly, not weak-ordering bugs (the spin models and the TSan control are those checks).
stage arm64 meson_build_test "$out/arm64" gcc --cross-file scripts/cross/aarch64-linux-gnu.ini \
	-Dharness=false -Dck=disabled -Dwerror=true -- --suite locks
if [[ -f models/check.sh ]]; then
	stage models one_check bash models/check.sh
fi
if [[ -x $out/gcc/bench/lockbench && -f tests/e2e/e2e.sh ]]; then
	stage e2e one_check bash tests/e2e/e2e.sh "$out/gcc" "$out/e2e"
fi
# tests/fleet/slurm.sh: 77 means Slurm cannot start here (not root, packages missing), a skip —
# except on CI (CI set), which installs them and runs as root: there a skip hides a broken step.
slurm_stage() {
	bash tests/fleet/slurm.sh "$out/gcc"
	local rc=$?
	if ((rc == 77)) && [[ -z ${CI:-} ]]; then
		skipped=$((skipped + 1))
		return 0
	fi
	((rc == 0)) && passed=$((passed + 1)) || failed=$((failed + 1))
	return $rc
}
if [[ -x $out/gcc/bench/lockbench && -f tests/fleet/slurm.sh ]]; then
	stage slurm slurm_stage
fi

echo
echo "=== stages"
printf '%s\n' "${summary[@]}"
((${#failures[@]} == 0)) || printf 'failed test: %s\n' "${failures[@]}"
((skipped == 0)) || echo "$skipped skipped (cannot run here; see each stage's log)"
echo "$passed passed, $failed failed"
((failed == 0))
