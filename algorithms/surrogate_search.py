"""HAMP's surrogate-assisted local search (our design; the paper's abstract names only
"surrogate-assisted local search"; see docs/hamp.md).

A surrogate (scikit-learn extra-trees) learns the expensive objectives from the run's true
evaluations. Neighbours of non-dominated solutions (a few genes moved by small steps) are scored
with the surrogate for the expensive objectives and the exact values of the cheap ones (a
latency table, an analytic memory count: free of budget). Only the neighbours with the largest
predicted hypervolume gain over the current front are returned for true evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hamp_bench.evaluator import Evaluator
from hamp_bench.objective_space import normalised_hypervolume
from hamp_bench.pareto import nondominated_mask


@dataclass
class LocalSearchStats:
    surrogate_fits: int = 0
    screened: int = 0  # neighbours scored with the surrogate
    proposed: int = 0  # neighbours sent to true evaluation
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
    ):
        """The parameters are HAMP's `ls_*` (declared, with their defaults, in HAMP's signature);
        `n_trees` is the surrogate's size, not a parameter of the run."""
        self.n_candidates, self.n_evals = n_candidates, n_evals
        self.max_genes, self.max_step, self.real_step = max_genes, max_step, real_step
        self.max_train, self.n_trees = max_train, n_trees
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
        self, evaluator: Evaluator, X_seen: np.ndarray, F_seen: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """Genomes worth a true evaluation (at most `n_evals`; may be empty)."""
        p = evaluator.problem
        expensive = ~p.cheap_mask
        front = nondominated_mask(F_seen)
        cand = self.neighbours(X_seen[front], p, rng)
        cand = np.unique(cand, axis=0)
        if p.var_type == "int":  # never spend budget on a genome already evaluated
            seen = {tuple(x) for x in X_seen.astype(np.int64).tolist()}
            cand = cand[[tuple(x) not in seen for x in cand.tolist()]]
        if len(cand) == 0:
            return cand

        train = slice(max(0, len(X_seen) - self.max_train), len(X_seen))
        from sklearn.ensemble import ExtraTreesRegressor  # imported when first fitted: slow

        model = ExtraTreesRegressor(
            n_estimators=self.n_trees,
            min_samples_leaf=2,
            random_state=int(rng.integers(2**31 - 1)),
            n_jobs=1,
        )
        target = F_seen[train][:, expensive]
        model.fit(X_seen[train], target.ravel() if target.shape[1] == 1 else target)
        self.stats.surrogate_fits += 1

        F_pred = np.empty((len(cand), p.n_obj))
        F_pred[:, expensive] = model.predict(cand).reshape(len(cand), -1)
        if p.cheap_mask.any():
            F_pred[:, p.cheap_mask] = evaluator.evaluate_cheap(cand)

        chosen = self._screen(p, F_seen[front], F_pred)
        self.stats.screened += len(cand)
        self.stats.proposed += len(chosen)
        self.stats.history.append((len(cand), len(chosen)))
        return cand[chosen]

    def _screen(self, problem, F_front: np.ndarray, F_pred: np.ndarray) -> np.ndarray:
        """Indices of the predicted best neighbours, picked greedily by hypervolume gain (against
        a reference beyond the front's worst point while no front point is inside the box)."""
        space = problem.space
        front = space.normalise(F_front)
        pred = space.normalise(F_pred)
        ref, fell_back = space.working_reference(front)
        if fell_back:
            self.stats.fallback_calls += 1
        chosen: list[int] = []
        base = normalised_hypervolume(front, ref)
        for _ in range(min(self.n_evals, len(pred))):
            gains = np.array(
                [
                    normalised_hypervolume(np.vstack([front, q]), ref) - base
                    if i not in chosen
                    else -1.0
                    for i, q in enumerate(pred)
                ]
            )
            best = int(np.argmax(gains))
            if gains[best] <= 0:
                break
            chosen.append(best)
            front = np.vstack([front, pred[best]])
            base += gains[best]
        return np.array(chosen, dtype=np.int64)
