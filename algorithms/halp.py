"""`halp`: a latency-saliency knapsack in the spirit of HALP (Shen et al., NeurIPS 2022):
global channel selection that keeps the most salient channels under a latency budget, with
latency taken from the problem's hardware profile (a table or MACs; free queries).

Ours, in the genome space of keep levels: starting from the full network, greedily lower by
one level the group whose step loses the least saliency per millisecond saved (saliency: the
problem's criterion scores of the channels that step removes, each group normalised by its
mean); the path runs down to the smallest network. For each latency budget L, the first genome
on the path with latency at most L is truly evaluated. HALP itself solves the knapsack over
individual channels with latency costs conditioned on the previous layer; our greedy on group
levels is a simplification, stated in docs/algorithms.md.
"""

from __future__ import annotations

import numpy as np

from hamp_bench.algorithm import Algorithm
from hamp_bench.errors import ConfigError
from hamp_bench.evaluator import Evaluator


class HALP(Algorithm):
    """`constrain`: the latency objective's index. The latency budgets: `budgets` (absolute, in
    the objective's unit), or `fractions` of [ideal, nadir], or else `n_budgets` spaced along
    the greedy path (null: as many as the run's budget allows)."""

    handles_constraints = False  # a knapsack over latency and saliency; no g
    uses_whole_budget = False  # one evaluation per budget on the path at most

    def __init__(
        self,
        name: str = "halp",
        constrain: int = 1,
        n_budgets: int | None = None,
        budgets: list[float] | None = None,
        fractions: list[float] | None = None,
    ):
        super().__init__(name)
        self.require(
            n_budgets is None or n_budgets >= 1,
            "n_budgets",
            f"must be at least 1 (or null), got {n_budgets}",
        )
        fractions = list(fractions or [])
        self.require(
            all(0 < f <= 1 for f in fractions), "fractions", f"must lie in (0, 1], got {fractions}"
        )
        self.constrain, self.n_budgets = constrain, n_budgets
        self.budgets, self.fractions = budgets, fractions

    def _check(self, p) -> int:
        if not hasattr(p, "channel_saliency"):
            raise ConfigError(
                f"algorithm=halp needs a pruning problem (channel saliency and a latency "
                f"objective); {p.name!r} has none"
            )
        if not 0 <= self.constrain < p.n_obj or not p.cheap_mask[self.constrain]:
            raise ConfigError(
                f"algorithm.constrain={self.constrain} must index a cheap objective "
                f"(a latency table or MACs) of {p.name!r}: {p.objective_names}; "
                "hardware=live latency is measured, not free to query"
            )
        return int(np.flatnonzero(p.cheap_mask).tolist().index(self.constrain))

    def greedy_path(self, evaluator: Evaluator) -> tuple[np.ndarray, np.ndarray]:
        """Genomes from the full network down to the smallest, and their latencies."""
        p = evaluator.problem
        col = self._check(p)
        saliency = p.channel_saliency()
        cum = [np.concatenate([[0.0], np.cumsum(s)]) for s in saliency]
        genome = p.xu.copy()
        path = [genome.copy()]
        lat = [evaluator.evaluate_cheap(genome[None])[0, col]]
        while (genome > p.xl).any():
            movable = np.flatnonzero(genome > p.xl)
            trials = np.repeat(genome[None], len(movable), axis=0)
            trials[np.arange(len(movable)), movable] -= 1
            trial_lat = evaluator.evaluate_cheap(trials)[:, col]
            keep_now, keep_next = p.keep(genome[None])[0], p.keep(trials)
            lost = np.array(
                [cum[g][keep_now[g]] - cum[g][keep_next[i, g]] for i, g in enumerate(movable)]
            )
            saved = np.maximum(lat[-1] - trial_lat, 1e-12)
            best = int(np.argmin(lost / saved))
            genome = trials[best]
            path.append(genome.copy())
            lat.append(trial_lat[best])
        return np.array(path), np.array(lat)

    def limits(self, p) -> np.ndarray | None:
        """Explicit budgets (absolute or fractions), or None for budgets spaced along the path."""
        lo, hi = float(p.ideal[self.constrain]), float(p.nadir[self.constrain])
        if self.budgets is not None:
            small = [b for b in self.budgets if b < lo]
            if small:
                raise ConfigError(
                    f"algorithm.budgets: {small[0]} is below the smallest reachable "
                    f"{p.objective_names[self.constrain]} ({lo:.6g}); no network meets it"
                )
            return np.asarray(self.budgets, dtype=float)
        if self.fractions:
            return lo + np.asarray(self.fractions) * (hi - lo)
        return None

    def check(self, problem, budget: int) -> None:
        super().check(problem, budget)
        self._check(problem)
        self.limits(problem)

    def run(self, evaluator: Evaluator, seed: int) -> None:
        p = evaluator.problem
        self._check(p)
        limits = self.limits(p)
        path, lat = self.greedy_path(evaluator)
        if limits is None:
            n = min(self.n_budgets or evaluator.remaining, len(path))
            limits = np.linspace(lat[0], lat[-1], n)
        picks = [int(np.flatnonzero(lat <= L + 1e-12)[0]) for L in limits]
        chosen = path[sorted(set(picks))]
        evaluator.evaluate(chosen[: evaluator.remaining])
