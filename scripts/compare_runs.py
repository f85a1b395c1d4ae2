#!/usr/bin/env python3
"""Compares two folders of run files dataset by dataset and attribute by attribute, bit for bit,
leaving out what depends on the machine and the moment: timings, peak memory, creation time,
the machine, the git commit and the kernel path. Used by scripts/test.sh to check that the
smoke suite gives the same bits on every kernel path (GEMBENCH_KERNELS).

    scripts/compare_runs.py RUNS_A RUNS_B    # exit 0: every file the same; 1: the differences
"""
import sys
from pathlib import Path

import h5py
import numpy as np

# provenance and timings: allowed to differ
SKIPPED_ATTRIBUTES = {"created", "machine", "git_commit", "kernel_path", "total_seconds", "peak_rss_bytes",
                      "peak_rss_scope"}
SKIPPED_DATASETS = {"/train/task_train_seconds", "/train/task_eval_seconds"}


def contents(path):
    """{name: value} of every attribute and dataset in the file, by HDF5 path."""
    out = {}
    with h5py.File(path, "r") as f:
        def attributes(name, obj):
            for key, value in obj.attrs.items():
                if key not in SKIPPED_ATTRIBUTES:
                    out[f"{name}@{key}"] = value

        attributes("/", f)

        def visit(name, obj):
            attributes("/" + name, obj)
            if isinstance(obj, h5py.Dataset) and "/" + name not in SKIPPED_DATASETS:
                out["/" + name] = obj[()]

        f.visititems(visit)
    return out


def same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.kind in "fc":  # bit patterns, so NaN equals NaN and -0 differs from 0
            return a.tobytes() == b.tobytes()
        return np.array_equal(a, b)
    if isinstance(a, float) and isinstance(b, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return a == b


def main():
    first, second = Path(sys.argv[1]), Path(sys.argv[2])
    names = sorted(p.name for p in first.glob("*.h5"))
    others = sorted(p.name for p in second.glob("*.h5"))
    if not names or names != others:
        print(f"different run files: {names} vs {others}")
        return 1
    failures = 0
    for name in names:
        a, b = contents(first / name), contents(second / name)
        differing = sorted(k for k in a.keys() | b.keys() if k not in a or k not in b or not same(a[k], b[k]))
        if differing:
            failures += 1
            print(f"{name}: {len(differing)} differ: {', '.join(differing[:8])}")
    print(f"{len(names)} run files compared ({sum(len(contents(first / n)) for n in names[:1])} entries in the first): "
          + ("all identical but timings and provenance" if not failures else f"{failures} differ"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
