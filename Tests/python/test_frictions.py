"""Small frictions of issue #28, each pinned: a suite given as an experiment name points to
--suite; `bench show` of a missing file names the file; `run --help` prints one default for
--jobs; the Python reader warns when a folder holds no run files (naming the subfolders that
do), gives list-valued config columns as tuples and R in long format (checked against h5py's
own reading of /metrics/accuracy_matrix)."""
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

import gembench
from conftest import built_bench

ROOT = Path(__file__).resolve().parents[2]


def run(*arguments):
    done = subprocess.run([built_bench(), *map(str, arguments)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("name", ["split", "cifar10"])
def test_a_suite_given_as_an_experiment_points_to_suite(name):
    code, _, err = run("run", name, "--dry-run")
    assert code == 1
    assert f"experiment {name}: no experiment has this name; '{name}' is a suite: select it with --suite {name}" in err


def test_show_names_a_missing_file(tmp_path):
    code, _, err = run("show", "missing.h5")
    assert code == 1 and err == "bench show: missing.h5: no such file\n", err
    code, _, err = run("show", tmp_path)
    assert code == 1 and err == f"bench show: {tmp_path}: a folder, not a file\n", err


def test_run_help_prints_one_default_for_jobs():
    code, out, _ = run("run", "--help")
    assert code == 0
    text = " ".join(out.split())
    jobs = re.search(r"--jobs <jobs> (.*?) --[a-z]", text).group(1)
    assert jobs == "Runs trained at the same time (default: one per core).", text


def test_load_runs_of_a_folder_without_run_files_names_the_subfolders_that_hold_them(run_files, tmp_path):
    (tmp_path / "runs").mkdir()
    for path in run_files[:2]:
        shutil.copy(path, tmp_path / "runs")
    (tmp_path / "notes").mkdir()
    with pytest.warns(UserWarning) as caught:
        frame = gembench.load_runs(str(tmp_path))
    assert len(frame) == 0
    assert [str(w.message) for w in caught] == [
        f"gembench: no run files (*.h5) in {tmp_path}; run files (*.h5) are in its subfolders "
        f"{tmp_path / 'runs'} (2): load one of those"]
    with pytest.warns(UserWarning, match=r"no run files \(\*\.h5\) in .*notes$"):
        gembench.load_runs(str(tmp_path / "notes"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(gembench.load_runs(str(tmp_path / "runs"))) == 2


def test_list_valued_config_columns_are_tuples(runs_dir):
    frame = gembench.load_runs(runs_dir)
    for _, row in frame.iterrows():
        # the stored YAML text, read with a regular expression (not through the reader)
        config = gembench.load_run(os.path.join(runs_dir, row.file)).config_yaml
        hidden = re.search(r"^  hidden: \[(.*)\]$", config, re.M)
        if hidden:
            assert row["config.model.hidden"] == tuple(int(x) for x in hidden.group(1).split(", ")), row.file
        angles = re.search(r"^  angles: \[(.*)\]$", config, re.M)
        if angles:
            assert row["config.benchmark.angles"] == tuple(float(x) for x in angles.group(1).split(", ")), row.file
        else:
            assert row["config.benchmark.angles"] is None
    assert frame["config.model.hidden"].dropna().map(type).eq(tuple).all()
    assert (frame["config.benchmark.angles"].dropna() == (0.0, 45.0, 90.0)).all()  # smoke-rotated's pinned angles
    # hashable: runs group by their hidden widths
    assert frame.groupby("config.model.hidden").size().sum() == frame["config.model.hidden"].notna().sum()


def test_accuracy_long_is_r_in_long_format(runs_dir, run_files):
    frame = gembench.accuracy_long(runs_dir)
    assert list(frame.columns) == ["run", "experiment", "strategy", "seed", "i", "j", "accuracy"]
    expected = 0
    for path in run_files:
        with h5py.File(path) as f:
            R = f["metrics/accuracy_matrix"][()]
            experiment = f.attrs["experiment"]
        expected += R.size
        rows = frame[frame.run == os.path.basename(path)]
        assert set(rows.experiment) == {experiment.decode() if isinstance(experiment, bytes) else experiment}
        assert sorted(zip(rows.i, rows.j)) == [(i, j) for i in range(R.shape[0]) for j in range(R.shape[1])]
        np.testing.assert_array_equal(rows.sort_values(["i", "j"]).accuracy.to_numpy(), R.ravel())
    assert len(frame) == expected
    one = gembench.load_run(run_files[0])
    np.testing.assert_array_equal(gembench.accuracy_long(one).pivot_table(index="i", columns="j", values="accuracy"),
                                  one.R)
    assert len(gembench.accuracy_long([one, one])) == 2 * one.R.size
