"""Reading a run's event log, `<run id>.events.jsonl` beside its run file, while the run goes on
(layout: docs/experiments.md#the-event-log).

`bench run` writes one JSON object per line as the run trains: run_start, random_init (b),
task_start, loss (the mean of the last `steps` step losses), curve, task_end (a row of R),
resume, run_end. A line is written whole by one write(2), so only the last line can be torn
(the run is writing it, or was killed then): it is skipped. A resumed run appends to its log,
so a task may appear twice; the later record wins (it has the same numbers).
"""
import json
import os
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import pandas as pd

EVENTS_SUFFIX = ".events.jsonl"


def events_path(path):
    """The event log of a run file (`X.h5` -> `X.events.jsonl`); an event log's path is kept."""
    path = os.fspath(path)
    return path[:-3] + EVENTS_SUFFIX if path.endswith(".h5") else path


@dataclass
class RunEvents:
    """The events of one run so far."""
    path: str
    #: Every complete line, parsed, in file order.
    records: List[dict]

    @property
    def frame(self):
        """All records as one DataFrame (one row per event; `time` as Unix seconds)."""
        return pd.DataFrame(self.records)

    @property
    def status(self):
        """The run_end status after the last run_start (finished, checkpointed, diverged, interrupted,
        failed), or "running" (also what the log of a killed process says)."""
        starts = [i for i, r in enumerate(self.records) if r["event"] == "run_start"]
        ends = [r for r in self.records[starts[-1] if starts else 0:] if r["event"] == "run_end"]
        return ends[-1]["status"] if ends else "running"

    @property
    def b(self) -> Optional[np.ndarray]:
        """Accuracy of the randomly initialised model on every task, once evaluated."""
        found = [r for r in self.records if r["event"] == "random_init"]
        return np.array(found[-1]["accuracy"], dtype=np.float64) if found else None

    @property
    def R(self) -> np.ndarray:
        """The rows of R evaluated so far (tasks ended x T): row i after training task i."""
        rows = {}
        for r in self.records:
            if r["event"] == "task_end":
                rows[r["task"]] = r["accuracy"]
        ended = 0
        while ended in rows:
            ended += 1
        width = len(rows[0]) if rows else 0
        return np.array([rows[i] for i in range(ended)], dtype=np.float64).reshape(ended, width)

    @property
    def losses(self):
        """One row per `loss` event: task, step (in the task), iteration, loss (mean of `steps` step losses)."""
        columns = ["task", "step", "iteration", "loss", "steps", "time"]
        found = pd.DataFrame([r for r in self.records if r["event"] == "loss"], columns=columns)
        return found.drop_duplicates("iteration", keep="last").reset_index(drop=True)


def read_events(path) -> RunEvents:
    """The event log of a run (its path, or the run file's path) as far as it is written.

    A torn last line is skipped; a broken line before it raises ValueError naming FILE:LINE.
    """
    path = events_path(path)
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    # the text after the last newline is a line still being written (or cut by a kill)
    complete = lines[:-1]
    records = []
    for number, line in enumerate(complete, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"{path}:{number}: not a JSON event: {error}") from None
        if not isinstance(record, dict) or "event" not in record:
            raise ValueError(f"{path}:{number}: not an event (a JSON object with an \"event\" key)")
        records.append(record)
    return RunEvents(path=path, records=records)
