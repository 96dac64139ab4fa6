"""LeNet-5 (LeCun et al. 1998), the network EMOMC compresses on MNIST: two 5x5 convs with 2x2 max
pools, then linear layers of 120 and 84 units and the classifier.

Ours: batch norm after each conv (so that the suite's channel pruning, which prunes (conv, BN)
pairs, applies) and ReLU instead of tanh. Prunable: the output channels of conv1 only (one
gene). conv2's output is flattened into fc1, whose inputs are channel x position, and the
linear layers' hidden units have no BN: the channel-pruning seam does not cut those. EMOMC's
unstructured pruning and quantisation (problems/emomc) reach every conv and linear layer.
"""

from __future__ import annotations

from torch import nn

from hamp_bench.errors import ConfigError
from hamp_bench.problems.networks.base import PrunableNet

PLAN = (6, 16, 120, 84)  # conv1, conv2 channels; fc1, fc2 units


class LeNet5(PrunableNet):
    def __init__(
        self, in_channels: int = 1, num_classes: int = 10, input_size: int = 32, width: float = 1.0
    ):
        super().__init__(in_channels, num_classes, input_size)
        c1, c2, f1, f2 = (max(1, round(v * width)) for v in PLAN)
        side = ((input_size - 4) // 2 - 4) // 2  # two unpadded 5x5 convs, each then a 2x2 pool
        if side < 1:
            raise ConfigError(
                f"LeNet-5 needs inputs of at least 16x16 pixels, got {input_size}; "
                "set dataset.image_size=32 (its usual input) or larger"
            )
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, 5, bias=False),
            nn.BatchNorm2d(c1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 5, bias=False),
            nn.BatchNorm2d(c2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.fc1 = nn.Linear(c2 * side * side, f1)
        self.fc2 = nn.Linear(f1, f2)
        self.classifier = nn.Linear(f2, num_classes)
        self.relu = nn.ReLU(inplace=True)
        self.add_group("conv1", c1, [("features.0", "features.1")], ["features.4"])

    def forward(self, x):
        x = self.features(x).flatten(1)
        return self.classifier(self.relu(self.fc2(self.relu(self.fc1(x)))))
