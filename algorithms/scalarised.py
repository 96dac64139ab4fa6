"""Single-objective baselines that turn the problem into scalar GA runs (pymoo's GA, the same
SBX + PM + rounding operators as the MOEAs), each run given a slice of the budget:

- `weighted_sum`: one GA per weight vector on the weighted sum of objectives normalised with
  the problem's frozen bounds;
- `latency_constrained`: one GA per budget L minimising one objective (error) subject to
  another (latency) being at most L, the AMC / NetAdapt framing. When the constrained
  objective is cheap (a table, MACs), infeasible candidates are screened out for free and only
  feasible ones are truly evaluated.

Every true evaluation goes through the suite's evaluator, so all of them are in the record and
enter the same indicators as the MOEAs' runs.
"""

from __future__ import annotations

import numpy as np
from pymoo.algorithms.soo.nonconvex.ga import GA
from pymoo.core.problem import Problem as PymooProblem

from hamp_bench.algorithm import Algorithm
from hamp_bench.algorithms.pymoo_moeas import auto_pop_size, das_dennis
from hamp_bench.algorithms.variation import Variation
from hamp_bench.errors import BudgetExhausted, ConfigError
from hamp_bench.evaluator import Evaluator

INFEASIBLE = 1e12  # objective given to screened-out candidates (never truly evaluated)


class _SliceSpent(Exception):
    """This sub-run's share of the budget is spent (the run's budget may not be)."""


class ScalarProblem(PymooProblem):
    """A pymoo single-objective view of the evaluator, limited to `budget` true evaluations."""

    def __init__(self, evaluator: Evaluator, budget: int, scalarise, constraint=None):
        p = evaluator.problem
        super().__init__(
            n_var=p.n_var,
            n_obj=1,
            n_ieq_constr=0 if constraint is None else 1,
            xl=p.xl,
            xu=p.xu,
            vtype=int if p.var_type == "int" else float,
        )
        self.evaluator, self.left = evaluator, budget
        self.scalarise, self.constraint = scalarise, constraint

    def _true(self, X: np.ndarray) -> np.ndarray:
        if self.left <= 0:
            raise _SliceSpent
        take = X[: self.left]
        F = self.evaluator.evaluate(take)
        self.left -= len(take)
        if len(take) < len(X):
            raise _SliceSpent
        return F

    def _evaluate(self, X, out, *args, **kwargs):
        if self.constraint is None:
            out["F"] = self.scalarise(self._true(X))[:, None]
            return
        G, needs_true = self.constraint.screen(self.evaluator, X)
        F = np.full(len(X), INFEASIBLE)
        if needs_true.any():
            F_true = self._true(X[needs_true])
            F[needs_true] = self.scalarise(F_true)
            G[needs_true] = self.constraint.violation(F_true)
        out["F"], out["G"] = F[:, None], G[:, None]


class ScalarGA(Algorithm):
    """Runs one pymoo GA per task on an equal slice of the budget (the last takes the rest)."""

    handles_constraints = False  # scalarised GAs optimise one objective and ignore g

    def __init__(self, name: str, pop_size: int | None, variation: Variation):
        super().__init__(name)
        self.require(
            pop_size is None or pop_size >= 2,
            "pop_size",
            f"must be at least 2 (or null for a budget-sized population), got {pop_size}",
        )
        self.pop_size = pop_size
        self.variation = Variation.of(variation)

    def tasks(self, evaluator: Evaluator) -> list[tuple]:
        """(scalarise, constraint) per sub-run; checks parameters against the problem."""
        raise NotImplementedError

    def run(self, evaluator: Evaluator, seed: int) -> None:
        tasks = self.tasks(evaluator)
        ops = self.variation.operators(evaluator.problem)
        for i, (scalarise, constraint) in enumerate(tasks):
            if evaluator.remaining <= 0:
                break
            share = max(1, evaluator.remaining // (len(tasks) - i))
            problem = ScalarProblem(evaluator, share, scalarise, constraint)
            ga = GA(
                pop_size=self.pop_size or auto_pop_size(share), eliminate_duplicates=True, **ops
            )
            # generations are capped generously: screened candidates cost no budget
            ga.setup(
                problem,
                termination=("n_eval", 50 * share + 10 * ga.pop_size),
                seed=seed + i,
                verbose=False,
            )
            try:
                while ga.has_next():
                    ga.next()
            except _SliceSpent:
                pass
            except BudgetExhausted:
                return


class WeightedSum(ScalarGA):
    """`n_weights`: at most this many Das-Dennis weight vectors, unless `weights` lists them
    (one GA per vector). `pop_size` null: sized from each sub-run's budget slice."""

    def __init__(
        self,
        name: str = "weighted_sum",
        n_weights: int = 5,
        weights: list[list[float]] | None = None,
        pop_size: int | None = None,
        variation: Variation = Variation(),
    ):
        super().__init__(name, pop_size, variation)
        self.require(n_weights >= 1, "n_weights", f"must be at least 1, got {n_weights}")
        if weights is not None:
            self.require(len(weights) >= 1, "weights", "must hold at least one weight vector")
            for w in weights:
                self.require(
                    isinstance(w, (list, tuple)) or hasattr(w, "__len__"),
                    "weights",
                    f"must be a list of weight vectors such as [[0.5, 0.5]], got {w!r}",
                )
                self.require(
                    all(x >= 0 for x in w) and sum(w) > 0,
                    "weights",
                    f"must be non-negative with a positive sum, got {list(w)}",
                )
        self.n_weights, self.weights = n_weights, weights

    def weight_vectors(self, n_obj: int) -> np.ndarray:
        if self.weights is None:
            return (
                das_dennis(n_obj, self.n_weights)
                if self.n_weights > 1
                else np.full((1, n_obj), 1 / n_obj)
            )
        W = [np.asarray(w, dtype=float) for w in self.weights]
        bad = [list(w) for w in W if len(w) != n_obj]
        if bad:
            raise ConfigError(
                f"algorithm.weights: every weight vector needs {n_obj} entries, one "
                f"per objective, got {[float(x) for x in bad[0]]}"
            )
        return np.array([w / w.sum() for w in W])

    def tasks(self, evaluator):
        p = evaluator.problem
        return [
            ((lambda F, w=w: self._scalar(p, F, w)), None) for w in self.weight_vectors(p.n_obj)
        ]

    @staticmethod
    def _scalar(problem, F_min: np.ndarray, w: np.ndarray) -> np.ndarray:
        return problem.normalise(F_min) @ w


class _Bound:
    """objective `index` <= `limit` (natural units, minimised objectives)."""

    def __init__(self, problem, index: int, limit: float):
        self.index, self.limit = index, limit
        self.cheap_col = None
        if problem.cheap_mask[index]:
            self.cheap_col = int(np.flatnonzero(problem.cheap_mask).tolist().index(index))

    def violation(self, F_min: np.ndarray) -> np.ndarray:
        return F_min[:, self.index] - self.limit

    def screen(self, evaluator, X):
        """Violations known without spending budget, and which rows need a true evaluation."""
        if self.cheap_col is None:
            return np.zeros(len(X)), np.ones(len(X), dtype=bool)
        G = evaluator.evaluate_cheap(X)[:, self.cheap_col] - self.limit
        return G, G <= 0


class LatencyConstrained(ScalarGA):
    """Minimise objective `optimise` (0: error on the pruning problems) subject to objective
    `constrain` (1: latency) <= L, one GA per L: `fractions` of [ideal, nadir], or absolute
    `budgets` in the objective's unit."""

    def __init__(
        self,
        name: str = "latency_constrained",
        optimise: int = 0,
        constrain: int = 1,
        fractions: list[float] = (0.25, 0.5, 0.75),
        budgets: list[float] | None = None,
        pop_size: int | None = None,
        variation: Variation = Variation(),
    ):
        super().__init__(name, pop_size, variation)
        self.require(
            optimise != constrain,
            "constrain",
            f"must differ from algorithm.optimise, both are {optimise}",
        )
        fractions = list(fractions)
        self.require(
            budgets is not None or len(fractions) >= 1,
            "fractions",
            "must hold at least one budget fraction",
        )
        self.require(
            all(0 < f <= 1 for f in fractions), "fractions", f"must lie in (0, 1], got {fractions}"
        )
        self.optimise, self.constrain = optimise, constrain
        self.fractions, self.budgets = fractions, budgets

    def limits(self, problem) -> list[float]:
        for key, idx in (("optimise", self.optimise), ("constrain", self.constrain)):
            if not 0 <= idx < problem.n_obj:
                raise ConfigError(
                    f"algorithm.{key}={idx} is not an objective index of "
                    f"{problem.name!r} (0..{problem.n_obj - 1}: {problem.objective_names})"
                )
        if problem.objectives[self.constrain].direction != "min":
            raise ConfigError("algorithm.constrain must name a minimised objective")
        lo, hi = float(problem.ideal[self.constrain]), float(problem.nadir[self.constrain])
        name = problem.objective_names[self.constrain]
        if self.budgets is None:
            return [lo + f * (hi - lo) for f in self.fractions]
        too_small = [b for b in self.budgets if b < lo]
        if too_small:
            raise ConfigError(
                f"algorithm.budgets: {too_small[0]} is below the smallest reachable "
                f"{name} ({lo:.6g}, the smallest network); no candidate could meet it"
            )
        return list(map(float, self.budgets))

    def check(self, problem, budget: int) -> None:
        super().check(problem, budget)
        self.limits(problem)
        bounded = problem.objectives[self.constrain]
        if not (bounded.cheap or bounded.name.startswith("latency")):
            raise ConfigError(
                f"algorithm=latency_constrained bounds objective {self.constrain} "
                f"({bounded.name!r}) of {problem.name!r}, which is neither a latency nor a cheap "
                f"cost: {problem.objective_names}; use it on a pruning problem, set "
                "algorithm.constrain to the latency objective, or choose algorithm=weighted_sum"
            )

    def tasks(self, evaluator):
        p = evaluator.problem
        col = self.optimise
        return [
            ((lambda F, c=col: F[:, c]), _Bound(p, self.constrain, limit))
            for limit in self.limits(p)
        ]
