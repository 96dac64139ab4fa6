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


class FrontTracker:
    """The non-dominated set of everything evaluated so far, updated batch by batch.

    Keeps genomes, evaluation ids and a payload per point (the record's lines) alongside points,
    so that the run's front can be written and re-scored without keeping every evaluation.
    """

    def __init__(self, n_var: int, n_obj: int):
        self.X = np.empty((0, n_var))
        self.F = np.empty((0, n_obj))
        self.ids = np.empty(0, dtype=np.int64)
        self.payload = np.empty(0, dtype=object)

    def add(self, X: np.ndarray, F: np.ndarray, ids: np.ndarray, payload=None) -> None:
        payload, given = np.empty(len(ids), dtype=object), payload
        if given is not None:
            payload[:] = list(given)
        F_all = np.vstack([self.F, F])
        keep = nondominated_mask(F_all)  # moocore: O(n log n) for 2 and 3 objectives
        old = len(self.F)
        if keep[:old].all() and not keep[old:].any():  # nothing new on the front
            return
        self.X = np.vstack([self.X, X])[keep]
        self.F, self.ids = F_all[keep], np.concatenate([self.ids, ids])[keep]
        self.payload = np.concatenate([self.payload, payload])[keep]

    def __len__(self) -> int:
        return len(self.ids)
