"""Live progress and the event log (issue #28): `bench run` with the default --jobs shows a
status line per run in flight on a terminal (checked under a pty), prints a line per task with
loss, accuracy and ETA, and heartbeats, in a log (stderr a pipe); every printed loss and accuracy
is checked against the run file (h5py); the event log is read with python/gembench while a run
trains and matches the finished run file; watching changes no run (scripts/compare_runs.py).

The executable is GEMBENCH_BENCH or .build/debug/bench.
"""
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

import gembench
from conftest import built_bench

ROOT = Path(__file__).resolve().parents[2]

# A run of a few seconds in a debug build: 4 tasks of 600 steps.
EXPERIMENT = """experiments:
  pg:
    description: progress test
    benchmark: {kind: permuted, tasks: 4, samples_per_task: 3000, test_samples_per_task: 100}
    optimizer: {lr: 0.1, batch_size: 10, epochs: 2}
    strategies:
      gem: {patterns_per_experience: 20, memory_strength: 0.5}
"""

STATUS = re.compile(r"^  (?P<run>\S+__\S+__seed\d+)  (?:task (?P<task>\d+)/(?P<tasks>\d+)  step (?P<step>\d+)/(?P<steps>\d+)"
                    r"(?: evaluating)?|preparing)  loss (?P<loss>\S+)  acc (?P<acc>\S+)  (?P<elapsed>\S+)  ETA (?P<eta>\S+)$")
PLAN = re.compile(r"^  plan (\d+)/(\d+) runs done, (\d+) training, \S+ elapsed, ETA \S+")
TASK_LINE = re.compile(r"^  (?P<run>\S+): task (?P<task>\d+)/(?P<tasks>\d+) trained, step (?P<step>\d+)/(?P<steps>\d+), "
                       r"loss (?P<loss>[\d.]+), acc (?P<acc>[\d.]+), \S+ elapsed, ETA \S+; "
                       r"plan \d+/\d+ runs done, \d+ training, \S+ elapsed, ETA \S+$")
REDRAW = re.compile(r"\x1b\[(\d+)A\r\x1b\[J")


@pytest.fixture(scope="module")
def bench():
    return built_bench()


def cores():
    return len(os.sched_getaffinity(0))


def experiments(folder):
    folder.mkdir(exist_ok=True)
    (folder / "pg.yaml").write_text(EXPERIMENT)
    return str(folder)


def run_on_terminal(command, columns=200):
    """Runs `command` with stderr on a pseudo-terminal COLUMNS wide; returns status and what it drew."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    drawn = b""
    while True:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            drawn += chunk
        elif process.poll() is not None:
            break
    os.close(master)
    return process.wait(timeout=600), drawn.decode().replace("\r\n", "\n")


def frames(drawn):
    """The screen's lower part after each redraw: the lines written between two redraws."""
    return [part.splitlines() for part in REDRAW.split(drawn)[::2]]


def step_losses(path):
    with h5py.File(path) as f:
        return (f["train/loss"][()].astype(np.float64), f["metrics/accuracy_matrix"][()],
                f["metrics/random_init_accuracy"][()])


def same_runs(a, b):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "compare_runs.py"), str(a), str(b)],
                          capture_output=True, text=True)
    return done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def terminal_run(bench, tmp_path_factory):
    out = tmp_path_factory.mktemp("tty") / "runs"
    code, drawn = run_on_terminal([bench, "run", "--suite", "smoke", "--out", str(out)])
    assert code == 0, drawn[-3000:]
    return out, drawn


def test_a_terminal_shows_a_status_line_per_run_in_flight(terminal_run):
    out, drawn = terminal_run
    assert REDRAW.search(drawn), "no status lines redrawn in place"
    most = 0
    for frame in frames(drawn):
        statuses = [STATUS.match(line) for line in frame]
        runs = {m["run"] for m in statuses if m}
        block = [line for line in frame if STATUS.match(line) or PLAN.match(line)]
        if block:
            # the status lines come last, the plan line below them
            assert PLAN.match(frame[-1]), frame
            assert frame[-len(block):] == block, frame
        most = max(most, len(runs))
        for m in statuses:
            if m and m["task"]:
                assert 1 <= int(m["task"]) <= int(m["tasks"]) and int(m["step"]) <= int(m["steps"]), m.group(0)
    # the default --jobs is one per core: as many runs side by side, each on its own line
    assert most >= min(2, cores()), most
    # with losses, accuracies and ETAs filled in, and the plan's total
    assert re.search(r"task \d+/\d+  step \d+/\d+\S*  loss \d\.\d{3}  acc \d\.\d{3}  \S+  ETA \d", drawn)
    planned = re.search(r"\[\d+/(\d+)\] ", drawn)[1]
    assert re.search(rf"plan \d+/{planned} runs done, \d training, \S+ elapsed, ETA \d", drawn)
    # the status lines are gone at the end: the last thing on the screen is a finished run
    assert drawn.endswith(".h5\n") and "done in" in drawn.splitlines()[-1], drawn[-500:]


def test_the_terminal_display_changes_no_run(terminal_run, runs_dir):
    out, _ = terminal_run
    same, report = same_runs(runs_dir, out)
    assert same, report


@pytest.fixture(scope="module")
def logged_run(bench, tmp_path_factory):
    out = tmp_path_factory.mktemp("log") / "runs"
    done = subprocess.run([bench, "run", "--suite", "smoke", "--out", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done.stderr


def test_a_log_has_a_line_per_task_with_the_run_files_loss_and_accuracy(logged_run):
    out, log = logged_run
    assert "\x1b[" not in log  # no terminal control in a log
    lines = [TASK_LINE.match(line) for line in log.splitlines() if " trained, " in line]
    assert all(lines), [line for line in log.splitlines() if " trained, " in line and not TASK_LINE.match(line)]
    by_run = {}
    for m in lines:
        by_run.setdefault(m["run"], []).append(m)
    files = sorted(out.glob("*.h5"))
    assert sorted(by_run) == sorted(f.stem for f in files)
    for path in files:
        losses, R, _ = step_losses(path)
        tasks = by_run[path.stem]
        assert [int(m["task"]) for m in tasks] == list(range(1, len(R) + 1)), path.name
        end = 0
        for i, m in enumerate(tasks):
            steps = int(m["steps"])
            end += steps
            # loss: the mean of the task's last 50 step losses; acc: mean of row i over the tasks seen
            window = losses[end - min(50, steps):end]
            assert abs(float(m["loss"]) - window.mean()) <= 5e-4 + 1e-9, (path.name, i, m["loss"], window.mean())
            seen = R[i, : i + 1] if R.shape[0] == R.shape[1] else R[i]
            assert abs(float(m["acc"]) - seen.mean()) <= 5e-4 + 1e-9, (path.name, i, m["acc"], seen.mean())
        assert end == len(losses), path.name


def test_the_log_display_changes_no_run(logged_run, runs_dir):
    out, _ = logged_run
    same, report = same_runs(runs_dir, out)
    assert same, report


def test_a_long_task_prints_heartbeats_in_a_log(bench, tmp_path):
    exp = experiments(tmp_path / "exp")
    done = subprocess.run([bench, "run", "pg", "--experiments", exp, "--out", str(tmp_path / "runs"), "--jobs", "1",
                           "--heartbeat", "0.002"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    beats = [line for line in done.stderr.splitlines() if line.endswith("(heartbeat)")]
    # the 4 tasks of 600 steps train for seconds here: beats every 0.12 s fall inside them
    inside = [b for b in beats if re.search(r": task \d/4, step ([1-5]?\d?\d)/600, loss \d\.\d{3}, acc \S+, \S+ elapsed, "
                                             r"ETA \S+; plan 0/1 runs done, 1 training, \S+ elapsed, ETA \S+ \(heartbeat\)$", b)]
    assert inside, done.stderr
    assert "--heartbeat must be a positive number of minutes (got 0.0)" in subprocess.run(
        [bench, "run", "pg", "--experiments", exp, "--heartbeat", "0"], cwd=ROOT, capture_output=True,
        text=True).stderr


def test_the_event_log_is_read_while_the_run_trains(bench, tmp_path):
    exp = experiments(tmp_path / "exp")
    out = tmp_path / "runs"
    run_file, log = out / "pg__gem__seed0.h5", out / "pg__gem__seed0.events.jsonl"
    process = subprocess.Popen([bench, "run", "pg", "--experiments", exp, "--out", str(out), "--jobs", "1"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, "the run ended before its first task was read"
            assert time.monotonic() < deadline
            if log.exists():
                events = gembench.read_events(log)
                if len(events.R) >= 1:
                    break
            time.sleep(0.01)
        # read while training: some rows of R, no run file yet
        assert events.status == "running" and not run_file.exists()
        assert 1 <= len(events.R) <= 4 and events.R.shape[1] == 4
        assert events.records[0]["event"] == "run_start" and events.records[0]["run"] == "pg__gem__seed0"
        first_rows = events.R
    finally:
        err = process.communicate(timeout=300)[1]
    assert process.returncode == 0, err

    events = gembench.read_events(run_file)  # the run file's path finds its log
    losses, R, b = step_losses(run_file)
    assert events.status == "finished"
    assert np.array_equal(events.R, R) and np.array_equal(events.b, b)  # bit for bit through JSON
    assert np.array_equal(first_rows, R[: len(first_rows)])
    with h5py.File(run_file) as f:
        assert events.records[-1]["acc"] == f["metrics"].attrs["acc"]
    # every 100 steps (and at a task's end) the mean of the step losses since the last one
    table = events.losses
    assert table["iteration"].tolist() == [100 * k for k in range(1, 25)]
    for row in table.itertuples():
        assert row.loss == pytest.approx(losses[row.iteration - row.steps:row.iteration].mean(), rel=1e-12)
    assert [r["event"] for r in events.records].count("task_end") == 4


def test_a_torn_last_line_is_skipped_and_a_broken_line_is_named(tmp_path):
    log = tmp_path / "x.events.jsonl"
    log.write_text('{"event":"run_start","time":1.5,"run":"x"}\n'
                   '{"event":"task_end","time":2.0,"task":0,"tasks":2,"accuracy":[0.5,0.25]}\n'
                   '{"event":"task_end","time":3.0,"task":1,"tas')
    events = gembench.read_events(log)
    assert [r["event"] for r in events.records] == ["run_start", "task_end"]
    assert events.R.tolist() == [[0.5, 0.25]] and events.status == "running" and events.b is None
    log.write_text('{"event":"run_start","time":1.5}\n{"event":"task_end",\n{"event":"run_end","status":"finished"}\n')
    with pytest.raises(ValueError, match=re.escape(f"{log}:2: not a JSON event")):
        gembench.read_events(log)


def test_bench_slurm_passes_the_heartbeat_on(bench, tmp_path):
    out = tmp_path / "runs"
    done = subprocess.run([bench, "slurm", "--suite", "smoke", "--array", "2", "--heartbeat", "10", "--script-only",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    script = next((out / "slurm").glob("*.sbatch")).read_text()
    assert re.search(r"\brun\b.* --heartbeat 10\.0\b", script), script
    refused = subprocess.run([bench, "slurm", "--suite", "smoke", "--array", "2", "--heartbeat", "-1", "--script-only",
                              "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 64 and "--heartbeat must be a positive number of minutes" in refused.stderr
