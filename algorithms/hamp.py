"""HAMP: a memetic MOEA with portfolio-based selection and surrogate-assisted local search.

Hong, Li, Liu, Yang and Tang, "Multi-objective evolutionary optimization for hardware-aware
neural network pruning", Fundamental Research 4(4), 2024. Only the abstract is public: the
loop below, the operators, the credit assignment and the local search are our design, told
apart from what the paper states in docs/hamp.md.

One generation: pymoo's genetic variation makes offspring; every `ls_every` generations the
surrogate-assisted local search adds a few truly evaluated neighbours of the front; the
selection operator the bandit chose cuts parents + offspring + neighbours back to the
population size. Credit (`credit`):
- `offspring`: the operator that selected generation t's parents is credited, once generation
  t+1's offspring are evaluated, with the share of those offspring that entered the run's
  front: a selection is worth the children its parents make. About 100 offspring a generation
  make the reward a proportion with little noise, so a few generations tell operators apart;
- `hv_gain`: the gain in hypervolume of the population's front right after selection (the
  first design, kept as an ablation; it favours the operator that maximises hypervolume now).
"""

from __future__ import annotations

import logging

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2 as PymooNSGA2
from pymoo.core.population import Population

from hamp_bench.algorithm import Algorithm
from hamp_bench.algorithms.portfolio import SURVIVALS, UCB1, PortfolioSurvival
from hamp_bench.algorithms.prescreen import PrescreenedMating
from hamp_bench.algorithms.pymoo_adapter import EvaluatorAsPymooProblem
from hamp_bench.algorithms.pymoo_moeas import auto_pop_size
from hamp_bench.algorithms.screening import FRAMES, Frame
from hamp_bench.algorithms.surrogate_search import SurrogateLocalSearch
from hamp_bench.algorithms.variation import Variation
from hamp_bench.errors import BudgetExhausted
from hamp_bench.evaluator import Evaluator
from hamp_bench.pareto import violation

log = logging.getLogger("hamp_bench")

CREDITS = ("offspring", "hv_gain")


class HAMP(Algorithm):
    """Parameters: `pop_size` (null: sized from the budget, as for the pymoo MOEAs);
    `variation` (SBX + PM, as the pymoo MOEAs, and the initial population's sampling);
    `portfolio`, the selection operators the UCB1 bandit chooses from (`ucb_c` its exploration
    weight, `credit` how it is credited, `credit_decay` < 1 to let old credit fade); `frame`,
    the scale of HAMP's own hypervolume (data: from the run's evaluations; problem: the
    problem's frozen bounds and reference point, those the report uses); `local_search` on or
    off, every `ls_every` generations, at most `ls_evals` true evaluations out of
    `ls_candidates` neighbours screened by the surrogate (`ls_adaptive`: the count follows the
    picks' hit rate, up to `ls_max_evals`; `ls_kappa`: optimism in tree spreads); a neighbour
    moves 1..`ls_max_genes` genes, integer genes by 1..`ls_max_step` levels, real genes by
    N(0, `ls_real_step` x range); the surrogate learns from the `ls_max_train` most recent true
    evaluations."""

    def __init__(
        self,
        name: str = "hamp",
        pop_size: int | None = None,
        variation: Variation = Variation(sampling="auto"),
        portfolio: list[str] = SURVIVALS,
        ucb_c: float = 0.5,
        credit: str = "offspring",
        credit_decay: float = 1.0,
        frame: str = "problem",
        local_search: bool = True,
        ls_every: int = 1,
        ls_evals: int = 4,
        ls_candidates: int = 200,
        ls_max_genes: int = 2,
        ls_max_step: int = 2,
        ls_real_step: float = 0.05,
        ls_max_train: int = 2000,
        ls_kappa: float = 0.0,
        ls_adaptive: bool = False,
        ls_max_evals: int = 16,
        prescreen: int = 4,
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
        self.require(credit in CREDITS, "credit", f"must be one of {CREDITS}, got {credit!r}")
        self.require(
            0 < credit_decay <= 1, "credit_decay", f"must be in (0, 1], got {credit_decay}"
        )
        self.require(frame in FRAMES, "frame", f"must be one of {FRAMES}, got {frame!r}")
        self.require(ls_kappa >= 0, "ls_kappa", f"must be non-negative, got {ls_kappa}")
        self.require(
            prescreen >= 1,
            "prescreen",
            f"must be at least 1 (1: off; K: screen K x the offspring), got {prescreen}",
        )
        for key, value in (
            ("ls_every", ls_every),
            ("ls_evals", ls_evals),
            ("ls_candidates", ls_candidates),
            ("ls_max_genes", ls_max_genes),
            ("ls_max_step", ls_max_step),
            ("ls_max_train", ls_max_train),
        ):
            self.require(value >= 1, key, f"must be at least 1, got {value}")
        self.require(
            ls_max_evals >= ls_evals,
            "ls_max_evals",
            f"must be at least ls_evals ({ls_evals}), got {ls_max_evals}",
        )
        self.pop_size, self.portfolio, self.ucb_c = pop_size, portfolio, ucb_c
        self.credit, self.credit_decay, self.frame = credit, credit_decay, frame
        self.prescreen = prescreen
        self.variation = Variation.of(variation)
        self.ls_settings = (
            ls_candidates,
            ls_evals,
            ls_max_genes,
            ls_max_step,
            ls_real_step,
            ls_max_train,
        )
        self.ls_options = {
            "kappa": ls_kappa,
            "frame": frame,
            "adaptive": ls_adaptive,
            "max_evals": ls_max_evals,
        }
        self.local_search = self._new_local_search() if local_search else None
        self.ls_every = ls_every
        self.choices: list[int] = []  # the operator used in each generation (for analysis)
        self.rewards: list[float] = []  # the credit each update gave (for analysis)
        self.fallback_generations = 0  # generations credited against a data-derived reference
        self._warned = False
        self.bandit: UCB1 | None = None

    def _new_local_search(self) -> SurrogateLocalSearch:
        return SurrogateLocalSearch(*self.ls_settings, **self.ls_options)

    def run(self, evaluator: Evaluator, seed: int) -> None:
        p = evaluator.problem
        rng = np.random.default_rng(seed)
        self._warned = False
        if self.local_search is not None and self.local_search.stats.surrogate_fits:
            self.local_search = self._new_local_search()  # a second run starts afresh
        survival = PortfolioSurvival(self.portfolio)
        self.bandit = UCB1(len(self.portfolio), self.ucb_c, self.credit_decay)
        ga = PymooNSGA2(
            pop_size=self.pop_size or auto_pop_size(evaluator.budget),
            survival=survival,
            eliminate_duplicates=True,
            **self.variation.operators(p),
        )
        batches = _Batches(ga, evaluator, seed)
        if self.prescreen > 1:  # the offspring screened as every GA's can be (prescreen.py),
            shared = self.local_search.surrogate if self.local_search is not None else None
            ga.mating = PrescreenedMating(ga.mating, self.prescreen, batches, seed, shared)
        pending: int | None = None  # the arm awaiting credit from its parents' offspring
        try:
            ga.tell(infills=batches.evaluate(ga.ask())[0])  # initial population
            generation = 0
            while True:
                generation += 1
                row = {"generation": generation}
                off, hits = batches.evaluate(ga.ask())
                row.update(offspring=len(off), offspring_hits=hits)
                if self.credit == "offspring" and pending is not None:
                    self._reward(pending, hits / max(len(off), 1), row)
                if self.local_search is not None and generation % self.ls_every == 0:
                    picked = self._local_search(batches, hits / max(len(off), 1), rng, row)
                    off = Population.merge(off, picked)
                before = ga.pop.get("F")
                arm = self.bandit.choose(rng)
                survival.current = arm
                row["operator"] = self.portfolio[arm]
                ga.tell(infills=off)
                self.choices.append(arm)
                if self.credit == "hv_gain":
                    self._reward(arm, self._hv_gain(p, batches.F, before, ga.pop), row)
                pending = arm
                row["evaluations"] = evaluator.used
                evaluator.telemetry.log("generation", **row)
        except BudgetExhausted:
            pass
        finally:
            self._summarise(evaluator)

    def _reward(self, arm: int, reward: float, row: dict) -> None:
        self.bandit.update(arm, reward)
        self.rewards.append(reward)
        row.update(credited=self.portfolio[arm], reward=reward)

    def _local_search(self, batches: _Batches, offspring_rate: float, rng, row) -> Population:
        """Propose and truly evaluate this generation's local-search picks; record how many
        entered the front (telemetry, and the adaptive pick count)."""
        ls, evaluator = self.local_search, batches.evaluator
        fallbacks, screened, allowed = ls.stats.fallback_calls, ls.stats.screened, ls.n_evals
        picks = ls.propose(evaluator, batches.X, batches.F, rng, batches.cv)
        if ls.stats.fallback_calls > fallbacks:
            self._warn_outside_box()
        picked, hits = Population.new(X=picks), 0
        try:
            if len(picks):
                picked, hits = batches.evaluate(picked)
        finally:
            ls.record_hits(hits, len(picks), offspring_rate)
            evaluator.telemetry.log(
                "local_search",
                generation=row["generation"],
                screened=ls.stats.screened - screened,
                ls_evals=allowed,
                proposed=len(picks),
                hits=hits,
            )
            row.update(ls_proposed=len(picks), ls_hits=hits)
        return picked

    def _summarise(self, evaluator: Evaluator) -> None:
        t = evaluator.telemetry
        t.set("generations", len(self.choices))
        t.set("credit", self.credit)
        t.set("frame", self.frame)
        t.set("fallback_generations", self.fallback_generations)
        if self.local_search is not None:
            s = self.local_search.stats
            t.set(
                "local_search",
                {
                    "surrogate_fits": s.surrogate_fits,
                    "screened": s.screened,
                    "proposed": s.proposed,
                    "hits": s.hits,
                    "hit_rate": s.hits / s.proposed if s.proposed else None,
                    "fallback_calls": s.fallback_calls,
                },
            )

    def _warn_outside_box(self) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "%s: no evaluated point lies inside the reference box yet; %s use a "
                "reference just beyond the run's worst front point until one does",
                self.name,
                "operator credit and neighbour screening"
                if self.credit == "hv_gain"
                else "neighbour screening",
            )

    def _hv_gain(self, problem, F_seen: np.ndarray, before: np.ndarray, pop) -> float:
        """Hypervolume gain of the population's front (credit `hv_gain`), in HAMP's frame. In the
        problem's frame, while no point lies inside the reference box, the gain is measured
        against a reference just beyond the worst front point (otherwise every reward would be
        0 and the bandit blind)."""
        frame = Frame.of(self.frame, problem.space, F_seen)
        if frame.fell_back:
            self.fallback_generations += 1
            self._warn_outside_box()
        space = problem.space
        after = pop.get("F")
        return frame.hypervolume(space.front(after)) - frame.hypervolume(space.front(before))


class _Batches:
    """HAMP's true evaluations of one run: each batch through pymoo's evaluator (and so through
    the suite's), every genome and objective vector kept for the surrogate and the frame, and
    how many of each batch entered the run's front."""

    def __init__(self, ga, evaluator: Evaluator, seed: int):
        self.ga, self.evaluator = ga, evaluator
        self.problem = EvaluatorAsPymooProblem(evaluator)
        ga.setup(self.problem, seed=seed, verbose=False)
        self._X: list[np.ndarray] = []
        self._F: list[np.ndarray] = []
        self._cv: list[np.ndarray] = []

    @property
    def X(self) -> np.ndarray:
        return np.vstack(self._X)

    @property
    def F(self) -> np.ndarray:
        return np.vstack(self._F)

    @property
    def cv(self) -> np.ndarray:
        """Constraint violation of every evaluation (0: feasible)."""
        return np.concatenate(self._cv)

    def evaluate(self, pop: Population) -> tuple[Population, int]:
        ev, first = self.evaluator, self.evaluator.used
        self.ga.evaluator.eval(self.problem, pop)  # BudgetExhausted ends the run here
        self._X.append(pop.get("X"))
        self._F.append(pop.get("F"))
        n_con = self.evaluator.problem.n_con
        self._cv.append(violation(pop.get("G")) if n_con else np.zeros(len(pop)))
        ids = ev.front.ids
        return pop, int(((ids >= first) & (ids < ev.used)).sum())
