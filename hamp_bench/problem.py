"""The Problem seam: what is optimised, described well enough to be benchmarked honestly.

A problem states its variables (type and bounds), its objectives (name, unit, direction and
whether they are cheap to query), frozen normalisation bounds and a hypervolume reference point,
and a fingerprint. Evaluating a genome is a deterministic function of (fingerprint, genome), which
is what makes the shared evaluation cache exact.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from hamp_bench.errors import GenomeError
from hamp_bench.hashing import stable_hash
from hamp_bench.objective_space import Objective, ObjectiveSpace

VarType = Literal["int", "real"]


@dataclass(frozen=True)
class Constraint:
    """One inequality constraint, pymoo's convention: a genome is feasible when every
    constraint's value g is <= 0 (e.g. g = size - S for size <= S, in the constraint's unit)."""

    name: str
    unit: str = ""


@dataclass
class Evaluation:
    """Result of evaluating a batch: objectives in natural units and directions, constraint
    values (n, n_con; g <= 0 feasible; None for an unconstrained problem), plus extras (one
    array per name in `Problem.extra_names`, e.g. params and MACs)."""

    F: np.ndarray
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    G: np.ndarray | None = None


class Problem(ABC):
    """Base class of everything the suite optimises.

    Subclasses set the attributes below in `__init__` (whose signature declares the problem's
    parameters) and implement `_evaluate` (the objectives of a batch) and `config` (everything
    that decides an evaluation; hashed into the fingerprint that keys the shared cache).
    `ideal` and `nadir` are in natural units; `space` turns them into the objective space in
    which hypervolume is computed (objectives minimised and normalised with them, against
    `ref_point` in that normalised space).
    """

    name: str
    n_var: int
    var_type: VarType
    xl: np.ndarray
    xu: np.ndarray
    objectives: tuple[Objective, ...]
    #: inequality constraints (g <= 0 feasible); fronts and indicators use feasible points only
    constraints: tuple[Constraint, ...] = ()
    extra_names: tuple[str, ...] = ()
    ideal: np.ndarray
    nadir: np.ndarray
    ref_point_normalised: float = 1.1
    #: a region of interest: `nadir` is its corner, `full_nadir` the full range's (None: no
    #: region, nadir is the full range) and `roi` how it was set (run.json records it)
    full_nadir: np.ndarray | None = None
    roi: dict[str, Any] | None = None
    #: evaluations are expensive (seconds, not microseconds): the shared cache is on by default,
    #: and the evaluator evaluates and commits them one at a time (cheap problems: a batch per call)
    expensive: bool = False
    #: bump when the meaning of an evaluation changes, so that old cache entries stop matching
    revision: int = 1
    #: what `reference_solution` is, in the end-of-run table and the front figure
    reference_label: str = "unpruned"
    #: genes are keep levels of a network's channel groups (pruning problems): samplers that
    #: assume so (`sampling: auto` -> keep ratios, algorithms/sampling.py) may use it
    keep_levels: bool = False

    # -- what subclasses provide -------------------------------------------------------------
    @abstractmethod
    def _evaluate(self, X: np.ndarray) -> Evaluation:
        """Evaluate a checked batch of genomes (n, n_var)."""

    @abstractmethod
    def config(self) -> dict[str, Any]:
        """Everything that defines the problem's evaluations (hashed into the fingerprint)."""

    def _evaluate_cheap(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"problem {self.name!r} has no cheap objectives")

    def true_front(self) -> np.ndarray | None:
        """The known Pareto front in natural units, or None where it is unknown."""
        return None

    def test_scores(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Scores of final-front genomes on held-out test data (columns added to front.csv)."""
        return {}

    def describe_genomes(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Columns that say what genomes are, for people reading a front (the end-of-run
        summary, the front explorer): e.g. a pruning problem's share of channels kept."""
        return {}

    def reference_solution(self) -> dict[str, Any] | None:
        """What the front is compared with at the end of a run: e.g. a pruning problem's
        unpruned network, as {column: value} in the front's columns; None where there is none."""
        return None

    def retain(self, front_X: np.ndarray) -> None:
        """The evaluator's running front is now `front_X` (empty when the evaluator starts, then
        after each commit). A problem may keep what re-scoring these genomes on test data needs
        (a pruning problem: their fine-tuned networks) and drop what it kept for genomes that
        left the front. A problem nobody calls this on (an evaluation worker's) keeps nothing."""
        return None

    # -- derived, shared by every problem ----------------------------------------------------
    @property
    def space(self) -> ObjectiveSpace:
        """Signs, frozen bounds, reference point and hypervolume of this problem's objectives."""
        return ObjectiveSpace(
            self.objectives,
            self.ideal,
            self.nadir,
            self.ref_point_normalised,
            full_nadir=self.full_nadir,
            roi=self.roi,
        )

    @property
    def n_obj(self) -> int:
        return len(self.objectives)

    @property
    def objective_names(self) -> list[str]:
        return [o.name for o in self.objectives]

    @property
    def n_con(self) -> int:
        return len(self.constraints)

    @property
    def constraint_names(self) -> list[str]:
        """The constraints' column names in the run record (`g_<name>`)."""
        return [f"g_{c.name}" for c in self.constraints]

    @property
    def cheap_mask(self) -> np.ndarray:
        return np.array([o.cheap for o in self.objectives], dtype=bool)

    def fingerprint(self) -> str:
        cls = type(self)
        return stable_hash(
            {
                "class": f"{cls.__module__}.{cls.__qualname__}",
                "revision": self.revision,
                "config": self.config(),
            }
        )

    def to_min(self, F: np.ndarray) -> np.ndarray:
        """Objectives in minimisation form (maximised ones negated)."""
        return self.space.to_min(F)

    def normalise(self, F_min: np.ndarray) -> np.ndarray:
        """Minimisation-form objectives scaled so that ideal -> 0 and nadir -> 1."""
        return self.space.normalise(F_min)

    @property
    def ref_point(self) -> np.ndarray:
        return self.space.ref_point

    def check_genome(self, X: Any) -> np.ndarray:
        """Return X as a 2-D array of the right dtype, or raise GenomeError saying what is wrong."""
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_var:
            raise GenomeError(
                f"genome has {X.shape[-1] if X.ndim else 0} genes but problem {self.name!r} "
                f"expects {self.n_var}; pass one value per variable"
            )
        if self.var_type == "int":
            if not np.issubdtype(X.dtype, np.integer):
                rounded = np.rint(X)
                if not np.all(rounded == X):
                    raise GenomeError(
                        f"problem {self.name!r} has integer genes but got non-integer values; "
                        "round or repair genomes before evaluating"
                    )
                X = rounded
            X = X.astype(np.int64)
        else:
            X = X.astype(np.float64)
        bad = (X < self.xl) | (X > self.xu)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise GenomeError(
                f"gene x{col} = {X[row, col]} is outside [{self.xl[col]}, {self.xu[col]}] "
                f"for problem {self.name!r}; clip or repair genomes to the bounds"
            )
        return X

    def evaluate(self, X: Any) -> Evaluation:
        X = self.check_genome(X)
        ev = self._evaluate(X)
        ev.F = np.asarray(ev.F, dtype=float).reshape(len(X), self.n_obj)
        bad = ~np.isfinite(ev.F)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise RuntimeError(
                f"problem {self.name!r} returned {ev.F[row, col]} for objective "
                f"{self.objective_names[col]!r} of genome {X[row].tolist()}; "
                "an objective must be a finite number for every genome"
            )
        missing = set(self.extra_names) - set(ev.extras)
        if missing:
            raise RuntimeError(f"problem {self.name!r} did not return extras {sorted(missing)}")
        G = np.zeros((len(X), 0)) if ev.G is None else np.asarray(ev.G, dtype=float)
        if G.shape != (len(X), self.n_con) or not np.isfinite(G).all():
            raise RuntimeError(
                f"problem {self.name!r} returned constraint values of shape {G.shape} for "
                f"{len(X)} genomes and {self.n_con} constraints (or non-finite ones); a "
                "constrained problem returns one finite g per constraint and genome"
            )
        ev.G = G
        return ev

    def evaluate_cheap(self, X: Any) -> np.ndarray:
        """The cheap objectives only (columns where `cheap_mask`), natural units."""
        return np.asarray(self._evaluate_cheap(self.check_genome(X)), dtype=float)

    def describe(self) -> dict[str, Any]:
        """What run.json records about the problem."""
        return {
            "name": self.name,
            "fingerprint": self.fingerprint(),
            "n_var": self.n_var,
            "var_type": self.var_type,
            "xl": self.xl.tolist(),
            "xu": self.xu.tolist(),
            **self.space.describe(),
            "constraints": [asdict(c) for c in self.constraints],
            "extras": list(self.extra_names),
            "has_true_front": self.true_front() is not None,
        }
