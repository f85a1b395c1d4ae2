"""Shared fixtures: the folder of Swift-written run files (GEMBENCH_RUNS) and the report
written from it by `bench report` (GEMBENCH_REPORT, default: the parent of GEMBENCH_RUNS)."""
import glob
import os

import pytest


@pytest.fixture(scope="session")
def runs_dir():
    folder = os.environ.get("GEMBENCH_RUNS")
    if not folder:
        pytest.skip("set GEMBENCH_RUNS to a folder of run files written by bench")
    assert os.path.isdir(folder), f"GEMBENCH_RUNS={folder} is not a folder"
    return folder


@pytest.fixture(scope="session")
def run_files(runs_dir):
    files = sorted(glob.glob(os.path.join(runs_dir, "*.h5")))
    assert files, f"no run files (*.h5) in {runs_dir}"
    return files


@pytest.fixture(scope="session")
def report_dir(runs_dir):
    folder = os.environ.get("GEMBENCH_REPORT") or os.path.dirname(os.path.abspath(runs_dir.rstrip("/")))
    assert os.path.isfile(os.path.join(folder, "runs.csv")), \
        f"no runs.csv in {folder}: run `swift run bench report {runs_dir}` first (or set GEMBENCH_REPORT)"
    return folder
