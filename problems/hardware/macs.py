"""`hardware=macs`: MACs as a stand-in for latency, named so (`macs_M`): no device, no timing,
no claim that it is a latency. For runs without a device profile, and the tiny_synthetic test
preset (the shipped presets otherwise use the modelled Jetson Nano tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hamp_bench.objective_space import Objective
from hamp_bench.problems.hardware.base import HardwareProfile

if TYPE_CHECKING:
    from hamp_bench.problems.search_space import PruningSpace


class MacsProxy(HardwareProfile):
    objective = Objective("macs_M", unit="million multiply-accumulates", cheap=True)

    def __init__(self, name: str = "macs", precision: str = "fp32"):
        super().__init__(name, precision)
        self._space: PruningSpace | None = None

    def bind(self, space: PruningSpace) -> None:
        self._space = space

    def latency(self, keep: np.ndarray) -> np.ndarray:
        if self._space is None:
            raise RuntimeError("MacsProxy.latency called before bind()")
        return self._space.costs.macs(keep) / 1e6

    def describe(self) -> dict:
        return {**super().describe(), "provenance": "analytic (MAC count, not a latency)"}
