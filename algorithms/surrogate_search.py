"""HAMP's surrogate-assisted local search (our design; the paper's abstract names only
"surrogate-assisted local search"; see docs/hamp.md).

Neighbours of the run's non-dominated solutions (a few genes moved by small steps) are scored
with the shared surrogate screening (algorithms/screening.py): the expensive objectives
predicted by extra-trees fitted to the run's true evaluations, optimistic by `kappa` tree
spreads, and the cheap ones exact (free of budget). Only the neighbours with the largest
predicted hypervolume gain over the current front are returned for true evaluation.

With `adaptive`, the number of picks follows their success: after each call the caller reports
how many of the picks entered the run's front (`record_hits`), beside the share of the
generation's offspring that did; the next call picks more when the local search's hit rate is
the higher, fewer when it is the lower, between 1 and `max_evals`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hamp_bench.algorithms.screening import Frame, Surrogate, greedy_gain, predicted_objectives
from hamp_bench.evaluator import Evaluator
from hamp_bench.pareto import front_mask


@dataclass
class LocalSearchStats:
    surrogate_fits: int = 0
    screened: int = 0  # neighbours scored with the surrogate
    proposed: int = 0  # neighbours sent to true evaluation
    hits: int = 0  # proposed neighbours that entered the run's front when evaluated
    fallback_calls: int = 0  # calls screened against a data-derived reference
    history: list = field(default_factory=list)  # (screened, proposed) per call


class SurrogateLocalSearch:
    def __init__(
        self,
        n_candidates: int,
        n_evals: int,
        max_genes: int,
        max_step: int,
        real_step: float,
        max_train: int,
        n_trees: int = 50,
        kappa: float = 0.0,
        frame: str = "problem",
        adaptive: bool = False,
        max_evals: int | None = None,
    ):
        """The parameters are HAMP's `ls_*` (declared, with their defaults, in HAMP's signature);
        `n_trees` is the surrogate's size, not a parameter of the run."""
        self.n_candidates, self.n_evals = n_candidates, n_evals
        self.max_genes, self.max_step, self.real_step = max_genes, max_step, real_step
        self.max_train, self.n_trees, self.kappa, self.frame = max_train, n_trees, kappa, frame
        self.adaptive = adaptive
        self.max_evals = max(n_evals, max_evals or n_evals)
        self.surrogate = Surrogate(n_trees, max_train)
        self.stats = LocalSearchStats()

    def neighbours(self, parents: np.ndarray, problem, rng: np.random.Generator) -> np.ndarray:
        """`n_candidates` genomes, each a parent with 1..max_genes genes moved."""
        idx = rng.integers(0, len(parents), self.n_candidates)
        X = parents[idx].astype(float)
        span = problem.xu - problem.xl
        for row in X:
            genes = rng.choice(
                problem.n_var, size=rng.integers(1, self.max_genes + 1), replace=False
            )
            if problem.var_type == "int":
                step = rng.integers(1, self.max_step + 1, size=len(genes))
                row[genes] += step * rng.choice([-1, 1], size=len(genes))
            else:
                row[genes] += rng.normal(0, self.real_step, size=len(genes)) * span[genes]
        X = np.clip(X, problem.xl, problem.xu)
        return np.rint(X).astype(np.int64) if problem.var_type == "int" else X

    def propose(
        self,
        evaluator: Evaluator,
        X_seen: np.ndarray,
        F_seen: np.ndarray,
        rng: np.random.Generator,
        cv_seen: np.ndarray | None = None,
    ) -> np.ndarray:
        """Genomes worth a true evaluation (at most `n_evals`; may be empty): neighbours of the
        run's front (feasible points first, `cv_seen` their constraint violations)."""
        p = evaluator.problem
        front = front_mask(F_seen, cv_seen)
        cand = self.neighbours(X_seen[front], p, rng)
        cand = np.unique(cand, axis=0)
        if p.var_type == "int":  # never spend budget on a genome already evaluated
            seen = {tuple(x) for x in X_seen.astype(np.int64).tolist()}
            cand = cand[[tuple(x) not in seen for x in cand.tolist()]]
        if len(cand) == 0:
            return cand
        self.surrogate.fit(X_seen, F_seen[:, ~p.cheap_mask], rng)
        self.stats.surrogate_fits += 1
        F_pred = predicted_objectives(evaluator, self.surrogate, cand, self.kappa)
        frame = Frame.of(self.frame, p.space, F_seen)
        if frame.fell_back:
            self.stats.fallback_calls += 1
        chosen = greedy_gain(frame, F_seen[front], F_pred, self.n_evals)
        self.stats.screened += len(cand)
        self.stats.proposed += len(chosen)
        self.stats.history.append((len(cand), len(chosen)))
        return cand[chosen]

    def record_hits(self, hits: int, proposed: int, offspring_hit_rate: float) -> None:
        """How many of the last call's picks entered the front; adapts `n_evals` (adaptive)."""
        self.stats.hits += hits
        if not self.adaptive or proposed == 0:
            return
        rate = hits / proposed
        if rate > offspring_hit_rate:
            self.n_evals = min(self.max_evals, self.n_evals + max(1, self.n_evals // 2))
        elif rate < offspring_hit_rate:
            self.n_evals = max(1, self.n_evals - 1)
