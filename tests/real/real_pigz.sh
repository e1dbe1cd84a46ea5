#!/usr/bin/env bash
# real_pigz.sh LOCKBENCH BUILDDIR — pigz, unmodified, under `lockbench exec` and every
# mutual-exclusion lock: its thread pool and job queues are pthread mutexes and condition
# variables, so a lock or condvar bug shows as a wrong or lost block. With -p 2 and -p 4
# (oversubscribed on 2 CPUs) the compressed file must be byte-identical to unreplaced pigz's
# (pigz's output does not depend on its scheduling), and `pigz -d`, also under the lock, must
# restore the input exactly.
# Negative control: one flipped byte in the compressed file fails both comparisons.
set -u
source "$(dirname "$0")/../common/lib.sh"
source "$(dirname "$0")/real_lib.sh"
real_args real_pigz "$@"
need pigz
work=$(mktemp -d /tmp/lb-real-pigz.XXXXXX)
trap 'rm -rf "$work"' EXIT
timeout_s=60

# The input: deterministic text (integer arithmetic only), ~2.9 MB, 23 of pigz's 128 KiB blocks,
# compressible but not trivially.
seq 1 100000 | awk '{ print $1, ($1 * 7919) % 104729, ($1 * 31337) % 65521, ($1 * 2654435761) % 4294967296 }' \
	>"$work/in"
size=$(stat -c %s "$work/in")

# Files, not pipes (pigz FILE writes FILE.gz, pigz -d FILE.gz writes FILE): whatever lockbench
# exec itself prints cannot mix into the data. -n: no name or time in the header, so that two
# compressions of one input can be compared byte for byte.
echo "real_pigz: the reference, unreplaced"
for p in 2 4; do
	cp "$work/in" "$work/ref-$p"
	timeout 60 pigz -n -p $p "$work/ref-$p"
	check "pigz -p $p compresses $size bytes natively (exit $?)" test -s "$work/ref-$p.gz"
done
check "natively, -p 2 and -p 4 write the same stream (what makes the comparison below fair)" \
	cmp -s "$work/ref-2.gz" "$work/ref-4.gz"
cp "$work/ref-2.gz" "$work/flipped.gz"
printf '\xff' | dd of="$work/flipped.gz" bs=1 seek=$(($(stat -c %s "$work/flipped.gz") / 2)) \
	conv=notrunc status=none
check "negative control: a flipped byte differs from the reference" not cmp -s "$work/flipped.gz" "$work/ref-2.gz"
timeout 60 pigz -d "$work/flipped.gz" 2>/dev/null
check "negative control: … and does not decompress to the input" not cmp -s "$work/flipped" "$work/in"
have_exec || { summary real_pigz; exit; }

echo "real_pigz: every mutual-exclusion lock"
mapfile -t locks < <(mutex_locks)
check "lockbench list names mutual-exclusion locks (${#locks[@]})" test ${#locks[@]} -gt 0
for lock in "${locks[@]}"; do
	for p in 2 4; do
		tag=$lock-$p
		cp "$work/in" "$work/$tag"
		lbexec $timeout_s "$work/$tag.log" "$work/$tag.err" --lock "$lock" -- \
			pigz -n -p $p "$work/$tag"
		check "$lock: pigz -p $p: exit $rc ($ms ms), file identical to unreplaced pigz's" \
			bash -c "[[ $rc == 0 ]] && cmp '$work/$tag.gz' '$work/ref-$p.gz'" || why "$work/$tag.err"
		lbexec $timeout_s "$work/$tag.log" "$work/$tag.derr" --lock "$lock" -- \
			pigz -d "$work/$tag.gz"
		check "$lock: pigz -d restores the input: exit $rc ($ms ms)" \
			bash -c "[[ $rc == 0 ]] && cmp '$work/$tag' '$work/in'" || why "$work/$tag.derr"
		rm -f "$work/$tag" "$work/$tag.gz"
	done
done
summary real_pigz
