"""NSGA-II from pymoo, unchanged, behind the suite's evaluator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from pymoo.algorithms.moo.nsga2 import NSGA2 as PymooNSGA2

from hamp_bench.algorithms.base import Algorithm, AlgorithmConfig
from hamp_bench.algorithms.pymoo_adapter import population_arrays, run_pymoo, variation_operators
from hamp_bench.evaluator import Evaluator


@dataclass
class NSGA2Config(AlgorithmConfig):
    """Operators default to pymoo's: SBX(prob=0.9, eta=15), PM(prob=0.9, eta=20)."""

    _target_: str = "hamp_bench.algorithms.nsga2.NSGA2"
    name: str = "nsga2"
    pop_size: Optional[int] = None  # None: sized from the budget (see auto_pop_size)
    n_offsprings: Optional[int] = None  # None: pop_size
    crossover_prob: float = 0.9
    crossover_eta: float = 15.0
    mutation_prob: float = 0.9
    mutation_eta: float = 20.0
    eliminate_duplicates: bool = True


def auto_pop_size(budget: int) -> int:
    """Our default: pymoo's 100 once the budget allows 10 generations of it, else budget // 10
    (at least 10), so that small pruning budgets still get about 10 generations."""
    return min(100, max(10, budget // 10))


class NSGA2(Algorithm):
    def __init__(self, name: str = "nsga2", pop_size: int | None = 100,
                 n_offsprings: int | None = None,
                 crossover_prob: float = 0.9, crossover_eta: float = 15.0,
                 mutation_prob: float = 0.9, mutation_eta: float = 20.0,
                 eliminate_duplicates: bool = True):
        super().__init__(name)
        self.require(pop_size is None or pop_size >= 2, "pop_size",
                     f"must be at least 2 (or null for a budget-sized population), got {pop_size}")
        self.require(n_offsprings is None or n_offsprings >= 1, "n_offsprings",
                     f"must be at least 1 (or null for pop_size), got {n_offsprings}")
        for key, value in (("crossover_prob", crossover_prob), ("mutation_prob", mutation_prob)):
            self.require(0.0 <= value <= 1.0, key, f"must be in [0, 1], got {value}")
        for key, value in (("crossover_eta", crossover_eta), ("mutation_eta", mutation_eta)):
            self.require(value > 0, key, f"must be positive, got {value}")
        self.pop_size, self.n_offsprings = pop_size, n_offsprings
        self.operators = dict(crossover_prob=crossover_prob, crossover_eta=crossover_eta,
                              mutation_prob=mutation_prob, mutation_eta=mutation_eta)
        self.eliminate_duplicates = eliminate_duplicates
        self.population = None  # (X, F) of the final population, set by run()

    def run(self, evaluator: Evaluator, seed: int) -> None:
        algorithm = PymooNSGA2(
            pop_size=self.pop_size or auto_pop_size(evaluator.budget),
            n_offsprings=self.n_offsprings,
            eliminate_duplicates=self.eliminate_duplicates,
            **variation_operators(evaluator.problem.var_type, **self.operators),
        )
        self._pymoo = algorithm
        try:
            run_pymoo(algorithm, evaluator, seed)
        finally:
            if algorithm.pop is not None and len(algorithm.pop):
                self.population = population_arrays(algorithm)
