"""Training, fine-tuning and error measurement on in-memory splits (CPU or CUDA).

Every random choice (batch order, crops, flips) comes from a seeded generator, so a given
(network, data, recipe, seed) trains to the same weights on the same machine.
"""

from __future__ import annotations

import contextlib
import logging
import math
from dataclasses import dataclass
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from hamp_bench.errors import ConfigError
from hamp_bench.problems.datasets import Split

log = logging.getLogger("hamp_bench")


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with `n` intra-op threads, restoring the previous count afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def evaluation_platform(device: str, threads: int) -> dict:
    """What, besides the weights, data and recipe, changes the numbers a network computes:
    torch's version (kernels), the device, the CPU's instruction set (which kernels run) and the
    thread count (the order of floating-point sums). Part of a pruning problem's fingerprint.
    A GPU is named by its model, not its index: cuda:0 and cuda:1 of one model compute alike
    (so evaluation workers on several GPUs share one fingerprint)."""
    kind = torch.device(device).type
    info = {"torch": torch.__version__, "device": kind, "threads": int(threads)}
    if device.startswith("cuda"):
        index = torch.device(device).index or 0
        info.update(
            gpu=torch.cuda.get_device_name(index),
            cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version(),
        )
    else:
        info["cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    return info


@dataclass
class Augment:
    crop: int = 0  # random-crop padding
    hflip: bool = False


@dataclass
class SGDRecipe:
    steps: int
    batch_size: int = 128
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"  # or "constant"
    seed: int = 0

    def check(self, prefix: str) -> None:
        if self.batch_size < 1 or self.lr <= 0 or self.steps < 0:
            raise ConfigError(
                f"{prefix}: batch_size >= 1, lr > 0 and steps >= 0 are required, "
                f"got batch_size={self.batch_size}, lr={self.lr}, steps={self.steps}"
            )
        if self.schedule not in ("cosine", "constant"):
            raise ConfigError(
                f"{prefix}.schedule must be cosine or constant, got {self.schedule!r}"
            )


def augment(x: torch.Tensor, aug: Augment, gen: torch.Generator) -> torch.Tensor:
    if aug.hflip:
        flip = torch.rand(len(x), generator=gen) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    if aug.crop:
        p, size = aug.crop, x.shape[-1]
        padded = F.pad(x, (p, p, p, p))
        dx = torch.randint(0, 2 * p + 1, (len(x),), generator=gen).tolist()
        dy = torch.randint(0, 2 * p + 1, (len(x),), generator=gen).tolist()
        x = torch.stack(
            [padded[i, :, b : b + size, a : a + size] for i, (a, b) in enumerate(zip(dx, dy))]
        )
    return x


def sgd_train(
    model: nn.Module,
    data: Split,
    recipe: SGDRecipe,
    aug: Augment | None = None,
    device: str = "cpu",
    desc: str | None = None,
) -> None:
    """`recipe.steps` SGD steps over reshuffled epochs of `data` (model trained in place)."""
    if recipe.steps == 0:
        return
    gen = torch.Generator().manual_seed(recipe.seed)
    model.to(device).train()
    opt = torch.optim.SGD(
        model.parameters(),
        lr=recipe.lr,
        momentum=recipe.momentum,
        weight_decay=recipe.weight_decay,
        nesterov=recipe.momentum > 0,
    )
    lr_at = (
        (lambda s: recipe.lr * 0.5 * (1 + math.cos(math.pi * s / recipe.steps)))
        if recipe.schedule == "cosine"
        else (lambda s: recipe.lr)
    )
    order = torch.empty(0, dtype=torch.long)
    bar = tqdm(total=recipe.steps, desc=desc, unit="step", disable=desc is None or None)
    log_every = max(1, recipe.steps // 10) if desc is not None and bar.disable else 0
    for step in range(recipe.steps):
        if len(order) < recipe.batch_size:
            order = torch.cat([order, torch.randperm(len(data), generator=gen)])
        idx, order = order[: recipe.batch_size], order[recipe.batch_size :]
        x = data.x[idx]
        if aug is not None:
            x = augment(x, aug, gen)
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        loss = F.cross_entropy(model(x.to(device)), data.y[idx].to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        bar.update()
        if step % 20 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        if log_every and (step + 1) % log_every == 0:  # not a terminal: plain log lines
            log.info("%s: step %d/%d, loss %.3f", desc, step + 1, recipe.steps, loss.item())
    bar.close()
    model.zero_grad(set_to_none=True)  # a kept network holds its weights, not its last gradients
    model.eval()


@torch.no_grad()
def recalibrate_bn(
    model: nn.Module, data: Split, batches: int, batch_size: int = 64, device: str = "cpu"
) -> None:
    """Adaptive BN (Li et al., EagleEye, ECCV 2020): recompute every BN layer's running mean and
    variance from `batches` training batches (the first images of the split, so deterministic).
    After pruning, the statistics of the unpruned network no longer fit; without this, even a
    mildly pruned VGG-16 drops to chance accuracy."""
    if batches <= 0:
        return
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over the batches below
    model.to(device).train()
    for b in range(batches):
        x = data.x[b * batch_size : (b + 1) * batch_size]
        if len(x) == 0:
            break
        model(x.to(device))
    for bn in bns:
        bn.momentum = 0.1
    model.eval()


def eval_batch_size(device: str) -> int:
    """Images per forward pass when measuring an error rate. On a CPU, 64: the activations of a
    batch then stay in cache, and VGG-16 validation on digits ran twice as fast as at 256
    (bench/evaluation_flops.py). On a GPU, 256 keeps the device busy."""
    return 64 if torch.device(device).type == "cpu" else 256


def error_rate(
    model: nn.Module,
    data: Split,
    limit: int | None = None,
    batch_size: int | None = None,
    device: str = "cpu",
) -> float:
    """Top-1 error on the first `limit` samples of `data` (all when None), in batches of
    `batch_size` (`eval_batch_size(device)` when None)."""
    model.to(device).eval()  # outside inference_mode: moved weights stay trainable
    n = len(data) if limit is None else min(limit, len(data))
    step = batch_size or eval_batch_size(device)
    wrong = 0
    with torch.inference_mode():
        for start in range(0, n, step):
            stop = min(start + step, n)
            pred = model(data.x[start:stop].to(device)).argmax(1).cpu()
            wrong += int((pred != data.y[start:stop]).sum())
    return wrong / n
