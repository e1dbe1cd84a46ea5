# sweep_check.sh — the check helper the sweep tests share (sourced, not run): `check DESCRIPTION
# COMMAND...` runs COMMAND, prints ok or FAILED, and counts into $checks and $failed.
checks=0
failed=0
check() {
	local what=$1
	shift
	checks=$((checks + 1))
	if "$@"; then
		echo "  ok: $what"
	else
		failed=$((failed + 1))
		echo "  FAILED: $what" >&2
	fi
}
