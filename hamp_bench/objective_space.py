"""The objective space of a problem: signs, frozen bounds, normalisation, reference point and
hypervolume, in one object that problems, algorithms and reports share.

Hypervolume is computed on objectives turned into minimised ones (maximised ones negated) and
normalised with the frozen bounds (ideal -> 0, nadir -> 1), against a reference point in that
normalised space. Frozen bounds make hypervolumes of different runs and algorithms comparable.
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
    reference point's coordinate (every axis) in the normalised, minimised space."""

    def __init__(
        self,
        objectives: Sequence[Objective],
        ideal,
        nadir,
        ref_point_normalised: float | Sequence[float] = 1.1,
    ):
        self.objectives = tuple(objectives)
        self.ideal = np.asarray(ideal, dtype=float)
        self.nadir = np.asarray(nadir, dtype=float)
        self.ref_point = np.broadcast_to(
            np.asarray(ref_point_normalised, dtype=float), (len(self.objectives),)
        ).copy()

    @classmethod
    def from_record(cls, problem: dict[str, Any]) -> ObjectiveSpace:
        """The space a run was scored in, from the `problem` section of its run.json."""
        objectives = [Objective(**o) for o in problem["objectives"]]
        return cls(objectives, problem["ideal"], problem["nadir"], problem["ref_point_normalised"])

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
        space's reference point by default); points beyond it count for nothing."""
        return normalised_hypervolume(self.normalise(F_min), self.ref_point if ref is None else ref)

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
