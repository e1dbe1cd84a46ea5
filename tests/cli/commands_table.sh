#!/usr/bin/env bash
# commands_table.sh LOCKBENCH — the command table is the one list of commands: `lockbench --help`
# lists the same commands, in the same order, as the error for an unknown one, and each of them
# answers its own --help with exit 0 (a row whose function is not a command would not).
set -u
source "$(dirname "$0")/../common/lib.sh"
lb=$1

help_names=$("$lb" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' | paste -sd, | sed 's/,/, /g')
err=$("$lb" no-such-command 2>&1 >/dev/null)
rc=$?
check "an unknown command exits 2 (got $rc)" test "$rc" = 2
check "--help lists commands ($help_names)" test -n "$help_names"
check "the unknown-command error lists the same commands: $err" \
	test "$err" = "lockbench: 'no-such-command' is not a command; try: $help_names"
help_ok() { "$lb" "$1" --help >/dev/null; }
for c in ${help_names//,/}; do
	check "lockbench $c --help exits 0" help_ok "$c"
done
echo "commands_table: $checks checks, $failed failed"
((failed == 0))
