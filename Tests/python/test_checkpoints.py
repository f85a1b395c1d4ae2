"""Checkpoints from the command line (issue #17): SIGUSR1 mid-run makes `bench run` write a
checkpoint for every run in flight and exit 75; `bench status` shows it; the next `bench run`
resumes from it and the final files equal those of an uninterrupted run (compared here with
h5py, dataset by dataset, timings aside); a checkpoint of another config, or a damaged one, is
refused before anything trains. The executable is GEMBENCH_BENCH or .build/debug/bench.
"""
import os
import re
import signal
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

import gembench
from conftest import built_bench

ROOT = Path(__file__).resolve().parents[2]
RUNS = ["ck__gem__seed0", "ck__er__seed0"]

# Long enough (about a second a task in a debug build) to be signalled mid-run.
EXPERIMENT = """experiments:
  ck:
    description: checkpoint CLI test
    benchmark: {kind: permuted, tasks: 3, samples_per_task: 3000, test_samples_per_task: 100}
    optimizer: {lr: LR, batch_size: 10, epochs: 2}
    strategies:
      gem: {patterns_per_experience: 20, memory_strength: 0.5}
      er: {memory_size: 60}
"""


@pytest.fixture(scope="module")
def bench():
    return built_bench()


def experiments(folder, lr="0.1"):
    folder.mkdir(exist_ok=True)
    (folder / "ck.yaml").write_text(EXPERIMENT.replace("LR", lr))
    return str(folder)


def run(bench, *arguments):
    done = subprocess.run([bench, *arguments], cwd=ROOT, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


def run_signalled(bench, *arguments):
    """`bench run ARGUMENTS`, sent SIGUSR1 once the first task of a run has trained."""
    process = subprocess.Popen([bench, "run", *arguments], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stderr:
        lines.append(line)
        if "task 1/3 trained" in line:
            process.send_signal(signal.SIGUSR1)
            break
    lines += process.stderr.readlines()
    process.stdout.read()
    return process.wait(timeout=300), "".join(lines)


def datasets(path):
    found = {}
    with h5py.File(path) as f:
        f.visititems(lambda name, item: found.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None)
    return found


def assert_same_run(a, b):
    """Every dataset bit-identical but the timings."""
    x, y = datasets(a), datasets(b)
    assert sorted(x) == sorted(y)
    timings = {"train/task_train_seconds", "train/task_eval_seconds"}
    differing = [k for k in x if k not in timings and x[k].tobytes() != y[k].tobytes()]
    assert not differing, differing


def assert_uncompressed(path):
    """Checkpoints are written after every task: their large arrays (the parameters among them)
    are stored without deflate, which took nearly half of a rotated EWC run's time."""
    large = []
    with h5py.File(path) as f:
        f.visititems(lambda name, item: large.append((name, item.compression))
                     if isinstance(item, h5py.Dataset) and item.nbytes > 64 * 1024 else None)
    assert large and all(compression is None for _, compression in large), large


def test_a_signalled_run_checkpoints_and_resumes_bit_identically(bench, tmp_path):
    exp = experiments(tmp_path / "exp")
    out, truth = tmp_path / "runs", tmp_path / "truth"
    code, _, err = run(bench, "run", "ck", "--experiments", exp, "--out", str(truth), "--jobs", "2")
    assert code == 0, err

    code, err = run_signalled(bench, "ck", "--experiments", exp, "--out", str(out), "--jobs", "2")
    assert code == 75, err
    assert "checkpointed" in err and "(exit status 75)" in err, err
    stopped = dict(re.findall(r"  (ck__\w+): checkpointed at (task \d of 3, step \d+)", err))
    assert sorted(stopped) == sorted(RUNS), err  # both jobs were in flight: both checkpoint
    for name in stopped:
        assert (out / f".{name}.h5.checkpoint").is_file()
        assert_uncompressed(out / f".{name}.h5.checkpoint")

    code, status, _ = run(bench, "status", "ck", "--experiments", exp, "--out", str(out))
    assert code == 0
    for name, place in stopped.items():
        assert re.search(rf"^{name}\s+checkpointed  \({place}\)$", status, re.M), status
    assert f"{len(stopped)} checkpointed" in status.splitlines()[-1], status

    code, _, err = run(bench, "run", "ck", "--experiments", exp, "--out", str(out), "--jobs", "2")
    assert code == 0, err
    for name, place in stopped.items():
        assert f"resuming {name} from its checkpoint: {place}" in err, err
    assert not list(out.glob(".*checkpoint*")), list(out.iterdir())  # finished runs keep none
    for name in RUNS:
        assert_same_run(truth / f"{name}.h5", out / f"{name}.h5")
        assert_event_log_resumed(out / f"{name}.h5", stopped[name])
    code, _, err = run(bench, "rerun", str(out / f"{RUNS[0]}.h5"), "--experiments", exp)
    assert code == 0, err


def assert_event_log_resumed(run_file, place):
    """A resumed run's event log goes on from its first process's: stopped at the checkpoint, then
    resumed there, to the run file's R; every loss record is the mean of the step losses it covers."""
    events = gembench.read_events(run_file)
    assert [r["status"] for r in events.records if r["event"] == "run_end"] == ["checkpointed", "finished"]
    assert [r["resuming"] for r in events.records if r["event"] == "run_start"] == [False, True]
    resume = next(r for r in events.records if r["event"] == "resume")
    assert f"task {resume['task'] + 1} of {resume['tasks']}, step {resume['step']}" == place
    with h5py.File(run_file) as f:
        assert np.array_equal(events.R, f["metrics/accuracy_matrix"][()])
        losses = f["train/loss"][()].astype(np.float64)
    table = events.losses
    assert table["iteration"].iloc[-1] == len(losses)
    for row in table.itertuples():
        assert row.loss == pytest.approx(losses[row.iteration - row.steps:row.iteration].mean(), rel=1e-12)


def test_a_checkpoint_of_another_config_or_damaged_is_refused(bench, tmp_path):
    exp = experiments(tmp_path / "exp")
    out = tmp_path / "runs"
    code, err = run_signalled(bench, "ck/gem", "--experiments", exp, "--out", str(out), "--jobs", "1")
    assert code == 75, err
    checkpoint = out / f".{RUNS[0]}.h5.checkpoint"

    other = experiments(tmp_path / "other", lr="0.05")
    code, _, err = run(bench, "run", "ck/gem", "--experiments", other, "--out", str(out))
    assert code == 1 and "[1/" not in err, err
    assert str(checkpoint) in err and "optimizer.lr: stored 0.1, planned 0.05" in err and "--force" in err, err
    code, status, _ = run(bench, "status", "ck/gem", "--experiments", other, "--out", str(out))
    assert "UNUSABLE here: optimizer.lr: stored 0.1, planned 0.05" in status, status

    intact = checkpoint.read_bytes()
    checkpoint.write_bytes(intact[: len(intact) // 2])
    code, _, err = run(bench, "run", "ck/gem", "--experiments", exp, "--out", str(out))
    assert code == 1 and "[1/" not in err, err
    assert "damaged: truncated" in err, err
    code, status, _ = run(bench, "status", "ck/gem", "--experiments", exp, "--out", str(out))
    assert "checkpointed  UNUSABLE" in status and "truncated" in status, status

    code, _, err = run(bench, "run", "ck/gem", "--experiments", other, "--out", str(out), "--force")
    assert code == 0 and "resuming" not in err, err
    assert not checkpoint.exists()
