"""The Evaluator: what an algorithm gets to work on.

Through it an algorithm spends budget (`evaluate`), queries cheap objectives for free
(`evaluate_cheap`), reads the problem's description (`problem`, read-only: variables, bounds,
objectives, objective space; an algorithm never calls `problem.evaluate` itself) and records what it
wants to about itself (`telemetry`). It counts the budget in true evaluations (every genome an
algorithm asks to evaluate counts, cache hit or not), serves repeated genomes from the shared cache,
records every evaluation and keeps the running front. Once the budget is spent it raises
`BudgetExhausted`, which stops any algorithm cleanly; a batch that straddles the budget is cut at
the budget and recorded.
"""

from __future__ import annotations

import time

import numpy as np

from hamp_bench.cache import EvaluationCache
from hamp_bench.errors import BudgetExhausted
from hamp_bench.hashing import genome_key
from hamp_bench.pareto import FrontTracker
from hamp_bench.problem import Evaluation, Problem
from hamp_bench.progress import Progress
from hamp_bench.run_record import EvaluationLog
from hamp_bench.signals import signals_deferred
from hamp_bench.telemetry import Telemetry


class Evaluator:
    def __init__(
        self,
        problem: Problem,
        budget: int,
        *,
        log: EvaluationLog | None = None,
        cache: EvaluationCache | None = None,
        progress: Progress | None = None,
        telemetry: Telemetry | None = None,
    ):
        self._problem = problem
        self.budget = int(budget)
        self.telemetry = telemetry if telemetry is not None else Telemetry()
        self.log, self.cache, self.progress = log, cache, progress
        self.used = 0
        self.cache_hits = 0
        self.n_batches = 0
        self.front = FrontTracker(problem.n_var, problem.n_obj)
        self._fingerprint = problem.fingerprint() if cache is not None else ""

    @property
    def problem(self) -> Problem:
        """The problem being optimised, to read (bounds, objectives, space); evaluating it goes
        through `evaluate` / `evaluate_cheap`, which count and record."""
        return self._problem

    @property
    def remaining(self) -> int:
        return self.budget - self.used

    def evaluate(self, X) -> np.ndarray:
        """Objectives of a batch of genomes in minimisation form, spending budget."""
        if self.remaining <= 0:
            raise BudgetExhausted
        X = self.problem.check_genome(X)
        take = X[: self.remaining]
        ev, cached, wall = self._compute(take)
        F_min = self.problem.to_min(ev.F)
        ids = np.arange(self.used, self.used + len(take))
        with signals_deferred():  # record, front and counters change together or not at all
            if self.log is not None:
                extras = [ev.extras[name] for name in self.problem.extra_names]
                self.log.append(ids, self.n_batches, take, ev.F, cached, wall, extras)
            self.front.add(take, F_min, ids)
            self.used += len(take)
            self.n_batches += 1
        if self.progress is not None:
            self.progress.update(self.used, len(self.front))
        if len(take) < len(X):
            raise BudgetExhausted
        return F_min

    def evaluate_cheap(self, X) -> np.ndarray:
        """Cheap objectives (minimisation form) without spending budget."""
        return self.problem.evaluate_cheap(X) * self.problem.space.sign[self.problem.cheap_mask]

    def _compute(self, X: np.ndarray) -> tuple[Evaluation, np.ndarray, np.ndarray]:
        n = len(X)
        if self.cache is None:
            t = time.perf_counter()
            ev = self.problem.evaluate(X)
            return ev, np.zeros(n, dtype=bool), np.full(n, (time.perf_counter() - t) / n)

        t = time.perf_counter()
        keys = [genome_key(self._fingerprint, x) for x in X]
        found = self.cache.get_many(keys)
        cached = np.array([k in found for k in keys], dtype=bool)
        wall = np.full(n, (time.perf_counter() - t) / n)
        F = np.empty((n, self.problem.n_obj))
        extras = {name: np.empty(n, dtype=object) for name in self.problem.extra_names}
        for i in np.flatnonzero(cached):
            F[i] = found[keys[i]]["F"]
            for name in extras:
                extras[name][i] = found[keys[i]]["extras"][name]
        miss = np.flatnonzero(~cached)
        if len(miss):
            t = time.perf_counter()
            ev = self.problem.evaluate(X[miss])
            wall[miss] = (time.perf_counter() - t) / len(miss)
            F[miss] = ev.F
            for name in extras:
                extras[name][miss] = ev.extras[name]
            self.cache.put_many(
                {
                    keys[i]: {
                        "F": ev.F[j].tolist(),
                        "extras": {k: np.asarray(ev.extras[k])[j].item() for k in extras},
                    }
                    for j, i in enumerate(miss)
                }
            )
        self.cache_hits += int(cached.sum())
        return Evaluation(F, {k: np.array(v.tolist()) for k, v in extras.items()}), cached, wall
