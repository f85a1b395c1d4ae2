#!/usr/bin/env bash
# The project's tests: swift format's lint, the Swift suite, the kernels' cross-CPU check (scripts/check-kernels.sh),
# then the smoke suite end to end (bench run ->
# HDF5 -> bench report: tables, figures as SVG/PDF/PNG, report.html), read back independently with
# h5py and python/gembench (metrics, figures, R recomputed by numpy forward passes),
# report.html opened in headless chromium, the same smoke suite on every other kernel path
# (byte-identical run files), the split suite against the committed Results/runs.csv, the
# command line on bad input, progress on a terminal (a pty) and in a log, a run's event log
# read while it trains, the notebooks
# executed headless on those runs, 40 seconds of seeded fuzzing of the readers (run files,
# YAML, IDX), and the smoke suite as a SLURM job array. Needs the Python packages of
# requirements.txt and scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# the formatter's rules (.swift-format): `swift format -i -r Sources Tests Package.swift` fixes most
swift format lint --strict --recursive --parallel Sources Tests Plugins Package.swift
swift build
swift test
# the kernels on every path, and as older x86-64 CPUs and ARM64 under qemu: the same bits
scripts/check-kernels.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs="$work/runs"
swift run bench --suite smoke --out "$runs" > "$work/table.md"
swift run bench report "$runs" --out "$work" --strict
# rerunning from a stored config must recompute everything bit for bit, whatever the lanes
# (the suite ran with --jobs 2, one lane each): an MLP's GEM and the ResNet's GEM
swift run bench rerun "$runs/smoke-permuted__gem__seed0.h5" --threads 2
swift run bench rerun "$runs/smoke-split-conv__gem__seed0.h5" --threads 2
bench="$(swift build --show-bin-path)/bench"
# the smoke suite on every kernel path this CPU has: the same bits in every run file
for path in scalar avx2 avx512 neon; do
    GEMBENCH_KERNELS=$path "$bench" list > /dev/null 2>&1 || { echo "kernel path $path: not on this CPU"; continue; }
    GEMBENCH_KERNELS=$path "$bench" run --suite smoke --jobs 2 --out "$work/runs-$path" > /dev/null 2>&1
    echo -n "kernel path $path: " && python3 scripts/compare_runs.py "$runs" "$work/runs-$path"
done
# the README's split table, regenerated: every committed number of its runs, byte for byte
scripts/check-results.sh
# the report page's screenshots are kept in .build/test-output/python
GEMBENCH_RUNS="$runs" GEMBENCH_REPORT="$work" GEMBENCH_BENCH="$bench" GEMBENCH_TEST_OUTPUT="$PWD/.build/test-output/python" \
    python3 -m pytest -q -p no:cacheprovider -p no:benchmark Tests/python
python3 notebooks/run_notebook.py --runs "$runs" --output "$work/analysis.executed.ipynb" --figures "$work/notebook-figures"
# the smoke suite as a SLURM job array on a one-node cluster, compared with "$runs" (SKIP when not root)
scripts/slurm-test.sh "$runs"
python3 notebooks/run_notebook.py --notebook notebooks/gem-paper.ipynb --runs "$runs" --output "$work/gem-paper.executed.ipynb"
# every reader ends with a result or an error on mutated inputs, never a signal or a hang
python3 Tests/fuzz/fuzz_readers.py --bench "$bench" --runs "$runs" --seconds 40 --seed "${GEMBENCH_FUZZ_SEED:-1}"
echo "all checks passed"
