#!/usr/bin/env bash
# scripts/slurm/submit.sh — a lockbench sweep cut into shards over a Slurm cluster (docs/FLEET.md):
# makes the plan once, submits one array task per shard (sweep.sbatch, a whole node each) and a
# merge job after them (merge.sbatch, --dependency=afterany), prints the job ids and where the
# report will be. Run it on a login node, with lockbench and --out on a file system every node sees.
usage() {
	cat <<-'EOF'
		usage: scripts/slurm/submit.sh [OPTIONS] [SWEEP OPTIONS]
		       scripts/slurm/submit.sh --out DIR --rerun I[,J,K-L] [--partition P] [--time LIMIT]
		Makes the plan (`lockbench sweep --plan SWEEP OPTIONS`) into DIR/plan.json, submits a job
		array of N shards (DIR/shards/shard-I, one exclusive node each) and a merge job that runs
		when every shard has ended, succeeded or not, into DIR/merged (report.html, report.md).

		  --partition P      the partition (default: the cluster's default)
		  --nodes N          shards, one array task and one whole node each (default: 4)
		  --shards N         the same as --nodes
		  --time LIMIT       time limit of each shard, in Slurm's forms (MM, HH:MM:SS, D-HH...)
		                     (default: 3x the plan's estimate per shard + 30 min)
		  --merge-time LIMIT time limit of the merge job (default: 30)
		  --out DIR          the shared result directory, new (default: results/slurm-<UTC time>)
		  --lockbench PATH   the lockbench binary every node runs (default: lockbench on PATH,
		                     else build/bench/lockbench of this checkout)
		  --no-report        merge without building the report (lockbench report DIR later)
		  --rerun LIST       re-run these shards of the submission in --out (same plan, same N),
		                     then merge again; LIST like 3 or 1,4-5
		  --dry-run          make the plan and print the sbatch commands, submit nothing
		  --help             this text
		SWEEP OPTIONS go to `lockbench sweep --plan` (e.g. --quick, --locks, --threads, --reps,
		--seed, --synthetic DESC or --xml FILE to plan for the compute nodes' topology); `--`
		ends this script's options. Site options (account, QOS, constraint) come from sbatch's
		own environment: SBATCH_ACCOUNT, SBATCH_QOS, SBATCH_CONSTRAINT.
		Exit: 0 submitted; 1 planning or submitting failed; 2 usage.
	EOF
}
set -uo pipefail

die() { echo "submit: $*" >&2; exit 2; }    # a usage mistake: one line, exit 2
fail() { echo "submit: $*" >&2; exit 1; }   # something that should have worked did not
say() { echo "submit: $*"; }

here=$(cd "$(dirname "$0")" && pwd)
partition=""
shards=""
time_limit=""
merge_time=30
out=""
lockbench=""
no_report=0
rerun=""
dry_run=0
sweep=()

# Slurm's time forms: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS; or UNLIMITED/INFINITE.
valid_time() {
	[[ $1 =~ ^([0-9]+|[0-9]+:[0-9]+|[0-9]+:[0-9]+:[0-9]+|[0-9]+-[0-9]+|[0-9]+-[0-9]+:[0-9]+|[0-9]+-[0-9]+:[0-9]+:[0-9]+|UNLIMITED|INFINITE)$ ]]
}
need() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }

while (($#)); do
	case $1 in
	--partition) need "$@"; partition=$2; shift ;;
	--partition=*) partition=${1#*=} ;;
	--nodes | --shards) need "$@"; shards=$2; shift ;;
	--nodes=* | --shards=*) shards=${1#*=} ;;
	--time) need "$@"; time_limit=$2; shift ;;
	--time=*) time_limit=${1#*=} ;;
	--merge-time) need "$@"; merge_time=$2; shift ;;
	--merge-time=*) merge_time=${1#*=} ;;
	--out) need "$@"; out=$2; shift ;;
	--out=*) out=${1#*=} ;;
	--lockbench) need "$@"; lockbench=$2; shift ;;
	--lockbench=*) lockbench=${1#*=} ;;
	--rerun) need "$@"; rerun=$2; shift ;;
	--rerun=*) rerun=${1#*=} ;;
	--no-report) no_report=1 ;;
	--dry-run) dry_run=1 ;;
	--help | -h) usage; exit 0 ;;
	--) shift; sweep+=("$@"); break ;;
	--resume | --resume=*) die "$1: a shard is re-run with --rerun I (docs/FLEET.md), not resumed" ;;
	--plan | --plan-file | --plan-file=* | --shard | --shard=*) die "$1 is this script's business: give the sweep's options only" ;;
	*) sweep+=("$1") ;;
	esac
	shift
done

[[ -z $partition || $partition =~ ^[A-Za-z0-9_.,-]+$ ]] || die "--partition: '$partition' is not a partition name"
[[ -z $shards || $shards =~ ^[1-9][0-9]{0,5}$ ]] || die "--nodes/--shards: '$shards' is not a positive number"
[[ -z $time_limit ]] || valid_time "$time_limit" || die "--time: '$time_limit' is not a Slurm time (MM, HH:MM:SS, D-HH:MM:SS)"
valid_time "$merge_time" || die "--merge-time: '$merge_time' is not a Slurm time (MM, HH:MM:SS, D-HH:MM:SS)"
[[ $out != *%* && $out != *$'\n'* && $out != *,* ]] || die "--out: a path with '%', ',' or a newline confuses sbatch; choose another"

if ((dry_run == 0)); then
	command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm login node (docs/FLEET.md also shows GNU parallel over ssh)"
fi

# sbatch ARGS...: submit, print the job id (one line), or fail with sbatch's last line.
submit() {
	local id err
	if ((dry_run)); then
		# The command, to the real stdout (fd 3); the id stands for the one sbatch would print.
		{ printf 'sbatch'; printf ' %q' "$@"; printf '\n'; } >&3
		echo "$dry_id"
		return 0
	fi
	err=$(mktemp) || fail "cannot make a temporary file"
	id=$(sbatch --parsable "$@" 2>"$err")
	local rc=$?
	id=${id%%;*} # --parsable prints "ID" or "ID;CLUSTER"
	if ((rc != 0)) || [[ ! $id =~ ^[0-9]+$ ]]; then
		local why
		why=$(grep -v '^$' "$err" | tail -n 1)
		rm -f "$err"
		fail "sbatch refused the job: ${why:-exit $rc, no message}"
	fi
	rm -f "$err"
	echo "$id"
}

# json_num KEY FILE: the number of a top-level "KEY": N in the plan (the plan is lockbench's
# own flat rendering; a missing key prints nothing).
json_num() { grep -oE "\"$1\" *: *[0-9.]+" "$2" | head -n 1 | sed -E 's/.*: *//'; }

# --- re-running shards of an earlier submission -----------------------------------------------
# submit.env in DIR holds what the first submission decided (plain KEY=VALUE lines, read here
# without evaluating them).
read_env() { # read_env FILE: sets env_<KEY> for each line
	local k v
	while IFS='=' read -r k v; do
		[[ $k =~ ^LB_[A-Z_]+$ ]] && printf -v "env_$k" '%s' "$v"
	done <"$1"
}

if [[ -n $rerun ]]; then
	[[ -n $out ]] || die "--rerun needs --out DIR, the directory of the submission to re-run"
	((${#sweep[@]} == 0)) || die "--rerun re-runs the recorded plan: sweep options (${sweep[0]} ...) are not taken"
	[[ -z $shards ]] || die "--rerun keeps the submission's number of shards: no --nodes/--shards"
	out=$(cd "$out" 2>/dev/null && pwd) || die "--out: no directory $out"
	[[ -r $out/submit.env ]] || die "--out: $out has no submit.env (not made by submit.sh)"
	read_env "$out/submit.env"
	n=${env_LB_SHARDS:-}
	[[ $n =~ ^[1-9][0-9]*$ && -n ${env_LB_PLAN:-} && -n ${env_LB_LOCKBENCH:-} ]] ||
		die "--out: $out/submit.env lacks LB_SHARDS, LB_PLAN or LB_LOCKBENCH"
	# LIST: numbers and ranges, each inside 1..N.
	[[ $rerun =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] || die "--rerun: '$rerun' is not a list like 3 or 1,4-5"
	IFS=, read -r -a parts <<<"$rerun"
	for p in "${parts[@]}"; do
		a=${p%-*} b=${p#*-}
		((10#$a >= 1 && 10#$b <= n && 10#$a <= 10#$b)) || die "--rerun: $p is outside the shards 1..$n"
	done
	lockbench=${lockbench:-$env_LB_LOCKBENCH}
	[[ -x $lockbench ]] || die "--lockbench: $lockbench is not an executable"
	partition=${partition:-${env_LB_PARTITION:-}}
	time_limit=${time_limit:-${env_LB_TIME:-}}
	((no_report)) || [[ ${env_LB_MERGE_ARGS:-} != *--no-report* ]] || no_report=1
	array_spec=$rerun
	plan=$env_LB_PLAN
else
	# --- a new submission ---------------------------------------------------------------------
	shards=${shards:-4}
	n=$shards
	if [[ -z $lockbench ]]; then
		if command -v lockbench >/dev/null; then
			lockbench=$(command -v lockbench)
		elif [[ -x $here/../../build/bench/lockbench ]]; then
			lockbench=$here/../../build/bench/lockbench
		else
			die "no lockbench on PATH nor in build/: build it (meson setup build && ninja -C build) or pass --lockbench PATH"
		fi
	fi
	[[ -x $lockbench && ! -d $lockbench ]] || die "--lockbench: $lockbench is not an executable"
	lockbench=$(cd "$(dirname "$lockbench")" && pwd)/$(basename "$lockbench")
	out=${out:-results/slurm-$(date -u +%Y%m%d-%H%M%S)}
	[[ ! -e $out/submit.env ]] || die "--out: $out already holds a submission (re-run its shards with --rerun I, or choose a new --out)"
	mkdir -p "$out" || fail "cannot create $out"
	out=$(cd "$out" && pwd)
	plan=$out/plan.json

	# The plan, once, here.
	"$lockbench" sweep --plan --shards "$n" "${sweep[@]}" >"$plan.tmp" 2>"$plan.err"
	rc=$?
	if ((rc != 0)); then
		# lockbench's own line (a bad sweep option names itself), in this script's one line.
		why=$(grep -v '^$' "$plan.err" | tail -n 1)
		rm -f "$plan.tmp" "$plan.err"
		echo "submit: lockbench sweep --plan: ${why:-exit $rc}; nothing submitted" >&2
		((rc == 2)) && exit 2
		exit 1
	fi
	cat "$plan.err" >&2 # its notes, if any
	rm -f "$plan.err"
	mv "$plan.tmp" "$plan" || fail "cannot write $plan"
	# Its thread counts come from the topology it was made for: say which.
	if [[ " ${sweep[*]} " != *" --synthetic"* && " ${sweep[*]} " != *" --xml"* ]]; then
		echo "submit: planned for this host's topology ($(nproc) CPUs): if the compute nodes differ, pass --xml FILE" \
			"(lstopo --of xml on a node) or --synthetic DESC" >&2
	fi
	array_spec=1-$n
	runs=$(json_num runs "$plan")
	if [[ -n $runs ]] && ((runs < n)); then
		die "--nodes/--shards: $n shards of a plan of $runs runs would leave some empty; at most $runs"
	fi
	if [[ -z $time_limit ]]; then
		# 3x the plan's estimate for the longest shard (else its total over N), plus 30 min: the
		# estimate counts the measured windows, not start-up, the physical floor's probes or a
		# point that runs into its bounded time-out; a shard killed at its limit costs a re-run.
		est=$(json_num shard_est_max_s "$plan")
		[[ -n $est ]] || { est=$(json_num est_total_s "$plan") && [[ -n $est ]] && est=$(awk -v e="$est" -v n="$n" 'BEGIN { print e / n }'); }
		if [[ -n $est ]]; then
			time_limit=$(awk -v e="$est" 'BEGIN { print int((3 * e + 59) / 60) + 30 }')
		fi
	fi
fi

mkdir -p "$out/logs" || fail "cannot create $out/logs"
export LB_LOCKBENCH=$lockbench LB_PLAN=$plan LB_OUT=$out LB_SHARDS=$n
LB_MERGE_ARGS=""
((no_report)) && LB_MERGE_ARGS=--no-report
export LB_MERGE_ARGS

# --export=ALL: the LB_* variables above reach the jobs even where a site sets SBATCH_EXPORT=NONE.
common=(--export=ALL)
[[ -n $partition ]] && common+=(--partition="$partition")
shard_args=("${common[@]}" --array="$array_spec" --output="$out/logs/shard-%a.%A.out" --chdir="$out")
[[ -n $time_limit ]] && shard_args+=(--time="$time_limit")
exec 3>&1
dry_id='$ARRAY_JOB'
array_job=$(submit "${shard_args[@]}" "$here/sweep.sbatch") || exit 1
dry_id='$MERGE_JOB'
merge_job=$(submit "${common[@]}" --dependency="afterany:$array_job" --time="$merge_time" \
	--output="$out/logs/merge.%j.out" --chdir="$out" "$here/merge.sbatch") || {
	# The array is in; without its merge it would run for nothing: take it back.
	((dry_run)) || scancel "$array_job" 2>/dev/null
	exit 1
}

if ((dry_run == 0)); then
	{
		echo "LB_LOCKBENCH=$lockbench"
		echo "LB_PLAN=$plan"
		echo "LB_OUT=$out"
		echo "LB_SHARDS=$n"
		echo "LB_PARTITION=$partition"
		echo "LB_TIME=$time_limit"
		echo "LB_MERGE_ARGS=$LB_MERGE_ARGS"
		echo "LB_ARRAY_JOB=$array_job"
		echo "LB_MERGE_JOB=$merge_job"
	} >"$out/submit.env.tmp" && mv "$out/submit.env.tmp" "$out/submit.env" || fail "cannot write $out/submit.env"
fi
if [[ -z $rerun ]]; then
	hash=$(grep -oE '"hash" *: *"[0-9a-f]+"' "$plan" | head -n 1 | sed -E 's/.*: *"//; s/"//')
	total=$(json_num est_total_s "$plan")
	longest=$(json_num shard_est_max_s "$plan")
	say "plan: $plan (hash ${hash:-?}, ${runs:-?} runs, about ${total:-?} s of windows in all," \
		"${longest:-?} s in the longest of $n shards)"
fi
tl=${time_limit:-the partition\'s default}
[[ $time_limit =~ ^[0-9]+$ ]] && tl="$time_limit min"
say "time limit: $tl per shard"
say "shards: job $array_job, array $array_spec, one whole node each -> $out/shards/shard-I (logs: $out/logs/)"
say "merge: job $merge_job, when every shard has ended -> $out/merged"
say "report: $out/merged/report.html (and report.md) once job $merge_job has finished"
say "watch: squeue -j $array_job,$merge_job    cancel: scancel $array_job $merge_job"
