"""MobileNetV2, CIFAR variant (stride-1 stem and first 24-channel stage, as is usual for 32x32
inputs): inverted residual blocks (1x1 expand, 3x3 depthwise, 1x1 project), a 1x1 conv to 1280
channels, global average pool, one linear layer.

Prunable (one gene each): the expanded (hidden) channels of each block with expansion 6 (the
expand conv's outputs, the depthwise conv that passes them through, the project conv's inputs),
and the final 1x1 conv's outputs: 16 + 1 = 17 genes. Block outputs stay whole: they are tied by
residual additions across blocks of different widths, and pruning them buys little.
"""

from __future__ import annotations

from torch import nn

from hamp_bench.problems.networks.base import PrunableNet, conv_bn

# expansion t, output channels c, repeats n, first stride s
CIFAR_PLAN = (
    (1, 16, 1, 1),
    (6, 24, 2, 1),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expansion: int):
        super().__init__()
        hidden = cin * expansion
        self.expand = (
            nn.Sequential(*conv_bn(cin, hidden, 1), nn.ReLU6(inplace=True))
            if expansion != 1
            else None
        )
        self.dw = nn.Sequential(
            *conv_bn(hidden, hidden, 3, stride, groups=hidden), nn.ReLU6(inplace=True)
        )
        self.project = nn.Sequential(*conv_bn(hidden, cout, 1))
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        out = self.expand(x) if self.expand is not None else x
        out = self.project(self.dw(out))
        return x + out if self.residual else out


class MobileNetV2(PrunableNet):
    def __init__(
        self,
        in_channels: int = 3,
        num_classes: int = 10,
        input_size: int = 32,
        width: float = 1.0,
        plan=CIFAR_PLAN,
        last_channels: int = 1280,
    ):
        super().__init__(in_channels, num_classes, input_size)
        c = max(1, round(32 * width))
        self.stem = nn.Sequential(*conv_bn(in_channels, c), nn.ReLU6(inplace=True))
        blocks, hw = [], input_size
        for t, cout, n, s in plan:
            cout = max(1, round(cout * width))
            for i in range(n):
                stride = s if (i == 0 and hw >= 2) else 1
                block = InvertedResidual(c, cout, stride, t)
                name = f"blocks.{len(blocks)}"
                if block.expand is not None:
                    self.add_group(
                        f"{name}.hidden",
                        c * t,
                        [(f"{name}.expand.0", f"{name}.expand.1")],
                        [f"{name}.project.0"],
                        [(f"{name}.dw.0", f"{name}.dw.1")],
                    )
                if block.residual:
                    entry = f"{name}.expand.0" if block.expand is not None else f"{name}.dw.0"
                    self.add_residual(name, entry)
                blocks.append(block)
                hw //= stride
                c = cout
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(*conv_bn(c, last_channels, 1), nn.ReLU6(inplace=True))
        self.add_group("head", last_channels, [("head.0", "head.1")], ["classifier"])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(last_channels, num_classes)

    def forward(self, x):
        x = self.head(self.blocks(self.stem(x)))
        return self.classifier(self.pool(x).flatten(1))
