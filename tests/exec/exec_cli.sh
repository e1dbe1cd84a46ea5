#!/usr/bin/env bash
# exec_cli.sh LOCKBENCH EXEC_PROG EMPTY_SO PLUGIN_SO [EXEC_PROG_STATIC] — `lockbench exec` as a user runs
# it, one run at a time: every refusal before running (one line, exit 2; exit 1 for a missing
# preload library), each beside the accepted twin that shows the check can pass; the environment
# PROG gets; output passing through; PROG's exit status, signal and timeout said and turned into
# exit 1; --metric on a single run; the preload library found beside the executable.
# LD_PRELOAD holds EMPTY_SO (via LOCKBENCH_PRELOAD), so nothing here needs the real preload library.
set -u
source "$(dirname "$0")/../common/lib.sh"
abs_args "usage: exec_cli.sh LOCKBENCH EXEC_PROG EMPTY_SO PLUGIN_SO [EXEC_PROG_STATIC]" lb prog empty plugin -- "$@"
static=${5:-}
work=$(mktemp -d /tmp/lb-exec-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
export LOCKBENCH_PRELOAD=$empty
unset LOCKBENCH_LOCK LOCKBENCH_PROFILE_DIR

# gone PID: the process has ended (or is a zombie) within 5 s; SIGKILL is delivered asynchronously.
gone() {
	[[ -n $1 ]] || return 1
	local _
	for _ in $(seq 1 50); do
		kill -0 "$1" 2>/dev/null || return 0
		[[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]] && return 0
		sleep 0.1
	done
	return 1
}

# refused WHAT WANT-RC PATTERN ARGS...: one line on stderr matching PATTERN, exit WANT-RC, and
# PROG never ran (it would have created $work/ran).
refused() {
	local what=$1 want=$2 pat=$3 rc lines
	shift 3
	rm -f "$work/ran"
	"$lb" exec "$@" >"$work/out" 2>"$work/err"
	rc=$?
	lines=$(wc -l <"$work/err")
	check "$what: exit $want (got $rc)" test "$rc" = "$want"
	check "$what: one line (got $lines)" test "$lines" = 1
	check "$what: says /$pat/" grep -qE -- "$pat" "$work/err" || sed 's/^/      /' "$work/err"
	check "$what: nothing ran" test ! -e "$work/ran"
}

"$lb" exec -- "$prog" touch "$work/ran"
check "control: the PROG the refusals name does run (it creates \$work/ran)" test -e "$work/ran"

echo "exec_cli: bad options, each one line and exit 2"
refused "no --" 2 'give the program after --' "$prog"
refused "-- without PROG" 2 'expected -- PROG' --
refused "unknown lock" 2 "'nope' is not a registered lock; try: .*glibc" --lock nope -- "$prog" touch "$work/ran"
refused "unknown lock in --locks" 2 "--locks: 'nope' is not" --locks tas,nope -- "$prog" touch "$work/ran"
refused "--locks with a hole" 2 'not a comma-separated list' --locks tas,,futex -- "$prog" touch "$work/ran"
refused "--lock with --locks" 2 'cannot be combined' --lock tas --locks futex -- "$prog" touch "$work/ran"
refused "--reps 0" 2 "--reps: '0' is not an integer in 1..1000" --locks tas --reps 0 -- "$prog" touch "$work/ran"
refused "--reps without --locks" 2 '--reps: only with --locks' --reps 3 -- "$prog" touch "$work/ran"
refused "--timeout 0" 2 "--timeout: '0' is not a positive duration" --timeout 0 -- "$prog" touch "$work/ran"
refused "--timeout junk" 2 "--timeout: 'soon'" --timeout soon -- "$prog" touch "$work/ran"
refused "--seed -1" 2 "--seed: '-1' is not an unsigned integer" --locks tas --seed -1 -- "$prog" touch "$work/ran"
refused "--top x" 2 "--top: 'x' is not an integer" --profile --top x -- "$prog" touch "$work/ran"
refused "--top without --profile" 2 '--top: only with --profile' --top 3 -- "$prog" touch "$work/ran"
refused "--metric without a group" 2 'has no capture group' --metric 'time: [0-9]+' -- "$prog" touch "$work/ran"
refused "--metric that does not compile" 2 'not a POSIX extended regular expression' --metric 'a(' -- "$prog" touch "$work/ran"
refused "--metric-stderr without --metric" 2 '--metric-stderr: only with --metric' --metric-stderr -- "$prog" touch "$work/ran"
refused "--profile with --locks" 2 '--profile: profiles one run' --profile --locks tas -- "$prog" touch "$work/ran"
refused "--out without --profile or --locks" 2 '--out: only with' --out "$work/o" -- "$prog" touch "$work/ran"
refused "unknown option" 2 "unknown or ambiguous option '--bogus'" --bogus -- "$prog" touch "$work/ran"
refused "--lock without a value" 2 '--lock: expected a value' --lock
refused "--resume with another option" 2 '--resume: takes only' --profile --resume "$work"
refused "--resume with a program" 2 '--resume: takes only' --resume "$work" -- "$prog" touch "$work/ran"
refused "--resume of a folder that is no set" 2 'is not an exec result set' --resume "$work"
if [[ -n $plugin ]]; then
	# broken_locks.so: test-only locks, loaded as a plugin, which the preload library cannot see.
	refused "a --plugin lock" 2 "'broken' is a --plugin lock" --plugin "$plugin" --lock broken -- "$prog" touch "$work/ran"
fi

echo "exec_cli: PROG is checked before it runs"
refused "PROG not in PATH" 2 "'no-such-program-xyz' is not found in PATH" -- no-such-program-xyz
refused "PROG path missing" 2 "'$work/none': No such file" -- "$work/none"
refused "PROG a directory" 2 'is a directory' -- "$work"
printf 'not a program\n' >"$work/text"
refused "PROG not executable" 2 'is not executable' -- "$work/text"
chmod +x "$work/text"
refused "PROG neither ELF nor script" 2 'neither an ELF program nor a #! script' -- "$work/text"
cp "$prog" "$work/suid"
check "control: the copy runs before the setuid bit" "$lb" exec -- "$work/suid" touch "$work/ran"
chmod u+s "$work/suid"
refused "setuid PROG" 2 'is setuid: the loader ignores LD_PRELOAD' -- "$work/suid" touch "$work/ran"
cp "$prog" "$work/sgid" && chmod g+s "$work/sgid"
refused "setgid PROG" 2 'is setgid' -- "$work/sgid" touch "$work/ran"
if [[ -n $static && -x $static ]]; then
	refused "static PROG" 2 'statically linked \(no program interpreter\): LD_PRELOAD would do nothing' -- "$static" touch "$work/ran"
	printf '#!%s\n' "$static" >"$work/static.sh" && chmod +x "$work/static.sh"
	refused "script of a static interpreter" 2 "the script's interpreter .* is statically linked" -- "$work/static.sh"
	check "control: the static program itself runs" "$static" print x
else
	skip "no static build of exec_prog (libc.a missing)"
fi
printf '#!/bin/sh\necho script "$@"\n' >"$work/ok.sh" && chmod +x "$work/ok.sh"
out=$("$lb" exec -- "$work/ok.sh" a b 2>/dev/null)
check "a #! script with a dynamic interpreter runs (got '$out')" test "$out" = "script a b"
mkdir -p "$work/bin" && cp "$prog" "$work/bin/exec-prog-in-path"
out=$(PATH="$work/bin:$PATH" "$lb" exec -- exec-prog-in-path print found 2>/dev/null)
check "PROG found in PATH as execvp would (got '$out')" test "$out" = found

echo "exec_cli: the preload library"
LOCKBENCH_PRELOAD=$work/missing.so "$lb" exec -- "$prog" print x >/dev/null 2>"$work/err"
rc=$?
check "missing \$LOCKBENCH_PRELOAD: exit 1 (got $rc)" test $rc = 1
check "... one line naming it" bash -c "test \$(wc -l <'$work/err') = 1 && grep -q 'missing.so' '$work/err'"
mkdir -p "$work/tree/preload"
cp "$lb" "$work/tree/lockbench"
cp "$empty" "$work/tree/preload/liblockbench-preload.so"
out=$(env -u LOCKBENCH_PRELOAD "$work/tree/lockbench" exec -- "$prog" env 2>/dev/null | sed -n 's/^LD_PRELOAD=//p')
check "without \$LOCKBENCH_PRELOAD: preload/ beside the executable (got '$out')" \
	test "$out" = "$work/tree/preload/liblockbench-preload.so"
rm "$work/tree/preload/liblockbench-preload.so"
env -u LOCKBENCH_PRELOAD "$work/tree/lockbench" exec -- "$prog" print x >/dev/null 2>"$work/err"
rc=$?
check "... and none there nor installed: exit 1 (got $rc), one line" \
	bash -c "test $rc = 1 && test \$(wc -l <'$work/err') = 1 && grep -q 'preload library' '$work/err'"

echo "exec_cli: the environment PROG gets"
"$lb" exec --lock futex -- "$prog" env >"$work/env" 2>/dev/null
check "LD_PRELOAD is the library" grep -qx "LD_PRELOAD=$empty" "$work/env"
check "LOCKBENCH_LOCK=futex" grep -qx "LOCKBENCH_LOCK=futex" "$work/env"
check "no LOCKBENCH_PROFILE_DIR without --profile, even inherited" \
	bash -c "LOCKBENCH_PROFILE_DIR=/x '$lb' exec -- '$prog' env 2>/dev/null | grep -qx 'LOCKBENCH_PROFILE_DIR=(unset)'"
check "no --lock: LOCKBENCH_LOCK unset" bash -c "'$lb' exec -- '$prog' env 2>/dev/null | grep -qx 'LOCKBENCH_LOCK=(unset)'"
check "--lock glibc: LOCKBENCH_LOCK unset" bash -c "'$lb' exec --lock glibc -- '$prog' env 2>/dev/null | grep -qx 'LOCKBENCH_LOCK=(unset)'"
check "an LD_PRELOAD already set comes after ours" \
	bash -c "LD_PRELOAD=$empty '$lb' exec -- '$prog' env 2>/dev/null | grep -qx 'LD_PRELOAD=$empty:$empty'"
"$lb" exec --profile --out "$work/prof" -- "$prog" env >"$work/env" 2>"$work/err"
rc=$?
check "--profile: LOCKBENCH_PROFILE_DIR is --out" grep -qx "LOCKBENCH_PROFILE_DIR=$work/prof" "$work/env"
check "--profile: the directory was created" test -d "$work/prof"
# The empty library writes no profile: the reader (or its stand-in) must say so on one line.
check "--profile with no profile file: exit 1 (got $rc) with a line about it" \
	bash -c "test $rc = 1 && grep -q 'lockbench: exec: --profile:' '$work/err'"

mkdir -p "$work/stale" && : >"$work/stale/prof.123.lbp"
refused "--profile into a folder with an earlier profile" 2 'already holds profile files' --profile --out "$work/stale" -- "$prog" touch "$work/ran"

echo "exec_cli: PROG's outcome"
out=$("$lb" exec -- "$prog" print "hello world" 2>"$work/err")
rc=$?
check "exit 0, stdout passed through (got $rc, '$out')" test "$rc:$out" = "0:hello world"
check "... and nothing said" test ! -s "$work/err"
"$lb" exec -- "$prog" exit 3 >/dev/null 2>"$work/err"
rc=$?
check "PROG exits 3: lockbench exits 1 (got $rc)" test $rc = 1
check "... saying 'exited with status 3'" grep -q 'exited with status 3' "$work/err"
"$lb" exec -- sh -c 'kill -SEGV $$' >/dev/null 2>"$work/err"
rc=$?
check "PROG killed by SIGSEGV: exit 1 (got $rc), said" \
	bash -c "test $rc = 1 && grep -q 'was killed by SIGSEGV' '$work/err'"
"$lb" exec --timeout 1 -- "$prog" ignore-term "$work/child.pid" >/dev/null 2>"$work/err"
rc=$?
check "PROG ignoring SIGTERM past --timeout 1: exit 1 (got $rc)" test $rc = 1
check "... said timed out and killed by SIGKILL" \
	grep -q 'timed out after 1s and was killed by SIGKILL' "$work/err"
child=$(cat "$work/child.pid" 2>/dev/null)
check "... and the child it forked (pid $child, ignoring SIGTERM too) is gone" gone "$child"

# interrupted SIGNAL WANT-RC: lockbench gets SIGNAL while PROG (which ignores SIGTERM) runs; it
# must end PROG's whole group (SIGKILL after the grace), say so and exit WANT-RC.
interrupted() {
	local sig=$1 want=$2 pid rc child _
	rm -f "$work/int.pid"
	"$lb" exec -- "$prog" ignore-term "$work/int.pid" >/dev/null 2>"$work/err" &
	pid=$!
	for _ in $(seq 1 100); do [[ -s $work/int.pid ]] && break; sleep 0.1; done
	kill "-$sig" $pid
	wait $pid
	rc=$?
	check "$sig to lockbench: exit $want (got $rc), said" \
		bash -c "test $rc = $want && grep -q 'interrupted by $sig' '$work/err'"
	child=$(cat "$work/int.pid" 2>/dev/null)
	check "... PROG's process group killed (its child $child is gone)" gone "$child"
}
interrupted SIGINT 130
interrupted SIGTERM 143

if command -v script >/dev/null; then
	# A terminal of its own (script's pty): PROG reading it from its background group is stopped
	# by SIGTTIN, which must end the run at once with a reason, not at the timeout.
	timeout 60 script -qec "'$lb' exec --timeout 30 -- cat" /dev/null </dev/null >"$work/tty" 2>&1
	rc=$?
	check "PROG reading the terminal: exit 1 (got $rc), said, not left to the timeout" \
		bash -c "test $rc = 1 && grep -q 'was stopped reading the terminal' '$work/tty'"
else
	skip "no script(1) for a terminal"
fi

echo "exec_cli: --metric on one run"
out=$("$lb" exec --metric 'time: ([0-9.]+)' -- "$prog" sleep 20 2>"$work/err")
check "stdout still passes through (got '$out')" test "$out" = "time: 0.020"
check "the value is said: 'exec: metric 0.02'" grep -qx 'exec: metric 0.02' "$work/err"
"$lb" exec --metric 'time: ([0-9.]+)' --metric-stderr -- "$prog" eprint 'time: 7' >/dev/null 2>"$work/err"
check "--metric-stderr reads stderr (and passes it through)" \
	bash -c "grep -qx 'time: 7' '$work/err' && grep -qx 'exec: metric 7' '$work/err'"
"$lb" exec --metric 'time: ([0-9.]+)' -- "$prog" print 'no number' >/dev/null 2>"$work/err"
rc=$?
check "no match: exit 1 (got $rc), said" \
	bash -c "test $rc = 1 && grep -q 'no line of the output matches --metric' '$work/err'"
check "--help states the metric rule" bash -c "'$lb' exec --help | grep -q 'first capture group of the LAST match'"
check "lockbench --help lists exec" bash -c "'$lb' --help | grep -q '^  exec '"

summary exec_cli
