#!/usr/bin/env bash
# readme_locks.sh LOCKBENCH README — README.md's table of locks is the registry's, never typed by
# hand: every row `lockbench list --format markdown` prints must be in the README as printed, and
# the README may hold nothing else, except ck-* rows when this build has no Concurrency Kit.
# Fix a failure with: bash scripts/readme-locks.sh LOCKBENCH
set -u
lb=${1:?usage: readme_locks.sh LOCKBENCH README}
readme=${2:?usage: readme_locks.sh LOCKBENCH README}
readme_rows=$(awk '/<!-- locks:begin -->/ { on = 1; next } /<!-- locks:end -->/ { on = 0 } on' "$readme")
list_rows=$("$lb" list --format markdown) || { echo "readme_locks: lockbench list failed"; exit 1; }
failed=0
checks=0
while IFS= read -r row; do
	checks=$((checks + 1))
	grep -qxF -- "$row" <<<"$readme_rows" || { echo "README lacks or differs: $row"; failed=$((failed + 1)); }
done <<<"$list_rows"
while IFS= read -r row; do
	checks=$((checks + 1))
	grep -qxF -- "$row" <<<"$list_rows" && continue
	if [[ $row == '| `ck-'* ]] && ! grep -q '`ck-' <<<"$list_rows"; then
		continue # a reference this build was configured without
	fi
	echo "README row not in the registry: $row"
	failed=$((failed + 1))
done <<<"$readme_rows"
[[ -n $readme_rows ]] || { echo "README has no table between the locks markers"; failed=$((failed + 1)); }
echo "readme_locks: $checks checks, $failed failed"
((failed == 0)) || echo "regenerate with: bash scripts/readme-locks.sh $lb"
((failed == 0))
