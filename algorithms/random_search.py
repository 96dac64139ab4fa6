"""Random search: samples of the genome space (algorithms/sampling.py: uniform, Latin hypercube
or keep ratios), in batches, until the budget ends. With `lhs`, each batch is one Latin
hypercube design (scipy's qmc)."""

from __future__ import annotations

import numpy as np

from hamp_bench.algorithm import Algorithm
from hamp_bench.algorithms.sampling import SAMPLERS
from hamp_bench.evaluator import Evaluator


class RandomSearch(Algorithm):
    """`sampling`: uniform, lhs (one Latin hypercube per batch of `batch_size`) or ratio (keep
    ratios with per-gene jitter)."""

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
