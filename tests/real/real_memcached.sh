#!/usr/bin/env bash
# real_memcached.sh LOCKBENCH BUILDDIR — a server, unmodified, under `lockbench exec --profile`:
# memcached (2 worker threads) under two registered locks (the first sleeping lock and the first
# FIFO spinlock of the registry), loaded by memcslap for a bounded number of requests, then
# stopped with SIGTERM to the lockbench process we started, which forwards it to memcached.
# Checks: memcached served every request (memcslap exit 0), exited cleanly, and profile.csv in
# the out directory names its hottest mutex (a row with acquisitions > 0) with a call site.
# Negative control: the profile check fails on a planted profile.csv without such a row.
set -u
source "$(dirname "$0")/../common/lib.sh"
source "$(dirname "$0")/real_lib.sh"
real_args real_memcached "$@"
need memcached memcslap python3
work=$(mktemp -d /tmp/lb-real-memcached.XXXXXX)
lbpid=
cleanup() {
	# Only the lockbench we started (its process group holds memcached).
	[[ -n $lbpid ]] && kill -KILL "$lbpid" 2>/dev/null
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
for lock in $sleeper $fifo; do
	echo "real_memcached: $lock"
	out=$work/$lock
	started=0
	for attempt in 1 2 3; do
		port=$(free_port)
		timeout -k 5 120 "$lb" exec --profile --lock "$lock" --out "$out" --timeout 90 -- \
			memcached "${user[@]}" -l 127.0.0.1 -p "$port" -t 2 >"$out.log" 2>"$out.err" &
		lbpid=$!
		for _ in $(seq 1 100); do # up to 10 s to listen
			listening "$port" && { started=1; break; }
			kill -0 "$lbpid" 2>/dev/null || break
			sleep 0.1
		done
		((started)) && break
		kill -KILL "$lbpid" 2>/dev/null
		wait "$lbpid" 2>/dev/null
		lbpid=
		rm -rf "$out"
	done
	check "$lock: memcached listens on 127.0.0.1:$port under lockbench exec (attempt $attempt)" \
		test $started = 1 || { rc=- ms=- why "$out.err"; continue; }
	for t in set get; do
		timed timeout -k 5 60 memcslap --servers="127.0.0.1:$port" --concurrency=4 \
			--execute-number=1000 --test=$t >"$out.slap-$t" 2>&1
		check "$lock: memcslap --test=$t, 4 x 1000 requests: exit $rc ($ms ms)" test $rc = 0 ||
			sed 's/^/        /' "$out.slap-$t"
	done
	kill -TERM "$lbpid"
	timed wait "$lbpid"
	lbpid=
	check "$lock: SIGTERM to lockbench stops memcached within 10 s ($ms ms)" test $ms -lt 10000
	check "$lock: … memcached exited cleanly: $(grep -iE 'exit|signal|status' "$out.err" | tail -1)" \
		grep -qiE 'exited with status 0|exit status 0|status 0' "$out.err"
	check "$lock: profile.csv written" test -s "$out/profile.csv" || { why "$out.err"; continue; }
	hot=$(hottest "$out/profile.csv")
	check "$lock: profile.csv names a hottest mutex (acquisitions, contended, kind: $(cut -f1-3 <<<"$hot" | tr '\t' ' '))" \
		test -n "$hot"
	echo "    its call site: $(cut -f4 <<<"$hot")"
	check "$lock: … with a call site" test -n "$(cut -f4 <<<"$hot")"
done
summary real_memcached
