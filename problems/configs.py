"""The one declaration of the pruning problem's parameters and of its parts (network, dataset,
fidelity, pretraining). Kept free of torch so that composing and validating a config stays
fast: presets extend these with `/schema/<group>/hamp_bench.problems.configs.<Name>@_here_`
and state only what differs. (Each hardware profile declares its own parameters, in
problems/hardware/.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional

from omegaconf import MISSING

DATA_DIR_DEFAULT = "${oc.env:HAMP_BENCH_DATA_DIR,'~/.cache/hamp_bench/data'}"


@dataclass
class NetworkConfig:
    """The `network` group."""

    name: str = MISSING  # vgg16, resnet20, resnet56, mobilenetv2, lenet5, tiny
    width: float = 1.0  # channel multiplier of the unpruned network


@dataclass
class DatasetConfig:
    """The `dataset` group."""

    name: str = MISSING  # cifar10, mnist, fashion_mnist, digits, synthetic
    data_dir: str = DATA_DIR_DEFAULT
    image_size: int = 32  # the CIFAR networks' input; other sizes work too
    val_fraction: float = 0.1  # held out from the training split
    split_seed: int = 0
    download: bool = True  # fetch missing files (with checksums) where a network exists
    train_subset: Optional[int] = None  # use only this many training images (after the split)
    augment_crop: int = 4  # random-crop padding for pretraining augmentation (0: none)
    augment_hflip: bool = True  # horizontal flips (wrong for digits, right for CIFAR)


@dataclass
class FidelityConfig:
    """How accurately a candidate's error is measured (all of it is in run.json)."""

    val_size: Optional[int] = None  # validation images scored per candidate (None: all)
    finetune_steps: int = 0  # SGD steps on the training split after pruning (0: none)
    finetune_lr: float = 0.01
    finetune_batch: int = 64
    bn_batches: int = 4  # training batches (of 64) to recompute BN statistics after pruning
    # fine-tuning is seeded from the genome; another value here gives every genome an
    # independent fine-tune (two values measure the evaluation's own noise, docs/surrogates.md)
    finetune_seed: int = 0


@dataclass
class PretrainConfig:
    """The pretraining recipe (hashed into the cached base model's name). epochs, batch_size and
    lr left null come from the recipe known for the (network, dataset) pair
    (problems/recipes.py)."""

    epochs: Optional[float] = None
    batch_size: Optional[int] = None
    lr: Optional[float] = None
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"
    augment: bool = True
    seed: int = 0
    checkpoint: Optional[str] = None  # use these weights instead of the cache (trained elsewhere)
    # a base model whose validation error is above this is refused (null: half the error of
    # always guessing the most frequent class, 0.45 with 10 balanced classes)
    max_val_error: Optional[float] = None


@dataclass
class RoiConfig:
    """The region of interest: the networks anyone would deploy. The error axis of the
    hypervolume box ends at the base model's validation error plus `max_error_increase`
    (absolute; null: at chance error, the full range). Points beyond it stay in the record but
    count for nothing in the (region-of-interest) hypervolume; reports show the full-range one
    beside it. It changes no evaluation, so it is not in the problem's fingerprint."""

    max_error_increase: Optional[float] = 0.10


@dataclass
class PruningProblemConfig:
    """Parameters of the pruning problem (`PruningProblem.Params`), extended by the pruning
    presets in the `problem` group. `network`, `dataset` and `hardware` point at the top-level
    groups, so `dataset=fashion_mnist` on the command line reaches the problem; `hardware` is
    the profile's config, `_target_` included (problems/hardware/)."""

    _target_: str = "hamp_bench.problems.pruning_problem.PruningProblem"
    name: str = MISSING
    network: Any = "${network}"
    dataset: Any = "${dataset}"
    hardware: Any = "${hardware}"
    objectives: List[str] = field(default_factory=lambda: ["error", "latency", "memory"])
    levels: int = 16
    round_to: int = 1  # keep counts rounded to multiples of this (8 suits GPUs)
    criterion: str = "l1"  # channel ranking: l1, l2, bn_scale, random
    criterion_seed: int = 0  # for criterion=random
    fidelity: FidelityConfig = field(default_factory=FidelityConfig)
    roi: RoiConfig = field(default_factory=RoiConfig)
    pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    # where trained base models are cached: apart from the evaluation cache (cache.dir), so that
    # moving one never retrains the other
    model_dir: str = "${oc.env:HAMP_BENCH_MODEL_DIR,'~/.cache/hamp_bench'}"
    device: str = "cpu"  # or cuda, for pretraining and fine-tuning
    # torch threads for evaluation (null: torch's default here). Results depend on it (summation
    # order), so it is part of the problem's fingerprint and run.json
    threads: Optional[int] = None
