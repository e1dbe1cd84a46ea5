#!/usr/bin/env bash
# reliability_files.sh LOCKBENCH FIXTURE_DIR — hostile result files, table-driven.
#
# Everything that reads result files — `report DIR`, `compare A B`, `sweep --resume DIR` — given
# a result set with one file truncated, garbled, foreign, of another format version, or not a
# file at all. Each row copies a good set, damages one file, and runs the command: it must end
# in bounded time (10 s; a known hang is given 4 s) with exit status 1 or 2, every stderr line lockbench's own, one of them
# naming the damaged file, and no signal death. An `xrow` is a known bug, an expected failure:
# reported, not failed, while the bug is there; once it holds it fails the test, so that the mark
# is turned into a `row`.
set -u
source "$(dirname "$0")/../common/lib.sh"
abs_args "usage: reliability_files.sh LOCKBENCH FIXTURE_DIR" lb fixture -- "$@"
work=$(mktemp -d /tmp/lb-rel-files.XXXXXX)
trap 'rm -rf "$work"' EXIT
ulimit -c 0
rows=0
failed=0

# A small real sweep to resume: 2 points x 2 reps, one run left to do.
if ! "$lb" sweep --locks tas --threads 1,2 --cs 50ns --reps 2 --duration 5ms --warmup 1ms \
	--no-report --no-probe --seed 1 --out "$work/sweep" >/dev/null 2>"$work/sweep.err"; then
	echo "reliability_files: the sweep to damage failed: $(cat "$work/sweep.err")" >&2
	exit 1
fi
sed -i '$d' "$work/sweep/results.csv"

# ---- ways to damage a file --------------------------------------------------------------------
truncate_mid() { local n; n=$(($(wc -c <"$1") * 2 / 3)); head -c "$n" "$1" >"$1.x"; mv "$1.x" "$1"; }
empty() { : >"$1"; }
garbage() { printf '\x89PNG\r\n\x1a\n\xff\xfe\x00\x01garbage\x7f\x80\n' >"$1"; }
nul_byte() { sed -i '3s/,/\x00,/' "$1"; }
foreign_csv() { printf 'name,value\nfoo,1\nbar,2\n' >"$1"; }
# A version this lockbench does not read: v1's format line says v7; a v2 row's format_version 7.
other_version() { if head -1 "$1" | grep -q '^#'; then sed -i '1s/v1 /v7 /' "$1"; else sed -i '2s/,[^,]*$/,7/' "$1"; fi; }
# Another kind of file: v1's format line names another kind; a v2 file (no kind) has other
# columns: every name but format_version gets an x in front.
other_kind() { if head -1 "$1" | grep -q '^#'; then sed -i '1s/ [a-z0-9_]*$/ foreign/' "$1"; else sed -i '1s/\([a-z0-9_]*\),/x\1,/g' "$1"; fi; }
short_row() { sed -i '3s/,[^,]*$//' "$1"; }
open_quote() { printf '"never closed,1,2\n' >>"$1"; }
long_field() { head -c 2000000 /dev/zero | tr '\0' 'x' >>"$1"; }
bad_number() { # bad_number FILE COLUMN VALUE: VALUE in COLUMN of the first data row
	awk -F, -v OFS=, -v name="$2" -v val="$3" '
		/^#/ { print; next }
		!hdr { for (i = 1; i <= NF; i++) if ($i == name) c = i; hdr = 1; print; next }
		!done && c { $c = val; done = 1 } { print }' "$1" >"$1.x" && mv "$1.x" "$1"
}
a_dir() { rm -f "$1"; mkdir "$1"; }
a_fifo() { rm -f "$1"; mkfifo "$1"; }
dev_zero() { rm -f "$1"; ln -s /dev/zero "$1"; }
json_deep() { head -c 100000 /dev/zero | tr '\0' '[' >"$1"; }
json_array() { printf '[1, 2]\n' >"$1"; }
json_truncated() { head -c 40 "$1" >"$1.x"; mv "$1.x" "$1"; }
json_version() { sed -i 's/"format_version": *[0-9]*/"format_version": 7/' "$1"; }
json_bad_utf8() { printf '{"host": "\xff\xfe", "x": "\\ud800"}\n' >"$1"; }
args_garbage() { printf -- '--locks=tas\n--bogus-option\n\xff\n' >"$1"; }
args_resume() { printf -- '--resume=/tmp\n' >"$1"; }
args_nul() { printf -- '\0--locks=tas\n' >"$1"; }

# check EXPECTED-NAME COMMAND...: in $why the reason when the row fails. $limit: seconds.
limit=10
check() {
	local name=$1 rc
	shift
	timeout "$limit" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	why=""
	if ((rc == 124)); then why="still running after $limit s"
	elif ((rc > 128)); then why="killed by signal $((rc - 128))"
	elif ((rc != 1 && rc != 2)); then why="exit $rc, not 1 or 2"
	elif [[ ! -s $work/err ]]; then why="nothing on stderr"
	elif grep -qv '^lockbench: \|^sweep: ' "$work/err"; then why="a stderr line not lockbench's: $(grep -v '^lockbench: \|^sweep: ' "$work/err" | head -1 | cut -c1-80)"
	elif ! grep -q '^lockbench: .*'"$name" "$work/err"; then why="no message names $name"
	fi
	[[ -z $why ]]
}

# row TARGET FILE DAMAGE [ARGS...]: TARGET report | compare | resume; FILE in the set.
row() { run_row row "$@"; }
xrow() { run_row xrow "$@"; }
run_row() {
	local kind=$1 bug="" target file damage set
	shift
	[[ $kind == xrow ]] && { bug=$1; shift; }
	target=$1 file=$2 damage=$3
	shift 3
	rows=$((rows + 1))
	set=$work/set$rows
	rm -rf "$set"
	if [[ $target == resume ]]; then cp -r "$work/sweep" "$set"; else cp -r "$fixture" "$set"; fi
	"$damage" "$set/$file" "$@"
	local cmd=()
	case $target in
	report) cmd=("$lb" report "$set") ;;
	compare) cp -r "$fixture" "$work/good$rows"; cmd=("$lb" compare "$work/good$rows" "$set" --out "$work/cmp$rows") ;;
	resume) cmd=("$lb" sweep --resume "$set") ;;
	esac
	local what
	what=$(printf '%-8s %-16s %s %s' "$target" "$file" "$damage" "$*")
	limit=10
	[[ $kind == xrow ]] && limit=4 # the known hangs: long enough to see them hang
	check "$file" "${cmd[@]}"
	local held=$?
	if [[ $kind == xrow ]]; then
		xrow_verdict $held "$what" "$bug"
	elif ((held == 0)); then
		echo "  ok    $what"
		echo "        -> $(grep -m1 "$file" "$work/err" | cut -c1-150)"
	else
		failed=$((failed + 1))
		echo "  FAIL  $what"
		echo "        $why"
		sed 's/^/        stderr: /' "$work/err" | head -3
	fi
	rm -rf "$set" "$work/good$rows" "$work/cmp$rows"
}

echo "reliability_files: report"
for f in summary.csv latency_cdf.csv c2c.csv handoff.csv; do
	for d in truncate_mid garbage nul_byte foreign_csv other_version other_kind short_row open_quote long_field; do
		row report "$f" "$d"
	done
done
row report summary.csv empty
row report latency_cdf.csv empty
row report summary.csv bad_number mops_median abc
row report summary.csv bad_number mops_median nan
row report summary.csv bad_number mops_median inf
row report summary.csv bad_number mops_median 1e999
row report summary.csv bad_number mops_median 0x10
row report summary.csv bad_number threads -1
row report summary.csv bad_number threads 99999999999
row report summary.csv bad_number threads 2.5
row report summary.csv bad_number permits ''
row report latency_cdf.csv bad_number cdf abc
row report c2c.csv bad_number rtt_ns_median -
row report summary.csv a_dir
row report summary.csv a_fifo
for d in garbage nul_byte json_deep json_array json_truncated json_version json_bad_utf8 empty; do
	row report meta.json "$d"
done
row report results.csv other_version
row report results.csv garbage
xrow "report.c: check_csv skips a data file that is not regular, then gnuplot reads it for ever" \
	report c2c.csv dev_zero
xrow "report.c: as above, for latency_cdf.csv (ends, but drew from /dev/zero)" \
	report latency_cdf.csv dev_zero
# (A meta.json that is not a regular file is taken as absent: the report is made without it.)

echo "reliability_files: compare"
for d in truncate_mid garbage nul_byte foreign_csv other_version short_row open_quote empty; do
	row compare summary.csv "$d"
done
row compare summary.csv bad_number mops_median abc
row compare summary.csv bad_number threads -1
for d in garbage json_deep json_truncated json_version; do row compare meta.json "$d"; done
row compare summary.csv a_dir
row compare summary.csv a_fifo
row compare summary.csv dev_zero
row compare meta.json a_fifo
row compare meta.json dev_zero

echo "reliability_files: sweep --resume"
# (An empty results.csv, or one whose last line is cut, is not an error: --resume starts it
# again, or drops the cut row, and runs what is missing.)
for d in garbage nul_byte foreign_csv other_version other_kind open_quote; do
	row resume results.csv "$d"
done
row resume results.csv a_dir
row resume results.csv dev_zero
row resume latency_hist.csv garbage
row resume sweep.args args_garbage
row resume sweep.args args_resume
row resume sweep.args a_dir
row resume sweep.args a_fifo
row resume results.csv a_fifo
row resume sweep.args empty
row resume sweep.args args_nul
row resume sweep.args dev_zero

echo "reliability_files: $rows damaged result sets tried, $failed failed, $xfailed known bugs (xfail)"
((rows > 0 && failed == 0))
