#!/usr/bin/env bash
# scripts/readme-locks.sh LOCKBENCH [README] — regenerate README.md's table of locks from the
# registry (`lockbench list --format markdown`), between the locks:begin/end markers. Run it with
# a build that has Concurrency Kit, so the ck-* references are listed.
set -euo pipefail
lb=${1:?usage: readme-locks.sh LOCKBENCH [README]}
readme=${2:-$(dirname "$0")/../README.md}
table=$("$lb" list --format markdown)
tmp=$(mktemp "$readme.XXXXXX")
awk -v table="$table" '
	/<!-- locks:begin -->/ { print; print table; skip = 1; next }
	/<!-- locks:end -->/ { skip = 0 }
	!skip { print }' "$readme" >"$tmp"
mv "$tmp" "$readme"
