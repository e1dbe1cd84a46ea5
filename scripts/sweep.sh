#!/usr/bin/env bash
# scripts/sweep.sh — the README's first command: install what is missing, build, run the default
# sweep and build its report. Extra arguments go to `lockbench sweep` (e.g. --quick, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
build=${LB_BUILD:-build}
if [[ ! -f $build/build.ninja ]]; then
	meson setup "$build" >/dev/null
fi
ninja -C "$build" >/dev/null
exec "$build/bench/lockbench" sweep "$@"
