"""Surrogate screening, shared by HAMP's local search and the offspring pre-screening every
pymoo GA can switch on (`algorithm.prescreen`, algorithms/prescreen.py), so that both use the
same free information in the same way: a model of the expensive objectives fitted to the run's
own true evaluations, plus the exact cheap objectives (a latency table, an analytic memory count:
no budget spent).

`Frame` is the scale on which predicted hypervolume gains are measured. `frame="data"` (HAMP's
default) derives it from the run's own evaluations: ideal = the best value seen per objective,
nadir = the worst value on the run's current front, reference point 1.1; it knows nothing of the
problem's frozen bounds, its region of interest or the report's reference point. `frame=
"problem"` uses the problem's frozen bounds and reference point, the ones the report scores with
(docs/hamp.md says what each buys).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hamp_bench.objective_space import normalised_hypervolume
from hamp_bench.pareto import nondominated_mask

FRAMES = ("data", "problem")


@dataclass(frozen=True)
class Frame:
    """Minimisation-form objectives -> [0, 1] (lo -> 0, hi -> 1), hypervolume against `ref`.
    `fell_back`: a problem frame with no point inside its box, measured against a reference just
    beyond the points instead (ObjectiveSpace.working_reference)."""

    lo: np.ndarray
    hi: np.ndarray
    ref: np.ndarray
    fell_back: bool = False

    def normalise(self, F: np.ndarray) -> np.ndarray:
        return (np.asarray(F, dtype=float) - self.lo) / (self.hi - self.lo)

    def hypervolume(self, F: np.ndarray) -> float:
        return normalised_hypervolume(self.normalise(F), self.ref)

    @classmethod
    def of(cls, kind: str, space, F_seen: np.ndarray) -> Frame:
        """The frame for a run whose evaluations so far are `F_seen` (minimisation form)."""
        F_seen = np.asarray(F_seen, dtype=float)
        if kind == "data":
            front = F_seen[nondominated_mask(F_seen)]
            lo, hi = F_seen.min(axis=0), front.max(axis=0)
            hi = np.where(hi - lo > 1e-12, hi, lo + 1.0)  # a flat axis: any positive scale
            return cls(lo, hi, np.full(len(lo), 1.1))
        lo, hi = space.to_min(space.ideal), space.to_min(space.nadir)
        front = (F_seen[nondominated_mask(F_seen)] - lo) / (hi - lo)
        ref, fell_back = space.working_reference(front)
        return cls(lo, hi, ref, fell_back)  # ref: normalised, as the frame's points


class Surrogate:
    """Extra-trees regressor (scikit-learn) of the expensive objectives, refitted on the most
    recent `max_train` true evaluations at each call of `fit`. `predict` returns the mean over
    the trees and their spread (standard deviation), the uncertainty an optimistic pick uses."""

    def __init__(self, n_trees: int = 50, max_train: int = 2000):
        self.n_trees, self.max_train = n_trees, max_train
        self.model = None
        self.fits = 0
        self.fitted_on = 0  # how many evaluations the current model has seen

    def fit_unless_fresh(
        self, X: np.ndarray, Y: np.ndarray, rng: np.random.Generator, min_new: int
    ) -> None:
        """Refit unless the model already knows all but fewer than `min_new` of the evaluations
        (an algorithm that fits once per generation and then adds a few more points, as HAMP's
        local search does, need not fit again for them: fitting is most of its time)."""
        if self.model is None or len(X) - self.fitted_on >= min_new:
            self.fit(X, Y, rng)

    def fit(self, X: np.ndarray, Y: np.ndarray, rng: np.random.Generator) -> None:
        from sklearn.ensemble import ExtraTreesRegressor  # imported when first fitted: slow

        recent = slice(max(0, len(X) - self.max_train), len(X))
        self.model = ExtraTreesRegressor(
            n_estimators=self.n_trees,
            min_samples_leaf=2,
            random_state=int(rng.integers(2**31 - 1)),
            n_jobs=1,
        )
        Y = np.asarray(Y, dtype=float)[recent]
        self.model.fit(X[recent], Y.ravel() if Y.shape[1] == 1 else Y)
        self.fits += 1
        self.fitted_on = len(X)

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        per_tree = np.stack([t.predict(X).reshape(len(X), -1) for t in self.model.estimators_])
        return per_tree.mean(axis=0), per_tree.std(axis=0)


def predicted_objectives(
    evaluator, surrogate: Surrogate, X: np.ndarray, kappa: float = 0.0
) -> np.ndarray:
    """Objectives of genomes X in minimisation form: the expensive ones predicted (optimistic by
    `kappa` tree spreads: mean - kappa x std), the cheap ones exact through the evaluator (free
    of budget)."""
    p = evaluator.problem
    F = np.empty((len(X), p.n_obj))
    mean, std = surrogate.predict(X)
    F[:, ~p.cheap_mask] = mean - kappa * std
    if p.cheap_mask.any():
        F[:, p.cheap_mask] = evaluator.evaluate_cheap(X)
    return F


def greedy_gain(frame: Frame, F_front: np.ndarray, F_pred: np.ndarray, k: int) -> np.ndarray:
    """Indices of at most k predicted points, picked one at a time by the largest predicted
    hypervolume gain over the front and the points picked before; stops when no gain is left."""
    front = frame.normalise(F_front)
    pred = frame.normalise(F_pred)
    ref = frame.ref
    base = normalised_hypervolume(front, ref)
    chosen: list[int] = []
    open_ = np.all(pred < ref, axis=1)  # beyond the reference: no gain, never picked
    for _ in range(min(k, int(open_.sum()))):
        gains = np.full(len(pred), -1.0)
        for i in np.flatnonzero(open_):
            gains[i] = normalised_hypervolume(np.vstack([front, pred[i]]), ref) - base
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.append(best)
        open_[best] = False
        front = np.vstack([front, pred[best]])
        base += gains[best]
    return np.array(chosen, dtype=np.int64)
