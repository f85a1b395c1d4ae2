"""`bench rerun` says why a file's bits differ: computed on OpenBLAS before the project's kernels,
by another version of the kernels, by other code, or (same code and kernels) a defect. Checked
on copies of a smoke run file whose stored loss is changed with h5py and whose seal is then
rewritten (gembench.seal's hash, independent of the Swift writer)."""
import os
import shutil
import subprocess

import h5py
import pytest

from conftest import ROOT, built_bench
from gembench.seal import HEADER_BYTES, MAGIC, hash64, verify


def reseal(path):
    with open(path, "rb") as handle:
        content = handle.read()[HEADER_BYTES:]
    header = MAGIC + (f"schema_version 1\ncontent_bytes {len(content)}\n"
                      f"content_hash gembench64:{hash64(content):016x}\n").encode()
    with open(path, "wb") as handle:
        handle.write(header.ljust(HEADER_BYTES, b"\0") + content)
    verify(path)


def altered(source, folder, name, change):
    path = os.path.join(folder, name)
    shutil.copy(source, path)
    with h5py.File(path, "r+") as f:
        loss = f["train/loss"][()]
        loss[0] += 1.0
        f["train/loss"][...] = loss
        change(f.attrs)
    reseal(path)
    return path


@pytest.mark.parametrize("name, change, reason", [
    ("openblas.h5", lambda a: (a.__delitem__("kernels_version"), a.__delitem__("kernel_path")),
     "computed on OpenBLAS, before the project's own kernels"),
    ("kernels.h5", lambda a: a.__setitem__("kernels_version", 99), "the kernels' version differs (stored v99, now v1)"),
    ("code.h5", lambda a: a.__setitem__("git_commit", "0123abc"), "the code version differs (stored git 0123abc"),
])
def test_rerun_names_why_bits_differ(run_files, tmp_path, name, change, reason):
    source = next(p for p in run_files if os.path.basename(p) == "smoke-permuted__naive__seed0.h5")
    path = altered(source, tmp_path, name, change)
    done = subprocess.run([built_bench(), "rerun", path], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "train/loss: 1 of" in done.stdout, done.stdout
    assert reason in done.stdout, done.stdout


def test_a_run_names_the_commit_its_binary_was_built_from_wherever_it_runs(tmp_path):
    """The commit is stamped in at build time: run from a folder outside any checkout, the run
    file still names the checkout's HEAD (git, asked here), "-dirty" when its code (Package.swift,
    Plugins/, Sources/) has local changes."""
    def git(*args):
        return subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True, check=True).stdout
    code = ["Package.swift", "Plugins", "Sources"]
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", *code)
    expected = git("rev-parse", "HEAD").strip() + ("-dirty" if dirty else "")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    done = subprocess.run([built_bench(), "run", "smoke-permuted/naive", "--seeds", "0", "--out", str(outside / "runs")],
                          cwd=outside, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    with h5py.File(outside / "runs" / "smoke-permuted__naive__seed0.h5", "r") as f:
        assert f.attrs["git_commit"] == expected
