#!/usr/bin/env bash
# fleet_merge.sh LOCKBENCH — sweeps split over a cluster and hosts merged (docs/SWEEP_FILES.md):
# a tiny plan run whole and as 3 shards with one seed: the merged (point, rep) keys equal the
# unsplit run's, no duplicates, no gaps; a missing shard is named and the set marked incomplete;
# a shard given twice, shards of different plans and another format version are refused and
# leave no OUT; two hosts (made with --host, never by editing files) merged, reported (a section
# per host, the "which lock on which machine" table) and compared with --host A --host B; a plan
# for a 128-CPU synthetic topology has that machine's thread counts; bad input is one line, exit 2.
# Bounded by tiny windows (10 ms, two locks, --quick).
set -u
lb=$(realpath "${1:?usage: fleet_merge.sh LOCKBENCH}")
work=$(mktemp -d /tmp/lb-fleet.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/../common/lib.sh"
cd "$work" || exit 1

tiny=(--quick --duration 10ms --warmup 5ms --locks tas,ticket --seed 7)
run=(--no-report --no-probe)

# keys SET: the sorted "host point rep" of results.csv, by column name (notes may hold commas).
keys() {
	python3 - "$1/results.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline='') as f:
    for r in sorted((r['host'], r['point'], r['rep']) for r in csv.DictReader(f)):
        print(*r)
PY
}
json() { # json FILE EXPR: a field of a JSON file (python's json: the file must parse)
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
one_line() { # one_line FILE: exactly one line, and it is lockbench's
	test "$(wc -l <"$1")" = 1 && grep -q '^lockbench: ' "$1"
}
refused() { # refused WHAT PATTERN CMD...: exit 2, one line matching PATTERN
	local what=$1 pat=$2
	shift 2
	"$@" >/dev/null 2>"$work/err"
	local rc=$?
	check "$what: exit 2 (got $rc)" test $rc = 2
	check "… one line: $(head -c 150 "$work/err")" one_line "$work/err"
	check "… saying '$pat'" grep -q -- "$pat" "$work/err"
}

echo "fleet_merge: --plan"
"$lb" sweep --plan "${tiny[@]}" >plan.json 2>plan.err
check "sweep --plan exits 0 and writes nothing but the plan" test $? = 0 -a ! -s plan.err
check "… format lockbench-plan v1" test "$(json plan.json 'd["format"]')" = "lockbench-plan v1"
hash=$(json plan.json 'd["hash"]')
check "… a 16-hex-digit hash ($hash)" grep -qE '^[0-9a-f]{16}$' <<<"$hash"
npts=$(json plan.json 'len(d["points"])')
check "… points with their estimated time, and the total" \
	test "$(json plan.json 'all(p["est_run_s"] > 0 for p in d["points"]) and d["est_total_s"] > 0')" = True
check "… seed and reps as asked" test "$(json plan.json '(d["seed"], d["reps"])')" = "(7, 2)"
check "… no result set was made" test ! -e results
"$lb" sweep --plan "${tiny[@]}" >plan2.json
check "the same options plan the same hash" test "$(json plan2.json 'd["hash"]')" = "$hash"

echo "fleet_merge: the plan run whole, and split 3 ways"
"$lb" sweep --plan-file plan.json --host hA --out whole "${run[@]}" >/dev/null 2>whole.err
check "--plan-file runs the whole plan (exit $?)" test -s whole/summary.csv
check "… every (point, rep): $npts x 2 rows" test "$(keys whole | wc -l)" = $((npts * 2))
for i in 1 2 3; do
	"$lb" sweep --plan-file plan.json --shard $i/3 --host hA --out s$i "${run[@]}" >/dev/null 2>s$i.err
	check "shard $i/3 exits 0" test $? = 0
	check "… meta.json: plan hash, shard $i/3, host hA" test "$(json s$i/meta.json \
		'(d["sweep"]["plan_hash"], d["sweep"]["shard"], d["sweep"]["host"], d["meta"]["host"])')" \
		= "('$hash', '$i/3', 'hA', 'hA')"
	check "… its own calibration and machine (meta.json's machine keys)" \
		test "$(json s$i/meta.json '"cpu_model" in d["meta"] and "allowed_cpu_count" in d["meta"]')" = True
	check "… keeps its plan (plan.json)" cmp -s plan.json s$i/plan.json
done
n1=$(keys s1 | wc -l) n2=$(keys s2 | wc -l) n3=$(keys s3 | wc -l)
check "slices of similar size ($n1, $n2, $n3 runs; equal runs here)" \
	test $((n1 - n3)) -le 1 -a $((n3 - n1)) -le 1
both=$(keys s1 | cut -d' ' -f2 | sort | uniq -d | wc -l)
check "the reps of one point are spread: $both of shard 1's points have both reps there" \
	test "$both" -lt "$(keys s1 | cut -d' ' -f2 | sort -u | wc -l)"

"$lb" merge m s3 s1 s2 --no-report >/dev/null 2>m.err
rc=$?
check "merge of the 3 shards exits 0 (got $rc: $(head -c 200 m.err))" test $rc = 0
check "… the merged (point, rep) keys equal the unsplit run's" \
	diff <(keys m | cut -d' ' -f2-) <(keys whole | cut -d' ' -f2-)
check "… no duplicates" test -z "$(keys m | uniq -d)"
check "… meta.json complete, state complete" \
	test "$(json m/meta.json '(d["sweep"]["complete"], d["sweep"]["state"])')" = "(True, 'complete')"
check "… summary recomputed: one row per point" \
	test "$(python3 -c 'import csv,sys; print(len(list(csv.DictReader(open(sys.argv[1])))))' m/summary.csv)" = "$npts"
check "… each shard's meta.json kept under hosts/hA/" \
	test -s m/hosts/hA/shard-1-of-3.meta.json -a -s m/hosts/hA/shard-3-of-3.meta.json

echo "fleet_merge: a missing shard"
"$lb" merge gap s1 s3 --no-report >/dev/null 2>gap.err
rc=$?
check "shards 1 and 3 of 3: exit 1 (got $rc)" test $rc = 1
check "… one line naming shard 2/3 of the plan and its points: $(head -c 160 gap.err)" \
	bash -c "test \$(wc -l <gap.err) = 1 && grep -q 'shard 2/3 of plan $hash is missing (points [a-z]' gap.err"
check "… the set is written, marked incomplete" \
	test "$(json gap/meta.json 'd["sweep"]["complete"]')" = False
keys gap | cut -d' ' -f2- >gap.keys
keys whole | cut -d' ' -f2- >whole.keys
check "negative control: the key comparison sees the gap" bash -c "! cmp -s gap.keys whole.keys"

echo "fleet_merge: refusals (each leaves no OUT)"
refused "a shard given twice (one folder)" "is given twice" "$lb" merge tw s1 s1 s2
cp -r s2 s2copy
refused "a shard given twice (a copy)" "shard 2/3 of plan $hash is given twice" "$lb" merge tw s1 s2 s2copy s3
"$lb" sweep --plan "${tiny[@]/7/8}" >planB.json
"$lb" sweep --plan-file planB.json --shard 1/3 --host hA --out b1 "${run[@]}" >/dev/null 2>&1
refused "shards of one host from plans whose hashes differ" "of different plans" "$lb" merge tw s1 b1 s2
cp -r s3 old
sed -i 's/"format": "lockbench-results v2"/"format": "lockbench-results v1"/; s/"format_version": 2/"format_version": 1/' old/meta.json
refused "another format version" "format v1" "$lb" merge tw s1 s2 old
refused "one plan's shards with different N" "one plan, one N" "$lb" merge tw whole s1
check "no OUT was left by any refusal" test ! -e tw
mkdir full && touch full/x
refused "a non-empty OUT" "not an empty directory" "$lb" merge full s1 s2 s3
refused "merge with no set" "expected OUT and at least one" "$lb" merge onlyout
refused "merge of a folder that is no set" "not a result set" "$lb" merge tw s1 "$work"

echo "fleet_merge: two hosts"
"$lb" sweep "${tiny[@]}" --host hB --out hB "${run[@]}" >/dev/null 2>hB.err
check "a sweep with --host hB records hB in meta.json and every row" \
	test "$(json hB/meta.json 'd["meta"]["host"]')" = hB -a "$(keys hB | cut -d' ' -f1 | sort -u)" = hB
cp -r hB hBcopy
refused "the same host+point+rep twice" "host hB, point .* is in both" "$lb" merge tw hB hBcopy
check "… and no OUT" test ! -e tw
"$lb" merge two m hB >/dev/null 2>two.err
rc=$?
check "merge of host hA (a merged set) and host hB, with the report (got $rc: $(head -c 200 two.err))" test $rc = 0
check "… rows keep their host column: hA and hB" test "$(keys two | cut -d' ' -f1 | sort -u | tr '\n' ' ')" = "hA hB "
check "… each host's meta.json in hosts/NAME/" test -s two/hosts/hA/meta.json -a -s two/hosts/hB/meta.json
check "… each host's summary in hosts/NAME/" test -s two/hosts/hA/summary.csv -a -s two/hosts/hB/summary.csv
check "… the report has a section per host" grep -q '^## Hosts' two/report.md
check "… and the which-lock-on-which-machine table with both hosts" \
	bash -c "grep -q '^## Which lock on which machine' two/report.md && grep -q '| critical section | regime | hA | hB |' two/report.md"
check "… its HTML has them too" grep -q 'id="which-lock-where"' two/report.html
check "… the summary answers for each host from its own points" \
	bash -c "grep -q '^### On hA (' two/report.md && grep -q '^### On hB (' two/report.md"
check "… and report --summary prints both" bash -c "'$lb' report --summary two | grep -c '^### On h[AB] (' | grep -qx 2"
"$lb" compare --host hA --host hB two >compare.out 2>compare.err
rc=$?
check "compare --host hA --host hB exits 0 (got $rc: $(head -c 200 compare.err))" test $rc = 0
check "… writes two/compare-hA-vs-hB/compare.csv with a row per point" \
	test "$(python3 -c 'import csv,sys; print(len(list(csv.DictReader(open(sys.argv[1])))))' two/compare-hA-vs-hB/compare.csv)" = "$npts"
refused "compare with a host not in the set" "'hZ' is not a host" "$lb" compare --host hA --host hZ two
refused "compare with one --host" "give two" "$lb" compare --host hA two
"$lb" compare two two >/dev/null 2>err
rc=$?
check "compare of a several-host set without --host fails (exit $rc), one line pointing to --host" \
	bash -c "test $rc != 0 && test \$(wc -l <err) = 1 && grep -q -- '--host A --host B' err"

echo "fleet_merge: planning for a 128-CPU machine"
"$lb" sweep --plan --synthetic "pack:2 numa:2 core:32 pu:1" --shards 4 >big.json 2>big.err
check "--plan --synthetic exits 0" test $? = 0
check "… planned for 128 CPUs and says the topology" \
	test "$(json big.json '(d["ncpus"], "128 PUs" in d["topology"])')" = "(128, True)"
check "… thread counts derived from it: 1, powers of two, 128, 129, 256" \
	test "$(json big.json 'd["threads"]')" = "[1, 2, 4, 8, 16, 32, 64, 128, 129, 256]"
check "… lock-cost points at 128 threads" test "$(json big.json 'any(p["threads"] == 128 and p["lock_cost"] for p in d["points"])')" = True
check "… 4 slices' estimates adding up to the total" \
	test "$(json big.json 'len(d["shard_est_s"]) == 4 and abs(sum(d["shard_est_s"]) - d["est_total_s"]) < 1')" = True
refused "the 128-CPU plan on this machine" "made for 128 CPUs; this machine allows $(nproc)" \
	"$lb" sweep --plan-file big.json --out never "${run[@]}"

echo "fleet_merge: bad input"
refused "--shard without --plan-file" "needs --plan-file" "$lb" sweep --shard 1/3
refused "--shard 0/3" "is not I/N" "$lb" sweep --plan-file plan.json --shard 0/3
refused "--shard 4/3" "is not I/N" "$lb" sweep --plan-file plan.json --shard 4/3
refused "--shard 1/x" "is not I/N" "$lb" sweep --plan-file plan.json --shard 1/x
refused "--plan-file with --reps" "--reps: cannot be combined with --plan-file" \
	"$lb" sweep --plan-file plan.json --reps 3
refused "--plan-file with --seed" "--seed: cannot be combined with --plan-file" \
	"$lb" sweep --plan-file plan.json --seed 3
sed 's/"reps": 2/"reps": 3/' plan.json >edited.json
refused "a plan whose hash does not match its content" "does not match its content" \
	"$lb" sweep --plan-file edited.json --out never
python3 -c 'import json,sys; d=json.load(open("plan.json")); d["points"][0]["key"]="tas/1/9/50/100"; json.dump(d, open("pts.json","w"), indent=1)'
refused "a plan whose points were edited" "points differ" "$lb" sweep --plan-file pts.json --out never
python3 -c 'import json; d=json.load(open("plan.json")); json.dump(d, open("jq.json","w"), indent=4)'
"$lb" sweep --plan-file jq.json --shard 1/3 --out jq "${run[@]}" >/dev/null 2>&1
check "a plan reformatted (another JSON layout) still reads" test -s jq/summary.csv
head -c 100 plan.json >cut.json
refused "a plan file that does not parse" "--plan-file" "$lb" sweep --plan-file cut.json
refused "--synthetic without --plan" "only with --plan" "$lb" sweep --synthetic "pack:1 pu:2"
refused "--shards without --plan" "only with --plan" "$lb" sweep --shards 4
refused "a bad --host" "--host: 'a b' is not a host name" "$lb" sweep --host "a b"
refused "--plan with --out" "takes no --out" "$lb" sweep --plan --out x
check "no set was made by a refused sweep" test ! -e never

summary fleet_merge
