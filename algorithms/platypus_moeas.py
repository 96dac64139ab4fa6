"""Platypus' MOEAs behind the suite's evaluator: SPEA2, IBEA and epsilon-MOEA.

Whole populations are evaluated in one batch through a Platypus `Evaluator` that calls the
suite's evaluator. Integer genes use Platypus' own Integer type (gray-coded bits, with its
default HUX crossover and bit-flip mutation; for ranges that are not a power of two the decoding
wraps, as Platypus documents); real genes use its defaults for Real (SBX + PM).
Platypus draws from Python's global `random` module, which the adapter seeds.
"""

from __future__ import annotations

import random
from abc import abstractmethod

import numpy as np
import platypus

from hamp_bench.algorithm import Algorithm
from hamp_bench.algorithms.pymoo_moeas import auto_pop_size
from hamp_bench.errors import BudgetExhausted
from hamp_bench.evaluator import Evaluator


class _BatchEvaluator(platypus.evaluator.Evaluator):
    """Decode a batch of Platypus solutions, evaluate them at once, fill their objectives."""

    def __init__(self, evaluator: Evaluator, problem: platypus.Problem):
        super().__init__()
        self.evaluator, self.problem = evaluator, problem

    def evaluate_all(self, jobs, **kwargs):
        if not jobs:  # Platypus asks with an empty batch when all are evaluated already
            return jobs
        types = self.problem.types
        X = [[t.decode(v) for t, v in zip(types, job.solution.variables)] for job in jobs]
        F = self.evaluator.evaluate(np.array(X))
        for job, f in zip(jobs, F):
            s = job.solution
            s.objectives[:] = f.tolist()
            s.constraint_violation = 0.0
            s.feasible = True
            s.evaluated = True
        return jobs


class PlatypusMOEA(Algorithm):
    """`pop_size` null: sized from the budget, as for the pymoo MOEAs."""

    def __init__(self, name: str, pop_size: int | None = None):
        super().__init__(name)
        self.require(
            pop_size is None or pop_size >= 2,
            "pop_size",
            f"must be at least 2 (or null for a budget-sized population), got {pop_size}",
        )
        self.pop_size = pop_size

    @abstractmethod
    def make(
        self, problem: platypus.Problem, pop_size: int, evaluator: Evaluator, batch: _BatchEvaluator
    ):
        """The configured Platypus algorithm."""

    def run(self, evaluator: Evaluator, seed: int) -> None:
        p = evaluator.problem
        problem = platypus.Problem(p.n_var, p.n_obj)
        kind = platypus.Integer if p.var_type == "int" else platypus.Real
        problem.types[:] = [kind(lo, hi) for lo, hi in zip(p.xl.tolist(), p.xu.tolist())]
        random.seed(seed)
        batch = _BatchEvaluator(evaluator, problem)
        algorithm = self.make(
            problem, self.pop_size or auto_pop_size(evaluator.budget), evaluator, batch
        )
        try:
            # Platypus' own NFE also counts solutions it did not need to evaluate again, so the
            # suite's evaluator decides when the budget is spent
            algorithm.run(lambda _: evaluator.remaining <= 0)
        except BudgetExhausted:
            pass


class SPEA2(PlatypusMOEA):
    """`corrected_mating`: true, the mating tournament prefers the lower (better) SPEA2 fitness,
    as SPEA2 is published; false, Platypus 1.4.1 as released, whose tournament prefers the worse
    parent (docs/algorithms.md, "SPEA2 on ZDT2")."""

    def __init__(
        self, name: str = "spea2", pop_size: int | None = None, corrected_mating: bool = True
    ):
        super().__init__(name, pop_size)
        self.corrected_mating = corrected_mating

    def make(self, problem, pop_size, evaluator, batch):
        spea2 = platypus.SPEA2(problem, population_size=pop_size, evaluator=batch)
        if self.corrected_mating:  # set explicitly: stays right if Platypus fixes its default
            spea2.selection = platypus.TournamentSelector(
                2,
                dominance=platypus.AttributeDominance(platypus.fitness_key, larger_preferred=False),
            )
        return spea2


class IBEA(PlatypusMOEA):
    """IBEA with Platypus' hypervolume-based fitness."""

    def __init__(self, name: str = "ibea", pop_size: int | None = None):
        super().__init__(name, pop_size)

    def make(self, problem, pop_size, evaluator, batch):
        return platypus.IBEA(problem, population_size=pop_size, evaluator=batch)


class EpsMOEA(PlatypusMOEA):
    """Epsilon-MOEA (steady state: one offspring per step). `epsilon`: the box size, as a
    fraction of each objective's normalisation range."""

    def __init__(self, name: str = "emoea", pop_size: int | None = None, epsilon: float = 0.01):
        super().__init__(name, pop_size)
        self.require(epsilon > 0, "epsilon", f"must be positive, got {epsilon}")
        self.epsilon = epsilon

    def make(self, problem, pop_size, evaluator, batch):
        p = evaluator.problem
        span = np.abs(p.to_min(p.nadir) - p.to_min(p.ideal))
        return platypus.EpsMOEA(
            problem,
            epsilons=(self.epsilon * span).tolist(),
            population_size=pop_size,
            evaluator=batch,
        )
