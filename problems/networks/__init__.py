"""Networks in plain torch (torchvision does not run beside this torch): each declares its
prunable channel groups. `build_network` is the one way the suite makes them."""

from __future__ import annotations

from functools import partial

from hamp_bench.errors import ConfigError
from hamp_bench.problems.networks.base import ChannelGroup, PrunableNet
from hamp_bench.problems.networks.lenet import LeNet5
from hamp_bench.problems.networks.mobilenetv2 import MobileNetV2
from hamp_bench.problems.networks.resnet import resnet20, resnet56
from hamp_bench.problems.networks.vgg import VGG, vgg16

NETWORKS = {
    "vgg16": vgg16,
    "resnet20": resnet20,
    "resnet56": resnet56,
    "mobilenetv2": MobileNetV2,
    "lenet5": LeNet5,  # EMOMC's MNIST network (one prunable group: conv1)
    # a small, fast VGG-style network for tests and smoke runs: 3 convs, 2 pools
    "tiny": partial(VGG, plan=(16, "M", 32, "M", 32)),
}


def build_network(
    name: str, in_channels: int, num_classes: int, input_size: int, width: float = 1.0
) -> PrunableNet:
    if name not in NETWORKS:
        raise ConfigError(f"network.name={name!r} is unknown; choose one of {sorted(NETWORKS)}")
    if width <= 0:
        raise ConfigError(f"network.width must be positive, got {width}")
    return NETWORKS[name](
        in_channels=in_channels, num_classes=num_classes, input_size=input_size, width=width
    )


__all__ = ["ChannelGroup", "NETWORKS", "PrunableNet", "build_network"]
