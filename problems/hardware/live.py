"""`hardware=live`: every candidate's pruned network is timed on this machine (onnxruntime by
default, torch as an option, a GPU when one is asked for and present). Latency is then an
expensive objective (measured, noisy), cached per genome like any other evaluation; the
record keeps the median, the IQR and the exported model's size."""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import torch

from hamp_bench.errors import ConfigError
from hamp_bench.problem import Objective
from hamp_bench.problems.costs import CostModel
from hamp_bench.problems.hardware.base import HardwareProfile
from hamp_bench.problems.hardware.table import NetworkShape
from hamp_bench.problems.hardware.timing import TimingConfig, time_module


def machine() -> str:
    """The processor (and GPU) this machine times on: part of the problem's identity."""
    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo")
    if info.is_file():
        for line in info.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    if torch.cuda.is_available():
        cpu += f" + {torch.cuda.get_device_name(0)}"
    return cpu


class LiveProfile(HardwareProfile):
    live = True
    objective = Objective("latency_ms", unit="ms, measured live on this machine")
    extra_names = ("latency_iqr_ms", "onnx_mb")

    def __init__(self, cfg):
        super().__init__(cfg)
        if cfg.path:
            raise ConfigError("hardware=live measures every candidate; hardware.path is for "
                              "hardware=table")
        if cfg.latency_bound_ms is not None and cfg.latency_bound_ms <= 0:
            raise ConfigError(f"hardware.latency_bound_ms must be positive, got {cfg.latency_bound_ms}")
        self.timing = TimingConfig(cfg.runtime, cfg.provider, cfg.threads, cfg.warmup, cfg.repeats)
        self.timing.check("hardware")
        self.bound_ms: float | None = cfg.latency_bound_ms
        self.bound_source = "hardware.latency_bound_ms" if self.bound_ms else None

    def bind(self, costs: CostModel, choices: list[np.ndarray], shape: NetworkShape) -> None:
        self._shape = shape

    def calibrate(self, full_network) -> None:
        """Without a configured bound, 1.5x the unpruned network's measured latency."""
        if self.bound_ms is None:
            self.bound_ms = 1.5 * self.measure(full_network)["latency"]
            self.bound_source = "1.5 x the unpruned network, measured at start"

    def measure(self, net) -> dict[str, float]:
        t = time_module(net, net.example_input(), self.timing)
        return {"latency": t.median_ms, "latency_iqr_ms": t.iqr_ms, "onnx_mb": t.onnx_mb}

    def latency(self, costs: CostModel, keep: np.ndarray) -> np.ndarray:
        raise NotImplementedError("hardware=live measures pruned networks (measure), not keep counts")

    def describe(self) -> dict:
        return {**super().describe(), "machine": machine(), **self.timing.describe()}

    def bounds(self) -> dict:
        return {"latency_bound_ms": self.bound_ms, "bound_source": self.bound_source}
