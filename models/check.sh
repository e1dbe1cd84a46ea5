#!/usr/bin/env bash
# check.sh — model-check the lock algorithms of locks/ with spin.
#
# Usage: bash models/check.sh [MODEL...]      (MODEL: tas, ticket, …; default all; any cwd)
#
# Two things per model:
#   1. Review check: the model's first lines name the files it models and their sha256,
#      `/* models: locks/ticket.c sha256: <hex> */`, one line per file. When a file's hash
#      differs, the file changed since someone last checked that the model still matches it:
#      FAIL, until a reviewer has compared the two and written the new hash into the model.
#   2. The checks in the table below. A correct model must pass; a broken variant (-DBROKEN=k)
#      must be caught, and only counts as caught when spin reports the kind of violation the
#      row expects (an assertion, an acceptance cycle), so a depth overflow or a syntax error
#      never passes for a catch.
# Then the time budgets (MODEL_BUDGET_S per model, STAGE_BUDGET_S for the run; see below).
# Prints one line per check (property, states explored, time, result) and ends with
# `models: N passed, M failed`; exits 1 on any failure, 2 on bad usage or a missing tool.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")

for tool in spin gcc sha256sum; do
	if ! command -v "$tool" >/dev/null; then
		echo "models/check.sh: '$tool' not found (Debian: apt-get install spin gcc coreutils)" >&2
		exit 2
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/lockbench-models.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pan: exhaustive search (no bitstate, no hash compaction), bounded: at most DEPTH steps (-b
# makes running into it an error rather than a silently partial search), a 2^HASH_BITS-slot hash
# table, MEMLIM MB of memory, a state vector of at most VECTORSZ bytes, and a wall-clock bound.
DEPTH=3000000
HASH_BITS=22
MEMLIM=1024
PAN_TIMEOUT_S=120
# Time budgets, wall clock: a model's checks together, and the whole run. They sit ~5-10x above
# what the checks take on a 2-CPU CI machine (the run printed its total: ~45 s for 92 checks in
# Dec 2026), so a noisy machine does not trip them, but a model whose state space grew by an
# order of magnitude does: it is then split or bounded before it lands, not found in CI's
# 90-minute limit. Overridable for a slow machine: MODEL_BUDGET_S=… STAGE_BUDGET_S=….
MODEL_BUDGET_S=${MODEL_BUDGET_S:-90}
STAGE_BUDGET_S=${STAGE_BUDGET_S:-600}
declare -A model_secs=()
stage_t0=$(date +%s.%N)
# -O0: most searches take a fraction of a second; compiling pan.c with -O2 takes longer than
# that. A check of a million states or more says `+O2` among its defines: pan then runs 5-8x
# faster (qspinlock's N = 3 FIFO search: ~8 s of CPU instead of ~65), for ~2 s more compiling.
PAN_CFLAGS=(-O0 -w -DMEMLIM=$MEMLIM -DVECTORSZ=512)

passed=0
failed=0
selected=("$@")
for s in "${selected[@]}"; do
	if [ "$s" = -h ] || [ "$s" = --help ]; then
		sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
	fi
	if [ "${s%.pml}" = common ] || [ ! -f "$here/${s%.pml}.pml" ]; then
		echo "models/check.sh: '$s' is not one of: $(cd "$here" && ls *.pml | sed -e 's/\.pml$//' -e '/^common$/d' | tr '\n' ' ')" >&2
		exit 2
	fi
done

wanted()
{
	local m=$1 s
	[ ${#selected[@]} -eq 0 ] && return 0
	for s in "${selected[@]}"; do
		[ "$s" = "$m" ] || [ "$s" = "$m.pml" ] && return 0
	done
	return 1
}

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); }

# --- 1. review check ------------------------------------------------------------------------
# A model opens with one line per file it models (a lock's .c and the headers whose code it
# inlines): `/* models: locks/futex.c sha256: <hex> */`.
for pml in "$here"/*.pml; do
	model=$(basename "$pml" .pml)
	[ "$model" = common ] && continue
	wanted "$model" || continue
	nfiles=0
	stale=0
	while IFS= read -r line; do
		[[ $line =~ ^/\*\ models:\ ([^ ]+)\ sha256:\ ([0-9a-f]+)\ \*/$ ]] || break
		nfiles=$((nfiles + 1))
		src=${BASH_REMATCH[1]}
		recorded=${BASH_REMATCH[2]}
		if [ ! -f "$root/$src" ]; then
			echo "FAIL  models/$model.pml: models $src, which does not exist"
			stale=1
			continue
		fi
		actual=$(sha256sum "$root/$src" | cut -d' ' -f1)
		if [ "$actual" != "$recorded" ]; then
			echo "FAIL  models/$model.pml: $src changed (sha256 now $actual); review the model against it, then record that hash in the model's first lines"
			stale=1
		fi
	done <"$pml"
	if [ $nfiles -eq 0 ]; then
		echo "FAIL  models/$model.pml: does not open with '/* models: locks/FILE sha256: HEX */'"
		bad
	elif [ $stale -ne 0 ]; then
		bad
	else
		ok
	fi
done

# --- 2. the checks --------------------------------------------------------------------------
# check MODEL "DEFINES" KIND EXPECT "PROPERTY" ["NOTE": what is broken, or why it fails]
#   DEFINES  spin -D macros: N (processes), ROUNDS (acquisitions each, for the quiescence
#            check; without it processes loop forever), BROKEN (which broken variant), MAX
#            and STRAY (sem_bounded), TIMED (futex, sem_bounded: timedlock in the mix)
#   KIND     safety: assertions and invalid end states (pan built with -DSAFETY -DNOCLAIM)
#            sfK: the LTL claim sfK of common.pml, acceptance cycles under weak fairness
#   EXPECT   pass: no error, search complete
#            assert:TEXT: caught: an assertion violated whose text contains TEXT
#            accept: caught: an acceptance cycle (a fair run that violates the claim)
#            reach: as pass, and every statement of every proctype is reached (pan's listing
#              of unreached states holds nothing but a looping process's `-end-`): a branch
#              that no run takes, such as a trylock that never succeeds, proves nothing
#            unreached: caught: some statement is never reached
check()
{
	local model=$1 defines=$2 kind=$3 expect=$4 property=$5 note=${6:-}
	wanted "$model" || return 0

	local dflags=() d opt=
	for d in $defines; do
		if [ "$d" = +O2 ]; then opt=-O2; else dflags+=("-D$d"); fi
	done
	local mode=safety
	[ "$kind" != safety ] && mode=ltl
	local dir="$work/$model.${defines// /.}.$mode"
	local cflags=("${PAN_CFLAGS[@]}")
	[ -n "$opt" ] && cflags+=("$opt")
	[ $mode = safety ] && cflags+=(-DSAFETY -DNOCLAIM)
	local pan_args=(-m$DEPTH -b -w$HASH_BITS -n)
	# -n leaves out the listing of unreached states, which the reach checks read.
	[ "$expect" = reach ] || [ "$expect" = unreached ] && pan_args=(-m$DEPTH -b -w$HASH_BITS)
	[ $mode = ltl ] && pan_args+=(-a -f -N "$kind")
	local label="$property"
	[ "$kind" != safety ] && label="$property ($kind)"

	local t0 t1 out rc=0
	t0=$(date +%s.%N)
	if [ ! -x "$dir/pan" ]; then
		mkdir -p "$dir"
		if ! (cd "$dir" && spin "${dflags[@]}" -a "$here/$model.pml") >"$dir/spin.log" 2>&1; then
			out="spin -a failed: $(grep -m1 -i error "$dir/spin.log")"
			rc=-1
		elif ! (cd "$dir" && gcc "${cflags[@]}" -o pan pan.c) >"$dir/gcc.log" 2>&1; then
			out="gcc pan.c failed: $(grep -m1 -i error "$dir/gcc.log")"
			rc=-1
		fi
	fi
	if [ $rc -eq 0 ]; then
		out=$(cd "$dir" && timeout $PAN_TIMEOUT_S ./pan "${pan_args[@]}" 2>&1)
		rc=$?
	fi
	t1=$(date +%s.%N)

	local secs states errors found result=FAIL detail
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1fs", b - a }')
	model_secs[$model]=$(awk -v s="${model_secs[$model]:-0}" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", s + b - a }')
	states=$(sed -n 's/^ *\([0-9][0-9]*\) states, stored.*/\1/p' <<<"$out" | head -n 1)
	errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' <<<"$out" | head -n 1)
	# The first error pan reports ("pan:1: assertion violated (incs<=1) (at depth 76)"), else
	# the reason it stopped early.
	found=$(grep -m1 -E '^pan:[0-9]+: ' <<<"$out" |
		sed -e 's/^pan:[0-9]*: *//' -e 's/ *(at depth [0-9]*)$//' -e 's/  */ /g')
	[ -z "$found" ] && found=$(grep -m1 -oE 'max search depth too small|out of memory|VECTORSZ too small' <<<"$out")
	# Statements no run reaches: pan's "unreached in proctype" listings (not the claims'), less
	# the `-end-` of processes that loop for ever. One line: "mcs.pml:75 ok = 1; …".
	local unreached
	unreached=$(awk '/^unreached in / { inp = ($3 == "proctype"); next }
		inp && /^\t/ && !/^\t\([0-9]+ of [0-9]+ states\)/ && !/"-end-"/ {
			sub(/^\t.*\//, ""); sub(/, state [0-9]+, /, " "); gsub(/"/, ""); printf "%s; ", $0 }' <<<"$out")
	unreached=${unreached%; }

	if [ $rc -eq -1 ]; then
		detail=$out
	elif [ $rc -eq 124 ]; then
		detail="pan timed out after ${PAN_TIMEOUT_S}s"
	elif [ -z "$errors" ]; then
		detail="pan did not finish: $(tail -n 1 <<<"$out")"
	elif [ "$expect" = pass ] || [ "$expect" = reach ]; then
		if [ "$errors" != 0 ] || grep -q 'Search not completed' <<<"$out"; then
			detail="violated: ${found:-errors: $errors}"
		elif [ "$expect" = reach ] && [ -n "$unreached" ]; then
			detail="holds, but proves less than it says: never reached: $unreached"
		else
			result=pass
			detail="holds"
			[ "$expect" = reach ] && detail="holds, every statement reached"
		fi
	elif [ "$expect" = unreached ]; then
		if [ "$errors" = 0 ] && [ -n "$unreached" ]; then
			result=pass
			detail="caught: never reached: $unreached"
		else
			detail="NOT caught (wanted: a statement never reached; spin said: ${found:-every statement reached})"
		fi
		[ -n "$note" ] && detail="broken ($note): $detail"
	else
		local want='acceptance cycle'
		[[ $expect == assert:* ]] && want="assertion violated*${expect#assert:}"
		if [ "$errors" != 0 ] && [[ $found == $want* ]]; then
			result=pass
			detail="caught: $found"
		else
			detail="NOT caught (wanted: ${want//\*/ ... }; spin said: ${found:-no error})"
		fi
		if [ -n "$note" ]; then
			if [[ $defines == *BROKEN* ]]; then detail="broken ($note): $detail"; else detail="$note: $detail"; fi
		fi
	fi
	printf '%-4s  %-11s %-27s %-44s %8s states %5s  %s\n' "$result" "$model" "$defines" \
		"$label" "${states:-?}" "$secs" "$detail"
	if [ $result = pass ]; then
		ok
	else
		bad
		local what=${dflags[*]}
		echo "      reproduce: cd models && spin ${what:+$what }-a $model.pml && gcc ${cflags[*]} -o pan pan.c && ./pan ${pan_args[*]}; spin -t -p ${what:+$what }$model.pml"
	fi
}

echo "model-checking the lock algorithms with spin $(spin -V | awk '{print $3}') (states: states stored)"

ME="mutual exclusion"
SF="starvation freedom"
LW="no lost wake-up, mutual exclusion"
BME="assert:incs<="   # caught by the exclusion assertion
BLW="assert:asleep"   # caught by the quiescence assertion: someone asleep for good

# The unfair spinlocks: exclusion; starvation freedom is shown NOT to hold (spin finds the
# fair cycle in which one process always loses), so that the claim is seen to be able to fail.
for u in tas ttas; do
	check $u     "N=2"                   safety pass   "$ME"
	check $u     "N=3"                   safety pass   "$ME"
	check $u     "N=2"                   sf0    accept "$SF: NOT a property of $u"
done
check tas        "N=2 BROKEN=1"          safety "$BME" "$ME" "test, then set"
check ttas       "N=2 BROKEN=1"          safety "$BME" "$ME" "store instead of exchange"

# The FIFO locks: exclusion, and starvation freedom for every process, one claim at a time.
# trylock: see each model's header for why it is checked where it is.
for n in 2 3; do
	check ticket "N=$n"                  safety pass   "$ME"
	for ((i = 0; i < n; i++)); do
		check ticket "N=$n"              sf$i   pass   "$SF"
	done
done
check ticket     "N=3 ROUNDS=2 TRYLOCK"  safety reach  "$ME, lock + trylock"
check ticket     "N=2 TRYLOCK"           safety "$BME" "$ME: NOT with wrapping counters" "trylock's ABA once the counters wrap"
check ticket     "N=2 BROKEN=1"          safety "$BME" "$ME" "ticket by load, then store"
# ticket-faa: the same lock but for unlock's fetch-add (-DFAA).
check ticket     "N=3 FAA"               safety pass   "$ME, ticket-faa"
check ticket     "N=3 FAA"               sf0    pass   "$SF, ticket-faa"
check ticket     "N=3 ROUNDS=2 TRYLOCK FAA" safety reach "$ME, lock + trylock, ticket-faa"

for q in mcs clh clh_try; do
	check $q     "N=2 TRYLOCK"           safety reach  "$ME, lock + trylock"
	check $q     "N=2 TRYLOCK"           sf0    pass   "$SF, lock + trylock"
	check $q     "N=2 TRYLOCK"           sf1    pass   "$SF, lock + trylock"
	check $q     "N=3"                   safety pass   "$ME"
	for ((i = 0; i < 3; i++)); do
		check $q "N=3"                   sf$i   pass   "$SF"
	done
	check $q     "N=3 TRYLOCK +O2"       safety reach  "$ME, lock + trylock"
	check $q     "N=2 BROKEN=1"          safety "$BME" "$ME" "tail by load, then store"
done
check mcs        "N=2 BROKEN=2"          sf0    accept "$SF" "unlock does not wait for the link"
# The reach checks (lock + trylock rows: every statement reached, so a trylock does succeed):
# shown able to fail on the Promela trap that once hid mcs's successful trylock.
check mcs        "N=2 TRYLOCK BROKEN=3"  safety unreached "$ME, lock + trylock" "trylock option without true ->: the CAS is dead"

# The parking MCS (mcs_park.pml): mcs's queue with spin-then-sleep waiters; exclusion, FIFO
# starvation freedom, and no lost wake-up at the handoff (ROUNDS, quiescence).
check mcs_park   "N=2 TRYLOCK"           safety reach  "$ME, lock + trylock"
check mcs_park   "N=3"                   safety pass   "$ME"
# One claim at N=3 (by symmetry; each costs ~10 s here), both at N=2 with trylock.
check mcs_park   "N=3"                   sf0    pass   "$SF"
check mcs_park   "N=2 TRYLOCK"           sf0    pass   "$SF, lock + trylock"
check mcs_park   "N=2 TRYLOCK"           sf1    pass   "$SF, lock + trylock"
check mcs_park   "N=2 ROUNDS=2"          safety pass   "$LW"
check mcs_park   "N=3 ROUNDS=2"          safety pass   "$LW"
check mcs_park   "N=3 ROUNDS=2 BROKEN=1" safety "$BLW" "$LW" "handoff reads the state, then stores"
check mcs_park   "N=3 ROUNDS=2 BROKEN=2" safety "$BLW" "$LW" "waiter stores PARKED, no CAS"
check clh        "N=2 BROKEN=2"          sf0    accept "$SF" "unlock keeps its own node"
check clh_try    "N=2 BROKEN=2"          sf0    accept "$SF" "unlock keeps its own node"
check clh        "N=2 TRYLOCK BROKEN=3"  safety "$BME" "$ME, lock + trylock" "trylock enters on its pre-CAS check: the ABA"
check clh        "N=3 TRYLOCK BROKEN=4"  safety "$BME" "$ME, lock + trylock" "trylock backs out with a store"

# Malthusian MCS (malthusian.pml): culling to the passive list, re-admission, work conservation;
# exclusion and no lost waiter (ROUNDS; N=3, since culling needs three processes).
check malthusian "N=3 ROUNDS=2"          safety pass   "$LW, passive list drained"
check malthusian "N=3 ROUNDS=3 +O2"      safety pass   "$LW, passive list drained"
check malthusian "N=3 ROUNDS=2 BROKEN=1" safety "$BLW" "$LW" "no work conservation"
check malthusian "N=3 ROUNDS=2 BROKEN=2" safety "$BLW" "$LW" "re-admitted waiter not linked to the chain"

# Time-published MCS (mcs_tp.pml): the unlocker's walk past stale waiters, who re-enqueue;
# staleness is the model's free choice. Exclusion and no lost waiter (ROUNDS, quiescence).
TP="$ME, no lost waiter"
check mcs_tp     "N=2 ROUNDS=2"          safety pass   "$TP"
check mcs_tp     "N=3 ROUNDS=2"          safety pass   "$TP"
check mcs_tp     "N=3 ROUNDS=2 BROKEN=1" safety "assert:finished" "$TP" "REMOVED before reading next"
check mcs_tp     "N=2 ROUNDS=2 BROKEN=2" safety "assert:finished" "$TP" "stale tail removed without the CAS"

# The bounded-bypass parking lock (bounded_park.pml, B = 1 in the model): exclusion, the bypass
# bound (an assertion on each waiter's overtakes), no lost wake-up; all with ROUNDS (its counts
# do not wrap in the model). N=3 ROUNDS=2 passes too but takes ~75 s: left out for the budget.
BPB="assert:ov"   # caught by the bypass-bound assertion (ov[q] <= B; no brackets: the match is a glob)
check bounded_park "N=2 ROUNDS=2"        safety pass   "$LW, bypass <= B"
check bounded_park "N=2 ROUNDS=3"        safety pass   "$LW, bypass <= B"
check bounded_park "N=3 ROUNDS=1"        safety pass   "$LW, bypass <= B"
check bounded_park "N=2 ROUNDS=3 BROKEN=1" safety "$BPB" "$LW, bypass <= B" "barging ignores the limit"
check bounded_park "N=2 ROUNDS=3 BROKEN=2" safety "$BLW" "$LW" "head reads head_seq after PARKED"
check bounded_park "N=3 ROUNDS=1 BROKEN=3" safety "$BLW" "$LW" "waiter reads serving before marking"

# Hemlock with two locks: a round takes one lock or both, so one grant word carries two handoffs
# in a row; ROUNDS rounds each, then the end check (everyone finished: no lost handoff).
HL="$ME on 2 locks, no lost handoff"
check hemlock    "N=2 ROUNDS=2"          safety pass   "$HL"
check hemlock    "N=3"                   safety pass   "$HL"
check hemlock    "N=3 ROUNDS=2"          safety pass   "$HL"
check hemlock    "N=3 ROUNDS=2 TRYLOCK"  safety reach  "$HL, lock + trylock"
check hemlock    "N=3 BROKEN=1"          safety "assert:done" "$HL" "unlock does not wait for the acknowledgement"

# Reciprocating: exclusion and the bypass bound (ghost assertion: at most 1 overtake per waiter
# and overtaking thread) in one search; starvation freedom.
BB="$ME, bypass <= 1 per thread"
check reciprocating "N=2"                safety pass   "$BB"
check reciprocating "N=3"                safety pass   "$BB"
check reciprocating "N=3 TRYLOCK"        safety reach  "$BB, lock + trylock"
for ((i = 0; i < 3; i++)); do
	check reciprocating "N=3"            sf$i   pass   "$SF"
done
check reciprocating "N=3 BOUND=0"        safety "assert:ov" "$BB: NOT with a bound of 0" "the bound of 1 is reached"
check reciprocating "N=2 BROKEN=1"       safety "assert:ov" "$BB" "LOCKED_EMPTY taken for a free lock"
check reciprocating "N=2 BROKEN=2"       sf0    accept "$SF" "no end-of-segment check"
check reciprocating "N=2 TRYLOCK NOBYPASS BROKEN=3" safety "$BME" "$ME, lock + trylock" "trylock takes LOCKED_EMPTY for free"

# CNA: processes 0..N-2 in one cluster, N-1 in the other. Safety is exclusion and the bound
# (consecutive in-cluster entries while the remote process is queued <= BOUND + 1); starvation
# freedom for a local process and for the remote one (process 1 is process 0's mirror).
CB="$ME, cluster bound"
check cna        "N=3"                   safety pass   "$CB"
check cna        "N=3"                   sf0    pass   "$SF"
check cna        "N=3"                   sf2    pass   "$SF"
check cna        "N=3 BROKEN=1"          safety "assert:runlen<=" "$CB" "no departure at the bound"
check cna        "N=3 BROKEN=2"          safety "assert:runlen<=" "$CB" "leaving forgets the secondary queue"

# HMCS (hmcs.pml): processes 0, 1 in one cluster, 2 in the other; threshold T = 2, so
# cluster_bound = 1. Safety is exclusion and the bound (consecutive entries within a cluster
# while a remote process is enqueued globally <= cluster_bound + 1, as for cna); starvation
# freedom for a local process and the remote one; no lost handoff (ROUNDS, the end check).
HB="$ME, cluster bound"
check hmcs       "N=3"                   safety pass   "$HB"
check hmcs       "N=3"                   sf0    pass   "$SF"
check hmcs       "N=3"                   sf2    pass   "$SF"
check hmcs       "N=3 ROUNDS=2"          safety reach  "$HB, no lost handoff"
check hmcs       "N=3 ROUNDS=1 TRYLOCK"  safety reach  "$HB, no lost handoff, lock + trylock"
check hmcs       "N=3 BROKEN=1"          safety "assert:runlen<=" "$HB" "local pass past the threshold"
check hmcs       "N=3 ROUNDS=2 BROKEN=2" safety "assert:finished==" "$HB, no lost handoff" "global level never released"
check hmcs       "N=3 BROKEN=3"          safety "$BME" "$HB" "ACQUIRE_PARENT taken for a local pass"

# C-BO-MCS (cbo_mcs.pml): a global TAS over per-cluster MCS, bound T = 2 local holders per
# tenure. Exclusion and the tenure bound; no lost handoff. cluster_bound is 0 (none stated):
# a cluster bound and starvation freedom are shown NOT to hold (the global TAS is unfair).
CT="$ME, tenure <= T holders"
check cbo_mcs    "N=3"                   safety pass   "$CT"
check cbo_mcs    "N=3 TRYLOCK"           safety reach  "$CT, lock + trylock"
check cbo_mcs    "N=3 ROUNDS=2"          safety reach  "$CT, no lost handoff"
check cbo_mcs    "N=3 ROUNDS=1 TRYLOCK"  safety reach  "$CT, no lost handoff, lock + trylock"
check cbo_mcs    "N=3 CLAIM_BOUND=1"     safety "assert:runlen<=" "cluster bound: NOT a property of cbo_mcs" "a cluster wins the TAS back"
check cbo_mcs    "N=3"                   sf2    accept "$SF: NOT a property of cbo_mcs"
check cbo_mcs    "N=3 BROKEN=1"          safety "assert:tenure<=" "$CT" "local pass past the bound"
check cbo_mcs    "N=3 ROUNDS=2 BROKEN=2" safety "assert:finished==" "$CT, no lost handoff" "global word never freed"
check cbo_mcs    "N=3 BROKEN=3"          safety "$BME" "$CT" "TAKE_GLOBAL taken for a pass"

# Linux's qspinlock: fast path, pending bit, MCS queue in one word. Starvation freedom at N = 2
# (at N = 3 its search does not finish within the budget). At N = 3, exclusion and the C file's
# FIFO claim as a safety property (ghost doorway order, FIFO) in one search: 7.3 million
# states, ~660 MB, the largest search here (66 s at a load average of 35: near the timeout).
check qspinlock  "N=2"                   safety pass   "$ME"
check qspinlock  "N=2"                   sf0    pass   "$SF"
check qspinlock  "N=2"                   sf1    pass   "$SF"
check qspinlock  "N=2 TRYLOCK"           safety reach  "$ME, lock + trylock"
check qspinlock  "N=2 TRYLOCK"           sf0    pass   "$SF, lock + trylock"
check qspinlock  "N=3 FIFO +O2"          safety reach  "$ME, FIFO in doorway order"
check qspinlock  "N=2 BROKEN=1"          safety "$BME" "$ME" "fast path CASes the locked byte only"
check qspinlock  "N=3 BROKEN=2"          sf0    accept "$SF" "pending bit not undone"
check qspinlock  "N=3 FIFO BROKEN=3"     safety "assert:placed" "$ME, FIFO in doorway order" "queue head does not wait for pending"
check qspinlock  "N=3 FIFO BROKEN=4"     safety "assert:placed" "$ME, FIFO in doorway order" "pending path taken over a queue"

# TWA: N = 3 is the smallest with a long-term waiter (threshold 1). Starvation freedom includes
# the notification: a long-term waiter that misses its bump waits for ever.
check twa        "N=2"                   safety pass   "$ME"
check twa        "N=3 +O2"               safety pass   "$ME"
for ((i = 0; i < 3; i++)); do
	check twa    "N=3 +O2"               sf$i   pass   "$SF, no lost notification"
done
check twa        "N=3 ROUNDS=2 TRYLOCK"  safety reach  "$ME, lock + trylock"
check twa        "N=3 BROKEN=1"          sf0    accept "$SF, no lost notification" "slot bumped before grant"

# The futex mutexes: exclusion with processes looping forever; no lost wake-up with ROUNDS
# acquisitions each, so that quiescence is reachable.
for f in futex futex_spin futex_osq reentrant; do
	check $f     "N=2"                   safety pass   "$ME"
	check $f     "N=3"                   safety pass   "$ME"
	check $f     "N=2 ROUNDS=2"          safety pass   "$LW"
	check $f     "N=3 ROUNDS=2"          safety pass   "$LW"
done
# TIMED: rounds are lock() or timedlock(), whose waiter may give up (futex_word.h's timed path).
check futex      "N=2 TIMED"             safety pass   "$ME, lock + timedlock"
check futex      "N=3 TIMED"             safety pass   "$ME, lock + timedlock"
check futex      "N=2 ROUNDS=2 TIMED"    safety pass   "$LW, lock + timedlock"
check futex      "N=3 ROUNDS=2 TIMED +O2" safety pass   "$LW, lock + timedlock"
check futex      "N=3 ROUNDS=2 BROKEN=1" safety "$BLW" "$LW" "woken waiter exchanges in 1"
check futex      "N=2 ROUNDS=2 BROKEN=2" safety "$BLW" "$LW" "sleeps without announcing 2"
check futex      "N=3 ROUNDS=2 TIMED BROKEN=3" safety "$BLW" "$LW, lock + timedlock" "woken timed waiter gives up"
check futex_spin "N=3 ROUNDS=2 BROKEN=1" safety "$BLW" "$LW" "woken waiter exchanges in 1"
check futex_osq  "N=3 BROKEN=1"          safety "assert:spinning" "$ME, one spinner" "spinner flag by load, then store"
check futex_osq  "N=2 ROUNDS=2 BROKEN=2" safety "$BLW" "$LW" "spinner gives up and sleeps without announcing 2"
check reentrant  "N=2 BROKEN=1"          safety "assert:owner==me" "$ME, ownership" "unlock without the owner check"
check reentrant  "N=2 BROKEN=2"          safety "assert:owner==me" "$ME, ownership" "unlock ignores the depth"

# The bounded semaphore: at most MAX inside; never more than MAX permits, whatever is released.
IN="at most MAX inside"
check sem_bounded "N=2 MAX=1"            safety pass   "$IN"
check sem_bounded "N=3 MAX=2"            safety pass   "$IN"
check sem_bounded "N=2 MAX=1 ROUNDS=2"   safety pass   "no lost wake-up, $IN"
check sem_bounded "N=3 MAX=1 ROUNDS=2"   safety pass   "no lost wake-up, $IN"
check sem_bounded "N=3 MAX=2 ROUNDS=2"   safety pass   "no lost wake-up, $IN"
check sem_bounded "N=3 MAX=1 ROUNDS=2 TIMED" safety pass "no lost wake-up, $IN, lock + timedlock"
check sem_bounded "N=3 MAX=2 ROUNDS=2 TIMED" safety pass "no lost wake-up, $IN, lock + timedlock"
check sem_bounded "N=2 MAX=1 STRAY"      safety pass   "never over-released"
check sem_bounded "N=3 MAX=2 STRAY"      safety pass   "never over-released"
check sem_bounded "N=2 MAX=1 STRAY BROKEN=1" safety "assert:count<=" "never over-released" "bound read, then fetch_add"
check sem_bounded "N=2 MAX=1 ROUNDS=2 BROKEN=2" safety "$BLW" "no lost wake-up" "sleepers read before the post"
check sem_bounded "N=3 MAX=1 ROUNDS=2 TIMED BROKEN=3" safety "$BLW" "no lost wake-up, lock + timedlock" "woken timed waiter gives up"

# The reader-writer locks: a writer with no one else inside (the assertions in write_cs and
# read_cs), and quiescence (every process finishes: nobody spins for good). SHOWOVERLAP shows
# readers do share the lock (the assertion that they never overlap must fail).
RW="writer alone, quiescence"
BRW="assert:nw<=1"   # the writer assertion in write_cs
check rw_writer_pref "N=3"               safety pass   "$RW"
check rw_writer_pref "N=3 TIMED"         safety pass   "$RW, lock + timedlock"
check rw_writer_pref "N=2 SHOWOVERLAP"   safety "assert:nr<2" "readers overlap"
check rw_writer_pref "N=2 BROKEN=1"      safety "$BRW" "$RW" "writer checks, then stores"
check rw_writer_pref "N=2 TIMED BROKEN=2" safety "assert:finished==" "$RW" "timed writer leaves its waiting count"
check rw_phase_fair "N=3"                safety pass   "$RW"
check rw_phase_fair "N=2 TRYLOCK"        safety reach  "$RW, + trylocks"
check rw_phase_fair "N=3 ROUNDS=1 TRYLOCK" safety reach "$RW, + trylocks"
check rw_phase_fair "N=2 BROKEN=1"       safety "assert:nw==0" "$RW" "writer does not wait for readers"
check rw_phase_fair "N=3 BROKEN=2"       safety "assert:finished==" "$RW" "no phase id"
check rw_phase_fair "N=3 TRYLOCK BROKEN=3" safety "assert:finished==" "$RW" "trylock backs out"
check bravo      "N=3"                   safety pass   "$RW"
check bravo      "N=3 TRYLOCK"           safety reach  "$RW, + trylock"
check bravo      "N=2 BROKEN=1"          safety "assert:nw==0" "$RW" "revocation without the scan"
check bravo      "N=2 TRYLOCK BROKEN=2"  safety "assert:nw==0" "$RW" "failed trylock leaves the bias off"

# The interposer's condition variable: no lost wake-up with producers, consumers, signal and
# broadcast inside and outside the mutex (and time-outs); a consumer never takes from an empty
# buffer. N is the number of consumers (the processes that sleep), NP the producers.
CW="no lost wake-up, predicate safe"
check condvar    "N=2"                   safety pass   "$CW"
check condvar    "N=2 ROUNDS=2"          safety pass   "$CW"
check condvar    "N=2 NP=2 ROUNDS=2"     safety pass   "$CW"
check condvar    "N=2 ROUNDS=2 TIMEOUTS=1" safety pass "$CW, time-outs"
check condvar    "N=3"                   safety pass   "$CW"
check condvar    "N=3 TIMEOUTS=1"        safety pass   "$CW, time-outs"
check condvar    "N=2 NP=2 SEQMOD=2"     safety "$BLW" "$CW: NOT with seq modulo 2" "the ABA window once seq wraps"
check condvar    "N=2 BROKEN=1"          safety "$BLW" "$CW" "seq read after the unlock"
check condvar    "N=2 BROKEN=2"          safety "assert:items>0" "$CW" "consumer waits with if, not while"
check condvar    "N=2 BROKEN=3"          safety "$BLW" "$CW" "signal wakes without the bump"

# The budgets: one line per model (its checks' total), then the whole run.
for model in $(printf '%s\n' "${!model_secs[@]}" | sort); do
	if awk -v s="${model_secs[$model]}" -v b=$MODEL_BUDGET_S 'BEGIN { exit !(s <= b) }'; then
		printf 'pass  budget %-11s %6ss of %ss\n' "$model" "${model_secs[$model]}" $MODEL_BUDGET_S
		ok
	else
		printf 'FAIL  budget %-11s %6ss of %ss: bound or split this model\n' "$model" "${model_secs[$model]}" $MODEL_BUDGET_S
		bad
	fi
done
stage_secs=$(awk -v a="$stage_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if awk -v s="$stage_secs" -v b=$STAGE_BUDGET_S 'BEGIN { exit !(s <= b) }'; then
	printf 'pass  budget all models %6ss of %ss\n' "$stage_secs" $STAGE_BUDGET_S
	ok
else
	printf 'FAIL  budget all models %6ss of %ss\n' "$stage_secs" $STAGE_BUDGET_S
	bad
fi

echo "models: $passed passed, $failed failed"
[ $failed -eq 0 ]
