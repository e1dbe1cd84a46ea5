#!/usr/bin/env bash
# scripts/deps.sh — install what lockbench needs on Debian 12 (idempotent; quiet when present).
#   bash scripts/deps.sh          build + run + report dependencies
#   bash scripts/deps.sh --test   also what the test suite needs (clang, sanitizers, spin, chromium, pandas,
#                                 the real programs, the arm64 cross compiler and qemu-user)
set -euo pipefail

pkgs=(gcc libc6-dev pkg-config meson ninja-build git libhwloc-dev gnuplot-nox fonts-dejavu-core libck-dev
	util-linux procps libdw-dev)
if [[ ${1:-} == --test ]]; then
	# llvm: llvm-symbolizer, which the sanitizers need to name functions (TSan suppressions match
	# function names; without it they match nothing).
	pkgs+=(clang libclang-rt-14-dev llvm spin chromium fonts-liberation hwloc python3-pandas
		sysbench pigz memcached libmemcached-tools
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
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
