"""Where `bench report` writes and what it refuses to replace (issue #28): a report folder of
its own inside each runs folder by default, never a parent shared by several; no silent
replacement of tables made from more runs (the committed Results/ after the main job) or of
files it did not write; and a warning naming the package when the PDF/PNG converter is missing.

The executable is GEMBENCH_BENCH, or .build/debug/bench of this checkout."""
import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import built_bench


@pytest.fixture(scope="session")
def bench():
    return built_bench()


def report(bench, *arguments, env=None):
    done = subprocess.run([bench, "report", *map(str, arguments)], capture_output=True, text=True, timeout=300, env=env)
    return done.returncode, done.stdout, done.stderr


def copy_runs(run_files, folder, experiments):
    folder.mkdir(parents=True)
    for path in run_files:
        if os.path.basename(path).split("__")[0] in experiments:
            shutil.copy(path, folder)
    return folder


def snapshot(folder):
    """Every file's bytes by path, leaving out the runs/ folder."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] != "runs"}


def csv_files(path):
    return [row["file"] for row in csv.DictReader(open(path, encoding="utf-8"))]


def test_each_runs_folder_gets_its_own_report_folder(bench, run_files, tmp_path):
    """Before: both reports went to tmp_path, the second replacing the first's tables and
    leaving its figures beside its own."""
    a = copy_runs(run_files, tmp_path / "a", {"smoke-rotated"})
    b = copy_runs(run_files, tmp_path / "b", {"smoke-split-ci"})
    for folder in (a, b):
        code, out, err = report(bench, folder, "--svg-only")
        assert code == 0, err
    assert sorted(csv_files(a / "report" / "runs.csv")) == sorted(p.name for p in a.glob("*.h5"))
    assert sorted(csv_files(b / "report" / "runs.csv")) == sorted(p.name for p in b.glob("*.h5"))
    assert all(name.startswith("rotated-mnist-") for name in os.listdir(a / "report" / "figures"))
    assert all(name.startswith("split-mnist-class-il-") for name in os.listdir(b / "report" / "figures"))
    assert sorted(os.listdir(tmp_path)) == ["a", "b"], "nothing is written beside the runs folders"


def test_a_report_of_the_main_job_does_not_replace_tables_made_from_more_runs(bench, run_files, tmp_path):
    """The README's situation: Results/ holds tables made from every suite's runs; after the main
    job Results/runs holds fewer. Before: `bench report Results/runs` rewrote Results/runs.csv
    from those alone, without a word."""
    results = tmp_path / "Results"
    everything = copy_runs(run_files, tmp_path / "all-runs", {"smoke-rotated", "smoke-split-ti", "smoke-split-ci"})
    code, out, err = report(bench, everything, "--out", results, "--svg-only")
    assert code == 0, err
    committed = snapshot(results)
    main_job = copy_runs(run_files, results / "runs", {"smoke-split-ti"})

    code, out, err = report(bench, main_job, "--svg-only")  # the default: Results/runs/report
    assert code == 0, err
    assert sorted(csv_files(main_job / "report" / "runs.csv")) == sorted(p.name for p in main_job.glob("*.h5"))
    assert snapshot(results) == committed

    # into Results/ itself: refused, naming the rows it would drop, and nothing changes
    code, out, err = report(bench, main_job, "--out", results, "--svg-only")
    assert code == 1, (out, err)
    dropped = [name for name in csv_files(results / "runs.csv") if not (main_job / name).exists()]
    assert f"{results / 'runs.csv'} has {len(dropped)} rows for runs that are not in {main_job}" in err, err
    for experiment in ("smoke-rotated", "smoke-split-ci"):
        strategies = sorted(name.split("__")[1] for name in dropped if name.startswith(experiment + "__"))
        line = f"  {experiment}: {', '.join(strategies)} ({len(strategies)} rows, seeds 0)"
        assert line in err, (line, err)
    assert "--force" in err and "--out DIR" in err
    assert snapshot(results) == committed

    # forced: the tables are the main job's, and the other benchmarks' figures are gone
    code, out, err = report(bench, main_job, "--out", results, "--svg-only", "--force")
    assert code == 0, err
    assert sorted(csv_files(results / "runs.csv")) == sorted(p.name for p in main_job.glob("*.h5"))
    assert all(name.startswith("split-mnist-task-il-") for name in os.listdir(results / "figures"))


def test_files_it_did_not_write_are_refused_until_forced(bench, run_files, tmp_path):
    runs = copy_runs(run_files, tmp_path / "runs", {"smoke-rotated"})
    out = tmp_path / "paper-draft"
    (out / "figures").mkdir(parents=True)
    (out / "summary.md").write_text("my own notes\n")
    (out / "figures" / "rotated-mnist-metrics.svg").write_text("<svg/>\n")
    code, stdout, err = report(bench, runs, "--out", out, "--svg-only")
    assert code == 1
    assert "did not write there" in err and "summary.md, figures/rotated-mnist-metrics.svg" in err, err
    assert (out / "summary.md").read_text() == "my own notes\n" and not (out / "runs.csv").exists()
    code, stdout, err = report(bench, runs, "--out", out, "--svg-only", "--force")
    assert code == 0, err
    assert "summary.md" in (out / "report-files.txt").read_text().split("\n")


def test_a_missing_converter_is_a_warning_naming_the_package(bench, run_files, tmp_path):
    runs = copy_runs(run_files, tmp_path / "runs", {"smoke-rotated"})
    env = {**os.environ, "PATH": str(tmp_path / "no-programs-here")}
    code, out, err = report(bench, runs, env=env)
    assert code == 0, err
    assert "warning: PDF and PNG figures not written: rsvg-convert is not on PATH" in err and "librsvg2-bin" in err, err
    names = os.listdir(runs / "report" / "figures")
    assert names and all(name.endswith(".svg") for name in names), names
