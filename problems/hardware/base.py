"""The hardware-profile seam: what a pruning problem asks of a device.

Each profile declares its own parameters (its `__init__` signature, or a `Params` dataclass),
and owns how its latency is had: looked up from keep counts (cheap: a table, an analytic
count) or measured on the pruned networks themselves (live, expensive). The pruning problem
only calls the methods below, whatever the profile.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from hamp_bench.errors import ConfigError
from hamp_bench.objective_space import Objective

if TYPE_CHECKING:  # annotations only: profile modules stay free of torch (their schemas are
    # read at every command-line start)
    from hamp_bench.problems.search_space import PruningSpace

BYTES = {"fp32": 4, "fp16": 2, "int8": 1}


class HardwareProfile(ABC):
    #: the latency objective this profile provides (`cheap` when computed from keep counts)
    objective: Objective
    #: extra record columns of each evaluation (what `measure` returns beside the latency)
    extra_names: tuple[str, ...] = ()

    def __init__(self, name: str, precision: str):
        if precision not in BYTES:
            raise ConfigError(
                f"hardware.precision={precision!r} is unknown; choose one of {sorted(BYTES)}"
            )
        self.name, self.precision = name, precision
        self.bytes_per_value = BYTES[precision]

    def bind(self, space: PruningSpace) -> None:  # noqa: B027 (optional hook, a no-op here)
        """Prepare for one network's search space: its layers, the keep counts each group can
        take, and the network and input it was traced at (tables check their manifest)."""

    @abstractmethod
    def latency(self, keep: np.ndarray) -> np.ndarray:
        """Latency (in the objective's unit) of each row of keep counts, vectorised; NaN where
        the profile needs the networks themselves (see `measure`)."""

    def measure(
        self, keep: np.ndarray, networks: Iterable[Any]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Latency of each row of keep counts and this profile's extras (`extra_names`), given
        the physically pruned networks (an iterable, consumed only by profiles that time them:
        a lookup never builds them)."""
        return self.latency(keep), {}

    def latency_bounds(
        self, smallest: float, full: float, full_network: Any
    ) -> tuple[float, float]:
        """Frozen normalisation bounds (ideal, nadir) of the latency objective, given what
        `latency` says of the smallest and the unpruned network: by default those two."""
        return smallest, full

    def run_info(self) -> dict[str, Any]:
        """What the problem's description adds beside `hardware` (not part of the identity)."""
        return {}

    def identity(self) -> dict:
        """What defines this profile's latencies (hashed into the problem's fingerprint)."""
        return self.describe()

    def describe(self) -> dict:
        return {
            "name": self.name,
            "precision": self.precision,
            "objective": self.objective.name,
            "unit": self.objective.unit,
        }
