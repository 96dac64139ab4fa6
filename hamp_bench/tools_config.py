"""Schemas of the hardware tools' Hydra apps (`hamp_bench.record`, `hamp_bench.validate_table`):
they reuse the network, dataset and hardware groups of the run config tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from omegaconf import MISSING


@dataclass
class TimingSchema:
    runtime: str = "onnxruntime"  # or torch
    provider: str = "cpu"  # onnxruntime: cpu, cuda, tensorrt; torch: cpu, cuda
    threads: int = 0
    warmup: int = 10
    repeats: int = 30


@dataclass
class RecordAppConfig:
    network: Any = MISSING
    dataset: Any = MISSING
    out: str = MISSING  # folder for table.csv, checkpoints.csv, manifest.yaml
    levels: int = 16
    round_to: int = 1
    batch: int = 1
    checkpoints: int = 5
    seed: int = 0
    device_name: str = ""  # for the manifest; default: this machine's processor
    power_mode: str = "unknown"  # e.g. "nvpmodel 0 (MAXN)" on a Jetson
    # time each layer in turn with copies of itself holding this many MB of weights, so that
    # they come from memory as inside a network (0: one copy, weights warm in the cache)
    context_mb: float = 32.0
    passes: int = 3  # each configuration timed in this many passes, each in a random order
    timing: TimingSchema = field(default_factory=lambda: TimingSchema(threads=1))


@dataclass
class ValidateAppConfig:
    network: Any = MISSING
    dataset: Any = MISSING
    hardware: Any = MISSING
    n: int = 30
    seed: int = 0
    levels: int = 16
    round_to: int = 1
    out: Optional[str] = None  # default: validation/<network> in the working directory
    rounds: int = 10  # the n networks are timed interleaved, in this many rounds
    timing: TimingSchema = field(default_factory=lambda: TimingSchema(threads=1))
