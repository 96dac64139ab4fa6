"""Trained base models, cached by a content hash of network + dataset + recipe.

A checkpoint is a dict of tensors and plain values, so it loads with `weights_only=True`;
it records what it was trained on, and a checkpoint that does not match the requested network,
data or recipe is refused with a message naming the file.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import torch

from hamp_bench.errors import ConfigError, DataError
from hamp_bench.hashing import stable_hash
from hamp_bench.problems.configs import PretrainConfig
from hamp_bench.problems.datasets import DataSplits
from hamp_bench.problems.networks import PrunableNet
from hamp_bench.problems.training import Augment, SGDRecipe, error_rate, sgd_train

def model_key(network: dict, data: DataSplits, dataset_cfg: dict, recipe: PretrainConfig) -> str:
    data_identity = {k: v for k, v in dataset_cfg.items() if k not in ("data_dir", "download")}
    training = {k: v for k, v in asdict(recipe).items() if k != "checkpoint"}
    return stable_hash({"network": network, "data": data_identity, "recipe": training})


def obtain_base_model(make_net: Callable[[], PrunableNet], network: dict, data: DataSplits,
                      dataset_cfg: dict, recipe: PretrainConfig, cache_dir: Path,
                      device: str = "cpu", progress: bool = True) -> tuple[PrunableNet, dict]:
    """Load the base model for (network, data, recipe), training and caching it if needed."""
    key = model_key(network, data, dataset_cfg, recipe)
    if recipe.checkpoint:
        path = Path(recipe.checkpoint).expanduser()
        net = make_net()
        meta = _load_into(net, path, expect_network=network, expect_key=None)
        return net, {**meta, "path": str(path)}
    path = Path(cache_dir).expanduser() / "models" / f"{network['name']}-{data.name}-{key[:16]}.pt"
    if path.exists():
        net = make_net()
        meta = _load_into(net, path, expect_network=network, expect_key=key)
        return net, {**meta, "path": str(path)}
    if recipe.epochs <= 0:
        raise ConfigError("problem.pretrain.epochs must be positive to train a base model "
                          "(or set problem.pretrain.checkpoint to trained weights)")
    steps = max(1, round(recipe.epochs * len(data.train) / recipe.batch_size))
    sgd = SGDRecipe(steps, recipe.batch_size, recipe.lr, recipe.momentum, recipe.weight_decay,
                    recipe.schedule, recipe.seed)
    sgd.check("problem.pretrain")
    aug = Augment(dataset_cfg.get("augment_crop", 0), dataset_cfg.get("augment_hflip", False)) \
        if recipe.augment else None
    torch.manual_seed(recipe.seed)  # initial weights
    net = make_net()
    start = time.perf_counter()
    sgd_train(net, data.train, sgd, aug, device=device,
              desc=f"pretraining {network['name']} on {data.name}" if progress else None)
    net.to("cpu").eval()
    meta = {"key": key, "network": network, "recipe": asdict(recipe), "dataset": data.describe(),
            "train_seconds": time.perf_counter() - start,
            "val_error": error_rate(net, data.val), "test_error": error_rate(net, data.test)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save({"state_dict": net.state_dict(), "meta": meta}, tmp)
    os.replace(tmp, path)  # a killed training run leaves no partial checkpoint
    return net, {**meta, "path": str(path)}


def _load_into(net: PrunableNet, path: Path, expect_network: dict, expect_key: str | None) -> dict:
    if not path.is_file():
        raise DataError(f"checkpoint {path} does not exist; fix problem.pretrain.checkpoint or "
                        "leave it empty to train a base model")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        state, meta = blob["state_dict"], blob["meta"]
    except Exception as e:  # torch raises many types for a damaged file
        raise DataError(f"checkpoint {path} is corrupt or not a hamp_bench checkpoint ({e}); "
                        "delete it to retrain, or point problem.pretrain.checkpoint elsewhere") from e
    if meta.get("network") != expect_network or (expect_key and meta.get("key") != expect_key):
        raise DataError(f"checkpoint {path} was trained for network {meta.get('network')} "
                        f"(recipe key {str(meta.get('key'))[:16]}), not for {expect_network}; "
                        "use a checkpoint of this network or delete the file to retrain")
    try:
        net.load_state_dict(state)
    except RuntimeError as e:
        raise DataError(f"checkpoint {path} does not fit network {expect_network['name']} "
                        f"with this dataset's input and classes ({e})") from e
    net.eval()
    return meta
