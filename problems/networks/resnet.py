"""ResNet-20 / ResNet-56, CIFAR variant (He et al. 2016): a 3x3 stem, three stages of basic
blocks (16, 32, 64 channels), global average pool, one linear layer. Shortcuts that change
shape are 1x1 conv + BN projections (option B), so that a stage's residual stream can be
pruned as one coupled group.

Prunable (one gene each): the inner channels of every block (conv1 outputs), and the residual
stream of each stage (the stem or projection, every conv2 of the stage, and all their consumers
together). ResNet-20: 9 + 3 = 12 genes; ResNet-56: 27 + 3 = 30 genes.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import nn

from hamp_bench.problems.networks.base import PrunableNet, conv_bn


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1, self.bn1 = conv_bn(cin, cout, 3, stride)
        self.conv2, self.bn2 = conv_bn(cout, cout, 3, 1)
        self.projection = stride != 1 or cin != cout
        self.shortcut = (
            nn.Sequential(*conv_bn(cin, cout, 1, stride)) if self.projection else nn.Identity()
        )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class CifarResNet(PrunableNet):
    def __init__(
        self,
        depth: int,
        in_channels: int = 3,
        num_classes: int = 10,
        input_size: int = 32,
        width: float = 1.0,
    ):
        super().__init__(in_channels, num_classes, input_size)
        if (depth - 2) % 6:
            raise ValueError(f"CIFAR ResNet depth must be 6n+2, got {depth}")
        n = (depth - 2) // 6
        widths = [max(1, round(w * width)) for w in (16, 32, 64)]
        self.stem = nn.Sequential(*conv_bn(in_channels, widths[0]), nn.ReLU(inplace=True))
        hw, cin = input_size, widths[0]
        stream_producers: list[list[tuple[str, str]]] = [[("stem.0", "stem.1")], [], []]
        stream_consumers: list[list[str]] = [[], [], []]
        for s, cout in enumerate(widths):
            blocks = []
            for b in range(n):
                stride = 2 if (b == 0 and s > 0 and hw >= 2) else 1
                block = BasicBlock(cin, cout, stride)
                prefix = f"stage{s + 1}.{b}"
                # inputs come from the previous stage's stream for the first block of a stage
                source = s - 1 if (b == 0 and s > 0) else s
                stream_consumers[source].append(f"{prefix}.conv1")
                if block.projection:
                    stream_consumers[source].append(f"{prefix}.shortcut.0")
                    stream_producers[s].append((f"{prefix}.shortcut.0", f"{prefix}.shortcut.1"))
                stream_producers[s].append((f"{prefix}.conv2", f"{prefix}.bn2"))
                self.add_group(
                    f"{prefix}.inner",
                    cout,
                    [(f"{prefix}.conv1", f"{prefix}.bn1")],
                    [f"{prefix}.conv2"],
                )
                self.add_residual(prefix, f"{prefix}.conv1")
                blocks.append(block)
                hw //= stride
                cin = cout
            setattr(self, f"stage{s + 1}", nn.Sequential(*blocks))
        stream_consumers[2].append("classifier")
        for s in range(3):
            self.add_group(
                f"stage{s + 1}.stream", widths[s], stream_producers[s], stream_consumers[s]
            )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(widths[2], num_classes)

    def forward(self, x):
        x = self.stage3(self.stage2(self.stage1(self.stem(x))))
        return self.classifier(self.pool(x).flatten(1))


def resnet20(**kwargs) -> CifarResNet:
    return CifarResNet(20, **kwargs)


def resnet56(**kwargs) -> CifarResNet:
    return CifarResNet(56, **kwargs)
