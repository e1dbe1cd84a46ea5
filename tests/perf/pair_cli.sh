#!/usr/bin/env bash
# pair_cli.sh LOCKBENCH PLUGIN.so — `lockbench pair` as a user runs it, on tiny bounded runs (2 repetitions
# of 100 ms windows after 50 ms of warm-up; nothing timed is asserted): bad input is refused with
# exit 2 and one line naming the value; a run prints one row per pair under the documented
# columns; --raw writes 2 x reps rows per pair in ABBA order; a MIN that cannot be met exits 3,
# one trivially met 0; a repetition in which a side measured nothing is left out and counted; a
# plugin's lock (tests/cli/plugin_example.c) can be a side.
# The windows are long enough that a side starved of CPU for a whole window (0 ops, a repetition
# left out, and with both left out NO DATA and exit 1) is not expected on a loaded machine; the
# left-out path itself is tested on purpose, with a critical section longer than the window.
set -u
lb=${1:?usage: pair_cli.sh LOCKBENCH PLUGIN.so}
plugin=${2:?usage: pair_cli.sh LOCKBENCH PLUGIN.so}
work=$(mktemp -d /tmp/lb-pair-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/../common/lib.sh"
tiny=(--duration 100ms --warmup 50ms --reps 2)

# refused ARGS... — exit 2, nothing on stdout, exactly one line on stderr, and that line
# quotes the first word given as $want.
refused() {
	local rc
	timeout 30 "$lb" pair "$@" >"$work/out" 2>"$work/err"
	rc=$?
	[[ $rc == 2 && ! -s $work/out && $(wc -l <"$work/err") == 1 ]] &&
		grep -qF -- "$want" "$work/err" ||
		{ echo "    rc $rc, stderr: $(head -3 "$work/err")"; return 1; }
}
echo "pair_cli: bad input"
while IFS='|' read -r want args; do
	# shellcheck disable=SC2086 # the cases are word lists
	check "refused: $args" refused $args
done <<'CASES'
'nope'|nope:tas@1
'tas@1'|tas@1
'0'|tas:ttas@0
'x'|tas:ttas@x
'abc'|tas:ttas@1>=abc
'-1'|tas:ttas@1>=-1
'tas:tas:tas@1'|tas:tas:tas@1
'+bogus'|tas+bogus:ttas@1
'+cs'|tas+cs:ttas@1
'+threads=2'|tas+threads=2:ttas@1
'tas+'|tas+:ttas@1
'tas++cs=1'|tas++cs=1:ttas@1
'jain>=Q'|tas:ttas@1,jain>=Q
'--bogus'|--bogus tas:ttas@1
--reps: '0'|--reps 0 tas:ttas@1
--threads|--threads 2 tas:ttas@1
--cs: 'x'|--cs x tas:ttas@1
--cs: 'x'|tas+cs=x:ttas@1
'diagonal'|--placement diagonal tas:ttas@1
/no/such/dir/raw.csv|--raw /no/such/dir/raw.csv tas:ttas@1
'/tmp'|--raw /tmp tas:ttas@1
'/tmp/lb-pair-cli-never/'|--raw /tmp/lb-pair-cli-never/ tas:ttas@1
at least one pair|--cs 0
CASES
# A side's value of any length reaches run's parser whole: quoted back in full, not cut and run.
long="$(printf '0%.0s' {1..125})x"
want="'$long'" check "refused: a long side value, whole" refused "tas+cs=$long:ttas@1"
check "a usage error writes no --raw file" test ! -e "$work/never.csv" -a \
	"$("$lb" pair --raw "$work/never.csv" tas:nope@1 2>&1 >/dev/null; echo $?)" != 0
# helps PHRASE — --help exits 0 and says PHRASE (line breaks read as spaces).
helps() {
	local text
	text=$("$lb" pair --help) && tr '\n' ' ' <<<"$text" | grep -qF -- "$1"
}
check "--help states exit 0" helps "0 every run finished and every target held"
check "--help states exit 1" helps "1 a run failed, every pair was skipped, or a pair had no data"
check "--help states exit 3" helps "3 every run finished and a target was missed"
check "--help states 130/143" helps "130/143 interrupted by SIGINT/SIGTERM (finished repetitions"
check "--help states the default reps, even" helps "(default 10;"

# A loaded machine can starve a window of every operation; pair then leaves that repetition
# out and says so after the verdict ("[1 reps left out: …]"), which the row checks allow.
echo "pair_cli: a tiny run of two pairs, with --raw"
timeout 60 "$lb" pair null:tas@1 'tas:ttas+no-timing@1>=0' --cs 0 --ncs 0 "${tiny[@]}" \
	--raw "$work/raw.csv" >"$work/out" 2>"$work/err"
rc=$?
check "exits 0 (got $rc: $(tail -1 "$work/err"))" test $rc = 0
check "the header has the documented columns" \
	grep -qE '^pair +threads +mops_a +mops_b +ratio +\+-se% +min-max +jain_a +jain_b +target +verdict$' \
	"$work/out"
check "one row per pair" test "$(grep -cE '^(null:tas|tas:ttas\+no-timing) +1 ' "$work/out")" = 2
check "a pair without a target has the verdict -" grep -qE '^null:tas .* - +-( \[[0-9]+ reps? left out[^]]*\])?$' "$work/out"
check "a met target says PASS" grep -qE '^tas:ttas\+no-timing .* >=0 +PASS( \[[0-9]+ reps? left out[^]]*\])?$' "$work/out"
check "--raw: a header and 2 x reps rows per pair" test "$(complete_rows --whole "$work/raw.csv")" = 8
# ABBA: rep 1 runs A then B, rep 2 B then A; side B carries its own option.
check "--raw: rows in ABBA order, per pair" test \
	"$(awk -F, '$1 == "tas:ttas+no-timing" { printf "%s%s%s ", $3, $4, $5 }' "$work/raw.csv")" = \
	"1Atas 1Bttas+no-timing 2Bttas+no-timing 2Atas "
check "--raw: every run ok" test "$(awk -F, 'NR > 1 && $9 != "ok"' "$work/raw.csv" | wc -l)" = 0
check "no temporary file left next to --raw" test "$(ls -A "$work" | grep -c tmp)" = 0

echo "pair_cli: the MIN rule"
timeout 60 "$lb" pair 'null:tas@1>=1000000' "${tiny[@]}" >"$work/out" 2>"$work/err"
rc=$?
check "an impossible MIN exits 3 (got $rc)" test $rc = 3
check "… and says MISS with the ratio" grep -qE '^null:tas .* MISS \(ratio [0-9.]+ < 1000000\)( \[[0-9]+ reps? left out[^]]*\])?$' \
	"$work/out"
timeout 60 "$lb" pair 'null:tas@1>=0' "${tiny[@]}" >"$work/out" 2>"$work/err"
rc=$?
check "a trivially met MIN exits 0 (got $rc)" test $rc = 0
timeout 60 "$lb" pair 'null:tas@1,jain>=1.0' "${tiny[@]}" >"$work/out" 2>"$work/err"
rc=$?
check "a 1-thread Jain floor of 1 holds (got $rc)" test $rc = 0

echo "pair_cli: a side that measures nothing"
# A 100 ms critical section never completes inside a 20 ms window: B measures 0 ops, status ok.
timeout 60 "$lb" pair 'null:tas+cs=100ms@1' --duration 20ms --warmup 0 --reps 2 >"$work/out" \
	2>"$work/err"
rc=$?
check "every repetition left out: exits 1 (got $rc)" test $rc = 1
check "… NO DATA, no medians from the left-out repetitions, and the count said" \
	grep -qE '^null:tas\+cs=100ms +1 +- +- +- .* NO DATA .*\[2 reps left out' "$work/out"

echo "pair_cli: columns stay aligned with a ratio in the hundred thousands"
timeout 60 "$lb" pair null:tas+cs=1ms@1 tas:ttas@1 "${tiny[@]}" >"$work/out" 2>"$work/err"
# Where the 10th field (target, left-aligned) starts, on every line: one place.
check "the target column starts at one offset on every line" test "$(awk '{
	s = $0; pos = 0
	for (f = 1; f < 10; f++) { match(s, /^ *[^ ]+/); pos += RLENGTH; s = substr(s, RLENGTH + 1) }
	match(s, /^ */); print pos + RLENGTH }' "$work/out" | sort -u | wc -l)" = 1

echo "pair_cli: a plugin's lock as side A (--plugin)"
timeout 60 "$lb" pair --plugin "$plugin" 'example-cas:tas@1>=0' "${tiny[@]}" >"$work/out" \
	2>"$work/err"
rc=$?
check "exits 0 (got $rc)" test $rc = 0
check "… with the plugin's pair row" grep -qE '^example-cas:tas +1 .* PASS( \[[0-9]+ reps? left out[^]]*\])?$' "$work/out"

summary pair_cli
