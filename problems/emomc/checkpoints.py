"""EMOMC's pre-pruned checkpoints: the base model pruned by magnitude to one density and
fine-tuned with its masks held, built once and cached like base models.

A checkpoint's name is a content hash of the base model's weights, the network, the data's
content, the density and the fine-tuning recipe; it is a dict of tensors and plain values (it
loads with `weights_only=True`). On loading, a checkpoint made for another network or base
model, or whose weights are not pruned to its density, is refused with a message naming the
file."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import torch
from torch.nn.utils import prune

from hamp_bench.atomic import atomic_path
from hamp_bench.errors import DataError
from hamp_bench.hashing import stable_hash
from hamp_bench.problems.base_models import read_checkpoint, weights_sha256
from hamp_bench.problems.datasets import DataSplits
from hamp_bench.problems.emomc.compress import compressible
from hamp_bench.problems.emomc.config import CheckpointRecipe
from hamp_bench.problems.training import SGDRecipe, error_rate, sgd_train

log = logging.getLogger("hamp_bench")


def pruned_count(n: int, density: float) -> int:
    """Weights a layer of n loses at `density`: torch's L1-unstructured rule."""
    return round((1.0 - density) * n)


def masked_finetune(
    net: torch.nn.Module, data, recipe: SGDRecipe, device: str, desc, masks=None
) -> None:
    """Fine-tune `net` with its pruned weights held at zero (torch's pruning
    reparametrisation: weight = weight_orig x mask), then make the masks permanent. `masks`:
    one per layer (True: kept), e.g. those `compress` returns; None: the weights now zero.
    Pass them after quantisation, which rounds some kept weights to zero too: those must
    still train."""
    layers = compressible(net)
    masks = [layer.weight.detach() != 0 for layer in layers] if masks is None else masks
    for layer, mask in zip(layers, masks):
        prune.custom_from_mask(layer, "weight", mask)
    try:
        sgd_train(net, data, recipe, device=device, desc=desc)
    finally:
        for layer in layers:
            prune.remove(layer, "weight")


def obtain_checkpoint(
    make_net: Callable[[], torch.nn.Module],
    base: torch.nn.Module,
    base_meta: dict,
    network: dict,
    data: DataSplits,
    density: float,
    recipe: CheckpointRecipe,
    cache_dir: Path,
    device: str = "cpu",
    progress: bool = True,
) -> tuple[torch.nn.Module, dict]:
    """The checkpoint of `base` at `density`: loaded from the cache, or built and cached."""
    key = stable_hash(
        {
            "base_weights_sha256": base_meta["weights_sha256"],
            "network": network,
            "data_sha256": data.content_sha256,
            "density": density,
            "recipe": asdict(recipe),
        }
    )
    name = f"emomc-{network['name']}-{data.name}-d{density:g}-{key[:16]}.pt"
    path = Path(cache_dir).expanduser() / "models" / name
    if path.exists():
        net = make_net()
        meta = load_checkpoint(net, path, network, base_meta["weights_sha256"], density)
        return net, {**meta, "path": str(path), "source": "cache"}
    net = make_net()
    net.load_state_dict(base.state_dict())
    with torch.no_grad():
        for layer in compressible(net):
            prune.l1_unstructured(layer, "weight", amount=1.0 - density)
            prune.remove(layer, "weight")
    start = time.perf_counter()
    desc = f"pre-pruning {network['name']} on {data.name} to density {density:g}"
    sgd = SGDRecipe(recipe.steps, recipe.batch_size, recipe.lr, seed=recipe.seed)
    sgd.check("problem.checkpoint")
    masked_finetune(net, data.train, sgd, device, desc if progress else None)
    net.to("cpu").eval()
    meta = {
        "key": key,
        "network": network,
        "density": density,
        "recipe": asdict(recipe),
        "base_weights_sha256": base_meta["weights_sha256"],
        "train_seconds": time.perf_counter() - start,
        "val_error": error_rate(net, data.val),
        "weights_sha256": weights_sha256(net),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        torch.save({"state_dict": net.state_dict(), "meta": meta}, tmp)
    log.info("pre-pruned checkpoint: %s (validation error %.4f)", path, meta["val_error"])
    return net, {**meta, "path": str(path), "source": "built"}


def load_checkpoint(
    net: torch.nn.Module, path: Path, network: dict, base_sha: str, density: float
) -> dict:
    """Load a pre-pruned checkpoint into `net`, refusing one that does not match."""
    state, meta = read_checkpoint(path, "pre-pruned checkpoint", "delete it to build it again")
    if meta.get("network") != network or meta.get("base_weights_sha256") != base_sha:
        raise DataError(
            f"pre-pruned checkpoint {path} was made for network {meta.get('network')} from base "
            f"model {str(meta.get('base_weights_sha256'))[:12]}, not for {network} from "
            f"{base_sha[:12]}; delete it to build it again"
        )
    try:
        net.load_state_dict(state)
    except RuntimeError as e:
        raise DataError(
            f"pre-pruned checkpoint {path} does not fit network {network['name']} ({e}); "
            "delete it to build it again"
        ) from e
    if meta.get("density") != density:
        raise DataError(
            f"pre-pruned checkpoint {path} holds density {meta.get('density')}, not {density:g}; "
            "delete it to build it again"
        )
    for layer in compressible(net):
        n = layer.weight.numel()
        zeros = int((layer.weight == 0).sum())
        if zeros < pruned_count(n, density):
            raise DataError(
                f"pre-pruned checkpoint {path}: a layer has {zeros} zero weights of {n}, fewer "
                f"than density {density:g} prunes ({pruned_count(n, density)}); delete it to "
                "build it again"
            )
    net.eval()
    return meta
