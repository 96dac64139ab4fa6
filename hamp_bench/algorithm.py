"""The Algorithm seam: an algorithm gets an evaluator and a seed, nothing global.

An algorithm's parameters are the arguments of its `__init__` (typed, with defaults): that
signature is their one declaration, from which config validation is derived
(hamp_bench/components.py). Parameters are checked in `__init__`, so a bad value fails before
any evaluation; `check` refuses a problem or budget the algorithm cannot work with, before any
record is written.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from hamp_bench.errors import ConfigError

if TYPE_CHECKING:
    from hamp_bench.evaluator import Evaluator
    from hamp_bench.problem import Problem


class Algorithm(ABC):
    """Runs until it is done or the evaluator raises BudgetExhausted (the runner catches it)."""

    #: False for an algorithm with a natural size (a sweep, a path) that may end with budget left
    uses_whole_budget: bool = True
    #: False for an algorithm that does not heed a problem's constraints (it is refused there)
    handles_constraints: bool = True

    def __init__(self, name: str):
        self.name = name

    @abstractmethod
    def run(self, evaluator: Evaluator, seed: int) -> None:
        """Optimise `evaluator.problem`; all randomness must come from `seed`. What the
        algorithm wants recorded about itself goes to `evaluator.telemetry`."""

    def check(self, problem: Problem, budget: int) -> None:
        """Refuse a problem or budget this algorithm cannot work with (ConfigError). The default
        refuses a population larger than the budget (its first generation could not even be
        evaluated), and a constrained problem where the algorithm does not handle constraints."""
        if problem.n_con and not self.handles_constraints:
            raise ConfigError(
                f"algorithm={self.name} does not handle constraints, and problem "
                f"{problem.name!r} has {problem.n_con} ({', '.join(problem.constraint_names)}); "
                "choose a multi-objective algorithm (hamp, nsga2, ...) or random"
            )
        pop_size = getattr(self, "pop_size", None)
        self.require(
            pop_size is None or pop_size <= budget,
            "pop_size",
            f"({pop_size}) is larger than the budget ({budget} evaluations); lower "
            "algorithm.pop_size (null sizes it from the budget) or raise the budget",
        )

    @staticmethod
    def require(condition: bool, key: str, message: str) -> None:
        """Raise a ConfigError naming `algorithm.<key>` when a parameter is out of range."""
        if not condition:
            raise ConfigError(f"algorithm.{key} {message}")
