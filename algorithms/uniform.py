"""`uniform`: the classic filter-pruning baseline. Every layer keeps the same fraction of its
channels (the problem's criterion, L1 by default, picks which), swept from the smallest level
to the full network. On other problems, every gene takes the same relative position in its
range. A sweep has a natural size (the number of levels), so this baseline may finish with
budget left over; the record says how much was used."""

from __future__ import annotations

import numpy as np

from hamp_bench.algorithm import Algorithm
from hamp_bench.evaluator import Evaluator


def uniform_genomes(problem, n: int) -> np.ndarray:
    """At most n genomes with every gene at the same relative position, small to large."""
    t = np.linspace(0.0, 1.0, n)
    X = problem.xl + t[:, None] * (problem.xu - problem.xl)
    if problem.var_type == "int":
        X = np.unique(np.rint(X).astype(np.int64), axis=0)
        X = X[np.argsort(X.sum(axis=1), kind="stable")]
    return X


class UniformPruning(Algorithm):
    uses_whole_budget = False  # one evaluation per level at most
    handles_constraints = False  # a sweep of uniform keep levels; no g

    def __init__(self, name: str = "uniform"):
        super().__init__(name)

    def run(self, evaluator: Evaluator, seed: int) -> None:
        p = evaluator.problem
        if p.var_type == "int":
            n = min(evaluator.remaining, int((p.xu - p.xl).max()) + 1)
        else:
            n = evaluator.remaining
        evaluator.evaluate(uniform_genomes(p, n))
