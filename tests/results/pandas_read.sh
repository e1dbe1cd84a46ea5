#!/usr/bin/env bash
# pandas_read.sh LOCKBENCH SWEEP_FILES_MD RESULTS_README — what users open the files with: every
# v2 CSV a tiny real sweep writes, and `lockbench run --format csv`, read by
# `pandas.read_csv(path)` with no other argument, must give exactly the documented columns (the
# docs' lists, then format_version), and as many rows as the file has lines after the header.
# Skips (77) when no python3 here can import pandas (Debian: python3-pandas, scripts/deps.sh --test).
lb=${1:?usage: pandas_read.sh LOCKBENCH SWEEP_FILES_MD RESULTS_README}
sweep_doc=${2:?}
readme=${3:?}
py=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import pandas' 2>/dev/null; then py=$p; break; fi
done
[[ -n $py ]] || { echo "pandas_read: SKIP: no python3 with pandas (apt-get install python3-pandas)"; exit 77; }

work=$(mktemp -d /tmp/lb-pandas.XXXXXX)
trap 'rm -rf "$work"' EXIT
# latency_hist.csv and latency_cdf.csv hold rows only for repetitions with timed samples, and
# the row check below wants some. On a loaded machine a window can pass with no acquisition:
# at load 28 on 2 CPUs, 20 ms windows gave ticket at 2 threads 0 or 1 operation in 4 sweeps of
# 6, tas at 2 threads 0 in 1. So the windows are 50 ms, and a sweep whose latency_hist.csv has
# no row is made again, at most 3 times in all (said so); a sweep that never writes one fails.
data_rows() { awk '!/^#/ { n++ } END { print (n > 1 ? n - 1 : 0) }' "$1" 2>/dev/null || echo 0; }
for try in 1 2 3; do
	rm -rf "$work/set"
	"$lb" sweep --locks tas,ticket --threads 1,2 --cs 50 --reps 1 --duration 50ms --warmup 5ms \
		--no-lock-cost --out "$work/set" >/dev/null 2>"$work/sweep.err" ||
		{ echo "pandas_read: the sweep failed: $(tail -1 "$work/sweep.err")"; exit 1; }
	(($(data_rows "$work/set/latency_hist.csv") > 0)) && break
	echo "  sweep $try: no timed samples at the CDF point (a starved window), latency_hist.csv has no row"
done
"$lb" run --lock tas --threads 2 --duration 20ms --warmup 5ms --format csv >"$work/run.csv" ||
	{ echo "pandas_read: lockbench run --format csv failed"; exit 1; }

exec "$py" - "$work" "$sweep_doc" "$readme" <<'PY'
import os, re, sys
import pandas

work, sweep_doc, readme = sys.argv[1:]
doc, rd = open(sweep_doc).read(), open(readme).read()

def after(text, heading):
    return text[text.index(heading) + len(heading):]

# results/README.md: the first table under "## CSV columns", one `name` per row.
table = after(rd, "## CSV columns").split("\n\n|")[1].split("\n\n")[0]
run_cols = [n for cell in re.findall(r"^\| ([^|]+) \|", "|" + table, re.M)[1:]
            for n in re.findall(r"`([a-z0-9_]+)`", cell)]
sweep_cols = re.search(r"^`(point,[a-z0-9_,]+)`", after(doc, "## results.csv"), re.M).group(1).split(",")
summary = after(doc, "## summary.csv").split("```")[1]
summary_cols = [c for c in re.split(r"[,\s]+", summary) if c]
hist_cols = re.search(r"latency_hist.csv` \(`([a-z0-9_,]+)`", doc).group(1).split(",")
cdf_cols = re.search(r"^`(lock,[a-z0-9_,]+)`", after(doc, "## latency_cdf.csv"), re.M).group(1).split(",")
probe = {f: re.search(r"^`([a-z0-9_,]+)`", after(doc, f"## {f}"), re.M).group(1).split(",")
         for f in ("c2c.csv", "handoff.csv")}
want = {
    "run.csv": run_cols,
    "set/results.csv": run_cols + sweep_cols,
    "set/summary.csv": summary_cols,
    "set/latency_hist.csv": hist_cols,
    "set/latency_cdf.csv": cdf_cols,
}
# Measured only with two CPUs or more.
for f, cols in probe.items():
    if os.path.exists(f"{work}/set/{f}"):
        want[f"set/{f}"] = cols
    else:
        print(f"  set/{f}: not written here (one CPU)")
bad = 0
for name, cols in want.items():
    path = f"{work}/{name}"
    df = pandas.read_csv(path)
    cols = cols + ["format_version"]
    got = list(df.columns)
    lines = sum(1 for _ in open(path)) - 1
    ok = got == cols and len(df) == lines and (len(df) > 0 or "handoff" in name) and \
        (df["format_version"] == 2).all()
    print(f"  {name}: {len(got)} columns, {len(df)} rows: {'ok' if ok else 'WRONG'}")
    if got != cols:
        diff = next((i for i, (a, b) in enumerate(zip(got, cols)) if a != b), min(len(got), len(cols)))
        print(f"    column {diff + 1}: read {got[diff:diff + 1]}, documented {cols[diff:diff + 1]}"
              f" ({len(got)} read, {len(cols)} documented)")
    bad += not ok
print(f"pandas_read: {len(want) - bad} of {len(want)} files read as documented")
sys.exit(1 if bad else 0)
PY
