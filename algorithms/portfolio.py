"""HAMP's portfolio-based selection: several environmental-selection operators (pymoo's survival
classes), one chosen each generation by a UCB1 bandit credited with the hypervolume gain it
brought. The choice is ours (the HAMP paper's abstract names only "portfolio-based selection");
see docs/hamp.md.
"""

from __future__ import annotations

import math

import numpy as np
from pymoo.core.survival import Survival
from pymoo.operators.survival.rank_and_crowding import RankAndCrowding

from hamp_bench.errors import ConfigError


def make_survival(name: str) -> Survival:
    if name == "rank_crowding":  # NSGA-II
        return RankAndCrowding()
    if name == "hv_contribution":  # SMS-EMOA
        from pymoo.algorithms.moo.sms import LeastHypervolumeContributionSurvival

        return LeastHypervolumeContributionSurvival()
    if name == "spea2":  # SPEA2 strength and density
        from pymoo.algorithms.moo.spea2 import SPEA2Survival

        return SPEA2Survival(normalize=True)
    if name == "age":  # AGE-MOEA's adaptive geometry estimation (indicator-like)
        from pymoo.algorithms.moo.age import AGEMOEASurvival

        return AGEMOEASurvival()
    raise ConfigError(
        f"algorithm.portfolio: unknown selection operator {name!r}; choose from {SURVIVALS}"
    )


SURVIVALS = ("rank_crowding", "hv_contribution", "spea2", "age")


class UCB1:
    """UCB1 over arms with rewards rescaled by the largest reward seen so far (HV gains shrink
    as a run converges, so raw gains would stop telling arms apart). With `decay` < 1 it is
    discounted UCB: at every update all counts and sums are multiplied by `decay` first, so old
    credit fades and the choice can follow an arm whose worth changes during the run."""

    def __init__(self, n_arms: int, c: float, decay: float = 1.0):  # HAMP's ucb_c, credit_decay
        self.c, self.decay = c, decay
        self.counts = np.zeros(n_arms)
        self.sums = np.zeros(n_arms)
        self._max = 0.0

    def choose(self, rng: np.random.Generator) -> int:
        untried = np.flatnonzero(self.counts == 0)
        if len(untried):
            return int(rng.choice(untried))
        total = max(self.counts.sum(), 1.0 + 1e-9)  # discounted counts may sum below 1
        scale = self._max if self._max > 0 else 1.0
        means = self.sums / scale / self.counts
        ucb = means + self.c * np.sqrt(2 * math.log(total) / self.counts)
        best = np.flatnonzero(ucb == ucb.max())
        return int(rng.choice(best))

    def update(self, arm: int, reward: float) -> None:
        reward = max(0.0, float(reward))
        self.counts *= self.decay
        self.sums *= self.decay
        self.counts[arm] += 1
        self.sums[arm] += reward
        self._max = max(self._max, reward)


class PortfolioSurvival(Survival):
    """Delegates to the operator the bandit picked; afterwards sets NSGA-II's rank and crowding
    attributes on the survivors, so that the binary-tournament mating works after any operator."""

    def __init__(self, names: list[str]):
        super().__init__(filter_infeasible=True)
        self.names = list(names)
        self.operators = [make_survival(n) for n in names]
        self.current = 0
        self._ranker = RankAndCrowding()

    def _do(self, problem, pop, *args, n_survive=None, random_state=None, **kwargs):
        op = self.operators[self.current]
        survivors = op.do(problem, pop, n_survive=n_survive, random_state=random_state, **kwargs)
        return self._ranker.do(
            problem, survivors, n_survive=len(survivors), random_state=random_state
        )
