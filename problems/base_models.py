"""Trained base models, cached by a content hash of network + dataset (settings and content) +
recipe.

A checkpoint is a dict of tensors and plain values, so it loads with `weights_only=True`;
it records what it was trained on, and a checkpoint that does not match the requested network,
data (settings or content) or recipe is refused with a message naming the file. A base model
whose validation error is near chance is refused too. The problem's fingerprint holds the hash
of the weights themselves, so evaluations of one model are never served for another.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import torch

from hamp_bench.atomic import atomic_path
from hamp_bench.errors import ConfigError, DataError
from hamp_bench.hashing import stable_hash
from hamp_bench.problems.configs import DatasetConfig, PretrainConfig
from hamp_bench.problems.datasets import DataSplits, data_identity
from hamp_bench.problems.networks import PrunableNet
from hamp_bench.problems.training import Augment, SGDRecipe, error_rate, sgd_train

log = logging.getLogger("hamp_bench")


def model_key(network: dict, data: DataSplits, dataset_cfg: dict, recipe: PretrainConfig) -> str:
    """Name of the cached base model: network, data (identity and content) and training recipe."""
    training = {k: v for k, v in asdict(recipe).items() if k not in ("checkpoint", "max_val_error")}
    return stable_hash(
        {
            "network": network,
            "data": data_identity(dataset_cfg),
            "data_sha256": data.content_sha256,
            "recipe": training,
        }
    )


def weights_sha256(net: torch.nn.Module) -> str:
    """sha256 of a network's parameters and buffers (names, dtypes, shapes and bytes): what the
    problem's fingerprint holds, so that another model's cached evaluations are never served."""
    h = hashlib.sha256()
    for name, t in sorted(net.state_dict().items()):
        t = t.detach().to("cpu").contiguous()
        h.update(f"{name}:{t.dtype}:{tuple(t.shape)};".encode())
        h.update(t.view(-1).view(torch.uint8).numpy())
    return h.hexdigest()


def obtain_base_model(
    make_net: Callable[[], PrunableNet],
    network: dict,
    data: DataSplits,
    dataset_cfg: dict,
    recipe: PretrainConfig,
    cache_dir: Path,
    device: str = "cpu",
    progress: bool = True,
    recipe_source: str = "config",
) -> tuple[PrunableNet, dict]:
    """Load the base model for (network, data, recipe), training and caching it if needed.
    The model must have learnt: a validation error near chance is refused (see `_check_learnt`)."""
    if recipe.checkpoint:
        path = Path(recipe.checkpoint).expanduser()
        net = make_net()
        meta = _load_into(net, path, expect_network=network, expect_key=None)
        _check_same_data(meta, data, dataset_cfg, path)
        meta = {
            **meta,
            "val_error": error_rate(net, data.val),
            "test_error": error_rate(net, data.test),
            "weights_sha256": weights_sha256(net),
        }
        return _finish(net, meta, path, "checkpoint", data, recipe)
    key = model_key(network, data, dataset_cfg, recipe)
    path = Path(cache_dir).expanduser() / "models" / f"{network['name']}-{data.name}-{key[:16]}.pt"
    if path.exists():
        net = make_net()
        meta = _load_into(net, path, expect_network=network, expect_key=key)
        sha = weights_sha256(net)
        if meta.get("weights_sha256") != sha:  # changed since it was saved
            log.warning(
                "base model %s: its weights differ from those it was saved with; "
                "measuring its validation error again",
                path,
            )
            meta = {
                **meta,
                "val_error": error_rate(net, data.val),
                "weights_sha256": sha,
                "test_error": error_rate(net, data.test),
                "modified_after_saving": True,
            }
        return _finish(net, meta, path, "cache", data, recipe)
    if recipe.epochs is None or recipe.epochs <= 0:
        raise ConfigError(
            "problem.pretrain.epochs must be positive to train a base model "
            "(or set problem.pretrain.checkpoint to trained weights)"
        )
    steps = max(1, round(recipe.epochs * len(data.train) / recipe.batch_size))
    sgd = SGDRecipe(
        steps,
        recipe.batch_size,
        recipe.lr,
        recipe.momentum,
        recipe.weight_decay,
        recipe.schedule,
        recipe.seed,
    )
    sgd.check("problem.pretrain")
    settings = DatasetConfig(**dataset_cfg)  # the one set of defaults, as data_identity's
    aug = Augment(settings.augment_crop, settings.augment_hflip) if recipe.augment else None
    torch.manual_seed(recipe.seed)  # initial weights
    net = make_net()
    start = time.perf_counter()
    sgd_train(
        net,
        data.train,
        sgd,
        aug,
        device=device,
        desc=f"pretraining {network['name']} on {data.name}" if progress else None,
    )
    net.to("cpu").eval()
    meta = {
        "key": key,
        "network": network,
        "recipe": asdict(recipe),
        "recipe_source": recipe_source,
        "dataset": data.describe(),
        "data_identity": data_identity(dataset_cfg),
        "train_seconds": time.perf_counter() - start,
        "val_error": error_rate(net, data.val),
        "test_error": error_rate(net, data.test),
        "weights_sha256": weights_sha256(net),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:  # a killed training run leaves no partial checkpoint
        torch.save({"state_dict": net.state_dict(), "meta": meta}, tmp)
    return _finish(net, meta, path, "trained", data, recipe)


def _finish(
    net: PrunableNet, meta: dict, path: Path, source: str, data: DataSplits, recipe: PretrainConfig
) -> tuple[PrunableNet, dict]:
    meta = {**meta, "path": str(path), "source": source}
    _check_learnt(meta, data, recipe)
    log.info(
        "base model: %s (%s; validation error %.4f)",
        path,
        {
            "cache": "loaded from the model cache",
            "trained": "trained now",
            "checkpoint": "problem.pretrain.checkpoint",
        }[source],
        meta["val_error"],
    )
    return net, meta


def max_val_error(data: DataSplits, recipe: PretrainConfig) -> float:
    """The largest validation error a usable base model may have (problem.pretrain.max_val_error,
    or by default half the error of always guessing the most frequent class)."""
    return recipe.max_val_error if recipe.max_val_error is not None else 0.5 * data.chance_error


def _check_learnt(meta: dict, data: DataSplits, recipe: PretrainConfig) -> None:
    """Refuse a base model that did not learn: pruning it would benchmark noise."""
    limit = max_val_error(data, recipe)
    if meta["val_error"] <= limit:
        return
    how = (
        "it was loaded from problem.pretrain.checkpoint: check that it was trained on this "
        "dataset and split"
        if meta["source"] == "checkpoint"
        else f"the recipe (problem.pretrain.epochs={recipe.epochs}, "
        f"batch_size={recipe.batch_size}, lr={recipe.lr}) did not train "
        f"{meta['network']['name']} on {data.name}: change "
        "problem.pretrain.epochs, problem.pretrain.lr or problem.pretrain.batch_size "
        f"(the unusable checkpoint stays at {meta['path']}; a new recipe trains a new one)"
    )
    raise ConfigError(
        f"the base model's validation error is {meta['val_error']:.3f}, near chance "
        f"({data.chance_error:.3f}; the limit is {limit:.3f}): {how}; or raise "
        "problem.pretrain.max_val_error if this error is expected"
    )


def _check_same_data(meta: dict, data: DataSplits, dataset_cfg: dict, path: Path) -> None:
    """A checkpoint is only used with the data and split it was trained on: another split could
    put its training images into our validation set."""
    if "data_identity" not in meta:
        raise DataError(
            f"checkpoint {path} does not record the data it was trained on (saved by "
            "an older hamp_bench); retrain it with this version, or leave "
            "problem.pretrain.checkpoint empty to train a base model"
        )
    want = data_identity(dataset_cfg)
    differ = sorted(
        k
        for k in set(want) | set(meta["data_identity"])
        if want.get(k) != meta["data_identity"].get(k)
    )
    if differ:
        pairs = ", ".join(
            f"dataset.{k}={meta['data_identity'].get(k)!r} (not {want.get(k)!r})" for k in differ
        )
        raise DataError(
            f"checkpoint {path} was trained on other data: {pairs}; use the dataset "
            "settings it was trained with, or a checkpoint trained on these"
        )
    theirs = meta.get("dataset", {}).get("content_sha256")
    if theirs != data.content_sha256:
        raise DataError(
            f"checkpoint {path} was trained on data with the same settings but other "
            f"content (sha256 {str(theirs)[:12]} here {data.content_sha256[:12]}); "
            "the dataset files differ: use the files it was trained on, or retrain"
        )


def read_checkpoint(path: Path, what: str, remedy: str) -> tuple[dict, dict]:
    """(state_dict, meta) of a checkpoint the suite saved, loaded with `weights_only=True` (no
    code runs from the file); a DataError naming `what` and the file where it is damaged."""
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        return blob["state_dict"], blob["meta"]
    except Exception as e:  # torch raises many types for a damaged file
        raise DataError(
            f"{what} {path} is corrupt or not a hamp_bench checkpoint ({e}); {remedy}"
        ) from e


def _load_into(net: PrunableNet, path: Path, expect_network: dict, expect_key: str | None) -> dict:
    if not path.is_file():
        raise DataError(
            f"checkpoint {path} does not exist; fix problem.pretrain.checkpoint or "
            "leave it empty to train a base model"
        )
    state, meta = read_checkpoint(
        path, "checkpoint", "delete it to retrain, or point problem.pretrain.checkpoint elsewhere"
    )
    if meta.get("network") != expect_network or (expect_key and meta.get("key") != expect_key):
        raise DataError(
            f"checkpoint {path} was trained for network {meta.get('network')} "
            f"(recipe key {str(meta.get('key'))[:16]}), not for {expect_network}; "
            "use a checkpoint of this network or delete the file to retrain"
        )
    try:
        net.load_state_dict(state)
    except RuntimeError as e:
        raise DataError(
            f"checkpoint {path} does not fit network {expect_network['name']} "
            f"with this dataset's input and classes ({e})"
        ) from e
    net.eval()
    return meta
