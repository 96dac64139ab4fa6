"""The hardware-profile seam."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict

import numpy as np

from hamp_bench.errors import ConfigError
from hamp_bench.problem import Objective
from hamp_bench.problems.configs import HardwareConfig
from hamp_bench.problems.costs import CostModel

BYTES = {"fp32": 4, "fp16": 2, "int8": 1}


class HardwareProfile(ABC):
    #: the latency objective this profile provides (always cheap: no training involved)
    objective: Objective

    def __init__(self, cfg: HardwareConfig):
        if cfg.precision not in BYTES:
            raise ConfigError(f"hardware.precision={cfg.precision!r} is unknown; choose one of "
                              f"{sorted(BYTES)}")
        self.cfg = cfg
        self.bytes_per_value = BYTES[cfg.precision]

    @abstractmethod
    def latency(self, costs: CostModel, keep: np.ndarray) -> np.ndarray:
        """Latency (in the objective's unit) of each pruned variant, vectorised over rows."""

    def describe(self) -> dict:
        return {**asdict(self.cfg), "objective": self.objective.name, "unit": self.objective.unit}
