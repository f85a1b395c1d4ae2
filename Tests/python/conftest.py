"""Shared fixtures: a folder of Swift-written run files and the report `bench report` made of it.

With GEMBENCH_RUNS set (scripts/test.sh sets it), those runs are used, and the report in
GEMBENCH_REPORT (default: GEMBENCH_RUNS/report, where `bench report` writes by default). Without it, a bare `pytest` builds
its own: `swift run bench --suite smoke` into a temporary folder, then `bench report` of
it; if that fails, every test that needs runs fails with bench's output, never skips.

Files the tests keep for a person to look at (the report page's screenshot) go to
GEMBENCH_TEST_OUTPUT, default .build/test-output/python.
"""
import glob
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the reader of this checkout, before any other installed copy of gembench
sys.path.insert(0, os.path.join(ROOT, "python"))


def built_bench():
    """The built bench executable (GEMBENCH_BENCH, else .build/debug/bench); skips the test without one."""
    path = os.environ.get("GEMBENCH_BENCH") or os.path.join(ROOT, ".build", "debug", "bench")
    if not os.access(path, os.X_OK):
        pytest.skip(f"no bench executable at {path} (swift build, or set GEMBENCH_BENCH)")
    return path


def bench(*arguments, cwd=ROOT):
    """Runs `swift run bench ARGUMENTS` in the repository; fails the test with its output if it fails."""
    command = ["swift", "run", "--package-path", ROOT, "bench", *map(str, arguments)]
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    except FileNotFoundError:
        pytest.fail("`swift` is not on PATH: set GEMBENCH_RUNS to a folder of run files, or install Swift")
    if result.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory):
    folder = os.environ.get("GEMBENCH_RUNS")
    if folder:
        assert os.path.isdir(folder), f"GEMBENCH_RUNS={folder} is not a folder"
        return folder
    root = tmp_path_factory.mktemp("smoke")
    runs = root / "runs"
    bench("--suite", "smoke", "--out", runs)
    bench("report", runs, "--out", root, "--strict")
    return str(runs)


@pytest.fixture(scope="session")
def run_files(runs_dir):
    files = sorted(glob.glob(os.path.join(runs_dir, "*.h5")))
    assert files, f"no run files (*.h5) in {runs_dir}"
    return files


@pytest.fixture(scope="session")
def report_dir(runs_dir):
    folder = os.environ.get("GEMBENCH_REPORT") or os.path.join(runs_dir, "report")
    assert os.path.isfile(os.path.join(folder, "runs.csv")), \
        f"no runs.csv in {folder}: run `swift run bench report {runs_dir}` first (or set GEMBENCH_REPORT)"
    return folder


@pytest.fixture(scope="session")
def output_dir():
    folder = os.environ.get("GEMBENCH_TEST_OUTPUT") or os.path.join(ROOT, ".build", "test-output", "python")
    os.makedirs(folder, exist_ok=True)
    return folder
