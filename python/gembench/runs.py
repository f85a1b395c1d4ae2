"""Reading run files: `load_run` for one, `load_runs` for a folder (layout: docs/hdf5-layout.md).

Every file's seal is checked first (`gembench.seal.verify`), as `bench report` does, so a
truncated, bit-flipped, foreign or unfinished file is refused with the reason before h5py
opens it.
"""
import json
import os
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional

import h5py
import numpy as np
import pandas as pd

from .metrics import recompute_metrics
from .seal import RunFileError, is_partial, verify

CHECKSUM_PREFIX = "sha256:"


@dataclass
class Run:
    """One run file: (experiment, strategy, seed) and everything stored about it."""
    path: str
    experiment: str
    strategy: str
    seed: int
    benchmark: str
    scenario: str
    gembench_version: str
    git_commit: str
    machine: str
    blas_threads: int
    #: The numeric kernels' version (0: computed on OpenBLAS, before them) and instruction-set path.
    kernels_version: int
    kernel_path: str
    created: str
    #: The resolved config as YAML text, and flattened ("optimizer.lr" -> "0.1", as stored).
    config_yaml: str
    config: Dict[str, str]
    #: Dataset file name -> SHA-256 (hex) of the files the run used.
    dataset_checksums: Dict[str, str]
    #: R[i, j]: accuracy on task j after training task i (rows x T); b[j]: random init's.
    R: np.ndarray
    b: np.ndarray
    #: The stored metrics: "acc", "bwt", "fwt" (None where undefined), and any other
    #: scalar attribute or dataset of /metrics (e.g. "forgetting" once stored).
    metrics: Dict[str, Optional[float]]
    #: Per task: {"permutation": int32 array, "angle": float, "classes": int32 array}, as stored.
    tasks: List[dict]
    #: Per training iteration: "loss", "task", and "diagnostics" (name -> array); and, when
    #: the file has within-task curves, "accuracy" (steps x T) with "accuracy_step" (steps).
    #: A run summary has "task" (and the within-task curves) only.
    curves: Dict[str, object]
    #: Per task: "task_train_seconds", "task_eval_seconds"; and "total_seconds"; "peak_rss_bytes" and
    #: "peak_rss_scope" ("run" or "process") in files that store them.
    timings: Dict[str, object]
    #: Layer name -> its tensor (reshaped, in layout order); `layout` keeps names, shapes, offsets.
    #: Empty (and `parameter_vector` None) in a run summary.
    parameters: Dict[str, np.ndarray]
    parameter_vector: Optional[np.ndarray]
    layout: List[dict]
    #: {"inputs": N x D, "labels": N, "tasks": N}, or None for strategies without memory (and in
    #: a run summary).
    memory: Optional[Dict[str, np.ndarray]] = None
    #: "run" for a run file, "summary" for a run summary written by `bench summarize`.
    content: str = "run"

    @property
    def file(self):
        return os.path.basename(self.path)

    @property
    def task_count(self):
        return int(self.b.shape[0])


def _metric(attrs, name, undefined):
    value = float(attrs[name])
    return None if name in undefined or np.isnan(value) else value


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def load_run(path):
    """Reads the run file at `path` into a `Run`.

    Raises RunFileError (with `.reason`) when the file is not a complete, intact GEMBench
    run file of schema 1, or lacks a required path.
    """
    content = verify(path)["content"]
    try:
        with h5py.File(path, "r") as f:
            return _read(path, f, content)
    except KeyError as error:
        raise RunFileError(path, f"not a GEMBench run file: missing {error.args[0] if error.args else 'a path'}") from None
    except OSError as error:
        raise RunFileError(path, f"not a GEMBench run file: h5py cannot read it ({error})") from None


def _read(path, f, content):
    a = f.attrs
    if "schema_version" not in a:
        raise RunFileError(path, "not a GEMBench run file: no root attribute 'schema_version'")
    m = f["metrics"]
    undefined = set(filter(None, _text(m.attrs["undefined"]).split(",")))
    R, b = m["accuracy_matrix"][()], m["random_init_accuracy"][()]
    if R.ndim != 2 or b.shape != (R.shape[1],):
        raise RunFileError(path, f"not a GEMBench run file: /metrics/accuracy_matrix {R.shape} and "
                                 f"/metrics/random_init_accuracy {b.shape} do not agree")
    metrics = {name: _metric(m.attrs, name, undefined) for name in m.attrs if name != "undefined"}
    for name, item in m.items():
        if isinstance(item, h5py.Dataset) and item.shape == () and name not in ("accuracy_matrix", "random_init_accuracy"):
            metrics[name] = float(item[()])
    tasks = []
    for j in range(int(f["tasks"].attrs["count"])):
        group = f[f"tasks/{j:03d}"]
        task = {}
        if "permutation" in group:
            task["permutation"] = group["permutation"][()]
        if "angle" in group.attrs:
            task["angle"] = float(group.attrs["angle"])
        if "classes" in group:
            task["classes"] = group["classes"][()]
        tasks.append(task)
    train = f["train"]
    curves = {"task": train["task"][()]}
    if content == "run":
        curves["loss"] = train["loss"][()]
        curves["diagnostics"] = {name: ds[()] for name, ds in train["diagnostics"].items()}
    if "curve" in m:  # runs with eval_every: /metrics/curve S x T, /metrics/curve_step S
        curves["accuracy"] = m["curve"][()]
        curves["accuracy_step"] = m["curve_step"][()]
    timings = {"task_train_seconds": train["task_train_seconds"][()],
               "task_eval_seconds": train["task_eval_seconds"][()],
               "total_seconds": float(train.attrs["total_seconds"])}
    if "peak_rss_bytes" in train.attrs:  # files written before it have neither
        timings["peak_rss_bytes"] = int(train.attrs["peak_rss_bytes"])
        timings["peak_rss_scope"] = _text(train.attrs.get("peak_rss_scope", "process"))
    vector, layout, parameters = None, [], {}
    if content == "run":
        vector = f["model/parameters"][()]
        layout = json.loads(_text(f["model/parameters"].attrs["layout"]))
    for entry in layout:
        start, count = entry["offset"], entry["count"]
        if count != int(np.prod(entry["shape"])) or start < 0 or start + count > vector.shape[0]:
            raise RunFileError(path, f"not a GEMBench run file: layer {entry['name']} does not fit the parameters")
        parameters[entry["name"]] = vector[start:start + count].reshape(entry["shape"])
    memory = None
    if "memory" in f:
        memory = {key: f[f"memory/{key}"][()] for key in ("inputs", "labels", "tasks")}
    return Run(
        path=path, experiment=_text(a["experiment"]), strategy=_text(a["strategy"]), seed=int(a["seed"]),
        benchmark=_text(a["benchmark"]), scenario=_text(f["tasks"].attrs["scenario"]),
        gembench_version=_text(a["gembench_version"]), git_commit=_text(a["git_commit"]),
        machine=_text(a.get("machine", "unknown")), blas_threads=int(a.get("blas_threads", 0)),
        kernels_version=int(a.get("kernels_version", 0)), kernel_path=_text(a.get("kernel_path", "unknown")),
        created=_text(a["created"]), config_yaml=_text(a["config"]),
        config={key: _text(value) for key, value in f["config"].attrs.items()},
        dataset_checksums={key[len(CHECKSUM_PREFIX):]: _text(value) for key, value in a.items()
                           if key.startswith(CHECKSUM_PREFIX)},
        R=R, b=b, metrics=metrics, tasks=tasks, curves=curves, timings=timings,
        parameters=parameters, parameter_vector=vector, layout=layout, memory=memory, content=content)


def config_value(text):
    """A stored config string as a Python value: int, float, bool, None, a tuple for a list
    (`[100, 100]` -> (100, 100); hashable, so pandas can group by it), or the text itself."""
    if text == "null":
        return None
    if text in ("true", "false"):
        return text == "true"
    if text.startswith("["):
        # the canonical config writes lists as flow lists of numbers or double-quoted strings: JSON
        try:
            items = json.loads(text)
        except ValueError:
            return text
        if isinstance(items, list) and all(isinstance(item, (int, float, str)) for item in items):
            return tuple(items)
        return text
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def run_row(run):
    """The DataFrame row of a run: identity, every config key ("config.<key>"), every
    metric (stored; forgetting recomputed from R until run files store it), timings."""
    row = {"file": run.file, "experiment": run.experiment, "benchmark": run.benchmark, "scenario": run.scenario,
           "strategy": run.strategy, "seed": run.seed, "tasks": run.task_count}
    row.update({f"config.{key}": config_value(value) for key, value in sorted(run.config.items())})
    row.update({name: np.nan if value is None else value for name, value in sorted(run.metrics.items())})
    if "forgetting" not in run.metrics:
        forgetting = recompute_metrics(run.R, run.b)["forgetting"]
        row["forgetting"] = np.nan if forgetting is None else forgetting
    row["train_seconds"] = float(np.sum(run.timings["task_train_seconds"]))
    row["eval_seconds"] = float(np.sum(run.timings["task_eval_seconds"]))
    row["total_seconds"] = run.timings["total_seconds"]
    row["peak_rss_bytes"] = run.timings.get("peak_rss_bytes", np.nan)
    row["peak_rss_scope"] = run.timings.get("peak_rss_scope")
    row.update({"gembench_version": run.gembench_version, "git_commit": run.git_commit, "machine": run.machine,
                "created": run.created})
    return row


def load_runs(folder, strict=False):
    """A DataFrame with one row per complete run file of `folder` (not its subfolders).

    Files are read in name order: "*.h5" and the temporary files of unfinished writes
    (always refused). Damaged, truncated, foreign, other-schema and duplicate (same
    experiment, strategy and seed) files are left out, each with a warning; the list of
    (file name, reason) is in `frame.attrs["skipped"]`. With `strict`, the first refused
    file raises RunFileError instead. Undefined metrics are NaN. A folder without run files
    gives an empty frame with a warning that names its subfolders holding run files.
    """
    rows, skipped = _read_folder(folder, strict, run_row)
    frame = pd.DataFrame(rows)
    frame.attrs["skipped"] = skipped
    return frame


def _read_folder(folder, strict, convert):
    """`convert(run)` of each complete run of `folder`, in file name order (a run is dropped
    once converted: parameters and memories of many runs need not fit in memory together),
    and the (file name, reason) of the files left out (see `load_runs`)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as error:
        raise RunFileError(folder, f"cannot list the runs folder ({error.strerror})") from None
    converted, skipped, seen = [], [], {}
    for name in names:
        path = os.path.join(folder, name)
        if not (name.endswith(".h5") or is_partial(name)) or os.path.isdir(path):
            continue
        try:
            run = load_run(path)
            key = (run.experiment, run.strategy, run.seed)
            if key in seen:
                raise RunFileError(path, f"duplicate of {seen[key]} (same experiment, strategy and seed)")
            seen[key] = name
            converted.append(convert(run))
        except RunFileError as error:
            if strict:
                raise
            skipped.append((name, error.reason))
            warnings.warn(f"gembench: skipped {name}: {error.reason}", stacklevel=3)
    if not converted and not skipped:
        _warn_when_runs_are_below(folder, names)
    return converted, skipped


def _warn_when_runs_are_below(folder, names):
    """An empty result from a folder that holds no run files: say so, naming the subfolders
    that do hold run files (a parent folder such as "Results" given for "Results/runs")."""
    below = []
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isdir(path):
            try:
                count = sum(entry.endswith(".h5") for entry in os.listdir(path))
            except OSError:
                continue
            if count:
                below.append(f"{path} ({count})")
    hint = f"; run files (*.h5) are in its subfolders {', '.join(below)}: load one of those" if below else ""
    warnings.warn(f"gembench: no run files (*.h5) in {folder}{hint}", stacklevel=4)


def accuracy_long(runs):
    """The accuracy matrices R of `runs` in long format: one row per (run, i, j) with the
    run's file name, experiment, strategy and seed, i (after training task i), j (the task
    evaluated) and accuracy = R[i, j]. `runs`: a folder (as `load_runs` reads it), a `Run`,
    or a list of `Run`s. Pivot back with `frame.pivot_table(index="i", columns="j",
    values="accuracy")`; b, the random initialisation's accuracies, is `run.b`."""
    def rows(run):
        return [{"run": run.file, "experiment": run.experiment, "strategy": run.strategy, "seed": run.seed,
                 "i": i, "j": j, "accuracy": float(run.R[i, j])}
                for i in range(run.R.shape[0]) for j in range(run.R.shape[1])]
    if isinstance(runs, (str, os.PathLike)):
        per_run, _ = _read_folder(runs, False, rows)
    else:
        per_run = [rows(run) for run in ([runs] if isinstance(runs, Run) else runs)]
    return pd.DataFrame([row for block in per_run for row in block],
                        columns=["run", "experiment", "strategy", "seed", "i", "j", "accuracy"])
