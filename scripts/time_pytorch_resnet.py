#!/usr/bin/env python3
"""Times GEM's reduced ResNet18 (nf 20, 3x32x32, 100 classes) in PyTorch on the CPU, to put
beside `bench perf --model resnet18` in the same sitting (docs/performance.md).

Same measurements as Sources/bench/ConvPerf.swift: one SGD step at batch 10, forward + backward
at batch 256, and GEM's reference phase (one train-mode forward + backward per past task of 256
memories, gradients copied out) for 1, 5 and 19 past tasks. Prints min / median of --repeats.

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch
    /tmp/torchvenv/bin/python scripts/time_pytorch_resnet.py --threads 2
"""
import argparse
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from resnet_reference import reduced_resnet18


def timed(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="only 1 past task in the reference phase")
    parser.add_argument("--no-mkldnn", action="store_true", help="PyTorch's own im2col convolution instead of oneDNN")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = not args.no_mkldnn
    torch.manual_seed(0)
    net = reduced_resnet18(channels=3, classes=100, nf=20)
    net.train()
    params = list(net.parameters())
    optimizer = torch.optim.SGD(params, lr=0.1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, mkldnn {torch.backends.mkldnn.enabled}, "
          f"{sum(p.numel() for p in params)} parameters; min / median of {args.repeats}")

    x10, y10 = torch.randn(10, 3, 32, 32), torch.randint(0, 100, (10,))
    def step():
        optimizer.zero_grad()
        F.cross_entropy(net(x10), y10).backward()
        optimizer.step()
    best, median = timed(step, args.repeats * 4)
    print(f"  SGD step, batch 10            {best * 1e3:8.1f} / {median * 1e3:8.1f} ms")

    x256, y256 = torch.randn(256, 3, 32, 32), torch.randint(0, 100, (256,))
    def forward_backward():
        net.zero_grad()
        F.cross_entropy(net(x256), y256).backward()
    best, median = timed(forward_backward, args.repeats)
    print(f"  forward + backward, batch 256 {best * 1e3:8.1f} / {median * 1e3:8.1f} ms  ({256 / best:.0f} images/s)")

    count = sum(p.numel() for p in params)
    for past in (1,) if args.quick else (1, 5, 19):
        memories = torch.randn(past, 256, 3, 32, 32)
        labels = torch.randint(0, 100, (past, 256))
        grads = torch.zeros(count, past)
        def reference_phase():
            for t in range(past):  # as GEM's observe(): one train-mode batch per past task
                net.zero_grad()
                F.cross_entropy(net(memories[t]), labels[t]).backward()
                start = 0
                for p in params:
                    grads[start:start + p.numel(), t].copy_(p.grad.view(-1))
                    start += p.numel()
        best, median = timed(reference_phase, max(1, args.repeats // 2) if past > 5 else args.repeats)
        print(f"  reference phase, {past:2d} past tasks {best:8.3f} / {median:8.3f} s")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
