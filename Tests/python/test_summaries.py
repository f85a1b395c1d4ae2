"""Run summaries (`bench summarize`): what they keep equals the run files' (read with h5py and the
reader), `bench report` makes the same tables of them, `bench rerun` checks them, and nothing
stored is replaced."""
import filecmp
import os
import subprocess

import h5py
import numpy as np
import pytest

from conftest import built_bench

from gembench import load_run, load_runs


def run_bench(*arguments):
    return subprocess.run([built_bench(), *map(str, arguments)], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def summaries(runs_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("summaries")
    result = run_bench("summarize", runs_dir, "--out", folder)
    assert result.returncode == 0, result.stderr
    return str(folder)


def test_every_run_is_summarized_smaller_with_the_same_numbers(run_files, summaries):
    for path in run_files:
        summary_path = os.path.join(summaries, os.path.basename(path))
        assert os.path.getsize(summary_path) < os.path.getsize(path)
        run, summary = load_run(path), load_run(summary_path)
        assert (run.content, summary.content) == ("run", "summary")
        np.testing.assert_array_equal(summary.R, run.R)
        np.testing.assert_array_equal(summary.b, run.b)
        assert summary.metrics == run.metrics
        assert summary.config_yaml == run.config_yaml and summary.config == run.config
        assert summary.dataset_checksums == run.dataset_checksums
        np.testing.assert_array_equal(summary.curves["task"], run.curves["task"])
        for key in ("task_train_seconds", "task_eval_seconds"):
            np.testing.assert_array_equal(summary.timings[key], run.timings[key])
        assert len(summary.tasks) == len(run.tasks)
        for kept, original in zip(summary.tasks, run.tasks):
            assert kept.keys() == original.keys()
            for key in kept:
                np.testing.assert_array_equal(kept[key], original[key])
        assert summary.parameter_vector is None and summary.memory is None and "loss" not in summary.curves
        with h5py.File(summary_path, "r") as f:  # h5py alone: nothing bulky left
            assert "model" not in f and "memory" not in f and "loss" not in f["train"]


def test_report_of_summaries_is_the_report_of_the_runs(runs_dir, summaries, tmp_path):
    for source, name in ((runs_dir, "from-runs"), (summaries, "from-summaries")):
        result = run_bench("report", source, "--out", tmp_path / name, "--svg-only", "--strict")
        assert result.returncode == 0, result.stderr
    for table in ("runs.csv", "summary.csv"):
        assert filecmp.cmp(tmp_path / "from-runs" / table, tmp_path / "from-summaries" / table, shallow=False), table

    def page(name):  # all but the line naming the folder it was made from
        text = (tmp_path / name / "summary.md").read_text().splitlines()
        return [line for line in text if not line.startswith("Regenerate with")]
    assert page("from-runs") == page("from-summaries")
    frame_runs, frame_summaries = load_runs(runs_dir), load_runs(summaries)
    assert list(frame_runs["acc"]) == list(frame_summaries["acc"])


def test_rerun_checks_a_summary_bit_for_bit(summaries):
    result = run_bench("rerun", os.path.join(summaries, "smoke-permuted__gem__seed0.h5"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bit-identical: accuracy matrix" in result.stdout and "a run summary keeps no" in result.stdout


def test_show_prints_a_summary(summaries):
    result = run_bench("show", os.path.join(summaries, "smoke-permuted__gem__seed0.h5"))
    assert result.returncode == 0, result.stderr
    assert "run summary (bench summarize)" in result.stdout and "ACC" in result.stdout


def test_nothing_stored_is_replaced(runs_dir, run_files, summaries, tmp_path):
    run = run_files[0]
    # into the runs' own folder: a summary would replace the run
    result = run_bench("summarize", run, "--out", runs_dir, "--force")
    assert result.returncode != 0 and "would replace the run" in result.stderr
    # over an existing summary: only with --force
    result = run_bench("summarize", run, "--out", summaries)
    assert result.returncode != 0 and "a summary already exists (--force replaces it)" in result.stderr
    assert run_bench("summarize", run, "--out", summaries, "--force").returncode == 0
    # over another file of the same name: never, and nothing else is written either
    (tmp_path / os.path.basename(run)).write_text("my notes")
    result = run_bench("summarize", run, run_files[1], "--out", tmp_path, "--force")
    assert result.returncode != 0 and "is not a run summary; it is left as it is" in result.stderr
    assert (tmp_path / os.path.basename(run)).read_text() == "my notes"
    assert not (tmp_path / os.path.basename(run_files[1])).exists()
    # a summary is not summarized again
    result = run_bench("summarize", os.path.join(summaries, os.path.basename(run)), "--out", tmp_path / "again")
    assert result.returncode != 0 and "a run summary (bench summarize)" in result.stderr
