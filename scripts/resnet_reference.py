"""The reduced ResNet18 of GEM's reference code (model/common.py), rewritten with plain
torch.nn for the fixture and timing scripts; parameter names follow torch's module names.

conv3x3(in -> nf) - BN - ReLU; four stages of two BasicBlocks (nf, 2nf, 4nf, 8nf; strides
1, 2, 2, 2); global average pooling of the final 4x4 map; linear to the classes. Unlike the
reference, the input shape is not fixed to 3x32x32 (1x28x28 gives 28-28-14-7-4).
"""
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ReducedResNet18(nn.Module):
    def __init__(self, channels, classes, nf):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, nf, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(nf)
        blocks, cin = [], nf
        for width, stride in ((nf, 1), (2 * nf, 2), (4 * nf, 2), (8 * nf, 2)):
            blocks += [BasicBlock(cin, width, stride), BasicBlock(width, width, 1)]
            cin = width
        self.blocks = nn.Sequential(*blocks)
        self.linear = nn.Linear(8 * nf, classes)

    def forward(self, x):
        out = self.blocks(F.relu(self.bn1(self.conv1(x))))
        assert out.shape[-2:] == (4, 4), f"final map {tuple(out.shape[-2:])}, expected 4x4"
        return self.linear(F.avg_pool2d(out, 4).flatten(1))


def reduced_resnet18(channels, classes, nf):
    return ReducedResNet18(channels, classes, nf)
