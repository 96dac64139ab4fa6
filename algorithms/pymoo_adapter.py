"""Thin adapter onto pymoo: pymoo's algorithms see our evaluator as a pymoo Problem (operators:
algorithms/variation.py), constraints included (pymoo's convention is the suite's: g <= 0)."""

from __future__ import annotations

import numpy as np
from pymoo.core.problem import Problem as PymooProblem

from hamp_bench.errors import BudgetExhausted
from hamp_bench.evaluator import Evaluator
from hamp_bench.pareto import violation


class EvaluatorAsPymooProblem(PymooProblem):
    """Every pymoo evaluation goes through the suite's evaluator (budget, cache, record)."""

    def __init__(self, evaluator: Evaluator, keep: bool = False, penalty: float | None = None):
        """`keep`: remember every evaluated genome and its objectives (`X`, `F`), for
        algorithms that learn from the run's evaluations. `penalty`: for an algorithm without
        constraint handling, the constraints are hidden and every unit of violation adds
        `penalty` to each objective it sees (the evaluator records the true values)."""
        p = evaluator.problem
        super().__init__(
            n_var=p.n_var,
            n_obj=p.n_obj,
            xl=p.xl,
            xu=p.xu,
            n_ieq_constr=p.n_con if penalty is None else 0,
            vtype=int if p.var_type == "int" else float,
        )
        self.evaluator, self.keep, self.penalty = evaluator, keep, penalty
        self._X: list[np.ndarray] = []
        self._F: list[np.ndarray] = []

    @property
    def X(self) -> np.ndarray:
        return np.vstack(self._X)

    @property
    def F(self) -> np.ndarray:
        return np.vstack(self._F)

    def _evaluate(self, X, out, *args, **kwargs):
        out["F"], G = self.evaluator.evaluate_constrained(X)
        if self.n_ieq_constr:  # pymoo ranks feasible points first (constrained domination)
            out["G"] = G
        elif self.penalty is not None and G.shape[1]:
            out["F"] = out["F"] + self.penalty * violation(G)[:, None]
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
