#!/usr/bin/env bash
# scripts/perf-table.sh [--reps N] [--duration T] [--warmup T] LOCKBENCH [OUT.md]
#
# Every registered lock (the registry, as `lockbench list` names them, so a new lock is
# in it without touching this script) at three points, as a Markdown table grouped by family
# (`lockbench list`'s family column), each lock beside the best lock of its family:
#   - 1 thread, --cs 0 --ncs 0: the uncontended cost of lock+unlock, ns per operation
#     (the sweep's lock-cost point: 40 ms window, 15 ms warm-up);
#   - 2 threads and 2 x CPUs threads at --cs 50ns --ncs 100ns: Mops/s and the max/min of the
#     threads' operation counts (1.00 = every thread did as many operations).
# Each figure is the median of --reps repetitions (default 3; window --duration, default 40ms,
# warm-up --warmup, default 10ms). "best" is the family's lowest ns/op, or highest Mops/s, and
# the ratio beside it is this lock's figure over the best's (1.00: this lock is the best).
# Prints the machine (CPU model from lscpu, kernel) and the load average before and after.
#
# OUT.md: when it holds the markers <!-- perf-table:begin --> and <!-- perf-table:end -->, the
# table replaces what is between them (docs/PERFORMANCE.md has them); otherwise OUT.md is
# written whole. Without OUT.md the table goes to stdout. About 3 minutes for 40 locks on
# 2 CPUs. Exit: 0 ok; 1 the sweep failed or a point was stuck, violated exclusion or failed
# (the table is still written, the point marked in its notes); 2 usage.
set -uo pipefail

usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die_usage() { echo "perf-table.sh: $*" >&2; exit 2; }

reps=3
duration=40ms
warmup=10ms
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--reps) [ $# -ge 2 ] || die_usage "--reps: expected a value"; reps=$2; shift 2 ;;
	--duration) [ $# -ge 2 ] || die_usage "--duration: expected a value"; duration=$2; shift 2 ;;
	--warmup) [ $# -ge 2 ] || die_usage "--warmup: expected a value"; warmup=$2; shift 2 ;;
	--) shift; break ;;
	-*) die_usage "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] && [ $# -le 2 ] || die_usage "usage: perf-table.sh [--reps N] [--duration T] [--warmup T] LOCKBENCH [OUT.md]"
lb=$1
out=${2:-}
[ -x "$lb" ] || die_usage "LOCKBENCH: '$lb' is not an executable"
[[ $reps =~ ^[1-9][0-9]*$ ]] || die_usage "--reps: '$reps' is not a positive integer"
if [ -n "$out" ] && [ -e "$out" ] && [ ! -w "$out" ]; then
	die_usage "OUT.md: '$out' is not writable"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/perf-table.XXXXXX") || { echo "perf-table.sh: mktemp failed" >&2; exit 1; }
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cpus=$(nproc)
over=$((2 * cpus))
threads=2,$over
[ "$over" -eq 2 ] && threads=2

cpu_model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
[ -n "$cpu_model" ] || cpu_model=$(sed -n 's/^model name\s*: *//p' /proc/cpuinfo | head -n 1)
kernel=$(uname -sr)
load() { cut -d' ' -f1-3 /proc/loadavg; }
load_before=$(load)
started=$(date -u +%Y-%m-%dT%H:%MZ)
echo "perf-table: $cpu_model, $cpus CPUs, $kernel; load average before: $load_before" >&2

if ! "$lb" list --format csv >"$work/list.csv" 2>"$work/list.err"; then
	echo "perf-table.sh: '$lb list --format csv' failed: $(head -n 1 "$work/list.err")" >&2
	exit 1
fi
if ! head -n 1 "$work/list.csv" | grep -q '^lock,properties,lock_bytes,ctx_bytes,family,'; then
	echo "perf-table.sh: '$lb list --format csv' has no family column (a lockbench older than this script?)" >&2
	exit 1
fi

t0=$(date +%s)
sweep_rc=0
# Every lock but not-a-lock and test-only ones, rwlocks included (as mutexes: no --read-pct).
locks=$("$lb" list --format csv | awk -F, 'NR > 1 && $2 !~ /not-a-lock|test-only/ { printf "%s%s", n++ ? "," : "", $1 }')
"$lb" sweep --locks "$locks" --threads "$threads" --cs 50ns --ncs 100ns --reps "$reps" --duration "$duration" \
	--warmup "$warmup" --no-report --no-probe --out "$work/set" >"$work/sweep.log" 2>&1 || sweep_rc=$?
t1=$(date +%s)
load_after=$(load)
echo "perf-table: sweep took $((t1 - t0)) s (exit $sweep_rc); load average after: $load_after" >&2
if [ ! -s "$work/set/summary.csv" ]; then
	echo "perf-table.sh: the sweep wrote no summary.csv (exit $sweep_rc): $(tail -n 1 "$work/sweep.log")" >&2
	exit 1
fi

# One line per lock: family, lock, ns/op, Mops 2, max/min 2, Mops over, max/min over, notes.
# summary.csv is read by column name, never by position. A point that is missing or whose
# status is not ok is marked.
awk -F, -v over="$over" -v reps="$reps" '
	function field(name) { return (name in col) ? $col[name] : "" }
	FNR == 1 && FILENAME ~ /list.csv$/ { for (i = 1; i <= NF; i++) lcol[$i] = i; next }
	FILENAME ~ /list.csv$/ { fam[$lcol["lock"]] = $lcol["family"]; order[++n] = $lcol["lock"]; next }
	FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{
		lock = field("lock"); t = field("threads"); cs = field("cs_ns"); ncs = field("ncs_ns")
		if (field("permits") != "" && field("permits") != 1) next
		if (t == 1 && cs == 0 && ncs == 0) key = "u"
		else if (t == 2 && cs == 50 && ncs == 100) key = "c"
		else if (t == over && cs == 50 && ncs == 100) key = "o"
		else next
		mops[lock, key] = field("mops_median")
		mm[lock, key] = field("fairness_maxmin_median")
		label = (t == 1 ? "1t" : t "t")
		st = field("status")
		if (st != "ok") add(lock, label ": " st)
		else if (field("mops_median") + 0 == 0) add(lock, label ": no operation in the window")
		if (field("busy") == 1) busy[lock, key] = label
	}
	function add(l, s) { note[l] = note[l] (note[l] ? "; " : "") s }
	END {
		for (i = 1; i <= n; i++) {
			l = order[i]
			if (fam[l] == "not a lock") continue
			printf "%s\t%s", fam[l], l
			for (k = 1; k <= 3; k++) {
				key = substr("uco", k, 1)
				v = ((l, key) in mops) ? mops[l, key] : ""
				if (key == "u") printf "\t%s", (v != "" && v > 0) ? sprintf("%.2f", 1000 / v) : ""
				else printf "\t%s\t%s", v, ((l, key) in mm) ? mm[l, key] : ""
			}
			b = ""
			for (k = 1; k <= 3; k++)
				if ((l, substr("uco", k, 1)) in busy) b = b (b ? "," : "") busy[l, substr("uco", k, 1)]
			if (b != "") add(l, "busy: " b)
			printf "\t%s\n", note[l]
		}
	}' "$work/list.csv" "$work/set/summary.csv" >"$work/rows.tsv"

# The table: per family, in registry order; beside each figure the family's best and this
# lock's figure over it.
awk -F'\t' -v cpus="$cpus" -v over="$over" -v cpu="$cpu_model" -v kernel="$kernel" \
	-v lb_before="$load_before" -v lb_after="$load_after" -v started="$started" \
	-v reps="$reps" -v duration="$duration" -v secs="$((t1 - t0))" '
	{
		n++; fam[n] = $1; lock[n] = $2; u[n] = $3; c[n] = $4; cmm[n] = $5; o[n] = $6; omm[n] = $7; note[n] = $8
		if (!($1 in seen)) { seen[$1] = 1; fams[++nf] = $1 }
		if ($3 != "" && (!($1 in bu) || $3 + 0 < bu[$1] + 0)) { bu[$1] = $3; bun[$1] = $2 }
		if ($4 != "" && (!($1 in bc) || $4 + 0 > bc[$1] + 0)) { bc[$1] = $4; bcn[$1] = $2 }
		if ($6 != "" && (!($1 in bo) || $6 + 0 > bo[$1] + 0)) { bo[$1] = $6; bon[$1] = $2 }
	}
	# Three significant digits, without exponents: 0.000123 Mops/s and 38426 are both readable.
	function num(v) {
		if (v == "") return "–"
		if (v >= 100) return sprintf("%.0f", v)
		if (v >= 10) return sprintf("%.1f", v)
		if (v >= 1) return sprintf("%.2f", v)
		if (v == 0) return "0"
		d = 2; for (x = v; x < 0.1 && d < 9; x *= 10) d++
		return sprintf("%." d "f", v)
	}
	function best(v, b, name) {
		if (v == "" || b == "" || b + 0 == 0) return "–"
		return sprintf("`%s` %s", name, num(v / b))
	}
	END {
		printf "Machine: %s, %d CPUs, %s. Load average (1, 5, 15 min) before: %s; after: %s.\n", cpu, cpus, kernel, lb_before, lb_after
		printf "Taken %s with `scripts/perf-table.sh` (`lockbench sweep --threads 2,%d --cs 50ns --ncs 100ns --reps %s --duration %s`, lock-cost points 40 ms; %s s). Medians of %s repetitions.\n\n", started, over, reps, duration, secs, reps
		printf "ns/op: one thread, `--cs 0 --ncs 0`, lock+unlock with the harness loop. Mops/s at `--cs 50ns --ncs 100ns`; max/min: the threads'"'"' largest over smallest operation count (1.00 is even; a thread that did none counts as 1, so a starved thread shows as the other'"'"'s whole count). \"vs best\": the best lock of the family (lowest ns/op, highest Mops/s) and this lock'"'"'s figure over it. Notes: a point that did not finish ok or did no operation, and `busy` where other processes took more than 25 %% of the CPUs (the figure is then the machine'"'"'s as much as the lock'"'"'s).\n\n"
		printf "| family | lock | ns/op, 1 thread | vs best | Mops/s, 2 threads | max/min | vs best | Mops/s, %d threads | max/min | vs best | notes |\n", over
		printf "|---|---|---:|---|---:|---:|---|---:|---:|---|---|\n"
		for (f = 1; f <= nf; f++)
			for (i = 1; i <= n; i++) {
				if (fam[i] != fams[f]) continue
				F = fam[i]
				printf "| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", F, lock[i],
					num(u[i]), best(u[i], bu[F], bun[F]),
					num(c[i]), num(cmm[i]), best(c[i], bc[F], bcn[F]),
					num(o[i]), num(omm[i]), best(o[i], bo[F], bon[F]),
					note[i]
			}
	}' "$work/rows.tsv" >"$work/table.md"

bad=$(awk -F'\t' '$8 ~ /: (stuck|violation|error)/ { n++ } END { print n + 0 }' "$work/rows.tsv")

if [ -z "$out" ]; then
	cat "$work/table.md"
else
	tmp=$(mktemp "$out.XXXXXX") || { echo "perf-table.sh: cannot write next to '$out'" >&2; exit 1; }
	if [ -f "$out" ] && grep -q '<!-- perf-table:begin -->' "$out" && grep -q '<!-- perf-table:end -->' "$out"; then
		awk -v tf="$work/table.md" '
			/<!-- perf-table:begin -->/ { print; while ((getline line < tf) > 0) print line; skip = 1; next }
			/<!-- perf-table:end -->/ { skip = 0 }
			!skip { print }' "$out" >"$tmp"
	else
		cp "$work/table.md" "$tmp"
	fi
	if ! mv "$tmp" "$out"; then
		rm -f "$tmp"
		echo "perf-table.sh: cannot write '$out'" >&2
		exit 1
	fi
	echo "perf-table: wrote $out" >&2
fi
if [ "$sweep_rc" -ne 0 ] || [ "$bad" -ne 0 ]; then
	echo "perf-table.sh: the sweep exited $sweep_rc; $bad lock(s) with a point not ok (see the notes column)" >&2
	exit 1
fi
exit 0
