#!/usr/bin/env python3
"""Writes Tests/Fixtures/resnet-pytorch.json: GEM's reduced ResNet18 in PyTorch (scripts/
resnet_reference.py) at small widths, with fixed weights and inputs, after one train-mode step.

Weights, inputs and labels come from an integer hash that Swift recomputes exactly (see
fixture_values), so only PyTorch's outputs are stored: the logits and loss of a train-mode
forward, every parameter gradient (flat, in torch's named_parameters order, which is our
Network layout order), the running statistics after that forward (running_mean, running_var
of each BatchNorm2d in module order = our Network.stateLayout), and eval-mode logits after
one SGD step (lr 0.1) on those gradients. Float32 arrays are stored as base64 little-endian.

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch
    cd scripts && /tmp/torchvenv/bin/python make_resnet_fixture.py
"""
import base64
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from resnet_reference import reduced_resnet18

CASES = [  # (name, channels, height, width, classes, nf, batch)
    ("cifar-shape-nf4", 3, 32, 32, 10, 4, 6),
    ("mnist-shape-nf2", 1, 28, 28, 5, 2, 4),
]


def fixture_values(count, salt, limit):
    """(2u - 1) * limit with u = ((i + salt) * 2654435761 mod 2^32) / 2^32, in float64, then float32."""
    i = np.arange(count, dtype=np.uint64) + np.uint64(salt)
    u = ((i * np.uint64(2654435761)) % np.uint64(2 ** 32)).astype(np.float64) / 2.0 ** 32
    return ((2 * u - 1) * limit).astype(np.float32)


def encode(array):
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode()


def make_case(name, channels, height, width, classes, nf, batch):
    net = reduced_resnet18(channels, classes, nf)
    start = 0
    with torch.no_grad():
        for pname, p in net.named_parameters():
            if p.dim() > 1:    # conv and linear weights: U(+-1/sqrt(fan-in)) like torch's default
                limit = 1 / np.sqrt(p[0].numel())
                values = fixture_values(p.numel(), start, limit)
            elif "bn" in pname or "shortcut.1" in pname:
                values = fixture_values(p.numel(), start, 0.2) + (1 if pname.endswith("weight") else 0)
            else:              # linear bias
                values = fixture_values(p.numel(), start, 0.1)
            p.copy_(torch.from_numpy(values.astype(np.float32)).view_as(p))
            start += p.numel()
    x = torch.from_numpy(fixture_values(batch * channels * height * width, 7, 1.0)).view(batch, channels, height, width)
    labels = torch.arange(batch) % classes
    net.train()
    logits = net(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    grads = torch.cat([p.grad.reshape(-1) for p in net.parameters()])
    stats = torch.cat([b.reshape(-1) for n, b in net.named_buffers() if not n.endswith("num_batches_tracked")])
    names = [(n, list(p.shape)) for n, p in net.named_parameters()]
    with torch.no_grad():
        for p in net.parameters():
            p -= 0.1 * p.grad
    net.eval()
    with torch.no_grad():
        eval_logits = net(x)
    return {
        "name": name, "channels": channels, "height": height, "width": width, "classes": classes, "nf": nf,
        "batch": batch, "parameterCount": int(grads.numel()), "parameters": names,
        "loss": float(loss.detach()), "logits": encode(logits.detach().numpy()), "gradients": encode(grads.numpy()),
        "runningStatistics": encode(stats.numpy()), "evalLogitsAfterStep": encode(eval_logits.numpy()),
    }


def main():
    torch.set_num_threads(1)
    out = {"generator": f"scripts/make_resnet_fixture.py, torch {torch.__version__}",
           "cases": [make_case(*case) for case in CASES]}
    path = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "resnet-pytorch.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}: " + ", ".join(f"{c['name']} ({c['parameterCount']} parameters)" for c in out["cases"]))


if __name__ == "__main__":
    main()
