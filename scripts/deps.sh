#!/usr/bin/env bash
# scripts/deps.sh — install what lockbench needs on Debian 12 (idempotent; quiet when present).
#   bash scripts/deps.sh          build + run + report dependencies
#   bash scripts/deps.sh --test   also what the test suite needs (clang, sanitizers, spin, chromium, pandas,
#                                 the real programs, the arm64 cross compiler and qemu-user,
#                                 slurm-wlm and munge for the private Slurm of tests/fleet/slurm.sh)
set -euo pipefail

pkgs=(gcc libc6-dev pkg-config meson ninja-build git libhwloc-dev gnuplot-nox fonts-dejavu-core libck-dev
	util-linux procps libdw-dev)
if [[ ${1:-} == --test ]]; then
	# llvm: llvm-symbolizer, which the sanitizers need to name functions (TSan suppressions match
	# function names; without it they match nothing).
	pkgs+=(clang libclang-rt-14-dev llvm spin chromium fonts-liberation hwloc python3-pandas
		sysbench pigz memcached libmemcached-tools slurm-wlm munge
		gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static poppler-utils)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	exit 0
fi

sudo=()
if [[ $(id -u) != 0 ]]; then
	command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	sudo=(sudo)
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Outside systemd (a chroot or container, like CI's fresh-run), a package's postinst may start its
# service from /etc/init.d right here — munged, memcached — as a stray daemon nobody stops. The
# tests start their own private ones (tests/fleet/slurm.sh); policy-rc.d's 101 ("action not
# allowed") tells invoke-rc.d not to start anything, and goes away with this script. Under
# systemd, and where a policy-rc.d already exists (Docker's), nothing is changed.
policy=/usr/sbin/policy-rc.d
if [[ ! -d /run/systemd/system && ! -e $policy ]]; then
	"${sudo[@]}" sh -c "printf '#!/bin/sh\n# scripts/deps.sh: no service starts during its install\nexit 101\n' >$policy && chmod 755 $policy" &&
		trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
