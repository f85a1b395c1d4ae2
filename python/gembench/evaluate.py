"""Forward passes of a run's stored final parameters with numpy, independently of the
Swift code: the accuracy on every task after the last one (the last row of R).

The network is read from the stored layout: linear layers named `layer<i>.weight` /
`layer<i>.bias` (weight out x in, y = x Wᵀ + b), with ReLU between them, as
`Network.mlp` builds them; a task-specific layer is `layer<i>.task<t>.*` (multimodal's
input layer) and one network per task is `task<t>.layer<i>.*` (independent). Progressive
networks (`pnn`) store column t as `task<t>.layer0.fc<i>.*`: its layer i above the first reads
the hidden layer i−1 of columns 0…t side by side, its own last (Rusu et al. 2016, eq. 1), and
task t is predicted by column t. In the task-incremental scenario a task's prediction is the
best of its own classes; otherwise of all classes.
"""
import re

import numpy as np

from .data import task_test_sets

_NAME = re.compile(r"^(?:task(\d+)\.)?layer(\d+)(?:\.task(\d+))?\.(weight|bias)$")
_COLUMN = re.compile(r"^task(\d+)\.layer0\.fc(\d+)\.(weight|bias)$")


def progressive_columns(run):
    """{column: [(W, b), ...]} of a progressive network's run, or None for other runs."""
    columns = {}
    for name, tensor in run.parameters.items():
        match = _COLUMN.match(name)
        if not match:
            return None
        column, index, kind = match.groups()
        columns.setdefault(int(column), {}).setdefault(int(index), {})[kind] = tensor.astype(np.float64)
    return {c: [(layers[i]["weight"], layers[i]["bias"]) for i in sorted(layers)] for c, layers in columns.items()}


def progressive_logits(columns, inputs, task):
    """Column `task`'s logits: every column 0…task computed in turn, each layer above the
    first fed with the columns' previous hidden layers side by side."""
    hidden = []  # hidden[j][i]: column j's hidden layer i
    for j in range(task + 1):
        own = []
        for i, (weight, bias) in enumerate(columns[j]):
            h = inputs if i == 0 else np.concatenate([hidden[c][i - 1] for c in range(j)] + [own[i - 1]], axis=1)
            h = h @ weight.T + bias
            if i == len(columns[j]) - 1:
                logits = h
            else:
                own.append(np.maximum(h, 0))
        hidden.append(own)
    return logits


def linear_layers(run, task):
    """[(W, b), ...] in order: the parameters that evaluate `task` (0-based)."""
    layers = {}
    for name, tensor in run.parameters.items():
        match = _NAME.match(name)
        if not match:
            raise ValueError(f"{run.file}: parameter {name!r} is not a linear layer this reader knows "
                             "(layer<i>.weight/bias, optionally per task)")
        network, index, routed, kind = match.groups()
        owner = network if network is not None else routed
        if owner is not None and int(owner) != task:
            continue
        layers.setdefault(int(index), {})[kind] = tensor
    ordered = [layers[i] for i in sorted(layers)]
    if not ordered or any(set(layer) != {"weight", "bias"} for layer in ordered):
        raise ValueError(f"{run.file}: no complete weight and bias per layer for task {task}")
    return [(layer["weight"].astype(np.float64), layer["bias"].astype(np.float64)) for layer in ordered]


def predict(run, inputs, task):
    """Predicted classes of `inputs` (n x D) as task `task` of the run (float64 arithmetic)."""
    if run.content == "summary":
        raise ValueError(f"{run.file}: a run summary keeps no parameters; predict with its run file")
    h = np.asarray(inputs, dtype=np.float64)
    columns = progressive_columns(run)
    if columns is not None:
        h = progressive_logits(columns, h, task)
    else:
        layers = linear_layers(run, task)
        for k, (weight, bias) in enumerate(layers):
            h = h @ weight.T + bias
            if k < len(layers) - 1:
                h = np.maximum(h, 0)
    if run.scenario == "task-incremental":
        allowed = np.zeros(h.shape[1], dtype=bool)
        allowed[np.asarray(run.tasks[task]["classes"], dtype=np.int64)] = True
        h = np.where(allowed, h, -np.inf)
    return np.argmax(h, axis=1)  # the first of equal maxima, as Network.predict


def final_correct(run, data_dir=None):
    """Per task: (correct predictions, test samples) of the final parameters."""
    counts = []
    for task, (inputs, labels) in enumerate(task_test_sets(run, data_dir)):
        counts.append((int(np.sum(predict(run, inputs, task) == labels)), len(labels)))
    return counts


def final_accuracies(run, data_dir=None):
    """The accuracy on every task of the final parameters: the last row of R, recomputed."""
    return np.array([correct / total for correct, total in final_correct(run, data_dir)])
