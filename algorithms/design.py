"""`design`: the sampling design of a surrogate build (docs/surrogates.md), an algorithm like
any other so that its evaluations go through the Evaluator: the shared cache, progress, the run
record and resume all apply, and a killed build continues where it stopped.

Three parts, in this order, of shares `lhs`, `ratio` and the rest:
- a Latin hypercube over the genes: coverage of the whole space (on a deep network almost all
  of it is near chance error, since some layer is nearly always cut to a sliver);
- uniform keep ratios with per-gene jitter: a global level drawn uniformly between the bounds,
  each gene off it by a normal step of `jitter` times the range. These are the networks
  practitioners prune to, and many lie in the region of interest;
- neighbours of good genomes, in batches: parents drawn from the current front of the
  evaluations so far (inside the region of interest where it has points), each child changing
  1 to `neighbour_genes` genes by a step of up to `neighbour_step` times the range. A share
  `resample` of the children redraw those genes uniformly over their whole range instead: wide
  moves, as an MOEA's mutation and crossover make. Without them the region of interest is
  sampled only with genomes whose genes are alike, while algorithms find good genomes that cut
  a few layers hard (docs/surrogates.md, "Distribution shift"). `resample=0` draws no extra
  random numbers, so builds made before the key existed are reproduced.
"""

from __future__ import annotations

import numpy as np

from hamp_bench.algorithm import Algorithm
from hamp_bench.algorithms.sampling import keep_ratio_genomes, latin_hypercube_genomes, repair
from hamp_bench.evaluator import Evaluator
from hamp_bench.pareto import nondominated_mask


class SurrogateDesign(Algorithm):
    def __init__(
        self,
        name: str = "design",
        lhs: float = 0.2,
        ratio: float = 0.4,
        jitter: float = 0.08,
        neighbour_genes: int = 3,
        neighbour_step: float = 0.15,
        batch_size: int = 50,
        resample: float = 0.0,
    ):
        super().__init__(name)
        self.require(0 <= lhs <= 1, "lhs", f"must be a share in [0, 1], got {lhs}")
        self.require(0 <= ratio <= 1 - lhs, "ratio", f"must be in [0, 1 - lhs], got {ratio}")
        self.require(jitter >= 0, "jitter", f"must be >= 0, got {jitter}")
        self.require(
            neighbour_genes >= 1, "neighbour_genes", f"must be >= 1, got {neighbour_genes}"
        )
        self.require(
            0 < neighbour_step <= 1, "neighbour_step", f"must be in (0, 1], got {neighbour_step}"
        )
        self.require(0 <= resample <= 1, "resample", f"must be a share in [0, 1], got {resample}")
        self.require(batch_size >= 1, "batch_size", f"must be at least 1, got {batch_size}")
        self.lhs, self.ratio, self.jitter = lhs, ratio, jitter
        self.neighbour_genes, self.neighbour_step = neighbour_genes, neighbour_step
        self.batch_size, self.resample = batch_size, resample

    def run(self, evaluator: Evaluator, seed: int) -> None:
        rng = np.random.default_rng(seed)
        p = evaluator.problem
        n = evaluator.remaining
        n_lhs, n_ratio = int(round(self.lhs * n)), int(round(self.ratio * n))
        X_seen, F_seen = [], []

        def spend(X: np.ndarray) -> None:
            for start in range(0, len(X), self.batch_size):
                batch = X[start : start + self.batch_size]
                F_seen.append(evaluator.evaluate(batch))
                X_seen.append(batch[: len(F_seen[-1])])

        if n_lhs:
            spend(latin_hypercube_genomes(rng, p, n_lhs))
        if n_ratio:
            spend(self.ratio_genomes(rng, p, n_ratio))
        if not X_seen:  # a budget too small for the first two parts: keep ratios only
            spend(self.ratio_genomes(rng, p, min(self.batch_size, evaluator.remaining)))
        while evaluator.remaining > 0:
            X, F = np.vstack(X_seen), np.vstack(F_seen)
            spend(self.neighbours(rng, p, X, F, min(self.batch_size, evaluator.remaining)))

    def ratio_genomes(self, rng: np.random.Generator, p, n: int) -> np.ndarray:
        """Uniform keep ratios with per-gene jitter (algorithms/sampling.py)."""
        return keep_ratio_genomes(rng, p, n, self.jitter)

    def neighbours(self, rng, p, X: np.ndarray, F: np.ndarray, n: int) -> np.ndarray:
        """Children of the front's members, inside the region of interest where it has any."""
        inside = p.space.in_roi(F)
        pool = X[inside] if inside.any() else X
        parents = pool[nondominated_mask(F[inside] if inside.any() else F)]
        children = parents[rng.integers(len(parents), size=n)].astype(float)
        span = (p.xu - p.xl).astype(float)
        for child in children:
            genes = rng.choice(
                p.n_var, size=rng.integers(1, self.neighbour_genes + 1), replace=False
            )
            if self.resample and rng.uniform() < self.resample:  # a wide move
                child[genes] = p.xl[genes] + rng.uniform(size=len(genes)) * span[genes]
                continue
            step = rng.uniform(-1, 1, size=len(genes)) * self.neighbour_step * span[genes]
            if p.var_type == "int":  # at least one level
                step = np.where(np.abs(step) < 1, np.sign(step + 1e-12), step)
            child[genes] += step
        return repair(p, children)
