"""The hardware-profile seam."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from hamp_bench.errors import ConfigError
from hamp_bench.problem import Objective
from hamp_bench.problems.configs import HardwareConfig
from hamp_bench.problems.costs import CostModel
from hamp_bench.problems.hardware.table import NetworkShape

BYTES = {"fp32": 4, "fp16": 2, "int8": 1}


class HardwareProfile(ABC):
    #: the latency objective this profile provides
    objective: Objective

    def __init__(self, cfg: HardwareConfig):
        if cfg.precision not in BYTES:
            raise ConfigError(f"hardware.precision={cfg.precision!r} is unknown; choose one of "
                              f"{sorted(BYTES)}")
        self.cfg = cfg
        self.bytes_per_value = BYTES[cfg.precision]

    #: live profiles time real networks: latency is then an expensive objective, measured in
    #: `measure` on each candidate's pruned network instead of computed from keep counts
    live = False

    def bind(self, costs: CostModel, choices: list[np.ndarray], shape: NetworkShape) -> None:
        """Prepare for one network: its layers, the keep counts each group can take, and the
        network and input it was traced at (tables check their manifest against it)."""

    @abstractmethod
    def latency(self, costs: CostModel, keep: np.ndarray) -> np.ndarray:
        """Latency (in the objective's unit) of each pruned variant, vectorised over rows."""

    def measure(self, net) -> dict[str, float]:
        """Live profiles only: time one pruned network; `latency` plus extras."""
        raise NotImplementedError(f"hardware={self.cfg.name} is not a live profile")

    def identity(self) -> dict:
        """What defines this profile's latencies (hashed into the problem's fingerprint)."""
        return self.describe()

    def describe(self) -> dict:
        return {"name": self.cfg.name, "precision": self.cfg.precision,
                "objective": self.objective.name, "unit": self.objective.unit}
