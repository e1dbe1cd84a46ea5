#!/usr/bin/env bash
# reliability_cli.sh LOCKBENCH BROKEN_LOCKS_SO FIXTURE_DIR — hostile input, table-driven.
#
# Every option of every command, and the global ones, given bad values: empty, negative, zero
# where zero is invalid, overflow, garbage units, reversed or out-of-range CPU ranges, unknown
# locks and placements, conflicting options, missing values, stray arguments. Each row must give
# exit status 2 and exactly one line on stderr, `lockbench: ...`, that matches the row's pattern
# (the option's name and, where useful, the valid choices); nothing on stdout; no signal death;
# no file created (each row runs in an empty scratch directory; a sweep's --out must not appear).
# Each row is printed. An `xrow` is a known bug, an expected failure: it is run and reported and
# does not fail the test while the bug is there; once it holds (the bug is fixed) it fails the
# test, so that the mark is turned into a `row` instead of staying behind.
set -u
source "$(dirname "$0")/../common/lib.sh"
abs_args "usage: reliability_cli.sh LOCKBENCH BROKEN_LOCKS_SO FIXTURE_DIR" lb plugin fixture -- "$@"
work=$(mktemp -d /tmp/lb-rel-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
cwd=$work/cwd
mkdir -p "$cwd"
ulimit -c 0
rows=0
failed=0

# check PATTERN ARGS...: run lockbench ARGS in the empty directory; 0 when the row holds, else
# 1 with the reason in $why.
check() {
	local pat=$1 rc lines
	shift
	(cd "$cwd" && exec timeout 30 "$lb" "$@") >"$work/out" 2>"$work/err"
	rc=$?
	lines=$(wc -l <"$work/err")
	why=""
	if ((rc == 124)); then
		why="timed out"
	elif ((rc > 128)); then
		why="killed by signal $((rc - 128))"
	elif ((rc != 2)); then
		why="exit $rc, not 2"
	elif [[ -s $work/out ]]; then
		why="wrote to stdout: $(head -c 80 "$work/out")"
	elif ((lines != 1)) || [[ -n $(tail -c 1 "$work/err") ]]; then
		why="$lines lines on stderr, not 1"
	elif ! grep -q '^lockbench: ' "$work/err"; then
		why="the message does not start with 'lockbench: '"
	elif ! grep -qE -- "$pat" "$work/err"; then
		why="the message does not match /$pat/"
	elif [[ -n $(ls -A "$cwd") ]]; then
		why="created files: $(ls -A "$cwd" | head -3 | tr '\n' ' ')"
	elif [[ -e $work/sweep-out ]]; then
		why="created the sweep's --out directory"
	fi
	rm -rf "${cwd:?}"/* "${cwd:?}"/.[!.]* "$work/sweep-out" 2>/dev/null
	[[ -z $why ]]
}

show() { # show ARGS...: the command line, empty and spaced arguments quoted, $work as W
	local a s=""
	for a in "$@"; do
		a=${a//$work/W}
		if [[ -z $a || $a == *[[:space:]]* ]]; then s+=" '$a'"; else s+=" $a"; fi
	done
	printf '%s' "${s# }" | tr '\n\t' '??' | cut -c1-240
}

row() { # row PATTERN ARGS...
	local pat=$1
	shift
	rows=$((rows + 1))
	if check "$pat" "$@"; then
		printf '  ok    %s\n        -> %s\n' "$(show "$@")" "$(cut -c1-150 "$work/err")"
	else
		failed=$((failed + 1))
		printf '  FAIL  %s\n        %s\n' "$(show "$@")" "$why"
		sed 's/^/        stderr: /' "$work/err" | head -3
	fi
}

xrow() { # xrow BUG PATTERN ARGS...: a known bug, described in BUG
	local bug=$1 pat=$2
	shift 2
	rows=$((rows + 1))
	check "$pat" "$@"
	xrow_verdict $? "$(show "$@")" "$bug"
}

# ---- values -------------------------------------------------------------------------------
big=99999999999999999999
bad_uint=('' -1 +1 ' 1' '1 ' 1x 0x10 1.5 1e3 "$big" abc '１' $'1\n')
bad_time=('' -1 -1s 1x ms 1.5.5s "$big" "${big}h" 1e3s .5s 1. ' 1s' '1 s' inf nan 0x10s 1ss
	1sec s 5µ $'1s\n')
bad_cpus=('' 3-1 0-99999 0,,1 0,0 a 0- -1 1, ,1 0-1-2 "$big" 0x1 ' 0' 0-3,2 '0 1' 1-0 '0;1')
long_cpus=$(seq -s, 0 99) # 290 characters: longer than --cpus takes
many_threads=$(seq -s, 1 65) # more thread counts than a sweep takes
many_cs=1ns,2ns,3ns,4ns,5ns,6ns,7ns,8ns,9ns

# A result set to refuse as --out, and a sweep.args that lets --resume start (for conflicts).
mkdir -p "$work/set"
cp -r "$fixture"/. "$work/set/"
printf -- '--locks=tas\n--seed=1\n' >"$work/set/sweep.args"

echo "reliability_cli: global options and commands"
row "'bogus' is not a command; try: list, topo, run" bogus
row "'' is not a command" ''
row "'-x' is not a command" -x
row "'--bogus' is not a command" --bogus
row "'RUN' is not a command" RUN
row '--plugin: expected a path' --plugin
row '--plugin: expected a path' list --plugin
row "--plugin: ''" --plugin '' list
row "--plugin: ''" --plugin= list
row '--plugin:.*nonexistent' --plugin "$work/nonexistent.so" list
row '--plugin:.*/etc/passwd' --plugin /etc/passwd list
row "--plugin:.*$work" --plugin "$work" list
row "--plugin:.*already registered" --plugin "$plugin" --plugin "$plugin" list
row '--plugin: .*nonexistent' run --lock tas --threads 2 --plugin "$work/nonexistent.so"
xrow 'main.c: --version ignores what follows it (exit 0)' "--version.*extra" --version extra
xrow 'main.c: --help ignores what follows it (exit 0)' "--help.*extra" --help extra

echo "reliability_cli: run"
R=(run --lock tas --threads 2 --duration 1ms --warmup 0)
for v in '' nope TAS 'tas ' never-release $'tas\n'; do row "--lock: .* is not a registered lock; try: .*tas" "${R[@]}" --lock "$v"; done
row '--lock: .*try: .*tas' run --threads 2 --lock=
for v in "${bad_uint[@]}" 0 1025; do row '--threads: .* 1\.\.1024' "${R[@]}" --threads "$v"; done
for o in duration warmup cs ncs watchdog; do
	for v in "${bad_time[@]}"; do row "--$o: .*(not a duration|out of range)" "${R[@]}" --$o "$v"; done
	row "--$o: .*out of range" "${R[@]}" --$o 2h
done
for o in duration watchdog; do
	for v in 0 0s 0.0ms; do row "--$o: .*more than zero" "${R[@]}" --$o "$v"; done
done
for o in cs ncs; do
	row "--$o: .*out of range \(at most 1s\)" "${R[@]}" --$o 1001ms
	row "--$o: .*not a duration" "${R[@]}" --$o 0.5ns
done
row '--duration: .*out of range \(at most 1h\)' "${R[@]}" --duration 3601s
for v in "${bad_uint[@]}" 0 1025; do row '--cs-lines: .* 1\.\.1024' "${R[@]}" --cs-lines "$v"; done
for v in "${bad_uint[@]}" 0 1025; do row '--instances: .* 1\.\.1024' "${R[@]}" --instances "$v"; done
row "--instances: '3' is more than --threads 2" "${R[@]}" --instances 3
for v in "${bad_uint[@]}" 0 1025; do row '--permits: .* 1\.\.1024' "${R[@]}" --permits "$v"; done
row "--permits: '2' needs a counting lock .*'tas'.*counting locks: .*sem-counting" "${R[@]}" --permits 2
row "--permits: .*'mcs'" run --lock mcs --threads 2 --permits 5
for v in "${bad_uint[@]}" 0 1001; do row '--reentry: .* 1\.\.1000' "${R[@]}" --reentry "$v"; done
row "--reentry: '2' needs a reentrant lock .*'tas'.*reentrant locks: .*reentrant" "${R[@]}" --reentry 2
for v in '' diagonal COMPACT 'compact ' none,compact; do
	row "--placement: .* is not one of compact, scatter, none" "${R[@]}" --placement "$v"
done
row "--placement: 'list' .*--cpus" "${R[@]}" --placement list
for v in "${bad_cpus[@]}"; do row "--cpus: .* is not a CPU list" "${R[@]}" --cpus "$v"; done
row '--cpus: the list is longer than 255' "${R[@]}" --cpus "$long_cpus"
row '--cpus: CPU 8191 is not available' "${R[@]}" --cpus 8191
row '--cpus: .*8192' "${R[@]}" --cpus 8192
row '--cpus: cannot be combined with --placement' "${R[@]}" --cpus 0 --placement none
row '--cpus: cannot be combined with --placement' "${R[@]}" --placement scatter --cpus 0
for v in "${bad_uint[@]}" 0 1001; do row '--reps: .* 1\.\.1000' "${R[@]}" --reps "$v"; done
for v in '' xml CSV 'csv ' markdown; do row "--format: .* is not one of table, csv, json" "${R[@]}" --format "$v"; done
for v in "${bad_uint[@]}" 0 1000001; do row '--timing-every: .* 1\.\.1000000' "${R[@]}" --timing-every "$v"; done
row '--timing-every: cannot be combined with --no-timing' "${R[@]}" --no-timing --timing-every 5
row '--no-timing: takes no value' "${R[@]}" --no-timing=1
row '--help: takes no value' "${R[@]}" --help=1
for o in lock threads duration warmup cs ncs cs-lines instances permits reentry placement cpus \
	reps format timing-every watchdog; do
	row "--$o: expected a value" "${R[@]}" --$o
done
row '--lock NAME is required; try: .*tas' run --threads 2
row '--lock NAME is required' run
row '--threads N is required \(1\.\.1024\)' run --lock tas
row "unexpected argument 'extra'" "${R[@]}" extra
row "unexpected argument ''" "${R[@]}" ''
row "unknown or ambiguous option '--bogus'" "${R[@]}" --bogus
row "unknown or ambiguous option '--t'" "${R[@]}" --t 2
row "unknown option '-x'" "${R[@]}" -x
row "unknown option '-t'" "${R[@]}" -t 2
row "--lock: '--threads' is not a registered lock" run --lock --threads 2

echo "reliability_cli: sweep"
S=(sweep --locks tas --threads 1 --cs 50ns --reps 1 --duration 1ms --warmup 1ms --no-report
	--no-probe --out "$work/sweep-out")
for v in '' nope tas,tas ,tas tas, , 'tas ' never-release; do
	row "--locks: " "${S[@]}" --locks "$v"
done
row "--locks: " "${S[@]}" --locks tas,,ticket
for v in "${bad_uint[@]}" 0 1025 1,,2 1,x ,1 1, "$many_threads"; do
	row '--threads: .* 1\.\.1024' "${S[@]}" --threads "$v"
done
for v in '' 2s 1x ,50ns 50ns, -1 "$big" 0.5ns "$many_cs"; do row "--cs: " "${S[@]}" --cs "$v"; done
row "--cs: " "${S[@]}" --cs 50ns,,1us
for v in '' 2s 1x -1 "$big" 0.5ns; do row '--ncs: .*not a duration' "${S[@]}" --ncs "$v"; done
for v in "${bad_uint[@]}" 0 1001; do row '--reps: .* 1\.\.1000' "${S[@]}" --reps "$v"; done
for o in duration warmup; do
	for v in '' 0 601s 1x -1 "$big" 1.5.5s ms; do
		row "--$o: .*not a positive duration .*at most 10m" "${S[@]}" --$o "$v"
	done
done
for v in '' diagonal list COMPACT; do row '--placement: .* is not one of compact, scatter, none' "${S[@]}" --placement "$v"; done
for v in "${bad_uint[@]}" 0 1025; do row '--permits: .* 1\.\.1024' "${S[@]}" --permits "$v"; done
row '--permits: 2 needs a counting lock' "${S[@]}" --permits 2
for v in "${bad_uint[@]}" 0 1025; do row '--cdf-threads: .* 1\.\.1024' "${S[@]}" --cdf-threads "$v"; done
for v in '' -1 x "$big" 1.5 1x; do row '--seed: .* is not an unsigned integer' "${S[@]}" --seed "$v"; done
row '--seed: ' "${S[@]}" --seed ' 1'
row '--seed: ' "${S[@]}" --seed +1
row "--out: '' is not a usable directory name" "${S[@]}" --out ''
row "--resume: '' is not a usable directory name" sweep --resume ''
row "--resume: '$work/nonexistent' is not a sweep result set" sweep --resume "$work/nonexistent"
row '--resume: cannot be combined with --out' sweep --resume "$work/set" --out "$work/sweep-out"
row '--resume: takes no other options' sweep --resume "$work/set" --reps 2
row "--out: '$work/set' already holds a result set; use --resume" "${S[@]}" --out "$work/set"
for o in quick no-report no-probe help; do row "--$o" "${S[@]}" --$o=1; done
for o in locks threads cs ncs reps duration warmup placement permits cdf-threads seed out resume; do
	row "--$o: expected a value" "${S[@]}" --$o
done
row "unexpected argument 'extra'" "${S[@]}" extra
row "sweep: unknown or ambiguous option '--bogus'" "${S[@]}" --bogus
row "sweep: unknown option '-x'" "${S[@]}" -x

echo "reliability_cli: topo"
T=(topo --threads 2)
for v in "${bad_uint[@]}" 0 1025; do row '--threads: .* 1\.\.1024' topo --threads "$v"; done
for v in '' diagonal list COMPACT; do row '--placement: .* is not one of compact, scatter, none' "${T[@]}" --placement "$v"; done
for v in "${bad_cpus[@]}"; do row "--cpus: .* is not a CPU list" "${T[@]}" --cpus "$v"; done
row '--cpus: CPU 8191 is not available' "${T[@]}" --cpus 8191
row '--cpus: cannot be combined with --placement' "${T[@]}" --cpus 0 --placement compact
row '--cpus: needs --threads' topo --cpus 0
row '--placement: needs --threads' topo --placement scatter
for v in '' garbage 'pack:0' 'pack:2 pu:' 'core:-1'; do
	row "--synthetic: .* is not an hwloc synthetic description" topo --synthetic "$v"
done
row '--synthetic: cannot be combined with --xml' topo --synthetic 'pack:2 pu:2' --xml "$work/x.xml"
printf '<?xml version="1.0"?><topology><object type="Machine"' >"$work/bad.xml"
for v in '' "$work/nonexistent.xml" /etc/passwd "$work" "$work/bad.xml" /dev/null; do
	row "--xml: " topo --xml "$v"
done
for o in threads placement cpus synthetic xml; do row "--$o: expected a value" topo --$o; done
row '--help: takes no value' topo --help=1
row "topo: unexpected argument 'extra'" topo extra
row "topo: unknown or ambiguous option '--bogus'" topo --bogus

echo "reliability_cli: list"
for v in '' xml CSV json; do row '--format: .* is not one of table, csv, markdown' list --format "$v"; done
row '--format: expected a value' list --format
row '--help: takes no value' list --help=1
row "list: unexpected argument 'extra'" list extra
row "list: unknown or ambiguous option '--bogus'" list --bogus

echo "reliability_cli: report"
echo "not a directory" >"$work/file"
mkdir -p "$work/empty"
row 'report: expected a result directory' report
row 'report: one result directory only' report "$work/set" "$work/set"
row "report: unknown or ambiguous option '--bogus'" report --bogus
row "report: unknown option '-x'" report "$work/set" -x
row "report: '$work/nonexistent' is not a directory" report "$work/nonexistent"
row "report: '$work/file' is not a directory" report "$work/file"
row "report: '$work/empty' is not a result set" report "$work/empty"

echo "reliability_cli: compare"
row 'compare: expected two result directories' compare
row 'compare: expected two result directories' compare "$work/set"
row "compare: .*two result directories" compare "$work/set" "$work/set" "$work/set"
for v in '' throughput MOPS p99; do row "--metric" compare "$work/set" "$work/set" --metric "$v"; done
row '--metric: expected a value' compare "$work/set" "$work/set" --metric
row '--out: expected a value' compare "$work/set" "$work/set" --out
xrow "compare.c: an empty --out is accepted, then 'cannot create' (exit 1)" '--out' compare "$work/set" "$work/set" --out=
xrow "compare.c: an empty --out is accepted, then 'cannot create' (exit 1)" '--out' compare "$work/set" "$work/set" --out ''
row "compare: unknown or ambiguous option '--outdir'" compare "$work/set" "$work/set" --outdir x
row "compare: unknown or ambiguous option '--bogus'" compare "$work/set" "$work/set" --bogus
row "compare: '$work/nonexistent'" compare "$work/nonexistent" "$work/set"
row "compare: .*'$work/empty'" compare "$work/set" "$work/empty"

echo "reliability_cli: c2c"
for v in "${bad_cpus[@]}"; do row "--cpus: .* is not a CPU list" c2c --cpus "$v"; done
row "--cpus: '0' names one CPU" c2c --cpus 0
row '--cpus: CPU 8191 is not one this process may use' c2c --cpus 0,8191
for v in "${bad_uint[@]}" 0 100001; do row '--samples: .* 1\.\.100000' c2c --samples "$v"; done
for v in '' json CSV; do row "--format: .* is not one of table, csv" c2c --format "$v"; done
row '--out: expected a file name' c2c --out ''
for o in cpus samples format out; do row "--$o: expected a value" c2c --$o; done
row "c2c: unexpected argument 'extra'" c2c extra
row "c2c: unknown or ambiguous option '--bogus'" c2c --bogus

echo "reliability_cli: $rows bad inputs tried, $failed failed, $xfailed known bugs (xfail), $xpassed xpass (failed)"
((rows > 0 && failed == 0))
