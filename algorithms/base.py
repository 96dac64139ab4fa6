"""The Algorithm seam: an algorithm gets an evaluator and a seed, nothing global."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from hamp_bench.errors import ConfigError
from hamp_bench.evaluator import Evaluator


@dataclass
class AlgorithmConfig:
    """Fields every algorithm config has; each algorithm's schema extends it."""

    _target_: str = "???"
    name: str = "???"


class Algorithm(ABC):
    """Runs until it is done or the evaluator raises BudgetExhausted (the runner catches it).

    Parameters are validated in `__init__`, so a bad value fails before any evaluation.
    """

    def __init__(self, name: str):
        self.name = name

    @abstractmethod
    def run(self, evaluator: Evaluator, seed: int) -> None:
        """Optimise `evaluator.problem`; all randomness must come from `seed`."""

    def check(self, problem, budget: int) -> None:
        """Refuse a problem or budget this algorithm cannot work with (ConfigError). The runner
        calls it before any record is written. The default refuses a population larger than the
        budget: its first generation could not even be evaluated."""
        pop_size = getattr(self, "pop_size", None)
        self.require(pop_size is None or pop_size <= budget, "pop_size",
                     f"({pop_size}) is larger than the budget ({budget} evaluations); lower "
                     "algorithm.pop_size (null sizes it from the budget) or raise the budget")

    @staticmethod
    def require(condition: bool, key: str, message: str) -> None:
        """Raise a ConfigError naming `algorithm.<key>` when a parameter is out of range."""
        if not condition:
            raise ConfigError(f"algorithm.{key} {message}")
