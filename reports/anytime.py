"""A run's anytime hypervolume as an exact step series: the hypervolume of the first k
evaluations inside the region of interest (`hv`; the full range where the problem has none), one
row at k = 1 and at every k where it changes, and one at the last evaluation. (The full-range
hypervolume changes at nearly every new front point, 300-400 rows in a 2,000-evaluation run;
reports need it only at the end, from the front.)

Only an evaluation that no earlier one weakly dominates can change the front, so the series is
built by walking those evaluations alone, keeping the running front in evaluation order (as
`ObjectiveSpace.front` of the prefix keeps it) and scoring it with the same function as a
direct computation: the values are the same floats, not approximations. Compact records
(docs/records.md) store this series as anytime.csv; reports look hypervolumes up in it.
"""

from __future__ import annotations

import moocore
import numpy as np
import pandas as pd

from hamp_bench.objective_space import ObjectiveSpace
from hamp_bench.pareto import nondominated_mask

COLUMNS = ["evaluations", "hv"]
#: evaluations screened per vectorised dominance test (memory: BLOCK x (front + BLOCK) x m)
BLOCK = 256


def new_front_points(F: np.ndarray) -> np.ndarray:
    """Indices of the rows of F (minimisation form) that no earlier row weakly dominates:
    the evaluations at which the running front changes. Linear in len(F) for a bounded front."""
    F = np.asarray(F, dtype=float)
    found: list[int] = []
    front = F[:0]
    for a in range(0, len(F), BLOCK):
        block = F[a : a + BLOCK]
        seen = np.all(front[None, :, :] <= block[:, None, :], axis=2).any(axis=1)
        inner = np.all(block[None, :, :] <= block[:, None, :], axis=2)  # [k, j]: j weakly <= k
        seen |= np.tril(inner, -1).any(axis=1)
        fresh = np.flatnonzero(~seen)
        found += (a + fresh).tolist()
        if len(fresh):
            pool = np.vstack([front, block[fresh]])
            front = pool[nondominated_mask(pool)]
    return np.asarray(found, dtype=int)


def step_series(
    space: ObjectiveSpace, F: np.ndarray, feasible: np.ndarray | None = None
) -> pd.DataFrame:
    """The exact step series (columns `COLUMNS`) of a run's evaluations F (minimisation form,
    in evaluation order) scored in `space`; empty for a run without evaluations. Each value is
    what `space.hypervolume` of the running front computes: moocore on the same normalised
    rows. A point outside a box leaves that box's value as it was (what it dominates lies
    outside too). With `feasible`, only feasible evaluations make the front (an infeasible one
    changes nothing, as for the run's own front)."""
    F = np.asarray(F, dtype=float)
    n = len(F)
    if n == 0:
        return pd.DataFrame({"evaluations": np.zeros(0, int), "hv": []})
    ok = np.ones(n, bool) if feasible is None else np.asarray(feasible, dtype=bool)
    N = space.normalise(F)
    # what normalised_hypervolume would keep of each point: inside the region and the box
    counts = space.in_roi(F) & np.all(N < space.ref_point, axis=1)
    front = np.zeros(0, dtype=int)  # indices into F, in evaluation order
    rows: list[tuple[int, float]] = []
    value = 0.0
    candidates = np.flatnonzero(ok)
    if not len(candidates) or candidates[0] != 0:
        rows.append((1, 0.0))  # nothing feasible yet at the first evaluation
    for i in candidates[new_front_points(F[ok])]:
        front = np.append(front[~np.all(F[i] <= F[front], axis=1)], i)
        if counts[i] or not rows:  # a point outside the box leaves the value as it was
            kept = front[counts[front]]
            value = float(moocore.hypervolume(N[kept], ref=space.ref_point)) if len(kept) else 0.0
        if not rows or value != rows[-1][1]:
            rows.append((int(i) + 1, value))
    if rows[-1][0] != n:
        rows.append((n, value))
    return pd.DataFrame(rows, columns=COLUMNS)


def value_at(series: pd.DataFrame, k) -> np.ndarray | float:
    """The series' `hv` after k evaluations (k a number or an array): the value of the last row
    with evaluations <= k; 0.0 before the first evaluation."""
    ev = series["evaluations"].to_numpy()
    values = np.r_[0.0, series["hv"].to_numpy(float)]
    at = values[np.searchsorted(ev, k, side="right")]
    return float(at) if np.ndim(at) == 0 else at


def first_reaching(series: pd.DataFrame, target: float) -> float:
    """The first evaluation count at which `hv` >= target; NaN if never (or no target)."""
    if not np.isfinite(target):
        return float("nan")
    reached = np.flatnonzero(series["hv"].to_numpy(float) >= target)
    return float(series["evaluations"].iloc[reached[0]]) if len(reached) else float("nan")


def render(series: pd.DataFrame) -> str:
    """anytime.csv's text: floats in Python's shortest exact repr, so they read back bit for
    bit (with pandas' round-trip parser)."""
    lines = [",".join(COLUMNS)]
    lines += [f"{int(k)},{float(a)!r}" for k, a in zip(series["evaluations"], series["hv"])]
    return "\n".join(lines) + "\n"
