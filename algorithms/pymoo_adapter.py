"""Thin adapter onto pymoo: pymoo's algorithms see our evaluator as a pymoo Problem (operators:
algorithms/variation.py)."""

from __future__ import annotations

import numpy as np
from pymoo.core.problem import Problem as PymooProblem

from hamp_bench.errors import BudgetExhausted
from hamp_bench.evaluator import Evaluator


class EvaluatorAsPymooProblem(PymooProblem):
    """Every pymoo evaluation goes through the suite's evaluator (budget, cache, record)."""

    def __init__(self, evaluator: Evaluator, keep: bool = False):
        """`keep`: remember every evaluated genome and its objectives (`X`, `F`), for
        algorithms that learn from the run's evaluations."""
        p = evaluator.problem
        super().__init__(
            n_var=p.n_var,
            n_obj=p.n_obj,
            xl=p.xl,
            xu=p.xu,
            vtype=int if p.var_type == "int" else float,
        )
        self.evaluator, self.keep = evaluator, keep
        self._X: list[np.ndarray] = []
        self._F: list[np.ndarray] = []

    @property
    def X(self) -> np.ndarray:
        return np.vstack(self._X)

    @property
    def F(self) -> np.ndarray:
        return np.vstack(self._F)

    def _evaluate(self, X, out, *args, **kwargs):
        out["F"] = self.evaluator.evaluate(X)
        if self.keep:
            self._X.append(np.asarray(X))
            self._F.append(out["F"])


def run_pymoo(algorithm, evaluator: Evaluator, seed: int, problem=None):
    """Run a configured pymoo algorithm until its budget-sized termination or the budget ends
    (`problem`: the evaluator's adapter, if the caller made one).

    Returns the pymoo algorithm object, whose `pop` is the final population.
    """
    algorithm.setup(
        problem or EvaluatorAsPymooProblem(evaluator),
        termination=("n_eval", evaluator.budget),
        seed=seed,
        verbose=False,
    )
    try:
        while algorithm.has_next():
            algorithm.next()
    except BudgetExhausted:
        pass
    return algorithm


def population_arrays(algorithm) -> tuple[np.ndarray, np.ndarray]:
    pop = algorithm.pop
    return np.asarray(pop.get("X")), np.asarray(pop.get("F"))
