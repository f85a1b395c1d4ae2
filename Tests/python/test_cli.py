"""The bench command line on bad input (issue #13): every case ends with a one-line reason
and exit status 1 or 64 (usage), before anything trains, never with a signal or a hang.

The executable is GEMBENCH_BENCH, or .build/debug/bench of this checkout.
"""
import json
import os
import resource
import shlex
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import built_bench

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def bench():
    return built_bench()


def run(bench, *arguments, cwd=ROOT, timeout=60, preexec_fn=None):
    done = subprocess.run([bench, *arguments], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec_fn)
    return done.returncode, done.stdout, done.stderr


def refused(bench, *arguments, status=(1, 64), **keywords):
    """stderr of a refusal; it must not have trained (no "[1/N]" progress line)."""
    code, out, err = run(bench, *arguments, **keywords)
    assert code in ((status,) if isinstance(status, int) else status), (code, out, err)
    assert "[1/" not in err, err
    return err


def test_repeats_and_negative_numbers_are_validated(bench):
    assert "--repeats must be at least 1 (got 0)" in refused(bench, "perf", "--repeats", "0", status=64)
    assert "--repeats must be at least 1 (got -1)" in refused(bench, "perf", "--repeats", "-1", status=64)
    assert "--jobs must be at least 1 (got -1)" in refused(bench, "run", "--suite", "smoke", "--jobs", "-1", status=64)
    assert "--threads must be at least 1 (got -2)" in refused(bench, "run", "--suite", "smoke", "--threads", "-2",
                                                              "--dry-run", status=64)
    err = refused(bench, "run", "--suite", "smoke", "--seeds", "-3", "--dry-run", status=1)
    assert "seeds are non-negative integers" in err and "Missing value" not in err


def test_a_selector_with_an_empty_strategy_is_refused(bench):
    err = refused(bench, "run", "smoke-permuted/", "--dry-run", status=64)
    assert "'smoke-permuted/' is not NAME or NAME/STRATEGY" in err
    assert "not NAME or NAME/STRATEGY" in refused(bench, "run", "smoke-permuted/gem/x", "--dry-run", status=64)


def test_an_option_given_twice_is_refused(bench):
    err = refused(bench, "run", "--suite", "smoke", "--suite", "split", "--dry-run", status=64)
    assert "--suite is given more than once" in err
    assert "--out is given more than once" in refused(bench, "run", "--suite", "smoke", "--out=a", "--out", "b",
                                                      "--dry-run", status=64)


def test_empty_paths_are_refused(bench):
    assert "--out is empty" in refused(bench, "run", "--suite", "smoke", "--out", "", status=64)
    assert "--data-dir is empty" in refused(bench, "run", "--suite", "smoke", "--data-dir", "", status=64)
    assert "--experiments is empty" in refused(bench, "list", "--experiments", "", status=64)
    assert "--out is empty" in refused(bench, "report", "--out", "", status=64)
    assert "--paper-table is empty" in refused(bench, "report", "--paper-table", "", status=64)


def test_a_mistyped_command_gets_a_hint(bench):
    err = refused(bench, "reprot", status=1)
    assert "did you mean the command `bench report`?" in err, err


def test_experiments_are_found_from_another_folder(bench, tmp_path):
    code, out, err = run(bench, "list", cwd=tmp_path)
    assert code == 0, err
    assert "smoke-permuted" in out


def test_seed_ranges_are_bounded(bench):
    err = refused(bench, "run", "--suite", "smoke", "--seeds", "0-1000000000", "--dry-run", timeout=10)
    assert "takes the selection past 10000 seeds" in err


def test_the_output_folder_is_checked_before_training(bench, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("x")
    err = refused(bench, "run", "smoke-permuted/naive", "--seeds", "0", "--out", str(taken))
    assert f"{taken}: {taken} is a file, not a folder; choose another --out" in err
    err = refused(bench, "run", "smoke-permuted/naive", "--seeds", "0", "--out", str(taken / "runs"))
    assert f"{taken} is a file, not a folder" in err


def test_a_name_too_long_for_its_temporary_file_is_refused_at_plan_time(bench, tmp_path):
    experiments = tmp_path / "experiments"
    experiments.mkdir()
    name = "e" * (250 - len("__naive__seed0.h5"))
    needed = 250 + len(".") + len(".partial-") + len(str(int(Path("/proc/sys/kernel/pid_max").read_text()) - 1))
    (experiments / "long.yaml").write_text(f"""experiments:
  {name}:
    benchmark: {{kind: permuted, tasks: 2, samples_per_task: 20}}
    optimizer: {{lr: 0.1}}
    strategies: {{naive: {{}}}}
""")
    for extra in (["--dry-run"], []):
        err = refused(bench, "run", name, "--experiments", str(experiments), "--out", str(tmp_path / "runs"), *extra)
        assert f"run file name of 250 bytes; with its temporary name (.NAME.partial-PID) it needs {needed}" in err, err
    assert not (tmp_path / "runs").exists()


def test_a_file_size_limit_mid_write_is_an_error_not_a_signal(bench, tmp_path):
    """As a full disk: RLIMIT_FSIZE makes writes fail (EFBIG). Before: SIGXFSZ killed bench, and
    on a full disk libhdf5's exit handler crashed (SIGSEGV) after the error was printed."""
    limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, resource.RLIM_INFINITY))
    code, out, err = run(bench, "run", "smoke-permuted/naive", "--seeds", "0", "--out", str(tmp_path / "runs"),
                         preexec_fn=limit)
    assert code == 1, (code, err)
    assert "cannot write the run file: File too large" in err and "nothing was kept" in err, err
    # no run file; the run's event log says why it ended
    log = tmp_path / "runs" / "smoke-permuted__naive__seed0.events.jsonl"
    assert list((tmp_path / "runs").iterdir()) == [log]
    last = json.loads(log.read_text().splitlines()[-1])
    assert last["event"] == "run_end" and last["status"] == "failed" and "File too large" in last["reason"], last


def test_report_folders_are_made_before_writing_and_regenerate_line_is_quoted(bench, run_files, tmp_path):
    runs = tmp_path / "my runs"
    runs.mkdir()
    for path in run_files[:2]:
        shutil.copy(path, runs)
    out = tmp_path / "it's here"
    table = out / "missing" / "deeper" / "paper"
    code, stdout, err = run(bench, "report", str(runs), "--out", str(out), "--paper-table", str(table))
    assert code == 0, err
    assert (table.parent / "paper.md").is_file()
    summary = (out / "summary.md").read_text()
    line = next(l for l in summary.splitlines() if l.startswith("Regenerate with `"))
    command = line[len("Regenerate with `"):line.rindex("`")]
    assert shlex.split(command) == ["swift", "run", "bench", "report", str(runs), "--out", str(out),
                                    "--paper-table", str(table)], command

    fresh = tmp_path / "fresh-out"
    fresh.mkdir()
    blocked = fresh / "blocked"
    blocked.write_text("x")
    err = refused(bench, "report", str(runs), "--out", str(fresh), "--paper-table", str(blocked / "paper"))
    assert f"{blocked} is a file, not a folder" in err
    assert list(fresh.iterdir()) == [blocked], "nothing is written before refusing"
    # a paper table outside the output folder is refused, naming the --out that holds it
    err = refused(bench, "report", str(runs), "--out", str(tmp_path / "elsewhere"), "--paper-table", str(table))
    assert f"--paper-table {table} is outside the output folder" in err and f"give --out {table.parent}" in err, err
