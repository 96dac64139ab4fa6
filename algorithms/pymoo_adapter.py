"""Thin adapter onto pymoo: pymoo's algorithms see our evaluator as a pymoo Problem.

Integer genes: pymoo samples integers (IntegerRandomSampling) and its real-coded SBX and PM
operators are followed by RoundingRepair, the encoding pymoo's documentation recommends for
discrete variables. Real genes use pymoo's defaults unchanged, so a suite run equals a direct
pymoo run with the same seed.
"""

from __future__ import annotations

import numpy as np
from pymoo.core.problem import Problem as PymooProblem
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.repair.rounding import RoundingRepair
from pymoo.operators.sampling.rnd import FloatRandomSampling, IntegerRandomSampling

from hamp_bench.errors import BudgetExhausted
from hamp_bench.evaluator import Evaluator


class EvaluatorAsPymooProblem(PymooProblem):
    """Every pymoo evaluation goes through the suite's evaluator (budget, cache, record)."""

    def __init__(self, evaluator: Evaluator):
        p = evaluator.problem
        super().__init__(n_var=p.n_var, n_obj=p.n_obj, xl=p.xl, xu=p.xu,
                         vtype=int if p.var_type == "int" else float)
        self.evaluator = evaluator

    def _evaluate(self, X, out, *args, **kwargs):
        out["F"] = self.evaluator.evaluate(X)


def variation_operators(var_type: str, crossover_prob: float, crossover_eta: float,
                        mutation_prob: float, mutation_eta: float) -> dict:
    """sampling/crossover/mutation keyword arguments for a pymoo genetic algorithm."""
    repair = RoundingRepair() if var_type == "int" else None
    extra = {"repair": repair} if repair is not None else {}
    return {
        "sampling": IntegerRandomSampling() if var_type == "int" else FloatRandomSampling(),
        "crossover": SBX(prob=crossover_prob, eta=crossover_eta, **extra),
        "mutation": PM(prob=mutation_prob, eta=mutation_eta, **extra),
    }


def run_pymoo(algorithm, evaluator: Evaluator, seed: int):
    """Run a configured pymoo algorithm until its budget-sized termination or the budget ends.

    Returns the pymoo algorithm object, whose `pop` is the final population.
    """
    algorithm.setup(EvaluatorAsPymooProblem(evaluator), termination=("n_eval", evaluator.budget),
                    seed=seed, verbose=False)
    try:
        while algorithm.has_next():
            algorithm.next()
    except BudgetExhausted:
        pass
    return algorithm


def population_arrays(algorithm) -> tuple[np.ndarray, np.ndarray]:
    pop = algorithm.pop
    return np.asarray(pop.get("X")), np.asarray(pop.get("F"))
