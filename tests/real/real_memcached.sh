#!/usr/bin/env bash
# real_memcached.sh LOCKBENCH BUILDDIR — a server, unmodified, under `lockbench exec --profile`:
# memcached (2 worker threads) under two registered locks (the first sleeping lock and the first
# FIFO spinlock of the registry), loaded by memcslap for a bounded number of requests, then
# stopped with SIGTERM — to memcached itself under the first lock, to the lockbench process we
# started (which forwards it) under the second. Checks: memcached served every request (memcslap
# exit 0), exited cleanly, and profile.csv in the out directory names its hottest mutex (a row
# with acquisitions > 0) with a call site.
# Negative control: the profile check fails on a planted profile.csv without such a row.
set -u
source "$(dirname "$0")/../common/lib.sh"
source "$(dirname "$0")/real_lib.sh"
real_args real_memcached "$@"
need memcached memcslap python3
work=$(mktemp -d /tmp/lb-real-memcached.XXXXXX)
lbpid=
cleanup() {
	# Only the lockbench we started; SIGTERM, so that it takes memcached's process group down.
	[[ -n $lbpid ]] && kill -TERM "$lbpid" 2>/dev/null && wait "$lbpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
user=()
[[ $(id -u) == 0 ]] && user=(-u root) # memcached refuses to run as root without -u

# hottest PROFILE.CSV: "acquisitions<TAB>contended<TAB>kind<TAB>site" of the first mutex row
# (the file is sorted hottest first) with acquisitions > 0; nothing when there is none.
hottest() {
	python3 - "$1" <<'EOF'
import csv, sys
try:
    rows = list(csv.DictReader(open(sys.argv[1], newline="")))
except (OSError, csv.Error):
    sys.exit(1)
for r in rows:
    if r.get("scope", "mutex") not in ("mutex", "") or not r.get("acquisitions", "").isdigit():
        continue
    if int(r["acquisitions"]) > 0:
        print("\t".join([r["acquisitions"], r.get("contended", "?"), r.get("kind", "?"), r.get("site", "")]))
        sys.exit(0)
sys.exit(1)
EOF
}
has_hot_row() { [[ -n $(hottest "$1") ]]; }

# A free port: one nothing listens on now (a race with another process is retried by the caller).
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo $p; return; }
	done
	echo 0
}
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

echo "real_memcached: the profile check's negative control"
printf 'scope,pid,exe,mutex,kind,flags,acquisitions,contended,site\nmutex,1,x,0x1,normal,,0,0,"f (x)"\n' \
	>"$work/planted.csv"
check "a profile whose only row has 0 acquisitions has no hottest mutex" not has_hot_row "$work/planted.csv"
check "… a missing profile neither" not has_hot_row "$work/none.csv"
have_exec || { summary real_memcached; exit; }

sleeper=$(locks_where " sleep " " (not-a-lock|test-only|reentrant|counting) " | grep -v '^pthread' | head -1)
fifo=$(locks_where " spin .*fifo | fifo .*spin " " (not-a-lock|test-only|reference) " | head -1)
# Two ways to stop it: SIGTERM to memcached itself (found as the child of our lockbench), after
# which lockbench must see a clean exit (status 0) and read the profile; and SIGTERM to the
# lockbench we started, which must forward it to memcached's process group, say memcached exited
# with status 0, and exit 143 (its documented status when interrupted by SIGTERM).
stop_how=(program lockbench)
i=0
for lock in $sleeper $fifo; do
	how=${stop_how[i++ % 2]}
	echo "real_memcached: $lock, stopped by SIGTERM to $how"
	out=$work/$lock
	started=0
	for attempt in 1 2 3; do
		port=$(free_port)
		# No timeout(1) in front: $! must be lockbench itself. Its --timeout bounds memcached,
		# meson's timeout bounds lockbench, and the trap stops it if the script ends first.
		"$lb" exec --profile --lock "$lock" --out "$out" --timeout 90 -- \
			memcached "${user[@]}" -l 127.0.0.1 -p "$port" -t 2 >"$out.log" 2>"$out.err" &
		lbpid=$!
		for _ in $(seq 1 100); do # up to 10 s to listen
			listening "$port" && { started=1; break; }
			kill -0 "$lbpid" 2>/dev/null || break
			sleep 0.1
		done
		((started)) && break
		kill -TERM "$lbpid" 2>/dev/null
		wait "$lbpid" 2>/dev/null
		lbpid=
		rm -rf "$out"
	done
	check "$lock: memcached listens on 127.0.0.1:$port under lockbench exec (attempt $attempt)" \
		test $started = 1 || { rc=- ms=- why "$out.err"; continue; }
	# memcached's own threads (LRU maintainer and crawler, slab rebalancer) take its mutexes
	# too: under a FIFO spinlock on a busy 2-CPU machine, 4 x 1000 sets took 10..16 s
	# (load average 26), so such a lock gets 4 x 200.
	n=1000
	fifo_spinner "$lock" && n=200
	for t in set get; do
		timed timeout -k 5 60 memcslap --servers="127.0.0.1:$port" --concurrency=4 \
			--execute-number=$n --test=$t >"$out.slap-$t" 2>&1
		check "$lock: memcslap --test=$t, 4 x $n requests: exit $rc ($ms ms)" test $rc = 0 ||
			sed 's/^/        /' "$out.slap-$t"
	done
	mcpid=$(pgrep -P "$lbpid" -x memcached | head -1)
	check "$lock: memcached is the child of our lockbench (pid ${mcpid:-none})" test -n "$mcpid"
	if [[ $how == program && -n $mcpid ]]; then
		kill -TERM "$mcpid"
	else
		kill -TERM "$lbpid"
	fi
	timed wait "$lbpid"
	lbpid=
	check "$lock: memcached stopped within 10 s of the SIGTERM ($ms ms)" test $ms -lt 10000
	if [[ $how == program ]]; then
		check "$lock: … it exited cleanly, so lockbench exec exits 0 (exit $rc)" test $rc = 0 ||
			why "$out.err"
	else
		check "$lock: … lockbench exec exits 143, interrupted by SIGTERM (exit $rc)" test $rc = 143 ||
			why "$out.err"
		check "$lock: … having forwarded it: memcached exited with status 0: $(grep -m1 'interrupted' "$out.err")" \
			grep -q 'interrupted by SIGTERM: memcached ended .*exited with status 0' "$out.err"
	fi
	# Stopped either way — by itself, or through lockbench (Ctrl-C, SIGTERM: how a user stops a
	# server) — the profile is read and written.
	check "$lock: profile.csv written (stopped via $how)" test -s "$out/profile.csv" ||
		{ why "$out.err"; continue; }
	hot=$(hottest "$out/profile.csv")
	check "$lock: profile.csv names a hottest mutex (acquisitions, contended, kind: $(cut -f1-3 <<<"$hot" | tr '\t' ' '))" \
		test -n "$hot"
	echo "    its call site: $(cut -f4 <<<"$hot")"
	check "$lock: … with a call site" test -n "$(cut -f4 <<<"$hot")"
done
summary real_memcached
