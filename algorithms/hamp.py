"""HAMP: a memetic MOEA with portfolio-based selection and surrogate-assisted local search.

Hong, Li, Liu, Yang and Tang, "Multi-objective evolutionary optimization for hardware-aware
neural network pruning", Fundamental Research 4(4), 2024. Only the abstract is public: the
loop below, the operators, the credit assignment and the local search are our design, told
apart from what the paper states in docs/hamp.md.

One generation: pymoo's genetic variation makes offspring; every `ls_every` generations the
surrogate-assisted local search adds a few truly evaluated neighbours of the front; the
selection operator the bandit chose cuts parents + offspring + neighbours back to the
population size; the bandit is credited with the hypervolume gain of the new population.
"""

from __future__ import annotations

import logging

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2 as PymooNSGA2
from pymoo.core.population import Population

from hamp_bench.algorithm import Algorithm
from hamp_bench.algorithms.portfolio import SURVIVALS, UCB1, PortfolioSurvival
from hamp_bench.algorithms.pymoo_adapter import EvaluatorAsPymooProblem
from hamp_bench.algorithms.pymoo_moeas import auto_pop_size
from hamp_bench.algorithms.surrogate_search import SurrogateLocalSearch
from hamp_bench.algorithms.variation import Variation
from hamp_bench.errors import BudgetExhausted
from hamp_bench.evaluator import Evaluator
from hamp_bench.objective_space import normalised_hypervolume

log = logging.getLogger("hamp_bench")


class HAMP(Algorithm):
    """Parameters: `pop_size` (null: sized from the budget, as for the pymoo MOEAs);
    `variation` (SBX + PM, as the pymoo MOEAs); `portfolio`, the selection operators the UCB1
    bandit chooses from (`ucb_c` its exploration weight); `local_search` on or off, every
    `ls_every` generations, at most `ls_evals` true evaluations out of `ls_candidates`
    neighbours screened by the surrogate; a neighbour moves 1..`ls_max_genes` genes, integer
    genes by 1..`ls_max_step` levels, real genes by N(0, `ls_real_step` x range); the surrogate
    learns from the `ls_max_train` most recent true evaluations."""

    def __init__(
        self,
        name: str = "hamp",
        pop_size: int | None = None,
        variation: Variation = Variation(),
        portfolio: list[str] = SURVIVALS,
        ucb_c: float = 0.5,
        local_search: bool = True,
        ls_every: int = 1,
        ls_evals: int = 4,
        ls_candidates: int = 200,
        ls_max_genes: int = 2,
        ls_max_step: int = 2,
        ls_real_step: float = 0.05,
        ls_max_train: int = 2000,
    ):
        super().__init__(name)
        portfolio = list(portfolio)
        self.require(
            pop_size is None or pop_size >= 4,
            "pop_size",
            f"must be at least 4 (or null for a budget-sized population), got {pop_size}",
        )
        self.require(
            len(portfolio) >= 1 and set(portfolio) <= set(SURVIVALS),
            "portfolio",
            f"must list operators from {SURVIVALS}, got {portfolio}",
        )
        self.require(ucb_c >= 0, "ucb_c", f"must be non-negative, got {ucb_c}")
        for key, value in (
            ("ls_every", ls_every),
            ("ls_evals", ls_evals),
            ("ls_candidates", ls_candidates),
            ("ls_max_genes", ls_max_genes),
            ("ls_max_step", ls_max_step),
            ("ls_max_train", ls_max_train),
        ):
            self.require(value >= 1, key, f"must be at least 1, got {value}")
        self.pop_size, self.portfolio, self.ucb_c = pop_size, portfolio, ucb_c
        self.variation = Variation.of(variation)
        self.local_search = (
            SurrogateLocalSearch(
                ls_candidates, ls_evals, ls_max_genes, ls_max_step, ls_real_step, ls_max_train
            )
            if local_search
            else None
        )
        self.ls_every = ls_every
        self.choices: list[int] = []  # the operator used in each generation (for analysis)
        self.rewards: list[float] = []
        self.fallback_generations = 0  # generations credited against a data-derived reference
        self._warned = False
        self.bandit: UCB1 | None = None

    def run(self, evaluator: Evaluator, seed: int) -> None:
        p = evaluator.problem
        rng = np.random.default_rng(seed)
        self._warned = False
        survival = PortfolioSurvival(self.portfolio)
        self.bandit = UCB1(len(self.portfolio), self.ucb_c)
        ga = PymooNSGA2(
            pop_size=self.pop_size or auto_pop_size(evaluator.budget),
            survival=survival,
            eliminate_duplicates=True,
            **self.variation.operators(p.var_type),
        )
        problem = EvaluatorAsPymooProblem(evaluator)
        ga.setup(problem, seed=seed, verbose=False)
        seen_X, seen_F = [], []

        def evaluate(pop: Population) -> Population:
            ga.evaluator.eval(problem, pop)
            seen_X.append(pop.get("X"))
            seen_F.append(pop.get("F"))
            return pop

        try:
            ga.tell(infills=evaluate(ga.ask()))  # initial population
            generation = 0
            while True:
                generation += 1
                off = evaluate(ga.ask())
                if self.local_search is not None and generation % self.ls_every == 0:
                    stats = self.local_search.stats
                    fallbacks, screened = stats.fallback_calls, stats.screened
                    picks = self.local_search.propose(
                        evaluator, np.vstack(seen_X), np.vstack(seen_F), rng
                    )
                    if stats.fallback_calls > fallbacks:
                        self._warn_outside_box()
                    evaluator.telemetry.log(
                        "local_search",
                        generation=generation,
                        screened=stats.screened - screened,
                        proposed=len(picks),
                    )
                    if len(picks):
                        off = Population.merge(off, evaluate(Population.new(X=picks)))
                before = ga.pop.get("F")
                arm = self.bandit.choose(rng)
                survival.current = arm
                ga.tell(infills=off)
                fallbacks = self.fallback_generations
                reward = self._credit(p, before, ga.pop.get("F"))
                self.bandit.update(arm, reward)
                self.choices.append(arm)
                self.rewards.append(reward)
                evaluator.telemetry.log(
                    "generation",
                    generation=generation,
                    evaluations=evaluator.used,
                    operator=self.portfolio[arm],
                    reward=reward,
                    fallback=self.fallback_generations > fallbacks,
                )
        except BudgetExhausted:
            pass
        finally:
            self._summarise(evaluator)

    def _summarise(self, evaluator: Evaluator) -> None:
        t = evaluator.telemetry
        t.set("generations", len(self.choices))
        t.set("fallback_generations", self.fallback_generations)
        if self.local_search is not None:
            s = self.local_search.stats
            t.set(
                "local_search",
                {
                    "surrogate_fits": s.surrogate_fits,
                    "screened": s.screened,
                    "proposed": s.proposed,
                    "fallback_calls": s.fallback_calls,
                },
            )

    def _warn_outside_box(self) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "%s: no evaluated point lies inside the reference box yet; operator "
                "credit and neighbour screening use a reference just beyond the run's "
                "worst front point until one does",
                self.name,
            )

    def _credit(self, problem, before: np.ndarray, after: np.ndarray) -> float:
        """Hypervolume gain of the population's front. While no point of either population lies
        inside the reference box, the gain is measured against a reference just beyond their
        worst point (`ObjectiveSpace.working_reference`): otherwise every reward would be 0
        and the bandit blind."""
        space = problem.space
        fronts = [space.normalise(space.front(F)) for F in (before, after)]
        ref, fell_back = space.working_reference(np.vstack(fronts))
        if fell_back:
            self.fallback_generations += 1
            self._warn_outside_box()
        return normalised_hypervolume(fronts[1], ref) - normalised_hypervolume(fronts[0], ref)
