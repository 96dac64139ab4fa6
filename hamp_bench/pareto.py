"""Non-dominance on moocore, and the running front of a run. All inputs are in minimisation
form; hypervolume lives with the objective space (objective_space.py)."""

from __future__ import annotations

import moocore
import numpy as np


def nondominated_mask(F: np.ndarray) -> np.ndarray:
    """True for the rows of F that no other row dominates (duplicates keep one copy)."""
    F = np.asarray(F, dtype=float)
    if len(F) == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(moocore.is_nondominated(F, keep_weakly=False))


def violation(G: np.ndarray) -> np.ndarray:
    """Total constraint violation of each row of G (g <= 0 feasible): the sum of the positive
    parts; 0 for a feasible row (and for every row of an unconstrained problem)."""
    G = np.asarray(G, dtype=float)
    return np.maximum(G, 0.0).sum(axis=1) if G.ndim == 2 and G.shape[1] else np.zeros(len(G))


def front_mask(F: np.ndarray, cv: np.ndarray | None = None) -> np.ndarray:
    """The run's front among points F with violations cv: the non-dominated feasible points;
    while none is feasible, the non-dominated points of least violation (feasibility first,
    as constrained domination ranks them)."""
    F = np.asarray(F, dtype=float)
    if cv is None or not len(F):
        return nondominated_mask(F)
    cv = np.asarray(cv, dtype=float)
    pool = cv == 0 if (cv == 0).any() else cv == cv.min()
    mask = np.zeros(len(F), dtype=bool)
    mask[np.flatnonzero(pool)[nondominated_mask(F[pool])]] = True
    return mask


class FrontTracker:
    """The run's front of everything evaluated so far (non-dominated feasible points; while
    none is feasible, the least violating ones), updated batch by batch.

    Keeps genomes, evaluation ids, violations and a payload per point (the record's lines)
    alongside points, so that the run's front can be written and re-scored without keeping
    every evaluation.
    """

    def __init__(self, n_var: int, n_obj: int):
        self.X = np.empty((0, n_var))
        self.F = np.empty((0, n_obj))
        self.cv = np.empty(0)
        self.ids = np.empty(0, dtype=np.int64)
        self.payload = np.empty(0, dtype=object)

    @property
    def feasible(self) -> np.ndarray:
        return self.cv == 0

    def add(self, X: np.ndarray, F: np.ndarray, ids: np.ndarray, payload=None, cv=None) -> None:
        payload, given = np.empty(len(ids), dtype=object), payload
        if given is not None:
            payload[:] = list(given)
        cv = np.zeros(len(ids)) if cv is None else np.asarray(cv, dtype=float)
        F_all, cv_all = np.vstack([self.F, F]), np.concatenate([self.cv, cv])
        keep = front_mask(F_all, cv_all)  # moocore: O(n log n) for 2 and 3 objectives
        old = len(self.F)
        if keep[:old].all() and not keep[old:].any():  # nothing new on the front
            return
        self.X = np.vstack([self.X, X])[keep]
        self.F, self.cv = F_all[keep], cv_all[keep]
        self.ids = np.concatenate([self.ids, ids])[keep]
        self.payload = np.concatenate([self.payload, payload])[keep]

    def __len__(self) -> int:
        return len(self.ids)
