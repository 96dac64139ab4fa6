"""`hardware=live`: every candidate's pruned network is timed on this machine (onnxruntime by
default, torch as an option, a GPU when one is asked for and present). Latency is then an
expensive objective (measured, noisy), cached per genome like any other evaluation; the
record keeps the median, the IQR and the exported model's size.

Its parameters are the timing settings (`TimingConfig`, shared with the recorder and
validate_table) plus its own; the module imports torch only when something is timed."""

from __future__ import annotations

import dataclasses
import platform
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np

from hamp_bench.errors import ConfigError
from hamp_bench.objective_space import Objective
from hamp_bench.problems.hardware.base import HardwareProfile
from hamp_bench.problems.hardware.timing import TimingConfig, time_module


def machine() -> str:
    """The processor (and GPU) this machine times on: part of the problem's identity."""
    import torch

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


@dataclass
class LiveParams(TimingConfig):
    """The live profile's parameters: how each candidate is timed (the fields and defaults of
    `TimingConfig`: `hardware.warmup=3` on the command line) and the ones below."""

    _target_: str = "hamp_bench.problems.hardware.live.LiveProfile"
    name: str = "live"
    precision: str = "fp32"  # what weights and activations are stored as, for memory
    # the latency objective's normalisation bound in ms (None: 1.5x the unpruned network,
    # measured at start); give one to compare hypervolumes across runs
    latency_bound_ms: Optional[float] = None


class LiveProfile(HardwareProfile):
    Params = LiveParams
    objective = Objective("latency_ms", unit="ms, measured live on this machine")
    extra_names = ("latency_iqr_ms", "onnx_mb")

    def __init__(self, **params: Any):
        p = LiveParams(**params)
        super().__init__(p.name, p.precision)
        if p.latency_bound_ms is not None and p.latency_bound_ms <= 0:
            raise ConfigError(
                f"hardware.latency_bound_ms must be positive, got {p.latency_bound_ms}"
            )
        self.timing = TimingConfig(
            **{f.name: getattr(p, f.name) for f in dataclasses.fields(TimingConfig)}
        )
        self.timing.check("hardware")
        self.bound_ms: float | None = p.latency_bound_ms
        self.bound_source = "hardware.latency_bound_ms" if self.bound_ms else None

    def latency(self, keep: np.ndarray) -> np.ndarray:
        """Unknown until measured: live latency comes from `measure`."""
        return np.full(len(keep), np.nan)

    def measure(
        self, keep: np.ndarray, networks: Iterable[Any]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        timed = [self.time(net) for net in networks]
        return (
            np.array([t["latency"] for t in timed]),
            {name: np.array([t[name] for t in timed]) for name in self.extra_names},
        )

    def time(self, net) -> dict[str, float]:
        """Time one network: `latency` (median ms) plus the extras."""
        t = time_module(net, net.example_input(), self.timing)
        return {"latency": t.median_ms, "latency_iqr_ms": t.iqr_ms, "onnx_mb": t.onnx_mb}

    def latency_bounds(
        self, smallest: float, full: float, full_network: Any
    ) -> tuple[float, float]:
        """0 to the configured bound, or without one 1.5x the unpruned network's measured
        latency (timed here, once)."""
        if self.bound_ms is None:
            self.bound_ms = 1.5 * self.time(full_network)["latency"]
            self.bound_source = "1.5 x the unpruned network, measured at start"
        return 0.0, self.bound_ms

    def run_info(self) -> dict[str, Any]:
        return {
            "latency_bounds": {"latency_bound_ms": self.bound_ms, "bound_source": self.bound_source}
        }

    def describe(self) -> dict:
        return {**super().describe(), "machine": machine(), **self.timing.describe()}
