"""Can HAMP's bandit tell a good selection operator from a bad one within a run? A portfolio of
two operators, one of them sabotaged (it keeps a random subset of parents + offspring), on ZDT1
with 10 variables, budget 4,000, population 20 (about 200 generations), local search off; for
each credit assignment the share of generations that chose the sabotaged operator, and the mean
reward each operator was credited with.

    python bench/hamp_credit.py [--seeds 5]

A bandit that learns chooses the sabotaged operator rarely; one that does not, about half the
time. Figures in docs/hamp.md ("What each change bought")."""

from __future__ import annotations

import argparse
import logging

import numpy as np
from pymoo.core.survival import Survival

import hamp_bench.algorithms.hamp as hamp_module
from hamp_bench.algorithms.portfolio import PortfolioSurvival
from hamp_bench.evaluator import Evaluator
from hamp_bench.problems.benchmarks import PymooBenchmark


class RandomSurvival(Survival):
    def _do(self, problem, pop, *args, n_survive=None, random_state=None, **kwargs):
        return pop[random_state.permutation(len(pop))[:n_survive]]


class Sabotaged(PortfolioSurvival):
    """The second operator of the portfolio replaced by a random choice of survivors."""

    def __init__(self, names):
        super().__init__(names)
        self.operators[1] = RandomSurvival()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    hamp_module.PortfolioSurvival = Sabotaged
    portfolio = ["rank_crowding", "spea2"]
    print("credit     seed  sabotaged share  mean reward (working / sabotaged)")
    for credit in ("offspring", "hv_gain"):
        shares = []
        for seed in range(args.seeds):
            ev = Evaluator(PymooBenchmark("zdt1", "zdt1", n_var=10), 4000)
            hamp = hamp_module.HAMP(
                pop_size=20, portfolio=portfolio, credit=credit, local_search=False
            )
            hamp.run(ev, seed)
            choices = np.array(hamp.choices)
            rows = ev.telemetry.series["generation"]
            mean = [
                np.mean([r["reward"] for r in rows if r.get("credited") == o]) for o in portfolio
            ]
            shares.append((choices == 1).mean())
            print(f"{credit:10s} {seed:4d}  {shares[-1]:15.3f}  {mean[0]:.4f} / {mean[1]:.4f}")
        print(f"{credit:10s} mean  {np.mean(shares):15.3f}")


if __name__ == "__main__":
    main()
