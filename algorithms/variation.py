"""The variation operators every GA-based algorithm shares (the pymoo MOEAs, HAMP, the
scalarised baselines): pymoo's SBX crossover and polynomial mutation, with pymoo's defaults.

Integer genes: pymoo samples integers (IntegerRandomSampling) and its real-coded SBX and PM are
followed by RoundingRepair, the encoding pymoo's documentation recommends for discrete
variables. Real genes use pymoo's operators unchanged, so a suite run equals a direct pymoo run
with the same seed. One object, one validation: `algorithm.variation.*` in the config.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.repair.rounding import RoundingRepair
from pymoo.operators.sampling.rnd import FloatRandomSampling, IntegerRandomSampling

from hamp_bench.algorithms.sampling import SAMPLERS, SuiteSampling
from hamp_bench.errors import ConfigError


@dataclass
class Variation:
    """Not frozen: OmegaConf turns a frozen dataclass into a read-only node, which would refuse
    `algorithm.variation.crossover_prob=...` overrides. Nothing mutates one after it is built."""

    crossover_prob: float = 0.9
    crossover_eta: float = 15.0
    mutation_prob: float = 0.9
    mutation_eta: float = 20.0
    #: the initial population: `uniform` (pymoo's), `lhs` or `ratio` (algorithms/sampling.py);
    #: `auto`: `ratio` where the problem's genes are keep levels (pruning), else `uniform`
    sampling: str = "uniform"

    def __post_init__(self) -> None:
        if self.sampling not in (*SAMPLERS, "auto"):
            raise ConfigError(
                f"algorithm.variation.sampling must be one of {sorted(SAMPLERS)} or auto, "
                f"got {self.sampling!r}"
            )
        for key in ("crossover_prob", "mutation_prob"):
            value = getattr(self, key)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"algorithm.variation.{key} must be in [0, 1], got {value}")
        for key in ("crossover_eta", "mutation_eta"):
            value = getattr(self, key)
            if not value > 0:
                raise ConfigError(f"algorithm.variation.{key} must be positive, got {value}")

    @classmethod
    def of(cls, value: Variation | dict[str, Any] | None) -> Variation:
        """A Variation from itself, a dict of its fields (Python callers), or None (defaults)."""
        if value is None:
            return cls()
        return value if isinstance(value, cls) else cls(**dict(value))

    def operators(self, problem) -> dict:
        """sampling/crossover/mutation keyword arguments for a pymoo genetic algorithm on a
        suite problem (its `var_type`, and `keep_levels` for `sampling: auto`)."""
        var_type = problem.var_type
        repair = {"repair": RoundingRepair()} if var_type == "int" else {}
        name = self.sampling
        if name == "auto":
            name = "ratio" if getattr(problem, "keep_levels", False) else "uniform"
        if name != "uniform":
            sampling = SuiteSampling(name)
        else:  # pymoo's own, so that a default suite run equals a direct pymoo run
            sampling = IntegerRandomSampling() if var_type == "int" else FloatRandomSampling()
        return {
            "sampling": sampling,
            "crossover": SBX(prob=self.crossover_prob, eta=self.crossover_eta, **repair),
            "mutation": PM(prob=self.mutation_prob, eta=self.mutation_eta, **repair),
        }

    def describe(self) -> dict[str, float | str]:
        return asdict(self)
