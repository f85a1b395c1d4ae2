"""A researcher's own experiment folder (issue #28): `--experiments DIR` (repeatable) and
GEMBENCH_EXPERIMENTS add folders in front of the shipped Experiments/, so an experiment of
theirs extends a shipped template; it runs, `bench report` prints a command per row that plans
it again (naming the folder), and that command, run as printed, rebuilds the same run file
(compared here with h5py, dataset by dataset, timings aside). The executable is GEMBENCH_BENCH
or .build/debug/bench."""
import html
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import h5py

import gembench
from conftest import built_bench

ROOT = Path(__file__).resolve().parents[2]

# `gem-paper` is a template of the shipped Experiments/paper.yaml (seeds 0-4, MLP 100-100,
# batch 10); the experiment shrinks it to seconds.
MINE = """experiments:
  my-permuted:
    extends: gem-paper
    suites: [mine]
    seeds: [0]
    benchmark: {kind: permuted, tasks: 2, samples_per_task: 50, test_samples_per_task: 50}
    strategies:
      single: {method: naive, lr: 0.03}
      gem: {lr: 0.1, patterns_per_experience: 10, memory_strength: 0.5}
"""
RUNS = ["my-permuted__gem__seed0.h5", "my-permuted__single__seed0.h5"]


def run(*arguments, env=None, cwd=ROOT):
    done = subprocess.run([built_bench(), *map(str, arguments)], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=None if env is None else {**os.environ, **env})
    return done.returncode, done.stdout, done.stderr


def folder(path, text=MINE):
    path.mkdir()
    (path / "mine.yaml").write_text(text)
    return path


def datasets(path):
    found = {}
    with h5py.File(path) as f:
        f.visititems(lambda name, item: found.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None)
    return found


def test_a_user_experiment_extending_a_shipped_template_runs_reports_and_reruns_from_the_printed_command(tmp_path):
    mine = folder(tmp_path / "my experiments")  # a space: the printed command must quote it
    runs = tmp_path / "runs"
    code, _, err = run("run", "--suite", "mine", "--experiments", mine, "--out", runs, "--jobs", "1")
    assert code == 0, err
    assert sorted(p.name for p in runs.glob("*.h5")) == RUNS
    gem = gembench.load_run(str(runs / RUNS[0]))
    assert gem.config["source_file"] == f"{mine}/mine.yaml"
    assert gembench.runs.config_value(gem.config["experiment_folders"]) == (str(mine),)
    assert gem.config["model.hidden"] == "[100, 100]" and gem.config["optimizer.batch_size"] == "10"  # the template's

    report = tmp_path / "report"
    code, _, err = run("report", runs, "--out", report)
    assert code == 0, err
    page = (report / "report.html").read_text()
    commands = [html.unescape(c) for c in re.findall(r"<code>(swift run bench run [^<]*)</code>", page)]
    assert len(commands) == 2, commands
    command = next(c for c in commands if "my-permuted/gem " in c)
    words = shlex.split(command)
    assert words == ["swift", "run", "bench", "run", "my-permuted/gem", "--seeds", "0", "--experiments", str(mine),
                     "--out", str(runs)], command

    # the printed command, as printed (our executable for `swift run bench`), rebuilds the run
    stored = datasets(runs / RUNS[0])
    kept = tmp_path / "kept.h5"
    shutil.move(runs / RUNS[0], kept)
    code, _, err = run(*words[3:])
    assert code == 0, err
    again = datasets(runs / RUNS[0])
    assert sorted(again) == sorted(stored)
    timings = {"train/task_train_seconds", "train/task_eval_seconds"}
    assert [k for k in stored if k not in timings and stored[k].tobytes() != again[k].tobytes()] == []
    # and `bench rerun` needs no folder: the stored config is complete
    code, out, err = run("rerun", kept)
    assert code == 0 and "bit-identical" in out, out + err


def test_folders_from_the_environment_and_names_declared_twice(tmp_path):
    a, b = folder(tmp_path / "a"), folder(tmp_path / "b")
    code, out, err = run("list", env={"GEMBENCH_EXPERIMENTS": f"{a}:"})
    assert code == 0, err
    assert "mine (2 runs): my-permuted" in out and re.search(r"^  smoke \(\d+ runs\)", out, re.M)  # theirs and ours
    # --experiments first, then the environment's folders: the second declaration is the error
    code, _, err = run("list", "--experiments", b, env={"GEMBENCH_EXPERIMENTS": str(a)})
    assert code == 1
    assert f"{a}/mine.yaml:2:3: experiments.my-permuted: duplicate name 'my-permuted'; first declared at {b}/mine.yaml:2:3" in err
    # a folder named twice (or the shipped one) counts once
    code, _, err = run("list", "--experiments", a, "--experiments", f"{a}/", "--experiments", "Experiments")
    assert code == 0, err
    # a name of ours taken again: both files named
    c = folder(tmp_path / "c", "experiments:\n  smoke-rotated:\n    extends: smoke-permuted\n")
    code, _, err = run("list", "--experiments", c)
    assert code == 1
    line = (ROOT / "Experiments/smoke.yaml").read_text().splitlines().index("  smoke-rotated:") + 1
    assert (f"Experiments/smoke.yaml:{line}:3: experiments.smoke-rotated: duplicate name 'smoke-rotated'; "
            f"first declared at {c}/mine.yaml:2:3") in err, err
    code, _, err = run("list", "--experiments", tmp_path / "nope")
    assert code == 1 and f"--experiments {tmp_path / 'nope'}: no such folder" in err
