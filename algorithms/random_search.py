"""Random search: uniform samples of the genome space, in batches, until the budget ends."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hamp_bench.algorithms.base import Algorithm, AlgorithmConfig
from hamp_bench.evaluator import Evaluator


@dataclass
class RandomSearchConfig(AlgorithmConfig):
    _target_: str = "hamp_bench.algorithms.random_search.RandomSearch"
    name: str = "random"
    batch_size: int = 100


def uniform_genomes(rng: np.random.Generator, problem, n: int) -> np.ndarray:
    """n genomes drawn uniformly within the bounds (integers inclusive of both ends)."""
    if problem.var_type == "int":
        return rng.integers(problem.xl, problem.xu, size=(n, problem.n_var), endpoint=True)
    return rng.uniform(problem.xl, problem.xu, size=(n, problem.n_var))


class RandomSearch(Algorithm):
    def __init__(self, name: str = "random", batch_size: int = 100):
        super().__init__(name)
        self.require(batch_size >= 1, "batch_size", f"must be at least 1, got {batch_size}")
        self.batch_size = batch_size

    def run(self, evaluator: Evaluator, seed: int) -> None:
        rng = np.random.default_rng(seed)
        while evaluator.remaining > 0:
            n = min(self.batch_size, evaluator.remaining)
            evaluator.evaluate(uniform_genomes(rng, evaluator.problem, n))
