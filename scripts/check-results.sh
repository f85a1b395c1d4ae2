#!/usr/bin/env bash
# Regenerates the split suite (the README's table, `swift run bench --suite split`) and compares
# every metric of its 22 runs with the committed Results/runs.csv, byte for byte: a change of any
# committed number shows here. Same code, config and seed give the same bits on any CPU, so this
# holds on every machine; a change meant to alter numbers regenerates Results/ (docs/reporting.md).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build --product bench > /dev/null
bench="$(swift build --show-bin-path)/bench"
"$bench" run --suite split --out "$work/runs" > /dev/null 2> "$work/run.log" || { cat "$work/run.log"; exit 1; }
"$bench" report "$work/runs" --out "$work/report" --strict --svg-only > /dev/null
python3 - "$work/report/runs.csv" Results/runs.csv <<'PY'
import csv, sys
metrics = ["tasks", "acc", "bwt", "fwt", "forgetting", "bwt_over_all_tasks", "fwt_over_all_tasks", "lca"]
fresh = {r["file"]: r for r in csv.DictReader(open(sys.argv[1]))}
committed = {r["file"]: r for r in csv.DictReader(open(sys.argv[2]))}
missing = sorted(set(fresh) - set(committed))
if missing:
    sys.exit(f"Results/runs.csv has no row for {', '.join(missing)}")
differing = [(name, m, committed[name][m], row[m]) for name, row in sorted(fresh.items()) for m in metrics
             if committed[name][m] != row[m]]
for name, metric, old, new in differing:
    print(f"  {name} {metric}: committed {old}, now {new}")
if differing:
    sys.exit(f"{len(differing)} committed numbers differ from a fresh run of the split suite")
print(f"split suite: {len(fresh)} runs, {len(metrics)} metrics each, identical to Results/runs.csv")
PY
