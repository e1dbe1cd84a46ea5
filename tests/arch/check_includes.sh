#!/usr/bin/env bash
# check_includes.sh — every #include in bench/ follows the table of docs/ARCHITECTURE.md.
#
#   tests/arch/check_includes.sh ROOT              check ROOT/bench against ROOT/docs/ARCHITECTURE.md
#   tests/arch/check_includes.sh --self-test ROOT  show that the check fails on planted violations
#
# The table is read from the document itself (its rows "| `ROOM/` | a, b, c |"), so the rule
# that is written down and the rule that is checked cannot drift apart. An entry is a room
# ("run") or one header ("run/child.h"); "everything" and "nothing" mean what they say; "locks"
# is the library ("lock.h", "guard.h", <lockbench/...>). A file's room is its folder under
# bench/ ("main.c" for the files at the top). Exit 0 when clean, 1 naming each file:line and
# the rule broken, 2 on a usage error.
set -u
source "$(dirname "$0")/../common/lib.sh"

# The table as "room<TAB>entries" lines (entries space-separated).
read_table() {
	awk -F'|' '
	/^\| *`[a-z_.]+\/?` *\|/ {
		room = $2; gsub(/[ `]/, "", room); sub(/\/$/, "", room)
		allow = $3; gsub(/,/, " ", allow); gsub(/`/, "", allow)
		gsub(/^ +| +$/, "", allow); gsub(/ +/, " ", allow)
		print room "\t" allow
	}' "$1"
}

# Prints one line per violation; returns 1 if there was any.
check_tree() {
	local root=$1 doc=$1/docs/ARCHITECTURE.md
	if [[ ! -r $doc ]]; then
		echo "check_includes: $doc: cannot read the table" >&2
		return 2
	fi
	declare -A allow=()
	local room entries
	while IFS=$'\t' read -r room entries; do
		allow[$room]=$entries
	done < <(read_table "$doc")
	if ((${#allow[@]} == 0)); then
		echo "check_includes: $doc: no table rows ('| \`room/\` | rooms |')" >&2
		return 2
	fi
	local bad=0 file rel line text target troom
	while IFS= read -r file; do
		rel=${file#"$root"/}
		room=${rel#bench/}
		if [[ $room == */* ]]; then room=${room%%/*}; else room=main.c; fi
		if [[ -z ${allow[$room]+x} ]]; then
			echo "$rel: room $room/ is not in the table of docs/ARCHITECTURE.md"
			bad=1
			continue
		fi
		while IFS=: read -r line text; do
			if [[ $text =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
				target=${BASH_REMATCH[1]}
			elif [[ $text =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<lockbench/([^\>]+)\> ]]; then
				target=locks/${BASH_REMATCH[1]}
			else
				continue
			fi
			case $target in
			*/*) troom=${target%%/*} ;;
			lock.h | guard.h) troom=locks ;;
			version.h) troom=version ;;
			*)
				echo "$rel:$line: \"$target\" is not room-qualified (write \"room/$target\")"
				bad=1
				continue
				;;
			esac
			[[ $troom == "$room" ]] && continue
			local ok=0 e
			for e in ${allow[$room]}; do
				if [[ $e == everything || $e == "$troom" || $e == "$target" ]]; then
					ok=1
				fi
			done
			if ((!ok)); then
				echo "$rel:$line: $room may not include $target ($room may include:" \
					"${allow[$room]}; docs/ARCHITECTURE.md)"
				bad=1
			fi
		done < <(grep -n '#[[:space:]]*include' "$file")
	done < <(find "$root/bench" -name '*.[ch]' | sort)
	return $bad
}

# One planted case: copy ROOT's doc and bench/ to a scratch tree, run `plant` there, and
# expect the check to fail with a line matching `want`.
self_case() {
	local root=$1 name=$2 want=$3 plant=$4 tmp out rc
	tmp=$(mktemp -d) || return 1
	mkdir -p "$tmp/docs" && cp "$root/docs/ARCHITECTURE.md" "$tmp/docs/" && cp -r "$root/bench" "$tmp/"
	(cd "$tmp" && eval "$plant")
	out=$(check_tree "$tmp")
	rc=$?
	rm -rf "$tmp"
	if ((rc == 1)) && grep -qE -- "$want" <<<"$out"; then
		echo "ok: $name is caught: $(grep -E -- "$want" <<<"$out" | head -1)"
		return 0
	fi
	echo "FAIL: $name: exit $rc, wanted a line matching /$want/; got: $out"
	return 1
}

self_test() {
	local root=$1 fails=0
	self_case "$root" "stats including the runner's header" \
		'^bench/stats/stats\.c:[0-9]+: stats may not include run/params\.h' \
		'printf "#include \"run/params.h\"\n" >>bench/stats/stats.c' || fails=$((fails + 1))
	self_case "$root" "a room below cli including cli" \
		'^bench/sweep/[a-z_]+\.c:[0-9]+: sweep may not include cli/cli\.h' \
		'f=$(ls bench/sweep/*.c | head -1); printf "#include \"cli/cli.h\"\n" >>"$f"' ||
		fails=$((fails + 1))
	self_case "$root" "probe including the library by its installed name is fine, results is not" \
		'^bench/probe/[a-z_0-9]+\.c:[0-9]+: probe may not include results/' \
		'f=$(ls bench/probe/*.c | head -1); printf "#include <lockbench/lock.h>\n#include \"results/x.h\"\n" >>"$f"' ||
		fails=$((fails + 1))
	self_case "$root" "an include that names no room" \
		'^bench/topo/topo\.c:[0-9]+: "topo\.h" is not room-qualified' \
		'printf "#include \"topo.h\"\n" >>bench/topo/topo.c' || fails=$((fails + 1))
	self_case "$root" "a folder missing from the table" \
		'^bench/newroom/a\.c: room newroom/ is not in the table' \
		'mkdir bench/newroom && : >bench/newroom/a.c' || fails=$((fails + 1))
	self_case "$root" "a table row taken away" \
		'^bench/stats/[a-z_]+\.[ch]: room stats/ is not in the table' \
		'sed -i "/^| \`stats\/\` |/d" docs/ARCHITECTURE.md' || fails=$((fails + 1))
	# And the real tree, unchanged, passes (else every case above proves nothing).
	unchanged_tree_passes "$root" "$root/bench follows the table" || fails=$((fails + 1))
	echo "$((7 - fails)) passed, $fails failed"
	((fails == 0))
}

tree_check_main "$0" "check_includes: every #include in ${1:-}/bench follows docs/ARCHITECTURE.md" "$@"
