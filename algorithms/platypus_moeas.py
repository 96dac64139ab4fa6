"""Platypus' MOEAs behind the suite's evaluator: SPEA2, IBEA and epsilon-MOEA.

Whole populations are evaluated in one batch through a Platypus `Evaluator` that calls the
suite's evaluator. Integer genes use Platypus' own Integer type (gray-coded bits, with its
default HUX crossover and bit-flip mutation; for ranges that are not a power of two the decoding
wraps, as Platypus documents); real genes use its defaults for Real (SBX + PM).
Platypus draws from Python's global `random` module, which the adapter seeds. Constraints (g <=
0 feasible) become Platypus' own, whose dominance ranks feasible solutions first.
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
from hamp_bench.pareto import violation


class _BatchEvaluator(platypus.evaluator.Evaluator):
    """Decode a batch of Platypus solutions, evaluate them at once, fill their objectives."""

    def __init__(self, evaluator: Evaluator, problem: platypus.Problem, penalty=None):
        super().__init__()
        self.evaluator, self.problem, self.penalty = evaluator, problem, penalty

    def evaluate_all(self, jobs, **kwargs):
        if not jobs:  # Platypus asks with an empty batch when all are evaluated already
            return jobs
        types = self.problem.types
        X = [[t.decode(v) for t, v in zip(types, job.solution.variables)] for job in jobs]
        F, G = self.evaluator.evaluate_constrained(np.array(X))
        cv = violation(G)
        if self.penalty is not None:  # constraints hidden, violation added to the objectives
            F, G, cv = F + self.penalty * cv[:, None], G[:, :0], np.zeros(len(F))
        for job, f, g, v in zip(jobs, F, G, cv):
            s = job.solution
            s.objectives[:] = f.tolist()
            s.constraints[:] = g.tolist()  # Platypus' own "<=0" constraints
            s.constraint_violation = float(v)
            s.feasible = v == 0
            s.evaluated = True
        return jobs


class PlatypusMOEA(Algorithm):
    """`pop_size` null: sized from the budget, as for the pymoo MOEAs."""

    #: None: Platypus' own constraint handling; a number: constraints hidden from the algorithm,
    #: each unit of violation added to every objective it sees (the record keeps true values)
    constraint_penalty: float | None = None

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
        penalty = self.constraint_penalty if p.n_con else None
        problem = platypus.Problem(p.n_var, p.n_obj, p.n_con if penalty is None else 0)
        problem.constraints[:] = "<=0"  # pymoo's and the suite's convention, g <= 0 feasible
        kind = platypus.Integer if p.var_type == "int" else platypus.Real
        problem.types[:] = [kind(lo, hi) for lo, hi in zip(p.xl.tolist(), p.xu.tolist())]
        random.seed(seed)
        batch = _BatchEvaluator(evaluator, problem, penalty)
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
    """IBEA with Platypus' hypervolume-based fitness. Its fitness normalises feasible solutions
    only and then fails on an infeasible one (Platypus 1.4.1), so on a constrained problem each
    unit of violation is added to every objective instead."""

    constraint_penalty = 1.0

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
