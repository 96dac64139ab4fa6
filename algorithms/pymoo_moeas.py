"""pymoo's MOEAs behind the suite's evaluator: NSGA-II, NSGA-III, SMS-EMOA, MOEA/D, AGE-MOEA.

All share pymoo's variation operators (SBX + PM; for integer genes followed by rounding, see
variation.py) and a population sized from the budget when `pop_size` is null. Algorithms
that need reference directions get Das-Dennis directions, as many as fit the population.
"""

from __future__ import annotations

from abc import abstractmethod
from math import comb

import numpy as np
from pymoo.util.ref_dirs import get_reference_directions

from hamp_bench.algorithm import Algorithm
from hamp_bench.algorithms.prescreen import PrescreenedMating
from hamp_bench.algorithms.pymoo_adapter import (
    EvaluatorAsPymooProblem,
    population_arrays,
    run_pymoo,
)
from hamp_bench.algorithms.variation import Variation
from hamp_bench.evaluator import Evaluator


def auto_pop_size(budget: int) -> int:
    """Our default: pymoo's 100 once the budget allows 10 generations of it, else budget // 10
    (at least 10), so that small pruning budgets still get about 10 generations."""
    return min(100, max(10, budget // 10))


def das_dennis(n_obj: int, at_most: int) -> np.ndarray:
    """The largest Das-Dennis set of reference directions with at most `at_most` members."""
    p = 1
    while comb(p + 1 + n_obj - 1, n_obj - 1) <= at_most:
        p += 1
    return get_reference_directions("das-dennis", n_obj, n_partitions=p)


class PymooGA(Algorithm):
    """Shared parameter checks and the run loop; subclasses build the pymoo algorithm.
    `pop_size` null: sized from the budget (auto_pop_size)."""

    #: whether `prescreen` can wrap this algorithm's mating (one batch of offspring a
    #: generation; MOEA/D mates one offspring at a time)
    can_prescreen: bool = True

    def __init__(
        self,
        name: str,
        pop_size: int | None = None,
        variation: Variation = Variation(),
        prescreen: int = 1,
    ):
        super().__init__(name)
        self.require(
            pop_size is None or pop_size >= 2,
            "pop_size",
            f"must be at least 2 (or null for a budget-sized population), got {pop_size}",
        )
        self.require(
            prescreen >= 1,
            "prescreen",
            f"must be at least 1 (1: off; K: screen K x the offspring), got {prescreen}",
        )
        self.require(
            prescreen == 1 or self.can_prescreen,
            "prescreen",
            f"is not supported by {name}, which mates one offspring at a time; use 1",
        )
        self.pop_size, self.prescreen = pop_size, prescreen
        self.variation = Variation.of(variation)
        self.population = None  # (X, F) of the final population, set by run()

    @abstractmethod
    def build(self, evaluator: Evaluator, pop_size: int, ops: dict):
        """The configured pymoo algorithm."""

    def constrained(self, problem):
        """The pymoo problem the algorithm sees: as is (pymoo's MOEAs rank feasible points
        first by constrained domination); an algorithm without constraint handling wraps it."""
        return problem

    def run(self, evaluator: Evaluator, seed: int) -> None:
        ops = self.variation.operators(evaluator.problem)
        algorithm = self.build(evaluator, self.pop_size or auto_pop_size(evaluator.budget), ops)
        problem = EvaluatorAsPymooProblem(evaluator, keep=self.prescreen > 1)
        if self.prescreen > 1:
            algorithm.mating = PrescreenedMating(algorithm.mating, self.prescreen, problem, seed)
        try:
            run_pymoo(algorithm, evaluator, seed, self.constrained(problem))
        finally:
            if algorithm.pop is not None and len(algorithm.pop):
                self.population = population_arrays(algorithm)


class NSGA2(PymooGA):
    def __init__(
        self,
        name: str = "nsga2",
        pop_size: int | None = None,
        n_offsprings: int | None = None,
        eliminate_duplicates: bool = True,
        variation: Variation = Variation(),
        prescreen: int = 1,
    ):
        super().__init__(name, pop_size, variation, prescreen)
        self.require(
            n_offsprings is None or n_offsprings >= 1,
            "n_offsprings",
            f"must be at least 1 (or null for pop_size), got {n_offsprings}",
        )
        self.n_offsprings, self.eliminate_duplicates = n_offsprings, eliminate_duplicates

    def build(self, evaluator, pop_size, ops):
        from pymoo.algorithms.moo.nsga2 import NSGA2 as Impl

        return Impl(
            pop_size=pop_size,
            n_offsprings=self.n_offsprings,
            eliminate_duplicates=self.eliminate_duplicates,
            **ops,
        )


class NSGA3(PymooGA):
    """Das-Dennis reference directions, as many as fit the population."""

    def __init__(
        self,
        name: str = "nsga3",
        pop_size: int | None = None,
        variation: Variation = Variation(),
        prescreen: int = 1,
    ):
        super().__init__(name, pop_size, variation, prescreen)

    def build(self, evaluator, pop_size, ops):
        from pymoo.algorithms.moo.nsga3 import NSGA3 as Impl

        ref_dirs = das_dennis(evaluator.problem.n_obj, pop_size)
        return Impl(ref_dirs=ref_dirs, pop_size=pop_size, **ops)


class SMSEMOA(PymooGA):
    def __init__(
        self,
        name: str = "smsemoa",
        pop_size: int | None = None,
        variation: Variation = Variation(),
        prescreen: int = 1,
    ):
        super().__init__(name, pop_size, variation, prescreen)

    def build(self, evaluator, pop_size, ops):
        from pymoo.algorithms.moo.sms import SMSEMOA as Impl

        return Impl(pop_size=pop_size, **ops)


class MOEAD(PymooGA):
    """MOEA/D with Tchebicheff decomposition; one subproblem per reference direction. pymoo's
    MOEA/D has no constraint handling: on a constrained problem every unit of constraint
    violation adds `constraint_penalty` to each objective it sees (as pymoo's ConstraintsAsPenalty,
    whose multi-objective reshape fails in pymoo 0.6.2; the record keeps the true objectives and
    constraints)."""

    can_prescreen = False

    def __init__(
        self,
        name: str = "moead",
        pop_size: int | None = None,
        n_neighbors: int = 20,
        prob_neighbor_mating: float = 0.9,
        variation: Variation = Variation(),
        prescreen: int = 1,
        constraint_penalty: float = 1.0,
    ):
        super().__init__(name, pop_size, variation, prescreen)
        self.require(n_neighbors >= 2, "n_neighbors", f"must be at least 2, got {n_neighbors}")
        self.require(
            constraint_penalty > 0,
            "constraint_penalty",
            f"must be positive, got {constraint_penalty}",
        )
        self.constraint_penalty = constraint_penalty
        self.require(
            0 <= prob_neighbor_mating <= 1,
            "prob_neighbor_mating",
            f"must be in [0, 1], got {prob_neighbor_mating}",
        )
        self.n_neighbors, self.prob_neighbor_mating = n_neighbors, prob_neighbor_mating

    def build(self, evaluator, pop_size, ops):
        from pymoo.algorithms.moo.moead import MOEAD as Impl

        ref_dirs = das_dennis(evaluator.problem.n_obj, pop_size)
        return Impl(
            ref_dirs=ref_dirs,
            n_neighbors=min(self.n_neighbors, len(ref_dirs)),
            prob_neighbor_mating=self.prob_neighbor_mating,
            **ops,
        )

    def constrained(self, problem):
        if not problem.n_ieq_constr:
            return problem
        return EvaluatorAsPymooProblem(problem.evaluator, penalty=self.constraint_penalty)


class AGEMOEA(PymooGA):
    """AGE-MOEA (needs numba)."""

    def __init__(
        self,
        name: str = "agemoea",
        pop_size: int | None = None,
        variation: Variation = Variation(),
        prescreen: int = 1,
    ):
        super().__init__(name, pop_size, variation, prescreen)

    def build(self, evaluator, pop_size, ops):
        from pymoo.algorithms.moo.age import AGEMOEA as Impl

        return Impl(pop_size=pop_size, **ops)
