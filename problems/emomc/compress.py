"""EMOMC's compression of a trained network (Wang et al., IEEE CIM 2021), our code: unstructured
magnitude pruning of every conv and linear layer to one density, then symmetric uniform
quantisation of each layer's weights to its own bit width (quantise after pruning, as EMOMC
does). `layers_of` reads the same layers as costs.Layer records for the energy and size models.

Quantisation at b bits, per layer: step = max |w| / (2^(b-1) - 1), w -> round(w / step) x step,
so the weights take at most 2^b - 1 values, zero included, and pruned weights stay zero. At one
bit there is no such step; the kept weights become max |w| x sign(w) (two values; the pruned
zeros are the mask's, stored apart from the codes). Bits outside [1, 16] are refused."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import prune

from hamp_bench.errors import ConfigError
from hamp_bench.problems.emomc.costs import Layer

MIN_BITS, MAX_BITS = 1, 16


def compressible(model: nn.Module) -> list[nn.Module]:
    """The conv and linear layers, in the order of `model.modules()`: one bit width each."""
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def check_bits(bits, n_layers: int) -> list[int]:
    bits = [int(b) for b in bits]
    if len(bits) != n_layers:
        raise ConfigError(
            f"bits: {len(bits)} bit widths for a network of {n_layers} conv and linear layers; "
            f"give one per layer"
        )
    bad = [b for b in bits if not MIN_BITS <= b <= MAX_BITS]
    if bad:
        raise ConfigError(
            f"bits: {bad[0]} is outside [{MIN_BITS}, {MAX_BITS}]; every layer's bit width must be "
            f"an integer from {MIN_BITS} to {MAX_BITS}"
        )
    return bits


def check_density(density: float) -> float:
    if not 0.0 < float(density) <= 1.0:
        raise ConfigError(
            f"density: {density} is not in (0, 1]; it is the share of each layer's weights kept"
        )
    return float(density)


def magnitude_mask(weight: torch.Tensor, density: float) -> torch.Tensor:
    """torch's L1-unstructured pruning mask (True: kept): the round((1 - density) x n) weights
    of least magnitude pruned, so the pruned fraction is exact whatever ties there are."""
    rule = prune.L1Unstructured(amount=1.0 - density)
    return rule.compute_mask(weight.detach(), torch.ones_like(weight)).bool()


def quantise(weight: torch.Tensor, bits: int) -> torch.Tensor:
    """Symmetric uniform quantisation of one layer's weights, scale max |w| (module docstring)."""
    top = weight.detach().abs().max()
    if top == 0:
        return weight.detach().clone()
    if bits == 1:
        return top * torch.sign(weight.detach())
    step = top / (2 ** (bits - 1) - 1)
    return torch.round(weight.detach() / step) * step


@torch.no_grad()
def compress(model: nn.Module, density: float, bits) -> list[torch.Tensor]:
    """Prune every conv and linear layer of `model` to `density` by magnitude, then quantise
    each to its bit width, in place. Returns the masks (True: kept), one per layer, which a
    fine-tuning step must reapply (and requantise) to keep the configuration."""
    layers = compressible(model)
    density, bits = check_density(density), check_bits(bits, len(layers))
    masks = []
    for layer, b in zip(layers, bits):
        mask = magnitude_mask(layer.weight, density)
        layer.weight.copy_(quantise(layer.weight * mask, b))
        masks.append(mask)
    return masks


@torch.no_grad()
def layers_of(model: nn.Module, input_shape: tuple[int, ...]) -> list[Layer]:
    """costs.Layer records of `model`'s conv and linear layers, the output map sizes from one
    forward pass of a zero batch of `input_shape` (C, H, W)."""
    mods = compressible(model)
    positions: dict[int, int] = {}

    def record(mod, _inputs, out):
        positions[id(mod)] = out[0, 0].numel()

    hooks = [m.register_forward_hook(record) for m in mods if isinstance(m, nn.Conv2d)]
    was_training = model.training
    model.eval()
    try:
        param = next(model.parameters())
        model(torch.zeros((1, *input_shape), dtype=param.dtype, device=param.device))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    out = []
    for m in mods:
        if isinstance(m, nn.Linear):
            out.append(Layer("linear", cin=m.in_features, cout=m.out_features))
        else:
            kh, kw = m.kernel_size
            out.append(
                Layer(
                    "conv",
                    cin=m.in_channels,
                    cout=m.out_channels,
                    kh=kh,
                    kw=kw,
                    groups=m.groups,
                    ofmap=positions[id(m)],
                )
            )
    return out
