"""Structured channel pruning: a genome of keep levels becomes a physically smaller network.

Gene g of a genome is a level k in 1..levels for channel group g; the group keeps
max(1, round(k / levels * channels)) channels (rounded to a multiple of `round_to` when that is
above 1, capped at the group's size). Level `levels` keeps every channel, whatever the
rounding, so the all-keep genome
gives back the original network. Channels are ranked once per base model by a criterion (L1
norm of the producers' filters by default, summed over a coupled group); the kept channels are
the top of that ranking, in their original order. Surgery slices the weights of every conv,
BN and linear layer a group touches into new, smaller layers (no masks).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from hamp_bench.errors import ConfigError
from hamp_bench.problems.networks.base import ChannelGroup, PrunableNet

CRITERIA = ("l1", "l2", "bn_scale", "random")


def keep_counts(
    genomes: np.ndarray, sizes: np.ndarray, levels: int, round_to: int = 1
) -> np.ndarray:
    """Channels kept per group for each genome: (n, groups) integers, vectorised."""
    genomes = np.atleast_2d(genomes)
    keep = np.maximum(1, np.rint(genomes / levels * sizes).astype(np.int64))
    if round_to > 1:
        keep = np.maximum(round_to, np.rint(keep / round_to).astype(np.int64) * round_to)
    # the top level always keeps the whole group, whatever the rounding
    return np.where(genomes >= levels, sizes, np.minimum(keep, sizes))


def channel_ranking(scores: list[np.ndarray]) -> list[np.ndarray]:
    """For each group, its channel indices from most to least important (ties: lower index
    first), given the groups' `channel_scores`."""
    return [np.argsort(-score, kind="stable") for score in scores]


def channel_scores(net: PrunableNet, criterion: str, seed: int = 0) -> list[np.ndarray]:
    """For each group, the importance of each of its channels under `criterion`."""
    if criterion not in CRITERIA:
        raise ConfigError(f"problem.criterion={criterion!r} is unknown; choose one of {CRITERIA}")
    modules = dict(net.named_modules())
    rng = np.random.default_rng(seed)
    scores = []
    for group in net.channel_groups:
        if criterion == "random":
            score = rng.permutation(group.size).astype(float)
        else:
            score = np.zeros(group.size)
            for conv, bn in group.producers + group.passthrough:
                if criterion == "bn_scale":
                    score += modules[bn].weight.detach().abs().numpy()
                else:
                    w = modules[conv].weight.detach().flatten(1)
                    norm = w.abs().sum(1) if criterion == "l1" else w.pow(2).sum(1).sqrt()
                    score += norm.numpy()
        scores.append(score)
    return scores


def kept_channels(rankings: list[np.ndarray], keep: np.ndarray) -> list[np.ndarray]:
    return [np.sort(r[:k]) for r, k in zip(rankings, keep)]


def prune(net: PrunableNet, kept: list[np.ndarray]) -> PrunableNet:
    """A physically pruned copy of `net` that keeps channels `kept[g]` of group g."""
    out_sel: dict[str, torch.Tensor] = {}
    in_sel: dict[str, torch.Tensor] = {}
    bn_sel: dict[str, torch.Tensor] = {}
    for group, idx in zip(net.channel_groups, kept):
        if len(idx) == group.size:
            continue
        idx_t = torch.as_tensor(idx, dtype=torch.long)
        for conv, bn in group.producers:
            out_sel[conv], bn_sel[bn] = idx_t, idx_t
        for conv, bn in group.passthrough:
            out_sel[conv], in_sel[conv], bn_sel[bn] = idx_t, idx_t, idx_t
        for consumer in group.consumers:
            in_sel[consumer] = idx_t
    pruned = copy.deepcopy(net)
    modules = dict(pruned.named_modules())
    for name in set(out_sel) | set(in_sel):
        _replace(pruned, name, _slice_layer(modules[name], out_sel.get(name), in_sel.get(name)))
    for name, idx in bn_sel.items():
        _replace(pruned, name, _slice_bn(modules[name], idx))
    return pruned


def _replace(root: nn.Module, name: str, module: nn.Module) -> None:
    parent, _, attr = name.rpartition(".")
    setattr(root.get_submodule(parent) if parent else root, attr, module)


def _slice_layer(layer: nn.Module, out_idx, in_idx) -> nn.Module:
    w = layer.weight.detach()
    bias = layer.bias.detach() if layer.bias is not None else None
    if out_idx is not None:
        w = w[out_idx]
        bias = bias[out_idx] if bias is not None else None
    if isinstance(layer, nn.Linear):
        if in_idx is not None:
            w = w[:, in_idx]
        new = nn.Linear(w.shape[1], w.shape[0], bias=bias is not None)
    else:
        depthwise = layer.groups > 1 and layer.groups == layer.in_channels == layer.out_channels
        if depthwise:
            groups = len(out_idx) if out_idx is not None else layer.groups
            cin = groups
        else:
            if layer.groups != 1:
                raise ValueError(f"cannot prune grouped conv {layer}")
            if in_idx is not None:
                w = w[:, in_idx]
            groups, cin = 1, w.shape[1]
        new = nn.Conv2d(
            cin,
            w.shape[0],
            layer.kernel_size,
            layer.stride,
            layer.padding,
            layer.dilation,
            groups,
            bias=bias is not None,
        )
    with torch.no_grad():
        new.weight.copy_(w)
        if bias is not None:
            new.bias.copy_(bias)
    return new


def _slice_bn(bn: nn.BatchNorm2d, idx: torch.Tensor) -> nn.BatchNorm2d:
    new = nn.BatchNorm2d(len(idx), eps=bn.eps, momentum=bn.momentum)
    with torch.no_grad():
        new.weight.copy_(bn.weight[idx])
        new.bias.copy_(bn.bias[idx])
        new.running_mean.copy_(bn.running_mean[idx])
        new.running_var.copy_(bn.running_var[idx])
        new.num_batches_tracked.copy_(bn.num_batches_tracked)
    return new


def group_sizes(groups: list[ChannelGroup]) -> np.ndarray:
    return np.array([g.size for g in groups], dtype=np.int64)
