"""How algorithms draw genomes without parents: the samplers random search, the surrogate design
and every GA-based algorithm's initial population share (`algorithm.variation.sampling` for the
GAs, where `auto` means `ratio` on problems whose genes are keep levels and `uniform` elsewhere;
`algorithm.sampling` for random search).

- `uniform`: every gene uniform within its bounds (pymoo's default initial population);
- `lhs`: one Latin hypercube per batch;
- `ratio`: uniform keep ratios with per-gene jitter: a global level drawn uniformly between the
  bounds, each gene off it by a normal step of `jitter` x its range. On a pruning problem these
  are the networks practitioners prune to, spread from barely to heavily pruned; uniform genes
  almost always cut some layer to a sliver, so that 92-99% of uniform genomes lie beyond the
  region of interest of the shipped surrogate problems (docs/hamp.md). On other problems it is
  a sampler of correlated genes, and on some a bias: ZDT's optimal genes all sit at a bound,
  which genomes of alike genes reach at once (hence `auto`).
"""

from __future__ import annotations

import numpy as np
from pymoo.core.sampling import Sampling
from scipy.stats import qmc

#: the per-gene jitter of `ratio` genomes, as a share of each gene's range
RATIO_JITTER = 0.08


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


def keep_ratio_genomes(
    rng: np.random.Generator, problem, n: int, jitter: float = RATIO_JITTER
) -> np.ndarray:
    """n genomes around uniform global levels, each gene jittered (see the module's docstring)."""
    span = (problem.xu - problem.xl).astype(float)
    level = problem.xl + rng.uniform(size=(n, 1)) * span
    return repair(problem, level + rng.normal(size=(n, problem.n_var)) * jitter * span)


def repair(problem, X: np.ndarray) -> np.ndarray:
    """Clip to the bounds; round integer genes."""
    X = np.clip(X, problem.xl, problem.xu)
    return np.rint(X).astype(np.int64) if problem.var_type == "int" else X


SAMPLERS = {"uniform": uniform_genomes, "lhs": latin_hypercube_genomes, "ratio": keep_ratio_genomes}


class SuiteSampling(Sampling):
    """One of SAMPLERS as a pymoo initial-population operator (`variation.sampling`), drawing
    from pymoo's seeded random state."""

    def __init__(self, name: str):
        super().__init__()
        self.name, self.sample = name, SAMPLERS[name]

    def _do(self, problem, n_samples, *args, random_state=None, **kwargs):
        bounds = _Bounds(problem)
        return self.sample(random_state, bounds, n_samples)


class _Bounds:
    """The parts of a suite problem the samplers read, from a pymoo problem."""

    def __init__(self, problem):
        self.xl, self.xu = (np.asarray(b) for b in problem.bounds())
        self.n_var = problem.n_var
        self.var_type = "int" if problem.vtype is int else "real"
