#!/usr/bin/env bash
# tests/e2e/e2e.sh BUILD OUT — the main job end to end, as CI runs it: `lockbench sweep --quick`
# into OUT, then `lockbench report` rebuilt from its files, then the report checked in headless
# Chromium (every plot image must have loaded). Prints what it checked; exit 0 only if all held.
set -u
build=${1:?usage: e2e.sh BUILD OUT}
out=${2:?usage: e2e.sh BUILD OUT}
lb=$build/bench/lockbench
cd "$(dirname "$0")/../.."
rm -rf "$out"
fail=0
step() { echo "e2e: $*"; }

t0=$(date +%s)
"$lb" sweep --quick --out "$out" || { step "sweep --quick failed"; fail=1; }
t1=$(date +%s)
step "sweep --quick took $((t1 - t0)) s (budget 20 s on 2 CPUs; not asserted: shared machines)"
for f in results.csv summary.csv latency_cdf.csv c2c.csv handoff.csv meta.json report.html report.md \
	throughput.png latency_p99.png fairness.png cpu.png latency_cdf.png; do
	[[ -s $out/$f ]] || { step "missing $f"; fail=1; }
done
grep -q '"complete": true' "$out/meta.json" || { step "meta.json not complete"; fail=1; }

rm -f "$out"/report.html "$out"/*.png
"$lb" report "$out" || { step "lockbench report failed"; fail=1; }
[[ -s $out/report.html ]] || { step "report did not rebuild report.html"; fail=1; }

bash tests/report/browser_check.sh "$out/report.html"
rc=$?
if ((rc == 77)); then
	step "browser check skipped: chromium is not installed"
	fail=1 # CI installs it; a skip here means the install step is broken
elif ((rc != 0)); then
	step "browser check failed"
	fail=1
fi
((fail == 0)) && step "ok" || step "FAILED"
exit $fail
