"""Independent checks of Swift-written run files with h5py (layout: docs/hdf5-layout.md).

ACC, BWT and FWT are recomputed from the stored accuracy matrix R and random-init
accuracies b by gembench.recompute_metrics (the formulas of DESIGN.md, GEM paper section 4,
written independently of the Swift code) and compared with the attributes of /metrics and with
runs.csv / summary.csv of `bench report`.
"""
import json
import math
import os

import h5py
import numpy as np
import pandas as pd
import pytest

import gembench

HEADER_BYTES = 512


def recompute(R, b):
    """ACC, BWT, FWT by python/gembench's independent recompute_metrics (None where undefined)."""
    m = gembench.recompute_metrics(R, b)
    return m["acc"], m["bwt"], m["fwt"]


def stored_metric(attrs, name):
    undefined = set(filter(None, attrs["undefined"].split(",")))
    value = float(attrs[name])
    if name in undefined:
        assert math.isnan(value), f"{name} is listed as undefined but stored as {value}"
        return None
    assert not math.isnan(value), f"{name} is NaN but not listed in /metrics@undefined"
    return value


def load(path):
    with h5py.File(path, "r") as f:
        m = f["metrics"]
        return {
            "file": os.path.basename(path),
            "experiment": f.attrs["experiment"], "strategy": f.attrs["strategy"], "seed": int(f.attrs["seed"]),
            "benchmark": f.attrs["benchmark"], "scenario": f["tasks"].attrs["scenario"],
            "R": m["accuracy_matrix"][()], "b": m["random_init_accuracy"][()],
            "acc": stored_metric(m.attrs, "acc"), "bwt": stored_metric(m.attrs, "bwt"),
            "fwt": stored_metric(m.attrs, "fwt"),
            "train_seconds": float(np.sum(f["train/task_train_seconds"][()])),
        }


def test_header_marks_a_complete_gembench_run(run_files):
    for path in run_files:
        with open(path, "rb") as handle:
            header = handle.read(HEADER_BYTES).split(b"\0")[0].decode()
        lines = header.splitlines()
        assert lines[0] == "GEMBench run file", path
        fields = dict(line.split(" ", 1) for line in lines[1:])
        assert fields["schema_version"] == "1"
        assert int(fields["content_bytes"]) == os.path.getsize(path) - HEADER_BYTES, f"{path} is truncated"


def test_layout_types_and_shapes(run_files):
    for path in run_files:
        with h5py.File(path, "r") as f:
            a = f.attrs
            assert a["schema_version"] == 1
            for key in ["gembench_version", "git_commit", "experiment", "strategy", "benchmark", "created", "config"]:
                assert isinstance(a[key], str), (path, key, type(a[key]))
            R, b = f["metrics/accuracy_matrix"], f["metrics/random_init_accuracy"]
            assert R.dtype == np.float64 and b.dtype == np.float64
            assert R.ndim == 2 and b.shape == (R.shape[1],)
            assert np.all((R[()] >= 0) & (R[()] <= 1)) and np.all((b[()] >= 0) & (b[()] <= 1))
            T = f["tasks"].attrs["count"]
            for j in range(T):
                assert f"{j:03d}" in f["tasks"], (path, j)
            steps = f["train/loss"].shape
            assert f["train/loss"].dtype == np.float32 and f["train/task"].shape == steps
            for name, ds in f["train/diagnostics"].items():
                assert ds.shape == steps, (path, name)
            p = f["model/parameters"]
            layout = json.loads(p.attrs["layout"])
            for entry in layout:
                assert entry["count"] == int(np.prod(entry["shape"]))
                assert entry["offset"] + entry["count"] <= p.shape[0]
            if "memory" in f:
                n = f["memory/labels"].shape[0]
                assert f["memory/inputs"].shape[0] == n and f["memory/tasks"].shape == (n,)


def test_stored_metrics_match_recomputed_from_matrices(run_files):
    for path in run_files:
        run = load(path)
        acc, bwt, fwt = recompute(run["R"], run["b"])
        assert run["acc"] == pytest.approx(acc, abs=1e-9), path
        for name, expected in [("bwt", bwt), ("fwt", fwt)]:
            if expected is None:
                assert run[name] is None, f"{path}: {name} should be undefined"
            else:
                assert run[name] == pytest.approx(expected, abs=1e-9), (path, name)


def test_runs_csv_matches_run_files(run_files, report_dir):
    table = pd.read_csv(os.path.join(report_dir, "runs.csv"), dtype={"file": str})
    assert sorted(table["file"]) == sorted(os.path.basename(p) for p in run_files), \
        "runs.csv should list exactly the complete run files"
    rows = table.set_index("file")
    for path in run_files:
        run = load(path)
        row = rows.loc[run["file"]]
        for key in ["experiment", "strategy", "benchmark", "scenario"]:
            assert row[key] == run[key], (path, key)
        assert int(row["seed"]) == run["seed"]
        acc, bwt, fwt = recompute(run["R"], run["b"])
        assert row["acc"] == pytest.approx(acc, abs=6e-7), path  # runs.csv has 6 decimals
        for name, expected in [("bwt", bwt), ("fwt", fwt)]:
            if expected is None:
                assert pd.isna(row[name]), (path, name)
            else:
                assert row[name] == pytest.approx(expected, abs=6e-7), (path, name)
        assert row["train_seconds"] == pytest.approx(run["train_seconds"], abs=6e-4)


def test_summary_csv_is_mean_and_sample_std_of_runs(report_dir):
    runs = pd.read_csv(os.path.join(report_dir, "runs.csv"))
    summary = pd.read_csv(os.path.join(report_dir, "summary.csv"))
    assert len(summary) == runs.groupby(["benchmark", "strategy", "experiment"]).ngroups
    for _, row in summary.iterrows():
        group = runs[(runs.benchmark == row.benchmark) & (runs.strategy == row.strategy)
                     & (runs.experiment == row.experiment)]
        assert row.n == len(group)
        for metric in ["acc", "bwt", "fwt"]:
            values = group[metric].dropna()
            if values.empty:
                assert pd.isna(row[f"{metric}_mean"])
                continue
            assert row[f"{metric}_mean"] == pytest.approx(values.mean(), abs=2e-6)
            if len(values) == 1:
                assert pd.isna(row[f"{metric}_std"])
            else:
                assert row[f"{metric}_std"] == pytest.approx(values.std(ddof=1), abs=2e-6)
