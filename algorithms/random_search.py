"""Random search: uniform or Latin-hypercube samples of the genome space, in batches, until
the budget ends. With `lhs`, each batch is one Latin hypercube design (scipy's qmc)."""

from __future__ import annotations

import numpy as np
from scipy.stats import qmc

from hamp_bench.algorithm import Algorithm
from hamp_bench.evaluator import Evaluator


def uniform_genomes(rng: np.random.Generator, problem, n: int) -> np.ndarray:
    """n genomes drawn uniformly within the bounds (integers inclusive of both ends)."""
    if problem.var_type == "int":
        return rng.integers(problem.xl, problem.xu, size=(n, problem.n_var), endpoint=True)
    return rng.uniform(problem.xl, problem.xu, size=(n, problem.n_var))


def latin_hypercube_genomes(rng: np.random.Generator, problem, n: int) -> np.ndarray:
    """n genomes forming one Latin hypercube design (each gene's range cut into n strata)."""
    u = qmc.LatinHypercube(d=problem.n_var, rng=rng).random(n)
    if problem.var_type == "int":
        span = problem.xu - problem.xl + 1
        return (problem.xl + np.floor(u * span)).astype(np.int64)
    return problem.xl + u * (problem.xu - problem.xl)


SAMPLERS = {"uniform": uniform_genomes, "lhs": latin_hypercube_genomes}


class RandomSearch(Algorithm):
    """`sampling`: uniform or lhs (one Latin hypercube per batch of `batch_size`)."""

    def __init__(self, name: str = "random", batch_size: int = 100, sampling: str = "uniform"):
        super().__init__(name)
        self.require(batch_size >= 1, "batch_size", f"must be at least 1, got {batch_size}")
        self.require(
            sampling in SAMPLERS, "sampling", f"must be one of {sorted(SAMPLERS)}, got {sampling!r}"
        )
        self.batch_size, self.sample = batch_size, SAMPLERS[sampling]

    def run(self, evaluator: Evaluator, seed: int) -> None:
        rng = np.random.default_rng(seed)
        while evaluator.remaining > 0:
            n = min(self.batch_size, evaluator.remaining)
            evaluator.evaluate(self.sample(rng, evaluator.problem, n))
