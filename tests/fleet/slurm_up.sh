# tests/fleet/slurm_up.sh — a private single-node Slurm for tests, sourced by tests/fleet/slurm.sh.
# Everything it starts is private to one directory: a munge key and munged on its own socket, a
# slurm.conf of our own (SLURM_CONF) naming this host at 127.0.0.1 with ports nobody listens on,
# its own spool and state directories. Nothing in /etc, /run or /var is read or written, no system
# service is touched, and the daemons are stopped by their PIDs (slurm_down), never by name: CI's
# fresh-run chroot shares the host's network and process table with other engineers' jobs.
#
#   slurm_up DIR        start munged, slurmctld, slurmd under DIR; wait (bounded) for the node to
#                       be idle. Sets SLURM_CONF, slurm_node, slurm_env (an `env` prefix that
#                       carries the private configuration and the marker), slurm_pids. Returns 0,
#                       77 when Slurm cannot start here (slurm_why says why), 1 when it should
#                       have started and did not (the daemons' logs are printed).
#   slurm_down          scancel what is left of our jobs, stop the daemons by PID (TERM, then
#                       KILL after a bounded wait), then any process still carrying our marker.
# Needs: bash, coreutils. Every directory above DIR must be searchable by all (munged checks the
# path to its socket); DIR itself is made here.

slurm_pids=()
slurm_why=""
slurm_node=""
slurm_env=()
slurm_dir=""
slurm_marker=""

# A TCP port nothing on this host (or in this network namespace) uses, in any state: from
# /proc/net/tcp{,6} (fresh chroots have no `ss`). Another process may still take it before the
# daemon binds; slurm_up then fails with the daemon's own "Address already in use" line.
slurm_free_port() { # slurm_free_port [EXCLUDE...]
	local used p i hex
	used=$(awk 'FNR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		while read -r hex; do echo $((16#$hex)); done)
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		grep -qx "$p" <<<"$used" && continue
		[[ " $* " == *" $p "* ]] && continue
		echo "$p"
		return 0
	done
	return 1
}

# The PIDs of processes whose environment carries our marker: the daemons' children and the jobs'
# processes (slurmstepd and the job script double-fork away from slurmd, so they are nobody's
# child we know; the marker is how we know they are ours).
slurm_marked_pids() {
	local f pid
	[[ -n $slurm_marker ]] || return 0
	for f in /proc/[0-9]*/environ; do
		pid=${f#/proc/}
		pid=${pid%/environ}
		[[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
		grep -qzxF "LB_SLURM_TEST=$slurm_marker" "$f" 2>/dev/null && echo "$pid"
	done
}

slurm_stop_pids() { # slurm_stop_pids PID...: TERM, wait up to 10 s, then KILL
	local pid alive i
	(($#)) || return 0
	kill -TERM "$@" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		alive=0
		for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		((alive)) || return 0
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null
	return 0
}

slurm_down() {
	local ids pid i
	[[ -n $slurm_dir ]] || return 0
	# Our jobs first, while slurmctld can still cancel them (it signals their steps through slurmd).
	if [[ -n ${SLURM_CONF:-} ]] && kill -0 "${slurm_pids[1]:-0}" 2>/dev/null; then
		ids=$(timeout 5 "${slurm_env[@]}" squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
		if [[ -n ${ids// /} ]]; then
			# shellcheck disable=SC2086 # one word per job id
			timeout 5 "${slurm_env[@]}" scancel $ids 2>/dev/null
			for ((i = 0; i < 50; i++)); do
				[[ -z $(timeout 5 "${slurm_env[@]}" squeue -h -o %A 2>/dev/null) ]] && break
				sleep 0.1
			done
		fi
	fi
	# Daemons in reverse start order: slurmd, slurmctld, munged (slurmd talks to both on the way down).
	for ((i = ${#slurm_pids[@]} - 1; i >= 0; i--)); do
		slurm_stop_pids "${slurm_pids[i]}"
		wait "${slurm_pids[i]}" 2>/dev/null
	done
	# Whatever still carries our marker (a job step slurmd could not reach): by PID.
	mapfile -t ids < <(slurm_marked_pids)
	if ((${#ids[@]})); then
		echo "slurm: stopping ${#ids[@]} leftover process(es) of this test: ${ids[*]}"
		slurm_stop_pids "${ids[@]}"
	fi
	slurm_pids=()
	slurm_dir=""
}

slurm_log_tail() { # the last lines of every daemon log, to say why something did not start
	local f
	for f in "$slurm_dir"/log/*.log; do
		[[ -s $f ]] || continue
		echo "--- tail of $f"
		tail -n 15 "$f"
	done
}

# slurm_alive: every daemon we started is still running (a dead one is named).
slurm_alive() {
	local i names=(munged slurmctld slurmd)
	for i in "${!slurm_pids[@]}"; do
		kill -0 "${slurm_pids[i]}" 2>/dev/null || { echo "slurm: ${names[i]} (pid ${slurm_pids[i]}) exited" >&2; return 1; }
	done
}

slurm_up() {
	local dir=$1 b missing=() host cpus_line port_ctld port_d sock key i state mem
	[[ $(id -u) == 0 ]] || { slurm_why="not root: slurmd must run as root to start jobs"; return 77; }
	for b in munged munge unmunge slurmctld slurmd sbatch squeue scontrol sinfo scancel; do
		command -v "$b" >/dev/null || missing+=("$b")
	done
	((${#missing[@]} == 0)) || {
		slurm_why="Slurm or munge is not installed (no ${missing[*]}; bash scripts/deps.sh --test installs slurm-wlm and munge)"
		return 77
	}
	slurm_dir=$dir
	slurm_marker=$dir
	local up=$dir
	while up=$(dirname "$up") && [[ $up != / ]]; do
		[[ ! -e $up ]] || (((8#$(stat -c %a "$up")) & 1)) ||
			{ echo "slurm: $up is not searchable by all, and munged requires it above its socket" >&2; return 1; }
	done
	# munged wants every directory above its socket searchable by all (clients of any user connect)
	# and its key readable by itself only.
	mkdir -p "$dir"/{munge,key,etc,state,spool,log,run} && chmod 0755 "$dir" "$dir/munge" &&
		chmod 0700 "$dir/key" || return 1

	# munge: our key, our socket, our pid/log/seed files.
	sock=$dir/munge/munge.sock
	key=$dir/key/munge.key
	if command -v mungekey >/dev/null; then
		mungekey --create --keyfile="$key" || { echo "slurm: mungekey failed" >&2; return 1; }
	else
		head -c 1024 /dev/urandom >"$key" || return 1
	fi
	chmod 0400 "$key"
	env LB_SLURM_TEST="$slurm_marker" munged --foreground --socket="$sock" --key-file="$key" \
		--pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
		--seed-file="$dir/key/munged.seed" >>"$dir/log/munged.log" 2>&1 &
	slurm_pids+=($!)
	for ((i = 0; i < 100; i++)); do
		munge -n -S "$sock" 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1 && break
		slurm_alive || { slurm_log_tail; return 1; }
		sleep 0.1
	done
	((i < 100)) || { echo "slurm: munged did not answer on $sock within 10 s" >&2; slurm_log_tail; return 1; }

	# slurm.conf: this host, by the name slurmd will use, at 127.0.0.1; the node's real CPUs and
	# memory as slurmd itself reports them (slurmd -C), so slurmd does not drain it as "low".
	host=$(hostname -s 2>/dev/null || hostname)
	[[ -n $host ]] || { echo "slurm: this host has no name" >&2; return 1; }
	cpus_line=$(slurmd -C 2>/dev/null | head -n 1)
	[[ $cpus_line == NodeName=* ]] || { echo "slurm: slurmd -C printed no node line" >&2; return 1; }
	cpus_line=${cpus_line#NodeName=* }
	# Leave memory headroom: RealMemory above what slurmd measures at registration drains the node.
	mem=$(sed -nE 's/.*RealMemory=([0-9]+).*/\1/p' <<<"$cpus_line")
	[[ -n $mem ]] && cpus_line=$(sed -E "s/RealMemory=[0-9]+/RealMemory=$((mem * 9 / 10))/" <<<"$cpus_line")
	port_ctld=$(slurm_free_port) && port_d=$(slurm_free_port "$port_ctld") || {
		echo "slurm: found no free TCP port" >&2
		return 1
	}
	: >"$dir/etc/plugstack.conf"
	cat >"$dir/etc/slurm.conf" <<-EOF
		# A private single-node Slurm for lockbench's tests (tests/fleet/slurm_up.sh).
		ClusterName=lbtest
		SlurmctldHost=$host(127.0.0.1)
		SlurmctldPort=$port_ctld
		SlurmdPort=$port_d
		SlurmUser=root
		SlurmdUser=root
		AuthType=auth/munge
		AuthInfo=socket=$sock
		CredType=cred/munge
		StateSaveLocation=$dir/state
		SlurmdSpoolDir=$dir/spool
		SlurmctldPidFile=$dir/run/slurmctld.pid
		SlurmdPidFile=$dir/run/slurmd.pid
		SlurmctldLogFile=$dir/log/slurmctld.log
		SlurmdLogFile=$dir/log/slurmd.log
		SlurmctldDebug=info
		SlurmdDebug=info
		PlugStackConfig=$dir/etc/plugstack.conf
		ProctrackType=proctrack/linuxproc
		TaskPlugin=task/none
		JobAcctGatherType=jobacct_gather/none
		AccountingStorageType=accounting_storage/none
		JobCompType=jobcomp/none
		MpiDefault=none
		SchedulerType=sched/builtin
		SelectType=select/cons_tres
		SelectTypeParameters=CR_Core
		ReturnToService=2
		MailProg=/bin/true
		NodeName=$host NodeAddr=127.0.0.1 $cpus_line State=UNKNOWN
		PartitionName=lbtest Nodes=$host Default=YES MaxTime=INFINITE State=UP
	EOF
	export SLURM_CONF=$dir/etc/slurm.conf
	slurm_node=$host
	slurm_env=(env "SLURM_CONF=$SLURM_CONF" "LB_SLURM_TEST=$slurm_marker")

	"${slurm_env[@]}" slurmctld -D -f "$SLURM_CONF" >>"$dir/log/slurmctld.out" 2>&1 &
	slurm_pids+=($!)
	"${slurm_env[@]}" slurmd -D -N "$host" -f "$SLURM_CONF" >>"$dir/log/slurmd.out" 2>&1 &
	slurm_pids+=($!)
	for ((i = 0; i < 300; i++)); do
		state=$(timeout 5 "${slurm_env[@]}" sinfo -h -n "$host" -o %T 2>/dev/null)
		[[ $state == idle ]] && return 0
		slurm_alive || { slurm_log_tail; return 1; }
		sleep 0.1
	done
	echo "slurm: node $host not idle within 30 s (state '${state:-none}')" >&2
	slurm_log_tail
	return 1
}
