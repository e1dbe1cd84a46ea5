# tests/common/lib.sh — what the shell tests share; `source "$(dirname "$0")/../common/lib.sh"` after set -u.
# check counts into $checks and $failed; `summary NAME` prints the totals and is the exit status.
checks=0
failed=0
skipped=""
xfailed=0 # known bugs' rows (xrow_verdict): still failing, as expected
xpassed=0 # ... and holding, the bug fixed: also counted in failed

check() { # check DESCRIPTION COMMAND...: one check, printed; returns its result
	local what=$1
	shift
	checks=$((checks + 1))
	if "$@"; then
		echo "  ok: $what"
	else
		failed=$((failed + 1))
		echo "  FAILED: $what" >&2
		return 1
	fi
}

# skip REASON: what this machine cannot run, said once; if nothing else is checked, summary
# reports the test as skipped (77) instead of passed.
skip() {
	skipped=$1
	echo "  skipped: $1"
}

# summary NAME: "NAME: N checks, M failed"; returns 1 when a check failed or none ran (a test that
# checked nothing must not pass), 77 (meson's "skipped") when none ran because of a skip.
summary() {
	echo "$1: $checks checks, $failed failed"
	((failed == 0)) || return 1
	((checks > 0)) && return 0
	[[ -n $skipped ]] && return 77
	echo "$1: no check ran, so nothing was tested" >&2
	return 1
}

# The data rows of a result CSV: N when every row has as many fields as the header (quotes
# respected), else "bad". With --whole, a file not ending in a newline (a cut last row) is bad.
complete_rows() { # complete_rows [--whole] FILE
	local whole=0
	[[ $1 == --whole ]] && { whole=1; shift; }
	if ((whole)) && [[ ! -s $1 || $(tail -c 1 "$1" | od -An -tx1 | tr -d ' ') != 0a ]]; then
		echo bad
		return
	fi
	awk '
		function fields(s,   i, c, q, n) {
			n = 1; q = 0
			for (i = 1; i <= length(s); i++) {
				c = substr(s, i, 1)
				if (c == "\"") q = !q
				else if (c == "," && !q) n++
			}
			return q ? -1 : n
		}
		/^#/ { next }
		!hdr { n = fields($0); hdr = 1; next }
		{ if (fields($0) != n) bad = 1; rows++ }
		END { print (bad || !hdr) ? "bad" : rows + 0 }' "$1" 2>/dev/null || echo bad
}

# abs_args USAGE NAME... -- ARG...: each NAME set to the absolute path of the ARG in its place
# (the tests cd about; a relative path would then name nothing); an ARG missing: USAGE, exit 2.
abs_args() {
	local usage=$1 names=() name
	shift
	while [[ $1 != -- ]]; do
		names+=("$1")
		shift
	done
	shift
	for name in "${names[@]}"; do
		[[ -n ${1:-} ]] || { echo "$usage" >&2; exit 2; }
		printf -v "$name" '%s' "$(realpath "$1")"
		shift
	done
}

# timed COMMAND...: runs COMMAND (redirect the call to redirect it); sets rc to its status and
# ms to the milliseconds it took.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
timed() {
	local t0
	t0=$(now_ms)
	"$@"
	rc=$?
	ms=$(($(now_ms) - t0))
}

# xrow_verdict STATUS WHAT BUG: the outcome of a known bug's row, an expected failure, given the
# status of its check (0: the row held) and, when it did not, the reason in $why. A row that holds
# is the bug fixed: it fails the test (counted in failed and xpassed) so that the mark is removed.
xrow_verdict() {
	if (($1 == 0)); then
		xpassed=$((xpassed + 1))
		failed=$((failed + 1))
		printf '  XPASS %s\n        the known bug is fixed: make this xrow a row (%s)\n' "$2" "$3"
	else
		xfailed=$((xfailed + 1))
		printf '  xfail %s\n        known bug: %s (%s)\n' "$2" "$3" "$why"
	fi
}

# tree_check_main NAME OK_MESSAGE ARG...: the command line of a tree checker (tests/arch/), which
# defines check_tree ROOT (prints each violation, returns 1 on any) and self_test ROOT:
# `NAME ROOT` prints check_tree's findings, or OK_MESSAGE when clean, and exits with its status;
# `NAME --self-test ROOT` runs self_test; anything else is a usage error (exit 2).
tree_check_main() {
	local name=$1 ok=$2 out rc
	shift 2
	case ${1:-} in
	--self-test)
		[[ $# -eq 2 ]] || { echo "usage: $name [--self-test] ROOT" >&2; exit 2; }
		self_test "$2"
		exit
		;;
	-* | '')
		echo "usage: $name [--self-test] ROOT" >&2
		exit 2
		;;
	esac
	[[ $# -eq 1 ]] || { echo "usage: $name [--self-test] ROOT" >&2; exit 2; }
	out=$(check_tree "$1")
	rc=$?
	[[ -n $out ]] && printf '%s\n' "$out"
	((rc == 0)) && echo "$ok"
	exit $rc
}

# unchanged_tree_passes ROOT WHAT: a tree checker's self-test ends on the real tree, which must
# pass (else every planted case proves nothing); prints "ok: WHAT" or why not, returns 1 if not.
unchanged_tree_passes() {
	local out
	if out=$(check_tree "$1"); then
		echo "ok: $2"
	else
		echo "FAIL: the unchanged tree does not pass: $out"
		return 1
	fi
}
