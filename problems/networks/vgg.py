"""VGG-16 with batch norm, CIFAR variant: 13 3x3 convs, global average pool, one linear layer.

Prunable: the output channels of all 13 convs (one gene each).
Max pools run only while the feature map is at least 2x2, so 28x28 inputs work too.
"""

from __future__ import annotations

from torch import nn

from hamp_bench.problems.networks.base import PrunableNet, conv_bn

VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


class VGG(PrunableNet):
    def __init__(
        self,
        in_channels: int = 3,
        num_classes: int = 10,
        input_size: int = 32,
        width: float = 1.0,
        plan=VGG16,
    ):
        super().__init__(in_channels, num_classes, input_size)
        layers: list[nn.Module] = []
        convs: list[tuple[str, str, int]] = []
        c, hw = in_channels, input_size
        for v in plan:
            if v == "M":
                if hw >= 2:
                    layers.append(nn.MaxPool2d(2))
                    hw //= 2
                continue
            v = max(1, round(v * width))
            convs.append((f"features.{len(layers)}", f"features.{len(layers) + 1}", v))
            layers += [*conv_bn(c, v), nn.ReLU(inplace=True)]
            c = v
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)
        for i, (conv, bn, size) in enumerate(convs):
            consumer = convs[i + 1][0] if i + 1 < len(convs) else "classifier"
            self.add_group(f"conv{i + 1}", size, [(conv, bn)], [consumer])

    def forward(self, x):
        return self.classifier(self.pool(self.features(x)).flatten(1))


def vgg16(**kwargs) -> VGG:
    return VGG(plan=VGG16, **kwargs)
