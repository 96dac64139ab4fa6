"""The one declaration of the EMOMC problem's parameters (`EmomcProblem.Params`), torch-free
like problems/configs.py so that composing a config stays fast. Presets in the `problem` group
extend it (`/schema/problem/hamp_bench.problems.emomc.config.EmomcProblemConfig@_here_`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional

from omegaconf import MISSING

from hamp_bench.problems.configs import FidelityConfig, PretrainConfig, RoiConfig


@dataclass
class EmomcSettings:
    """EMOMC's working mode and cost models (docs/emomc.md)."""

    # energy: minimise (error, energy) subject to size <= bound (kB);
    # size: minimise (error, size) subject to energy <= bound (0.01 mJ)
    mode: str = "energy"
    dataflow: str = "X|Y"  # X|Y, IC|OC, Fx|Fy, X|Fx
    coding: str = "csr"  # dense, csr, coo (EMOMC's default: csr)
    # the constraint's bound, in the constrained quantity's unit (null: no constraint)
    bound: Optional[float] = None


@dataclass
class CheckpointRecipe:
    """How each pre-pruned checkpoint is fine-tuned after magnitude pruning (masks held)."""

    steps: int = 100
    batch_size: int = 64
    lr: float = 0.01
    seed: int = 0


@dataclass
class EmomcProblemConfig:
    _target_: str = "hamp_bench.problems.emomc.problem.EmomcProblem"
    name: str = MISSING
    network: Any = "${network}"
    dataset: Any = "${dataset}"
    emomc: EmomcSettings = field(default_factory=EmomcSettings)
    # the pre-pruned checkpoints: the share of each layer's weights kept, one gene picks one
    # (EMOMC's range, 0.2 to 0.8, in steps of 0.1 where EMOMC's are 0.01: ours); 1.0 is the base
    # model itself
    densities: List[float] = field(default_factory=lambda: [0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    checkpoint: CheckpointRecipe = field(default_factory=CheckpointRecipe)
    min_bits: int = 2  # per-layer bit widths (EMOMC's range: 2 to 12)
    max_bits: int = 12
    # after quantisation: fine-tuning with masks held, then quantised again (0 steps: none, as
    # EMOMC); bn_batches: BN statistics recomputed (0: kept from the checkpoint)
    fidelity: FidelityConfig = field(default_factory=lambda: FidelityConfig(bn_batches=0))
    roi: RoiConfig = field(default_factory=RoiConfig)
    pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    model_dir: str = "${oc.env:HAMP_BENCH_MODEL_DIR,'~/.cache/hamp_bench'}"
    device: str = "cpu"
    threads: Optional[int] = None
