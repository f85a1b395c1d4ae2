"""python/gembench against Swift's own outputs: the runs.csv that `bench report` wrote from
the same files, the YAML config text, and the reasons `bench report` gives for damaged files."""
import os
import re
import shutil
import warnings

import h5py
import numpy as np
import pandas as pd
import pytest

import gembench
from conftest import bench


def test_load_run_reads_what_the_swift_report_read(run_files, report_dir):
    table = pd.read_csv(os.path.join(report_dir, "runs.csv")).set_index("file")
    for path in run_files:
        run = gembench.load_run(path)
        row = table.loc[run.file]
        assert (run.experiment, run.strategy, run.seed, run.benchmark, run.scenario, run.task_count) == \
            (row.experiment, row.strategy, row.seed, row.benchmark, row.scenario, row.tasks), path
        assert run.git_commit == row.git_commit and run.created == row.created
        for name in ("acc", "bwt", "fwt"):
            if pd.isna(row[name]):
                assert run.metrics[name] is None, (path, name)
            else:
                assert run.metrics[name] == pytest.approx(row[name], abs=6e-7), (path, name)
        assert np.sum(run.timings["task_train_seconds"]) == pytest.approx(row.train_seconds, abs=6e-4)
        assert run.timings["total_seconds"] == pytest.approx(row.total_seconds, abs=6e-4)


def test_load_run_gives_config_parameters_curves_and_memory(run_files):
    for path in run_files:
        run = gembench.load_run(path)
        # the flattened config agrees with the YAML text it was flattened from
        lr = re.search(r"^optimizer:\n(?:  .*\n)*?  lr: (\S+)$", run.config_yaml, re.M).group(1)
        assert run.config["optimizer.lr"] == lr and run.config["strategy"] == run.strategy
        # parameters: every layout entry, reshaped, covering the flat vector exactly once
        assert list(run.parameters) == [entry["name"] for entry in run.layout]
        assert sum(t.size for t in run.parameters.values()) == run.parameter_vector.size
        for entry in run.layout:
            tensor = run.parameters[entry["name"]]
            assert list(tensor.shape) == entry["shape"]
            np.testing.assert_array_equal(tensor.ravel(), run.parameter_vector[entry["offset"]:][:entry["count"]])
        steps = run.curves["loss"].shape
        assert run.curves["task"].shape == steps and all(d.shape == steps for d in run.curves["diagnostics"].values())
        assert len(run.tasks) == run.task_count
        if run.strategy.startswith("gem"):
            assert {"gem_violations", "gem_binding_constraints"} <= set(run.curves["diagnostics"])
            n = run.memory["labels"].shape[0]
            assert run.memory["inputs"].shape == (n, 784) and run.memory["tasks"].shape == (n,)
        if run.strategy in ("naive", "joint"):
            assert run.memory is None


def test_load_runs_is_one_row_per_run_with_config_metrics_and_timings(runs_dir, report_dir):
    frame = gembench.load_runs(runs_dir)
    table = pd.read_csv(os.path.join(report_dir, "runs.csv"))
    assert sorted(frame.file) == sorted(table.file)
    assert frame.attrs["skipped"] == []
    merged = frame.merge(table, on="file", suffixes=("", "_swift"))
    for column in ("acc", "bwt", "fwt", "train_seconds", "total_seconds", "peak_rss_bytes"):
        np.testing.assert_allclose(merged[column], merged[column + "_swift"], atol=6e-4, equal_nan=True)
    assert {"config.optimizer.lr", "config.optimizer.batch_size", "config.benchmark.kind", "forgetting",
            "machine"} <= set(frame.columns)
    assert frame["config.optimizer.batch_size"].map(type).eq(int).all()  # "10" read as a number
    for _, row in frame.iterrows():
        run = gembench.load_run(os.path.join(runs_dir, row.file))
        expected = gembench.recompute_metrics(run.R, run.b)["forgetting"]
        assert (np.isnan(row.forgetting) if expected is None else row.forgetting == pytest.approx(expected))


def damaged_folder(run_files, folder):
    """A folder of one good run and every kind of bad file, each made from a real run."""
    good = run_files[0]
    data = open(good, "rb").read()
    shutil.copy(good, folder / os.path.basename(good))
    (folder / "cut.h5").write_bytes(data[:-100])                           # truncated
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x10                                        # one bit flipped
    (folder / "flipped.h5").write_bytes(bytes(flipped))
    (folder / "longer.h5").write_bytes(data + b"\0")                      # appended to
    header = bytearray(data)
    header[:512] = header[:512].replace(b"schema_version 1", b"schema_version 7")
    (folder / "future.h5").write_bytes(bytes(header))                      # another schema
    with h5py.File(folder / "foreign.h5", "w") as f:                       # HDF5, not ours
        f["x"] = np.arange(3)
    (folder / "notes.h5").write_text("not hdf5")
    shutil.copy(good, folder / "zz-copy.h5")                              # a duplicate run
    shutil.copy(good, folder / (".late.h5.partial-4242"))                  # an unfinished write
    return os.path.basename(good)


def test_damaged_files_are_refused_with_the_reasons_bench_report_gives(run_files, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    good = damaged_folder(run_files, runs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = gembench.load_runs(runs)
    assert list(frame.file) == [good]
    ours = dict(frame.attrs["skipped"])
    assert sorted(str(w.message) for w in caught) == sorted(f"gembench: skipped {n}: {r}" for n, r in ours.items())
    assert set(ours) == {"cut.h5", "flipped.h5", "longer.h5", "future.h5", "foreign.h5", "notes.h5", "zz-copy.h5",
                         ".late.h5.partial-4242"}
    assert ours["flipped.h5"] == "damaged run file: content hash mismatch (bytes changed since written)"
    assert ours["foreign.h5"] == "not a GEMBench run file: an HDF5 file without a GEMBench header"
    assert ours["zz-copy.h5"] == f"duplicate of {good} (same experiment, strategy and seed)"

    # bench report of the same folder skips the same files for the same reasons
    bench("report", runs, "--out", tmp_path)
    summary = open(tmp_path / "summary.md", encoding="utf-8").read()
    theirs = dict(re.findall(r"^- `([^`]+)`: (.*)$", summary, re.M))
    for name, reason in ours.items():
        # the Swift reader names its own schema version ("this build reads"), ours "this reader reads"
        assert theirs[name].replace("this build", "this reader") == reason, name

    for name in set(ours) - {"zz-copy.h5"}:
        with pytest.raises(gembench.RunFileError) as error:
            gembench.load_run(str(runs / name))
        assert error.value.reason == ours[name]
    # strict: the first refused file in name order raises
    with pytest.raises(gembench.RunFileError, match=r"\.late\.h5\.partial-4242: incomplete run"):
        gembench.load_runs(runs, strict=True)


def test_hash_detects_every_single_bit_flip_of_a_sample(run_files):
    data = open(run_files[0], "rb").read()[512:]
    reference = gembench.seal.hash64(data)
    rng = np.random.default_rng(0)
    for position in rng.integers(0, len(data), 50):
        flipped = bytearray(data)
        flipped[position] ^= 1 << int(rng.integers(0, 8))
        assert gembench.seal.hash64(bytes(flipped)) != reference, position


def test_recompute_metrics_by_hand():
    # R and b by hand: ACC = (0.6 + 0.8 + 0.97) / 3 = 0.79; BWT = ((0.6 - 0.9) + (0.8 - 0.95)) / 2 = -0.225;
    # FWT = ((0.12 - 0.11) + (0.15 - 0.09)) / 2 = 0.035; forgetting = ((0.9 - 0.6) + (0.95 - 0.8)) / 2 = 0.225
    R = [[0.90, 0.12, 0.08], [0.70, 0.95, 0.15], [0.60, 0.80, 0.97]]
    m = gembench.recompute_metrics(R, [0.10, 0.11, 0.09])
    assert m == pytest.approx({"acc": 0.79, "bwt": -0.225, "fwt": 0.035, "forgetting": 0.225})
    # forgetting takes the best earlier accuracy, even one before the task was trained
    m = gembench.recompute_metrics([[0.5, 0.9, 0.1], [0.4, 0.6, 0.1], [0.3, 0.5, 0.9]], [0.1, 0.1, 0.1])
    assert m["forgetting"] == pytest.approx(((0.5 - 0.3) + (0.9 - 0.5)) / 2)
    assert gembench.recompute_metrics([[0.9, 0.7]], [0.1, 0.1]) == {"acc": 0.8, "bwt": None, "fwt": None,
                                                                    "forgetting": None}
    with pytest.raises(ValueError, match="T x T"):
        gembench.recompute_metrics([[0.9, 0.7], [0.1, 0.2], [0.3, 0.4]], [0.1, 0.1])


def test_run_files_name_the_kernels_that_computed_them(run_files):
    # every smoke run was computed on the project's own kernels (version 1), on a path this CPU has
    for path in run_files:
        run = gembench.load_run(path)
        assert run.kernels_version == 1, path
        assert run.kernel_path in {"scalar", "avx2", "avx512", "neon"}, path
        assert run.blas_threads == 0, path
        with h5py.File(path, "r") as f:
            assert f.attrs["kernels_version"] == 1
