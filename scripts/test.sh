#!/usr/bin/env bash
# The project's tests: the Swift suite, then the smoke suite end to end (bench run ->
# HDF5 -> bench report), read back independently with h5py, the command line on bad
# input, the notebooks executed headless on those runs, and 40 seconds of seeded fuzzing
# of the readers (run files, YAML, IDX). Needs the Python packages of requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build
swift test

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs="$work/runs"
swift run bench --suite smoke --out "$runs" > "$work/table.md"
swift run bench report "$runs" --out "$work" --strict
# rerunning from a stored config must recompute everything bit for bit
swift run bench rerun "$runs/smoke-permuted__gem__seed0.h5"
bench="$(swift build --show-bin-path)/bench"
GEMBENCH_RUNS="$runs" GEMBENCH_REPORT="$work" GEMBENCH_BENCH="$bench" \
    python3 -m pytest -q -p no:cacheprovider -p no:benchmark Tests/python
python3 notebooks/run_notebook.py --runs "$runs" --output "$work/analysis.executed.ipynb" --figures "$work/figures"
python3 notebooks/run_notebook.py --notebook notebooks/gem-paper.ipynb --runs "$runs" --output "$work/gem-paper.executed.ipynb"
# every reader ends with a result or an error on mutated inputs, never a signal or a hang
python3 Tests/fuzz/fuzz_readers.py --bench "$bench" --runs "$runs" --seconds 40 --seed "${GEMBENCH_FUZZ_SEED:-1}"
echo "all checks passed"
