"""R itself, checked independently: numpy forward passes of each run's stored final
parameters (through the stored layout) over the MNIST test set, with the stored
permutations, rotation angles and class splits, reproduce the last row of R.

The Swift code evaluates in float32 with OpenBLAS, numpy here in float64; the sums run in
another order, so a test sample whose two best logits nearly tie may be decided the other
way. A few such samples per task are allowed (on the smoke runs there are none).
"""
import os

import numpy as np

import gembench
from conftest import bench

ALLOWED_SAMPLES = 2
# what numpy here cannot recompute: convolutional models (no numpy ResNet), and methods that
# classify by a rule of their own (iCaRL's nearest mean of exemplars, tested in Swift by hand)
CONVOLUTIONAL_EXPERIMENTS = {"smoke-split-conv"}
OWN_CLASSIFIER = {"icarl"}


def recomputable(experiment, strategy):
    return experiment not in CONVOLUTIONAL_EXPERIMENTS and strategy not in OWN_CLASSIFIER


def smoke_plan():
    """The (experiment, strategy) pairs of the smoke suite, from `bench run --suite smoke --dry-run`."""
    lines = bench("run", "--suite", "smoke", "--dry-run").stdout.splitlines()
    assert lines and lines[0].split()[:2] == ["EXPERIMENT", "STRATEGY"], lines[:1]
    # one line per run, ending in its resume decision; then a closing count ("27 runs (27 run)")
    return {tuple(line.split()[:2]) for line in lines[1:] if line.split()[-1:] in (["run"], ["skip"], ["MISMATCH"])}


def test_numpy_forward_passes_reproduce_the_last_row_of_R(run_files):
    checked = set()
    for path in run_files:
        run = gembench.load_run(path)
        if not recomputable(run.experiment, run.strategy):
            assert run.config["model.kind"] == "resnet18" or run.config["method.name"] in OWN_CLASSIFIER, path
            continue
        counts = gembench.final_correct(run)
        stored = run.R[-1]
        assert len(counts) == len(stored), path
        for task, ((correct, total), accuracy) in enumerate(zip(counts, stored)):
            assert abs(correct - accuracy * total) <= ALLOWED_SAMPLES, \
                f"{run.file} task {task}: numpy gets {correct}/{total} right, R says {accuracy:.4f}"
        checked.add((run.experiment, run.strategy))
    if any(os.path.basename(p).startswith("smoke-") for p in run_files):
        expected = {pair for pair in smoke_plan() if recomputable(*pair)}
        assert len(expected) >= 18 and expected <= checked, f"not checked: {sorted(expected - checked)}"


def test_forward_pass_is_not_trivially_right(run_files):
    """Guards the check above: other parameters, or another task's permutation, give another row."""
    run = gembench.load_run(next(p for p in run_files if "permuted__gem__" in p))
    inputs, labels = gembench.data.task_test_sets(run)[0]
    right = np.mean(gembench.predict(run, inputs, 0) == labels)
    assert abs(right - run.R[-1][0]) < 0.03
    other = run.tasks[1]["permutation"]
    shuffled = inputs[:, np.argsort(run.tasks[0]["permutation"])][:, other]  # task 1's permutation instead
    assert abs(np.mean(gembench.predict(run, shuffled, 0) == labels) - right) > 0.05
    run.parameters = {name: np.zeros_like(t) if name.endswith("bias") else t[::-1].copy()
                      for name, t in run.parameters.items()}
    assert abs(np.mean(gembench.predict(run, inputs, 0) == labels) - right) > 0.05
