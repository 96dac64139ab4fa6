"""Config schemas of the pruning problem and its parts (network, dataset, hardware, fidelity,
pretraining). Kept free of torch so that composing and validating a config stays fast."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional

DATA_DIR_DEFAULT = "${oc.env:HAMP_BENCH_DATA_DIR,'~/.cache/hamp_bench/data'}"


@dataclass
class NetworkConfig:
    """The `network` group."""

    name: str = "vgg16"
    width: float = 1.0  # channel multiplier of the unpruned network


@dataclass
class DatasetConfig:
    """The `dataset` group."""

    name: str = "digits"
    data_dir: str = DATA_DIR_DEFAULT
    image_size: int = 32  # the CIFAR networks' input; other sizes work too
    val_fraction: float = 0.1  # held out from the training split
    split_seed: int = 0
    download: bool = True  # fetch missing files (with checksums) where a network exists
    train_subset: Optional[int] = None  # use only this many training images (after the split)
    augment_crop: int = 4  # random-crop padding for pretraining augmentation (0: none)
    augment_hflip: bool = True  # horizontal flips (wrong for digits, right for CIFAR)


@dataclass
class HardwareConfig:
    """The `hardware` group."""

    name: str = "macs"  # macs, table, jetson_nano, live
    precision: str = "fp32"  # what weights and activations are stored as, for memory
    path: Optional[str] = None  # table: the folder with table.csv + manifest.yaml
    # live: how each candidate is timed on this machine
    runtime: str = "onnxruntime"  # or torch
    provider: str = "cpu"  # onnxruntime: cpu, cuda, tensorrt; torch: cpu, cuda
    threads: int = 0  # intra-op threads (0: the runtime's default)
    warmup: int = 5
    repeats: int = 20
    latency_bound_ms: Optional[float] = None  # live: normalisation bound (None: measured at start)


@dataclass
class FidelityConfig:
    """How accurately a candidate's error is measured (all of it is in run.json)."""

    val_size: Optional[int] = None  # validation images scored per candidate (None: all)
    finetune_steps: int = 0  # SGD steps on the training split after pruning (0: none)
    finetune_lr: float = 0.01
    finetune_batch: int = 64
    bn_batches: int = 4  # training batches (of 64) to recompute BN statistics after pruning


@dataclass
class PretrainConfig:
    """The pretraining recipe (hashed into the cached base model's name). epochs, batch_size and
    lr left null come from the recipe known for the (network, dataset) pair (problems/recipes.py)."""

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
class PruningProblemConfig:
    """Pruning presets in the `problem` group. `network`, `dataset` and `hardware` point at the
    top-level groups, so `dataset=fashion_mnist` on the command line reaches the problem."""

    _target_: str = "hamp_bench.problems.pruning_problem.PruningProblem"
    name: str = "vgg16_jetson"
    network: Any = "${network}"
    dataset: Any = "${dataset}"
    hardware: Any = "${hardware}"
    objectives: List[str] = field(default_factory=lambda: ["error", "latency", "memory"])
    levels: int = 16
    round_to: int = 1  # keep counts rounded to multiples of this (8 suits GPUs)
    criterion: str = "l1"  # channel ranking: l1, l2, bn_scale, random
    criterion_seed: int = 0  # for criterion=random
    fidelity: FidelityConfig = field(default_factory=FidelityConfig)
    pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    # where trained base models are cached: apart from the evaluation cache (cache.dir), so that
    # moving one never retrains the other
    model_dir: str = "${oc.env:HAMP_BENCH_MODEL_DIR,'~/.cache/hamp_bench'}"
    device: str = "cpu"  # or cuda, for pretraining and fine-tuning
    # torch threads for evaluation (null: torch's default here). Results depend on it (summation
    # order), so it is part of the problem's fingerprint and run.json
    threads: Optional[int] = None
