#!/usr/bin/env bash
# tests/fleet/slurm.sh BUILD — a sharded sweep on a real Slurm (scripts/test.sh's `slurm` stage,
# the only place it runs: it needs root and Debian's slurm-wlm and munge). It starts a private
# single-node Slurm (tests/fleet/slurm_up.sh: own munged socket, own slurm.conf, own ports and
# spool; nothing system-wide), then through scripts/slurm/submit.sh:
#   1. a --quick sweep (two locks, tiny windows) as a 2-task --exclusive array plus its merge job:
#      both tasks and the merge complete, the merged set is complete, its summary.csv has rows,
#      results.csv holds every run of the plan once, report.html and report.md are there;
#   2. the same with task 2 cancelled while it waits for the node: the merge still runs
#      (afterany, not afterok, else it would wait for ever), fails, and names shard 2 as missing;
#      then `submit.sh --rerun 2` (docs/FLEET.md's re-run of one failed shard) completes the set.
# Every wait is bounded; the daemons are stopped by their PIDs on every exit path. Exit 77 only
# when Slurm cannot start here (not root, packages missing), saying why. Prints the wall time.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../common/lib.sh
source "$src/tests/common/lib.sh"
# shellcheck source=slurm_up.sh
source "$src/tests/fleet/slurm_up.sh"
abs_args "usage: tests/fleet/slurm.sh BUILD" build -- "$@"
lb=$build/bench/lockbench
[[ -x $lb ]] || { echo "slurm: no $lb (build first)" >&2; exit 2; }
submit=$src/scripts/slurm/submit.sh
# Few locks, tiny windows, no probes: the test is about the plumbing, not the numbers.
sweep_opts=(--quick --locks tas,futex --duration 10ms --warmup 5ms --no-probe --no-lock-cost --seed 14)

t0=$(date +%s%N)
secs() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

work=$(mktemp -d /tmp/lb-slurm.XXXXXX) && chmod 0755 "$work" || { echo "slurm: mktemp failed" >&2; exit 1; }
cleanup() {
	local rc=$?
	slurm_down
	if ((rc != 0 && rc != 77)) && [[ -z ${LB_KEEP:-} ]]; then
		echo "slurm: logs of the failed run:"
		for f in "$work"/run*/logs/*.out "$work"/slurm/log/slurm*.log; do
			[[ -s $f ]] && { echo "--- $f"; tail -n 20 "$f"; }
		done
	fi
	[[ -n ${LB_KEEP:-} ]] && echo "slurm: kept $work (LB_KEEP)" || rm -rf "$work"
	echo "slurm: wall time $(secs "$t0") s"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t_up=$(date +%s%N)
slurm_up "$work/slurm"
rc=$?
if ((rc == 77)); then
	skip "$slurm_why"
	summary slurm
	exit
fi
check "a private Slurm came up: munged, slurmctld, slurmd on node '$slurm_node' idle" test "$rc" = 0 || {
	summary slurm
	exit
}
echo "slurm: up in $(secs "$t_up") s (ports and files under $work/slurm)"

# sl ARGS...: squeue/scontrol/scancel against our private Slurm, bounded.
sl() { timeout 10 "${slurm_env[@]}" "$@"; }

# wait_jobs LIMIT_S ID...: until none of the jobs is pending, running or completing.
wait_jobs() {
	local limit=$1 i left
	shift
	local ids
	ids=$(IFS=,; echo "$*")
	for ((i = 0; i < limit * 5; i++)); do
		left=$(sl squeue -h -j "$ids" -t PENDING,RUNNING,COMPLETING,CONFIGURING,SUSPENDED -o %i 2>/dev/null)
		[[ -z $left ]] && return 0
		slurm_alive || return 1
		sleep 0.2
	done
	echo "slurm: jobs still queued or running after $limit s: $left" >&2
	sl squeue -j "$ids" -t all >&2
	return 1
}

# job_field JOB FIELD: FIELD=VALUE from `scontrol show job -o JOB`, one line per (array) task.
job_field() {
	sl scontrol show job -o "$1" 2>/dev/null | grep -oE "(^| )$2=[^ ]*" | sed -E "s/^ ?$2=//"
}

# env_of DIR KEY: a value from the submit.env submit.sh writes.
env_of() { sed -n "s/^$2=//p" "$1/submit.env"; }

# set_ok DIR: the merged set is complete and has its report.
set_ok() {
	local d=$1 rows
	check "$d: meta.json says the set is complete" grep -q '"complete": *true' "$d/meta.json"
	rows=$(complete_rows --whole "$d/summary.csv")
	check "$d: summary.csv has whole rows ($rows)" test "$rows" != bad -a "${rows:-0}" -gt 0
	check "$d: report.html and report.md are there" test -s "$d/report.html" -a -s "$d/report.md"
}

# --- 1. the whole path: plan, 2-task exclusive array, merge ---------------------------------------
run=$work/run
t_sweep=$(date +%s%N)
out=$("${slurm_env[@]}" bash "$submit" --shards 2 --time 5 --merge-time 5 --out "$run" --lockbench "$lb" \
	"${sweep_opts[@]}" 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
check "submit.sh made the plan and submitted (exit $rc)" test "$rc" = 0 -a -s "$run/submit.env"
array=$(env_of "$run" LB_ARRAY_JOB)
merge=$(env_of "$run" LB_MERGE_JOB)
check "submit.sh printed both job ids ($array, $merge) and where the report will be" \
	grep -q "report: $run/merged/report.html" <<<"$out"
check "the merge job depends on the array with afterany" \
	grep -q "afterany:${array}" <<<"$(job_field "$merge" Dependency)"
check "the shard tasks ask for whole nodes (--exclusive: OverSubscribe=NO)" \
	test "$(job_field "$array" OverSubscribe | sort -u)" = NO
check "array and merge ended within 120 s" wait_jobs 120 "$array" "$merge"
echo "slurm: 2-task array + merge took $(secs "$t_sweep") s (from submit.sh to the merge's end)"
states=$(job_field "$array" JobState | sort | tr '\n' ' ')
check "both shard tasks completed ($states)" test "$states" = "COMPLETED COMPLETED "
check "both shard tasks exited 0" test "$(job_field "$array" ExitCode | sort -u)" = 0:0
check "the merge job completed, exit 0 ($(job_field "$merge" JobState) $(job_field "$merge" ExitCode))" \
	test "$(job_field "$merge" JobState)/$(job_field "$merge" ExitCode)" = COMPLETED/0:0
check "one set per shard: shards/shard-1 and shard-2" test -d "$run/shards/shard-1" -a -d "$run/shards/shard-2" \
	-a "$(ls "$run/shards" | wc -l)" = 2
set_ok "$run/merged"
# Every run of the plan once: the merged results.csv has as many rows as the shards' together,
# and no (lock, threads, cs, rep) key twice.
r1=$(complete_rows "$run/shards/shard-1/results.csv")
r2=$(complete_rows "$run/shards/shard-2/results.csv")
rm_=$(complete_rows "$run/merged/results.csv")
check "merged results.csv rows ($rm_) = shard 1's ($r1) + shard 2's ($r2), both non-empty" \
	test "$r1" != bad -a "$r2" != bad -a "$rm_" != bad -a "${r1:-0}" -gt 0 -a "${r2:-0}" -gt 0 \
	-a "$rm_" = "$((r1 + r2))"
runs=$(grep -oE '"runs" *: *[0-9]+' "$run/plan.json" | grep -oE '[0-9]+$')
check "merged results.csv rows ($rm_) = the plan's runs (${runs:-none})" test "$rm_" = "${runs:-x}"

# --- 2. a shard lost: the merge still runs and names it; --rerun completes the set --------------
run2=$work/run2
t_fail=$(date +%s%N)
out=$("${slurm_env[@]}" bash "$submit" --shards 2 --time 5 --merge-time 5 --out "$run2" --lockbench "$lb" \
	"${sweep_opts[@]}" 2>&1)
rc=$?
check "second submission (exit $rc)" test "$rc" = 0 -a -s "$run2/submit.env"
array2=$(env_of "$run2" LB_ARRAY_JOB)
merge2=$(env_of "$run2" LB_MERGE_JOB)
# Task 2 waits for the node task 1 holds (--exclusive): cancelled there, it never starts.
check "task 2 cancelled while it waited" sl scancel "${array2}_2"
check "array and merge ended within 120 s, the merge not left pending" wait_jobs 120 "$array2" "$merge2"
st=$(job_field "$merge2" JobState)
check "the merge ran after a cancelled shard and failed ($st, exit $(job_field "$merge2" ExitCode))" \
	test "$st" = FAILED
mlog=$(ls "$run2"/logs/merge."$merge2".out 2>/dev/null)
check "the merge's log names shard 2 as missing" grep -qE 'shard\(s\) 2 of 2|missing.*\b2\b|shard 2\b' "$mlog"
check "no merged set from an incomplete sweep" test ! -e "$run2/merged"
echo "slurm: the submission with a cancelled shard ended after $(secs "$t_fail") s; re-running shard 2"
out=$("${slurm_env[@]}" bash "$submit" --out "$run2" --rerun 2 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
array3=$(env_of "$run2" LB_ARRAY_JOB)
merge3=$(env_of "$run2" LB_MERGE_JOB)
check "submit.sh --rerun 2 submitted shard 2 and a new merge (exit $rc; jobs $array3, $merge3)" \
	test "$rc" = 0 -a "$array3" != "$array2" -a "$merge3" != "$merge2"
check "re-run and merge ended within 120 s" wait_jobs 120 "$array3" "$merge3"
check "the re-run shard and the new merge completed" \
	test "$(job_field "$array3" JobState)/$(job_field "$merge3" JobState)/$(job_field "$merge3" ExitCode)" = COMPLETED/COMPLETED/0:0
set_ok "$run2/merged"

echo "slurm: the whole test (up, two sweeps, a re-run, down) in $(secs "$t0") s"
summary slurm
