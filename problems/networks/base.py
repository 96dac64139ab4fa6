"""What every prunable network declares: its channel groups, and the residual blocks whose
input stays alive while the block runs.

A channel group is a set of channels that must be pruned together: the output channels of its
producers (a conv and the BN after it), any depthwise convs that pass them through, and the
input channels of its consumers (convs or the classifier). In a residual stage all the convs
that add into the same stream form one group.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class ChannelGroup:
    name: str
    size: int
    producers: tuple[tuple[str, str], ...]  # (conv, bn) pairs whose outputs are the group
    consumers: tuple[str, ...]  # convs / linears whose inputs are the group
    passthrough: tuple[tuple[str, str], ...] = ()  # depthwise (conv, bn) inside the group


class PrunableNet(nn.Module):
    """Base of the suite's networks (plain torch, CIFAR-style, any input channels and size)."""

    def __init__(self, in_channels: int, num_classes: int, input_size: int):
        super().__init__()
        self.in_channels, self.num_classes, self.input_size = in_channels, num_classes, input_size
        self._groups: list[ChannelGroup] = []
        self._residual_blocks: list[tuple[str, str]] = []

    # -- declared by each network as it builds itself ----------------------------------------
    def add_group(self, name: str, size: int, producers, consumers, passthrough=()) -> None:
        self._groups.append(
            ChannelGroup(name, size, tuple(producers), tuple(consumers), tuple(passthrough))
        )

    def add_residual(self, block: str, entry_conv: str) -> None:
        """A residual block (module name) whose input, the input of `entry_conv`, stays alive
        while the block runs (for the skip connection)."""
        self._residual_blocks.append((block, entry_conv))

    @property
    def channel_groups(self) -> list[ChannelGroup]:
        return list(self._groups)

    @property
    def residual_blocks(self) -> list[tuple[str, str]]:
        return list(self._residual_blocks)

    def example_input(self, batch: int = 1) -> torch.Tensor:
        return torch.zeros(batch, self.in_channels, self.input_size, self.input_size)


def conv_bn(
    cin: int, cout: int, kernel: int = 3, stride: int = 1, groups: int = 1
) -> list[nn.Module]:
    return [
        nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
    ]
