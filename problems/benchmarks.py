"""Benchmark functions with known Pareto fronts, taken from pymoo, to validate the engine and
the algorithms: ZDT1-3 (2 objectives, real genes) and DTLZ2 (3 objectives by default); with
constraints (g <= 0 feasible): BNH and SRN (2 objectives, 2 variables, 2 constraints) and
C2-DTLZ2 (3 objectives, 1 constraint). Their fronts are computed here, offline (pymoo downloads
the fronts of some other constrained functions, such as TNK and OSY, which are left out)."""

from __future__ import annotations

from typing import Any

import numpy as np
from pymoo.problems import get_problem
from pymoo.util.ref_dirs import get_reference_directions

from hamp_bench.errors import ConfigError
from hamp_bench.pareto import nondominated_mask
from hamp_bench.problem import Constraint, Evaluation, Objective, Problem

FUNCTIONS = ("zdt1", "zdt2", "zdt3", "dtlz2", "bnh", "srn", "c2dtlz2")
#: functions with a fixed number of variables in pymoo
FIXED_N_VAR = ("bnh", "srn")


class PymooBenchmark(Problem):
    """`problem=zdt1|zdt2|zdt3|dtlz2|bnh|srn|c2dtlz2`. `n_var` null: pymoo's default (30 for ZDT,
    n_obj + 9 for DTLZ2 and C2-DTLZ2; BNH and SRN have 2); `n_obj`: DTLZ only (null: 3)."""

    def __init__(
        self, name: str, function: str, n_var: int | None = None, n_obj: int | None = None
    ):
        if function not in FUNCTIONS:
            raise ConfigError(
                f"problem.function={function!r} is unknown; choose one of {FUNCTIONS}"
            )
        kwargs: dict[str, Any] = {}
        if n_var is not None and function in FIXED_N_VAR:
            raise ConfigError(f"{function} has 2 variables; drop problem.n_var={n_var}")
        if n_var is not None:
            if n_var < 2:
                raise ConfigError(f"problem.n_var must be at least 2, got {n_var}")
            kwargs["n_var"] = n_var
        if "dtlz" in function:
            n_obj = 3 if n_obj is None else n_obj
            if n_obj < 2 or (n_var is not None and n_var < n_obj):
                raise ConfigError(f"problem.n_obj={n_obj} needs 2 <= n_obj <= n_var")
            kwargs["n_obj"] = n_obj
        elif n_obj not in (None, 2):
            raise ConfigError(f"{function} has 2 objectives; drop problem.n_obj={n_obj}")
        self.name, self.function = name, function
        self._pymoo = get_problem(function, **kwargs)
        self.n_var = self._pymoo.n_var
        self.var_type = "real"
        self.xl = np.asarray(self._pymoo.xl, dtype=float)
        self.xu = np.asarray(self._pymoo.xu, dtype=float)
        self.objectives = tuple(Objective(f"f{i + 1}") for i in range(self._pymoo.n_obj))
        self.constraints = tuple(Constraint(f"c{i + 1}") for i in range(self._pymoo.n_ieq_constr))
        front = self._compute_front()
        # pymoo's sampled ZDT3 front keeps a few dominated points at its segments' edges
        self._front = front[nondominated_mask(front)]
        self.ideal, self.nadir = self._front.min(axis=0), self._front.max(axis=0)

    def config(self) -> dict[str, Any]:
        return {"function": self.function, "n_var": self.n_var, "n_obj": self.n_obj}

    def _evaluate(self, X: np.ndarray) -> Evaluation:
        if not self.constraints:
            return Evaluation(self._pymoo.evaluate(X, return_values_of=["F"]))
        F, G = self._pymoo.evaluate(X, return_values_of=["F", "G"])
        return Evaluation(F, G=G)

    def _compute_front(self) -> np.ndarray:
        if self.function in FIXED_N_VAR:
            return np.asarray(self._pymoo.pareto_front(n_points=1000))
        if "dtlz" in self.function:
            partitions = {2: 500, 3: 30}.get(self._pymoo.n_obj, 8)
            dirs = get_reference_directions(
                "das-dennis", self._pymoo.n_obj, n_partitions=partitions
            )
            return np.asarray(self._pymoo.pareto_front(dirs))
        # positional: ZDT3 names the point count differently from ZDT1/2
        return np.asarray(self._pymoo.pareto_front(1000))

    def true_front(self) -> np.ndarray:
        return self._front
