"""Analytic costs of pruned networks, vectorised over genomes: MACs, parameters and peak
activation memory, from the layer shapes of the full network and a genome's keep counts.

The layer list is traced once from the unpruned network (spatial sizes from a forward pass,
channel groups from the network's declaration); after that, costs of any number of genomes
are numpy array arithmetic, with no network built. Tests check every figure against the
physically pruned network.

Memory (docs/problems.md): weights at `bytes_per_value` (conv and linear weights plus one bias
per output channel: BN folded into the conv, as inference runtimes do) plus the peak activation
memory at batch 1: the maximum over conv and linear layers, in execution order, of input +
output + any residual-block input held for its skip connection (BN, activations, pooling and
additions are taken as fused into or smaller than the layers around them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from hamp_bench.problems.networks.base import PrunableNet


@dataclass(frozen=True)
class LayerSpec:
    name: str
    op: str  # "conv", "dwconv" or "linear"
    kernel: int
    stride: int
    in_hw: int
    out_hw: int
    cin: int  # channels of the unpruned network
    cout: int
    in_group: int  # index of the channel group of the inputs, or -1 (never pruned)
    out_group: int
    bias: bool
    skip_channels: int = 0  # residual-block input alive during this layer (0: none)
    skip_group: int = -1
    skip_hw: int = 0


def trace_layers(net: PrunableNet) -> list[LayerSpec]:
    """Conv and linear layers of `net` in execution order, with their group membership."""
    shapes: dict[str, tuple[int, int]] = {}
    order: list[str] = []
    hooks = []
    for name, m in net.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):

            def hook(mod, inp, out, name=name):
                order.append(name)
                x = inp[0]
                shapes[name] = (
                    x.shape[-1] if x.dim() == 4 else 1,
                    out.shape[-1] if out.dim() == 4 else 1,
                )

            hooks.append(m.register_forward_hook(hook))
    was_training = net.training
    net.eval()
    with torch.no_grad():
        net(net.example_input())
    net.train(was_training)
    for h in hooks:
        h.remove()

    in_group, out_group = {}, {}
    for g, group in enumerate(net.channel_groups):
        for conv, _ in group.producers:
            out_group[conv] = g
        for conv, _ in group.passthrough:
            in_group[conv] = out_group[conv] = g
        for consumer in group.consumers:
            in_group[consumer] = g

    modules = dict(net.named_modules())
    specs = []
    for name in order:
        m = modules[name]
        if isinstance(m, nn.Linear):
            op, k, s, cin, cout = "linear", 1, 1, m.in_features, m.out_features
        else:
            dw = m.groups > 1 and m.groups == m.in_channels == m.out_channels
            op, k, s = ("dwconv" if dw else "conv"), m.kernel_size[0], m.stride[0]
            cin, cout = m.in_channels, m.out_channels
        specs.append(
            LayerSpec(
                name,
                op,
                k,
                s,
                shapes[name][0],
                shapes[name][1],
                cin,
                cout,
                in_group.get(name, -1),
                out_group.get(name, -1),
                m.bias is not None,
            )
        )

    by_name = {s.name: s for s in specs}
    for block, entry in net.residual_blocks:
        e = by_name[entry]
        for i, s in enumerate(specs):
            if s.name.startswith(block + "."):
                specs[i] = LayerSpec(
                    **{
                        **s.__dict__,
                        "skip_channels": e.cin,
                        "skip_group": e.in_group,
                        "skip_hw": e.in_hw,
                    }
                )
    return specs


class CostModel:
    """MACs, parameters and memory of pruned variants of one network, vectorised."""

    def __init__(self, specs: list[LayerSpec], n_groups: int):
        self.specs = specs
        self.n_groups = n_groups
        a = lambda attr: np.array([getattr(s, attr) for s in specs])  # noqa: E731
        self.op = a("op")
        self.kernel, self.in_hw, self.out_hw = a("kernel"), a("in_hw"), a("out_hw")
        self.cin, self.cout, self.in_group, self.out_group = (
            a("cin"),
            a("cout"),
            a("in_group"),
            a("out_group"),
        )
        self.bias = a("bias")
        self.skip_channels, self.skip_group, self.skip_hw = (
            a("skip_channels"),
            a("skip_group"),
            a("skip_hw"),
        )
        self.depthwise = self.op == "dwconv"

    def channels(self, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cin, cout, skip) channels per genome and layer, each of shape (n, layers)."""
        keep = np.atleast_2d(keep)
        pick = lambda full, group: np.where(group >= 0, keep[:, np.maximum(group, 0)], full)  # noqa: E731
        return (
            pick(self.cin, self.in_group),
            pick(self.cout, self.out_group),
            pick(self.skip_channels, self.skip_group),
        )

    def layer_macs(self, keep: np.ndarray) -> np.ndarray:
        cin, cout, _ = self.channels(keep)
        fan_in = np.where(self.depthwise, 1, cin) * self.kernel**2
        return cout * fan_in * self.out_hw**2

    def macs(self, keep: np.ndarray) -> np.ndarray:
        return self.layer_macs(keep).sum(axis=1)

    def params(self, keep: np.ndarray) -> np.ndarray:
        """Trainable parameters as PyTorch counts them (weights, biases, BN scale and shift)."""
        cin, cout, _ = self.channels(keep)
        fan_in = np.where(self.depthwise, 1, cin) * self.kernel**2
        bn = np.where(self.op == "linear", 0, 2 * cout)  # every conv here is followed by a BN
        return (cout * fan_in + self.bias * cout + bn).sum(axis=1)

    def deployed_values(self, keep: np.ndarray) -> np.ndarray:
        """Stored values after BN folding: weights plus one bias per output channel."""
        cin, cout, _ = self.channels(keep)
        fan_in = np.where(self.depthwise, 1, cin) * self.kernel**2
        return (cout * fan_in + cout).sum(axis=1)

    def peak_activation(self, keep: np.ndarray) -> np.ndarray:
        """Largest live activation count at batch 1 (see the module docstring)."""
        cin, cout, skip = self.channels(keep)
        live = cin * self.in_hw**2 + cout * self.out_hw**2 + skip * self.skip_hw**2
        return live.max(axis=1)

    def memory_mb(self, keep: np.ndarray, bytes_per_value: int = 4) -> np.ndarray:
        """Weights plus peak activations, in MB (10^6 bytes)."""
        values = self.deployed_values(keep) + self.peak_activation(keep)
        return values * bytes_per_value / 1e6


def count_macs(net: nn.Module, example: torch.Tensor) -> int:
    """MACs of conv and linear layers measured by hooks on a real forward pass (for checks)."""
    total = 0

    def hook(m, inp, out):
        nonlocal total
        if isinstance(m, nn.Linear):
            total += m.in_features * m.out_features
        else:
            total += (
                out.numel()
                // out.shape[0]
                * (m.in_channels // m.groups)
                * m.kernel_size[0]
                * m.kernel_size[1]
            )

    hooks = [
        m.register_forward_hook(hook)
        for m in net.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    with torch.no_grad():
        net.eval()
        net(example)
    for h in hooks:
        h.remove()
    return total
