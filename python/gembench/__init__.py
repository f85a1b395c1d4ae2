"""Read GEMBench run files (HDF5) into Python: `load_run`, `load_runs`, `accuracy_long`,
`recompute_metrics`; and a run's event log while it trains: `read_events`.

Layout: docs/hdf5-layout.md. Every file's 512-byte seal is checked before h5py opens it,
so damaged files are refused with the reason, as `bench report` does.
"""
from .evaluate import final_accuracies, final_correct, predict
from .events import RunEvents, events_path, read_events
from .metrics import recompute_metrics
from .runs import Run, accuracy_long, load_run, load_runs
from .seal import RunFileError, verify

__all__ = ["Run", "RunEvents", "RunFileError", "accuracy_long", "events_path", "final_accuracies", "final_correct",
           "load_run", "load_runs", "predict", "read_events", "recompute_metrics", "verify"]
