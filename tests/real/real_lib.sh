# tests/real/real_lib.sh — what the real-program tests share; source it after tests/common/lib.sh.
#
# Each test runs unmodified programs (sysbench, pigz, memcached, our race_demo) under
# `lockbench exec` (docs/EXEC.md). The locks come from `lockbench list --format csv`, never
# typed here: the mutual-exclusion ones are every lock whose properties say neither not-a-lock
# nor test-only; the no-exclusion lock (null) is the one that says not-a-lock.

# real_args NAME "$@": lb (the lockbench executable) and build (the build root) from the test's
# command line, both absolute; a usage error otherwise.
real_args() {
	local name=$1
	shift
	abs_args "usage: $name LOCKBENCH BUILDDIR" lb build -- "$@"
	preload=$build/bench/preload/liblockbench-preload.so
}

# Names of the registered locks whose `list` properties match / do not match a regex.
# locks_where INCLUDE-ERE EXCLUDE-ERE (an empty ERE matches everything / excludes nothing).
locks_where() {
	"$lb" list --format csv | awk -F, -v inc="$1" -v exc="$2" '
		NR == 1 { next }
		{ p = " " $2 " " }
		(inc == "" || p ~ inc) && (exc == "" || p !~ exc) { print $1 }'
}
mutex_locks() { locks_where "" " (not-a-lock|test-only) "; }
# fifo_spinner LOCK: LOCK spins and grants in FIFO order (or with a bounded bypass, or from a NUMA
# queue), so it hands over only when the next
# waiter is on a CPU: with more runnable threads than CPUs (oversubscribed, or a busy machine)
# 10^1..10^2 handovers a second (measured on this 2-CPU machine under load). Tests give such
# locks smaller counts where waiters queue up.
fifo_spinner() { locks_where " spin .*(fifo|bypass-bounded|numa) | (fifo|bypass-bounded|numa) .*spin " "" | grep -qx "$1"; }
# spinner LOCK: LOCK waits spinning (FIFO or not).
spinner() { locks_where " spin " "" | grep -qx "$1"; }
null_lock() { locks_where " not-a-lock " " test-only " | head -1; }

# need PROG...: each program is installed, else skip the whole test saying which is missing
# (scripts/deps.sh --test installs them; a machine without them cannot run this test).
need() {
	local p
	for p in "$@"; do
		if ! command -v "$p" >/dev/null 2>&1; then
			echo "  skipped: $p is not installed (scripts/deps.sh --test installs it)"
			exit 77
		fi
	done
}

# The preload library and lockbench exec exist in this build (they are ours: a failure, never a
# skip, when missing). Returns 1 after counting the failure.
have_exec() {
	check "the preload library is built ($preload)" test -f "$preload" || return 1
	check "lockbench has the exec command" bash -c "'$lb' exec --help >/dev/null 2>&1" || return 1
}

# lbexec SECONDS OUT ERR EXEC-ARGS...: `lockbench exec EXEC-ARGS` with its own --timeout SECONDS
# and, behind it, timeout(1) a little later (so a hang of lockbench itself cannot hang the test);
# stdout to OUT, stderr to ERR. Sets rc and ms (see timed).
lbexec() {
	local secs=$1 out=$2 err=$3
	shift 3
	timed timeout -k 5 $((secs + 15)) "$lb" exec --timeout "$secs" "$@" >"$out" 2>"$err"
}

# not COMMAND...: succeeds when COMMAND fails (a negative control's check).
not() { ! "$@"; }

# One line of why a run failed: its status and the last lines of its stderr.
why() { # why ERR
	printf '        exit %s after %s ms; stderr: %s\n' "$rc" "$ms" \
		"$(tail -n 3 "$1" 2>/dev/null | tr '\n' '|' | cut -c1-400)"
}
