#!/usr/bin/env bash
# locks_install.sh BUILD_DIR CONSUMER_C PLUGINS_MD PLUGIN_C CK SANITIZE CC... — the installed lock
# library, used as another C project would use it.
#
# Installs this build with `meson install --destdir` into a scratch directory, then builds
# install_consumer.c there, away from the source tree, with nothing but `pkg-config --cflags
# --libs lockbench-locks` (PKG_CONFIG_SYSROOT_DIR maps the .pc file's prefix into the destdir),
# once against the archive and once against the shared library, and runs both. Also: the shared
# library's SONAME, the public headers installed under lockbench/ and no private one, the
# test-hooks library not installed, and Concurrency Kit's references in the registry exactly when
# this build has CK (yes/no): CI runs this in its ck build and in the nock stage. Last, the
# compile line docs/PLUGINS.md gives builds PLUGIN_C, and the installed lockbench loads it.
# SANITIZE is the build's b_sanitize: an instrumented library needs an instrumented program.
set -u
usage="usage: locks_install.sh BUILD_DIR CONSUMER_C PLUGINS_MD PLUGIN_C CK SANITIZE CC..."
build=${1:?$usage}
consumer=${2:?$usage}
plugins_md=${3:?$usage}
plugin_c=${4:?$usage}
ck=${5:?$usage}
sanitize=${6:?$usage}
shift 6
(($#)) || { echo "$usage" >&2; exit 2; }
cc=("$@")
build=$(realpath "$build")
consumer=$(realpath "$consumer")
work=$(mktemp -d /tmp/lb-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/../common/lib.sh"

dest=$work/dest
if ! meson install -C "$build" --no-rebuild --destdir "$dest" >"$work/install.log" 2>&1; then
	tail -20 "$work/install.log" >&2
	echo "locks_install: meson install --destdir failed" >&2
	exit 1
fi
pc=$(find "$dest" -name lockbench-locks.pc | head -1)
check "lockbench-locks.pc installed" test -n "$pc"
[[ -n $pc ]] || { summary locks_install; exit; }
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
incdir=$(find "$dest" -type d -path '*/include/lockbench' | head -1)
echo "  installed: $(cd "$dest" && find . -path '*lockbench*' -type f | sort | tr '\n' ' ')"

check "lockbench/lock.h and lockbench/guard.h installed" \
	test -f "$incdir/lock.h" -a -f "$incdir/guard.h"
check "no private header installed (only lock.h and guard.h under lockbench/)" \
	test "$(ls "$incdir" | tr '\n' ' ')" = "guard.h lock.h "
check "liblockbench-locks.a installed" test -f "$libdir/liblockbench-locks.a"
check "the test-hooks library is not installed" \
	test -z "$(find "$dest" -name '*locks_test*' -o -name '*testhooks*')"
soname=$(readelf -d "$libdir/liblockbench-locks.so" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
check "the shared library's SONAME is liblockbench-locks.so.0 (got '$soname')" \
	test "$soname" = liblockbench-locks.so.0
check "liblockbench-locks.so.0 is there for the loader" test -e "$libdir/liblockbench-locks.so.0"

# What a user of the installed library runs, mapped into the destdir.
pkgc() { PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$pcdir pkg-config "$@" lockbench-locks; }
cflags=$(pkgc --cflags) libs=$(pkgc --libs) static_libs=$(pkgc --static --libs)
read -r cflags <<<"$cflags" # pkg-config pads with spaces
echo "  pkg-config --cflags --libs: $cflags $libs"
check "pkg-config: Cflags is -I\${includedir} (the parent of lockbench/), not lockbench/ itself" \
	test "$cflags" = "-I${incdir%/lockbench}"

cp "$consumer" "$work/consumer.c" # out of the tree: no "" include can find the sources
san=()
[[ $sanitize == none ]] || san=("-fsanitize=$sanitize")
build_consumer() { # build_consumer OUT LINK-FLAGS...
	local out=$1
	shift
	(cd "$work" && "${cc[@]}" -std=gnu11 -Wall -Wextra -Werror "${san[@]}" consumer.c \
		$cflags "$@" -o "$out") >"$work/cc.log" 2>&1 || { sed 's/^/    /' "$work/cc.log" >&2; return 1; }
}
needs() { readelf -d "$1" | grep -q "(NEEDED).*\[$2\]"; }
refs_ok() { # the consumer's count of CK references agrees with this build
	local n
	n=$(sed -n 's/^install_consumer: .* \([0-9]*\) Concurrency Kit references.*/\1/p' "$1")
	[[ -n $n ]] && { [[ $ck == yes && $n -gt 0 ]] || [[ $ck == no && $n == 0 ]]; }
}

# Statically: the archive (and, for it, ck's), then the C library as usual.
# shellcheck disable=SC2086
if check "builds against liblockbench-locks.a" \
	build_consumer consumer-static -Wl,-Bstatic $static_libs -Wl,-Bdynamic; then
	check "… and does not need the shared library" bash -c "! readelf -d '$work/consumer-static' | grep -q liblockbench"
	check "… runs: every registered lock taken and released, LB_GUARD included" \
		bash -c "'$work/consumer-static' >'$work/static.out'"
	sed -n '$p' "$work/static.out"
	check "… the registry has Concurrency Kit's locks exactly when this build has CK ($ck)" \
		refs_ok "$work/static.out"
fi
# shellcheck disable=SC2086
if check "builds against liblockbench-locks.so" build_consumer consumer-shared $libs; then
	check "… needs liblockbench-locks.so.0, by its SONAME" \
		needs "$work/consumer-shared" liblockbench-locks.so.0
	check "… runs with LD_LIBRARY_PATH set to the installed libdir" \
		bash -c "LD_LIBRARY_PATH='$libdir' '$work/consumer-shared' >'$work/shared.out'"
	sed -n '$p' "$work/shared.out"
	check "… the registry has Concurrency Kit's locks exactly when this build has CK ($ck)" \
		refs_ok "$work/shared.out"
fi

# docs/PLUGINS.md's compile line, word for word but for the compiler, then its `list`.
line=$(grep -m1 -E '^cc .*pkg-config --cflags lockbench-locks' "$plugins_md")
check "docs/PLUGINS.md gives a compile line with pkg-config ('$line')" test -n "$line"
cp "$plugin_c" "$work/my_lock.c"
lb=$(find "$dest" -path '*/bin/lockbench' | head -1)
# As a user's shell would run it: $(pkg-config ...) expanded there, the compiler this build's.
printf '%s\n' "${line/#cc/${cc[*]}}" >"$work/plugin_cc.sh"
if [[ -n $line ]] && check "… builds the example plugin against the installed header" \
	bash -c "cd '$work' && PKG_CONFIG_SYSROOT_DIR='$dest' PKG_CONFIG_PATH='$pcdir' bash plugin_cc.sh >plugin.log 2>&1"; then
	check "… and the installed lockbench loads it (example-cas in its list)" \
		bash -c "cd '$work' && '$lb' --plugin ./my_lock.so list | grep -q '^example-cas '"
else
	sed 's/^/    /' "$work/plugin.log"
fi

summary locks_install
