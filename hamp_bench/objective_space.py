"""The objective space of a problem: signs, frozen bounds, normalisation, reference point and
hypervolume, in one object that problems, algorithms and reports share.

Hypervolume is computed on objectives turned into minimised ones (maximised ones negated) and
normalised with the frozen bounds (ideal -> 0, nadir -> 1), against a reference point in that
normalised space. Frozen bounds make hypervolumes of different runs and algorithms comparable.

A space may have a region of interest: a nadir tighter than the objectives' full range on some
axes (for pruning, error up to the base model's plus a margin). Points beyond the region on such
an axis stay in the record but count for nothing in the hypervolume; `full_range()` is the same
space without the region, for the second, full-range indicator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, Sequence

import moocore
import numpy as np

from hamp_bench.pareto import nondominated_mask


@dataclass(frozen=True)
class Objective:
    """One objective. `cheap` objectives are exact and fast (a table lookup, an analytic count):
    algorithms may query them through `Evaluator.evaluate_cheap` without spending budget."""

    name: str
    unit: str = ""
    direction: Literal["min", "max"] = "min"
    cheap: bool = False


class ObjectiveSpace:
    """`ideal` and `nadir` are in natural units and directions; `ref_point_normalised` is the
    reference point's coordinate (every axis) in the normalised, minimised space. With a region
    of interest, `nadir` is the region's corner, `full_nadir` the full range's, and `roi` says
    how the region was set (recorded in run.json)."""

    def __init__(
        self,
        objectives: Sequence[Objective],
        ideal,
        nadir,
        ref_point_normalised: float | Sequence[float] = 1.1,
        *,
        full_nadir=None,
        roi: dict[str, Any] | None = None,
    ):
        self.objectives = tuple(objectives)
        self.ideal = np.asarray(ideal, dtype=float)
        self.nadir = np.asarray(nadir, dtype=float)
        self.full_nadir = self.nadir.copy() if full_nadir is None else np.asarray(full_nadir, float)
        self.roi = dict(roi) if roi else None
        self.ref_point = np.broadcast_to(
            np.asarray(ref_point_normalised, dtype=float), (len(self.objectives),)
        ).copy()
        if self.full_nadir.shape != self.nadir.shape:
            raise ValueError(
                f"full_nadir {self.full_nadir} and nadir {self.nadir} differ in length"
            )

    @classmethod
    def from_record(cls, problem: dict[str, Any]) -> ObjectiveSpace:
        """The space a run was scored in, from the `problem` section of its run.json."""
        objectives = [Objective(**o) for o in problem["objectives"]]
        return cls(
            objectives,
            problem["ideal"],
            problem["nadir"],
            problem["ref_point_normalised"],
            full_nadir=problem.get("full_nadir"),  # absent: a record without a region
            roi=problem.get("roi"),
        )

    # -- the region of interest -----------------------------------------------------------
    @property
    def bounded(self) -> np.ndarray:
        """Axes on which the region of interest is tighter than the full range."""
        return self.nadir != self.full_nadir

    def in_roi(self, F_min) -> np.ndarray:
        """Which minimisation-form points lie inside the region on every bounded axis."""
        F_norm = self.normalise(F_min).reshape(-1, self.n_obj)
        return np.all(F_norm[:, self.bounded] <= 1.0, axis=1)

    def full_range(self) -> ObjectiveSpace:
        """The same space without the region of interest (the full-range indicator's)."""
        return ObjectiveSpace(self.objectives, self.ideal, self.full_nadir, self.ref_point)

    # -- what the objectives are ----------------------------------------------------------
    @property
    def n_obj(self) -> int:
        return len(self.objectives)

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.objectives]

    @property
    def sign(self) -> np.ndarray:
        """+1 for minimised, -1 for maximised objectives."""
        return np.array([1.0 if o.direction == "min" else -1.0 for o in self.objectives])

    @property
    def cheap_mask(self) -> np.ndarray:
        return np.array([o.cheap for o in self.objectives], dtype=bool)

    # -- normalisation --------------------------------------------------------------------
    def to_min(self, F) -> np.ndarray:
        """Objectives in minimisation form (maximised ones negated)."""
        return np.asarray(F, dtype=float) * self.sign

    def normalise(self, F_min) -> np.ndarray:
        """Minimisation-form objectives scaled so that ideal -> 0 and nadir -> 1."""
        lo, hi = self.to_min(self.ideal), self.to_min(self.nadir)
        return (np.asarray(F_min, dtype=float) - lo) / (hi - lo)

    # -- hypervolume ----------------------------------------------------------------------
    def hypervolume(self, F_min, ref: np.ndarray | None = None) -> float:
        """Hypervolume of minimisation-form points after normalisation, against `ref` (the
        space's reference point by default); points beyond it, or outside the region of
        interest, count for nothing."""
        F_min = np.asarray(F_min, dtype=float).reshape(-1, self.n_obj)
        F_norm = self.normalise(F_min[self.in_roi(F_min)])
        return normalised_hypervolume(F_norm, self.ref_point if ref is None else ref)

    def working_reference(self, F_norm) -> tuple[np.ndarray, bool]:
        """The reference point when some normalised point lies inside its box; otherwise one
        just beyond the worst of these points (10% of their spread), so that hypervolume still
        tells improvements apart early in a run, when every point is still outside the box.
        Returns (ref, fell_back)."""
        F_norm = np.asarray(F_norm, dtype=float)
        if len(F_norm) == 0 or np.all(F_norm < self.ref_point, axis=1).any():
            return self.ref_point.copy(), False
        hi, lo = F_norm.max(axis=0), F_norm.min(axis=0)
        return hi + 0.1 * (hi - lo) + 1e-9, True

    def front(self, F_min) -> np.ndarray:
        """The non-dominated rows of minimisation-form points."""
        F_min = np.asarray(F_min, dtype=float)
        return F_min[nondominated_mask(F_min)]

    def describe(self) -> dict[str, Any]:
        return {
            "objectives": [asdict(o) for o in self.objectives],
            "ideal": self.ideal.tolist(),
            "nadir": self.nadir.tolist(),
            "full_nadir": self.full_nadir.tolist(),
            "roi": self.roi,
            "ref_point_normalised": self.ref_point.tolist(),
        }


def normalised_hypervolume(F_norm, ref_point) -> float:
    """Hypervolume of already normalised points against `ref_point` (moocore); points beyond
    it count for nothing."""
    F_norm = np.asarray(F_norm, dtype=float)
    F_norm = F_norm[np.all(F_norm < ref_point, axis=1)]
    if len(F_norm) == 0:
        return 0.0
    return float(moocore.hypervolume(F_norm, ref=ref_point))
