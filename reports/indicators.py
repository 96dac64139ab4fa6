"""Quality indicators of runs, all in the problem's normalised objective space (each run's
ObjectiveSpace, rebuilt from its run.json): final hypervolume, IGD+ (moocore) against a reference
front, and the anytime hypervolume curve (the hypervolume of the first k evaluations), computed
from evaluations.csv alone (or a compact record's anytime series, the same values)."""

from __future__ import annotations

import moocore
import numpy as np
import pandas as pd

from hamp_bench.reports.anytime import value_at
from hamp_bench.reports.gather import Run


def reference_front(runs: list[Run]) -> tuple[np.ndarray, str]:
    """The normalised reference front of one problem's runs, and where it comes from: the true
    front where the problem knows it, else the non-dominated union of every run's evaluations;
    inside the region of interest where the problem has one (and some of it lies there)."""
    space = runs[0].space
    front, source = None, f"non-dominated union of all {len(runs)} runs"
    if runs[0].meta["problem"].get("has_true_front"):
        front = _true_front(runs[0])
        if front is not None:
            front, source = space.to_min(front), "true Pareto front"
    if front is None:
        front = space.front(np.vstack([r.F[r.front_mask] for r in runs if len(r.F)]))
    inside = space.in_roi(front)
    if space.roi and inside.any() and not inside.all():
        front, source = front[inside], f"{source}, inside the region of interest"
    return space.normalise(front), source


def _true_front(run: Run) -> np.ndarray | None:
    """Rebuild the (cheap) benchmark problem from the run's resolved config to get its front."""
    cfg = run.meta.get("config", {}).get("problem")
    if not cfg or "_target_" not in cfg:
        return None
    from hamp_bench.components import build

    return build(cfg, "problem").true_front()


def igd_plus(run: Run, reference: np.ndarray) -> float:
    if not run.front_mask.any():  # no evaluation, or none feasible
        return float("nan")
    return float(moocore.igd_plus(run.space.normalise(run.F[run.front_mask]), ref=reference))


def anytime_grid(budget: int, points: int = 40) -> np.ndarray:
    """Evaluation counts at which the anytime curve is sampled (1 .. budget, log-ish spaced)."""
    grid = np.unique(np.rint(np.geomspace(1, max(budget, 1), points)).astype(int))
    return grid


def anytime_hypervolume(runs: list[Run], points: int = 40) -> pd.DataFrame:
    """Long table: problem, algorithm, seed, evaluations, hv (normalised)."""
    frames = []
    for r in runs:
        grid = anytime_grid(int(r.meta.get("budget") or r.n_evaluations), points)
        grid = grid[grid <= r.n_evaluations]
        frames.append(
            pd.DataFrame(
                {
                    "problem": r.problem,
                    "algorithm": r.algorithm,
                    "seed": r.seed,
                    "evaluations": grid.astype(int),
                    "hv": value_at(r.anytime, grid),
                }
            )
        )
    columns = ["problem", "algorithm", "seed", "evaluations", "hv"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
