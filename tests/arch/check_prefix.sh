#!/usr/bin/env bash
# check_prefix.sh [--self-test] ROOT — the `lb_` prefix means the library: every lb_ identifier
# in bench/ and tests/ is one that locks/ defines or uses, or the plugin interface's symbol
# (`lb_plugin_locks`, docs/PLUGINS.md; `lb_plugin_lock` is a plugin's deliberate misspelling
# of it in tests/cli/harness_cli_plugin_bad.c). Fails naming file:line of any other.
set -u
source "$(dirname "$0")/../common/lib.sh"

ALLOWED='lb_plugin_locks lb_plugin_lock'

check_tree() {
	local root=$1 bad=0 id lib
	lib=$(grep -rhoE '\blb_[A-Za-z0-9_]+' "$root/locks" | sort -u)
	while IFS=: read -r file line id; do
		[[ " $ALLOWED " == *" $id "* ]] && continue
		grep -qxF -- "$id" <<<"$lib" && continue
		echo "${file#"$root"/}:$line: $id has the library's prefix lb_ but locks/ has no such name"
		bad=1
	done < <(grep -rnoE '\blb_[A-Za-z0-9_]+' --include='*.c' --include='*.h' "$root/bench" \
		"$root/tests" | sort -u)
	return $bad
}

self_test() {
	local root=$1 tmp out fails=0
	tmp=$(mktemp -d) || exit 1
	mkdir -p "$tmp/bench/run" "$tmp/tests"
	cp -r "$root/locks" "$tmp/"
	printf 'int lb_harness_helper(void);\nconst struct lb_lock_ops *o;\n' >"$tmp/bench/run/x.h"
	if out=$(check_tree "$tmp"); then
		echo "FAIL: a planted lb_harness_helper in bench/ passed"
		fails=1
	elif grep -q '^bench/run/x.h:1: lb_harness_helper' <<<"$out" &&
		! grep -q lb_lock_ops <<<"$out"; then
		echo "ok: a planted harness symbol is caught, the library's type is not: $out"
	else
		echo "FAIL: wanted only bench/run/x.h:1: lb_harness_helper; got: $out"
		fails=1
	fi
	rm -rf "$tmp"
	unchanged_tree_passes "$root" "$root follows the rule" || fails=1
	return $fails
}

tree_check_main "$0" "check_prefix: every lb_ name in bench/ and tests/ is the library's" "$@"
