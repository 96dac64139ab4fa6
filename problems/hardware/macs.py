"""MACs as a stand-in for latency, named so (`macs_M`): no device, no timing, no claim that it
is a latency. The default until a device profile is chosen."""

from __future__ import annotations

import numpy as np

from hamp_bench.problem import Objective
from hamp_bench.problems.costs import CostModel
from hamp_bench.problems.hardware.base import HardwareProfile


class MacsProxy(HardwareProfile):
    objective = Objective("macs_M", unit="million multiply-accumulates", cheap=True)

    def latency(self, costs: CostModel, keep: np.ndarray) -> np.ndarray:
        return costs.macs(keep) / 1e6

    def describe(self) -> dict:
        return {**super().describe(), "provenance": "analytic (MAC count, not a latency)"}
