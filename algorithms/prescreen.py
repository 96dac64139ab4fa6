"""Offspring pre-screening for pymoo's generational MOEAs (`algorithm.prescreen=K`): the same
free information HAMP's local search uses, offered to every algorithm (docs/hamp.md,
"Fairness").

Each generation the algorithm's own mating makes K times the offspring it needs; each candidate
is scored with the shared surrogate screening (algorithms/screening.py: expensive objectives
predicted by extra-trees fitted to the run's true evaluations, cheap objectives exact, no budget
spent), and pymoo's rank-and-crowding selection on those predictions keeps as many as the
algorithm asked for. Only the kept offspring are truly evaluated. K = 1 is off.
"""

from __future__ import annotations

import numpy as np
from pymoo.core.population import Population
from pymoo.operators.survival.rank_and_crowding import RankAndCrowding

from hamp_bench.algorithms.screening import Surrogate, predicted_objectives


class PrescreenedMating:
    """Wraps a pymoo algorithm's `mating`: asks it for `factor` x the offspring, keeps the best
    predicted. `seen` holds the run's true evaluations so far (`X`, `F`: the surrogate's
    training data) and its `evaluator`: an EvaluatorAsPymooProblem with `keep=True`, or HAMP's
    record of its batches."""

    def __init__(self, mating, factor: int, seen, seed: int, surrogate: Surrogate | None = None):
        """`surrogate`: one shared with another user of the run's model (HAMP's local search,
        which refits it after each generation's offspring); by default its own."""
        self.mating, self.factor, self.seen = mating, factor, seen
        self.surrogate = surrogate if surrogate is not None else Surrogate()
        self.rng = np.random.default_rng(seed)
        self.screened = self.kept = 0

    def __getattr__(self, name):  # selection, crossover, mutation, ...: the wrapped mating's
        return getattr(self.mating, name)

    def do(self, problem, pop, n_offsprings, **kwargs):
        off = self.mating.do(problem, pop, n_offsprings * self.factor, **kwargs)
        if len(off) <= n_offsprings:
            return off
        evaluator = self.seen.evaluator
        expensive = ~evaluator.problem.cheap_mask
        # refit once half a generation of evaluations is new: every generation for a GA alone;
        # after HAMP's local search refitted on the offspring, not again for its few picks
        half = max(1, n_offsprings // 2)
        self.surrogate.fit_unless_fresh(self.seen.X, self.seen.F[:, expensive], self.rng, half)
        F_pred = predicted_objectives(evaluator, self.surrogate, off.get("X"))
        ranked = Population.new(X=off.get("X"), F=F_pred, index=np.arange(len(off)))
        keep = (
            RankAndCrowding()
            .do(problem, ranked, n_survive=n_offsprings, random_state=self.rng)
            .get("index")
        )
        self.screened += len(off)
        self.kept += len(keep)
        evaluator.telemetry.log("prescreen", candidates=len(off), kept=len(keep))
        return off[np.sort(keep)]
