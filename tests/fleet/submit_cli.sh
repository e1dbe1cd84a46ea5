#!/usr/bin/env bash
# tests/fleet/submit_cli.sh LOCKBENCH — scripts/slurm/submit.sh and the two sbatch scripts without a
# Slurm (the real run is tests/fleet/slurm.sh, in scripts/test.sh's `slurm` stage only):
#   - every bad option is one line on stderr and exit 2, before anything is planned or submitted;
#   - --dry-run makes the plan with lockbench and prints the two sbatch commands: an array 1-N of
#     sweep.sbatch, and merge.sbatch depending on it with afterany (not afterok);
#   - sweep.sbatch asks for a whole node (--exclusive), and both sbatch scripts refuse, in one
#     line, to run outside an array task or without their environment.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../common/lib.sh
source "$src/tests/common/lib.sh"
abs_args "usage: tests/fleet/submit_cli.sh LOCKBENCH" lb -- "$@"
submit=$src/scripts/slurm/submit.sh
work=$(mktemp -d /tmp/lb-submit-cli.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# one_line_error EXPECTED_EXIT PATTERN CMD...: exit status as expected, stderr one line matching.
one_line_error() {
	local want=$1 pat=$2 rc
	shift 2
	"$@" >"$work/o" 2>"$work/e"
	rc=$?
	[[ $rc == "$want" ]] || { echo "    exit $rc, not $want: $*" >&2; return 1; }
	[[ $(wc -l <"$work/e") == 1 ]] || { echo "    stderr is not one line:" >&2; cat "$work/e" >&2; return 1; }
	grep -qE -- "$pat" "$work/e" || { echo "    stderr does not match '$pat':" >&2; cat "$work/e" >&2; return 1; }
}

# Each bad option: exit 2, one line naming it; no plan made (they are caught first).
bad=(
	"--nodes 0|--nodes/--shards"
	"--shards x|--nodes/--shards"
	"--nodes|--nodes needs a value"
	"--time 1:2:3:4|--time"
	"--time soon|--time"
	"--merge-time -5|--merge-time"
	"--partition a/b|--partition"
	"--out a%b|--out"
	"--resume DIR|--resume"
	"--plan-file p.json|--plan-file"
	"--shard 1/2|--shard"
	"--rerun 2|--rerun needs --out"
	"--lockbench /nonexistent/lockbench --dry-run|--lockbench"
)
for b in "${bad[@]}"; do
	args=${b%%|*}
	pat=${b#*|}
	# shellcheck disable=SC2086 # the options are words
	check "submit.sh $args: one line naming it, exit 2" one_line_error 2 "$pat" bash "$submit" --lockbench "$lb" --dry-run $args
done
check "no plan was made by a refused submission" test -z "$(ls "$work"/results 2>/dev/null)"
check "--rerun of a directory that is no submission is refused" \
	one_line_error 2 'submit.env' bash "$submit" --out "$work" --rerun 1
mkdir -p "$work/old" && printf 'LB_SHARDS=3\nLB_PLAN=%s\nLB_LOCKBENCH=%s\n' "$work/old/plan.json" "$lb" >"$work/old/submit.env"
check "--rerun 4 of a 3-shard submission is refused" one_line_error 2 'outside the shards 1..3' \
	bash "$submit" --out "$work/old" --rerun 4 --dry-run
check "--rerun with sweep options is refused" one_line_error 2 'not taken' \
	bash "$submit" --out "$work/old" --rerun 1 --quick --dry-run
check "a bad sweep option: lockbench's line in one line, exit 2, nothing submitted" \
	one_line_error 2 'sweep --plan: .*no-such-option.*nothing submitted' bash "$submit" --lockbench "$lb" --dry-run --out "$work/bad" --no-such-option

# --dry-run: the plan is made and the commands printed.
out=$(bash "$submit" --lockbench "$lb" --dry-run --shards 3 --partition p1 --out "$work/dry" --quick 2>/dev/null)
rc=$?
check "--dry-run --quick --shards 3: exit 0 ($rc)" test "$rc" = 0
check "the plan is lockbench's (lockbench-plan v1)" grep -q '"format": *"lockbench-plan v1"' "$work/dry/plan.json"
arr=$(grep 'sweep.sbatch' <<<"$out")
mrg=$(grep 'merge.sbatch' <<<"$out")
check "an array 1-3 of sweep.sbatch on partition p1" grep -qE -- '--partition=p1 .*--array=1-3 .*sweep\.sbatch$' <<<"$arr"
check "the shards have a time limit from the plan's estimate" grep -qE -- '--time=[0-9]+' <<<"$arr"
check "the merge depends on the array with afterany" grep -qF -- '--dependency=afterany:' <<<"$mrg"
check "no afterok anywhere" bash -c '! grep -q afterok "$1"' _ "$submit"
check "sweep.sbatch asks for a whole node" grep -qx '#SBATCH --exclusive' "$src/scripts/slurm/sweep.sbatch"
check "a dry run writes no submit.env (a real submission to that --out still works)" test ! -e "$work/dry/submit.env"

# The sbatch scripts outside Slurm: one line, exit 2.
check "sweep.sbatch outside an array task: one line, exit 2" \
	one_line_error 2 'not an array task' env -u SLURM_ARRAY_TASK_ID bash "$src/scripts/slurm/sweep.sbatch"
check "sweep.sbatch without LB_PLAN: one line, exit 2" \
	one_line_error 2 'LB_LOCKBENCH is not set' env SLURM_ARRAY_TASK_ID=1 bash "$src/scripts/slurm/sweep.sbatch"
check "sweep.sbatch task 3 of 2: one line, exit 2" \
	one_line_error 2 'outside 1..2' env SLURM_ARRAY_TASK_ID=3 LB_SHARDS=2 LB_LOCKBENCH="$lb" LB_PLAN=x LB_OUT="$work" \
	bash "$src/scripts/slurm/sweep.sbatch"
check "sweep.sbatch re-run (array 3-3) without LB_SHARDS: one line, exit 2" \
	one_line_error 2 'LB_SHARDS is not set' env SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=3 SLURM_ARRAY_TASK_MAX=3 \
	SLURM_ARRAY_TASK_COUNT=1 LB_LOCKBENCH="$lb" LB_PLAN=x LB_OUT="$work" bash "$src/scripts/slurm/sweep.sbatch"
check "merge.sbatch without its environment: one line, exit 2" \
	one_line_error 2 'is not set' env -u LB_OUT bash "$src/scripts/slurm/merge.sbatch"
mkdir -p "$work/none"
out=$(env LB_LOCKBENCH="$lb" LB_OUT="$work/none" LB_SHARDS=2 bash "$src/scripts/slurm/merge.sbatch" 2>&1)
rc=$?
check "merge.sbatch with no shard set at all: exit 1 ($rc), says so and how to re-run" \
	grep -q "no shard wrote a set.*--rerun 1-2" <<<"$out"
check "... exit 1" test "$rc" = 1
summary submit_cli
