"""Gathering run records: every run directory below the given paths, read once.

Reads only the run record (run.json, evaluations.csv, and algorithm.json where the algorithm
recorded telemetry), so old runs can be re-analysed: record versions 1 to 4 are read (see
docs/records.md). A compact record (run.json, front.csv, anytime.csv, no evaluations.csv; made
by `python -m hamp_bench.compact`) reads as the same run: its front stands for its evaluations
and its anytime series answers every hypervolume. Each run's objective space (signs, frozen
bounds, reference point, hypervolume) is rebuilt from its run.json. Runs of one problem must
share fingerprint, normalisation (bounds and reference point) and budget; anything else is
refused with the runs named. Runs that did not complete are kept and listed, never dropped
silently.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from hamp_bench.errors import RecordError
from hamp_bench.objective_space import ObjectiveSpace
from hamp_bench.pareto import nondominated_mask
from hamp_bench.reports.anytime import COLUMNS as ANYTIME_COLUMNS
from hamp_bench.reports.anytime import step_series, value_at
from hamp_bench.reports.telemetry import Telemetry, read_telemetry
from hamp_bench.run_record import EVALUATIONS, FRONT, RUN_JSON

#: a compact record's anytime hypervolume series (reports/anytime.py)
ANYTIME = "anytime.csv"

#: record versions this reader understands; they differ only in what it does not read (the
#: config's layout and algorithm.json, docs/records.md)
READABLE_RECORD_VERSIONS = (1, 2, 3, 4, 5)


def find_runs(*roots: Path) -> list[Path]:
    missing = [str(r) for r in roots if not Path(r).exists()]
    if missing:
        raise RecordError(
            f"{', '.join(missing)} does not exist; pass folders that hold run records"
        )
    runs = sorted({p.parent for root in roots for p in Path(root).rglob(RUN_JSON)})
    if not runs:
        raise RecordError(
            f"no run records (run.json) below {', '.join(map(str, roots))}; "
            "pass the folder of a run or a multirun sweep"
        )
    return runs


def load_run(run_dir: Path) -> dict:
    try:
        meta = json.loads((run_dir / RUN_JSON).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise RecordError(f"{run_dir / RUN_JSON} is unreadable ({e})") from e
    version = meta.get("record_version") if isinstance(meta, dict) else None
    if type(version) is not int or version not in READABLE_RECORD_VERSIONS:
        *head, last = map(str, READABLE_RECORD_VERSIONS)
        readable = f"{', '.join(head)} and {last}" if head else last
        if type(version) is int and version > max(READABLE_RECORD_VERSIONS):
            writer = (meta.get("versions") or {}).get("hamp-bench")
            hint = (
                f"it was written by a newer hamp_bench{f' ({writer})' if writer else ''}: "
                "report on it with that version, or upgrade this one"
            )
        else:
            hint = (
                "it is not a run record this hamp_bench knows: move it out of the folders "
                "you report on"
            )
        raise RecordError(
            f"{run_dir / RUN_JSON} has record_version {version!r}; this hamp_bench "
            f"reads record versions {readable}; {hint}"
        )
    return meta


@dataclass
class Run:
    """One run's record: its metadata, the objective space it was scored in, every evaluation
    (objectives in minimisation form) and its algorithm's telemetry, if any. A compact run
    (`compact`) holds only its front in X and F, and its anytime series (`series`)."""

    run_dir: Path
    meta: dict
    space: ObjectiveSpace  # from run.json's problem section
    X: np.ndarray  # genomes, in evaluation order (a compact run: the front's)
    F: np.ndarray  # objectives (natural units, minimisation form)
    telemetry: Telemetry | None = None  # algorithm.json
    compact: bool = False
    series: pd.DataFrame | None = None  # a compact run's anytime.csv
    #: which rows meet every constraint (None: an unconstrained problem's, all of them)
    feasible: np.ndarray | None = None

    @property
    def any_feasible(self) -> bool:
        return self.feasible is None or bool(self.feasible.any())

    @property
    def problem(self) -> str:
        return self.meta["problem"]["name"]

    @property
    def algorithm(self) -> str:
        return self.meta["algorithm"]

    @property
    def seed(self) -> int:
        return self.meta["seed"]

    @property
    def status(self) -> str:
        return self.meta["status"]

    @property
    def objective_names(self) -> list[str]:
        return self.space.names

    @cached_property
    def front_mask(self) -> np.ndarray:
        """The run's front: its non-dominated feasible rows (none where none is feasible)."""
        ok = np.ones(len(self.F), bool) if self.feasible is None else self.feasible
        mask = np.zeros(len(self.F), bool)
        if ok.any():
            mask[np.flatnonzero(ok)[nondominated_mask(self.F[ok])]] = True
        return mask

    @cached_property
    def anytime(self) -> pd.DataFrame:
        """The exact step series of the hypervolume after k evaluations (reports/anytime.py):
        a compact run's anytime.csv, or computed from the evaluations."""
        return self.series if self.compact else step_series(self.space, self.F, self.feasible)

    @property
    def n_evaluations(self) -> int:
        """Evaluations the run made (those its record holds)."""
        ev = self.anytime["evaluations"]
        return int(ev.iloc[-1]) if len(ev) else 0

    def hypervolume(self, k: int | None = None, full_range: bool = False) -> float:
        """Normalised hypervolume of the non-dominated set of the first k evaluations (all):
        inside the region of interest, or over the full range (`full_range`; the same where
        the run has no region). Inside the region, looked up in the anytime series, which holds
        these exact values (tests/test_compact.py checks them against a direct computation);
        over the full range, computed from the front (the final one: a compact run keeps no
        earlier one)."""
        if not full_range:
            return value_at(self.anytime, self.n_evaluations if k is None else k)
        full = self.space.full_range()
        if k is None or k >= self.n_evaluations:
            return full.hypervolume(self.F[self.front_mask])
        if self.compact:
            raise RecordError(
                f"{self.run_dir} is a compact record: its full-range hypervolume is known only "
                "at the end; regenerate its evaluations.csv for earlier ones"
            )
        ok = slice(None) if self.feasible is None else self.feasible[:k]
        return full.hypervolume(full.front(self.F[:k][ok]))


def true_hypervolume(run: Run) -> float:
    """Hypervolume of a surrogate run's final front re-scored truly (front.csv `true_error`, from
    `rescore=true`), in the run's own space: the true front of those genomes. NaN without it."""
    path = run.run_dir / "front.csv"
    if "error" not in run.space.names or not path.is_file():
        return float("nan")
    with path.open() as fh:  # most fronts have no true scores: read the header first
        if "true_error" not in fh.readline().rstrip("\n").split(","):
            return float("nan")
    front = pd.read_csv(path)
    F = front[run.space.names].to_numpy(float)
    F[:, run.space.names.index("error")] = front["true_error"].to_numpy(float)
    return run.space.hypervolume(run.space.front(run.space.to_min(F)))


def read_run(run_dir: Path) -> Run:
    meta = load_run(run_dir)
    try:
        space = ObjectiveSpace.from_record(meta["problem"])
    except (KeyError, TypeError, ValueError) as e:
        raise RecordError(
            f"{run_dir / RUN_JSON}: its problem section does not describe the "
            f"objectives, bounds and reference point ({type(e).__name__}: {e}); "
            "the record is corrupt"
        ) from None
    telemetry = read_telemetry(run_dir)
    if not (run_dir / EVALUATIONS).exists() and (run_dir / ANYTIME).exists():
        return _read_compact(run_dir, meta, space, telemetry)
    X, F, feasible = read_points(run_dir / EVALUATIONS, meta, space)
    used = meta.get("budget_used")
    if meta["status"] == "completed" and used is not None and used != len(F):
        raise RecordError(
            f"{run_dir / EVALUATIONS} has {len(F)} evaluations but run.json says {used} were "
            "made; the file is truncated"
        )
    return Run(run_dir, meta, space, X, F, telemetry, feasible=feasible)


def read_points(
    path: Path, meta: dict, space: ObjectiveSpace
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Genomes, objectives (minimisation form) and, for a constrained problem, which rows are
    feasible (evaluations.csv: every `g_<name>` <= 0; a compact front.csv: its `feasible`
    column), of evaluations.csv or front.csv, checked."""
    names = space.names
    genes = [f"x{i}" for i in range(int(meta["problem"]["n_var"]))]
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RecordError(f"{path} is missing; the run record is incomplete") from None
    # a run killed while appending may leave its last line cut short: not an evaluation
    complete = raw[: raw.rfind(b"\n") + 1] if not raw.endswith(b"\n") else raw
    try:  # only an empty field is missing; a written "nan" is a value the problem returned
        df = pd.read_csv(io.BytesIO(complete), keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise RecordError(
            f"{path} cannot be read ({e}); it is truncated or corrupt: re-run it "
            "or move the run out of the folders you report on"
        ) from None
    absent = [c for c in genes + names if c not in df.columns]
    if absent:
        raise RecordError(f"{path} lacks columns {absent}; it does not match its run.json")
    block = df[genes + names]
    empty = block.isna().to_numpy()
    if empty.any():
        row = int(np.flatnonzero(empty.any(axis=1))[0])
        raise RecordError(
            f"{path} is truncated: row {row + 2} has empty fields; re-run it or move "
            "the run out of the folders you report on"
        )
    try:
        values = block.to_numpy(dtype=float)
    except (ValueError, TypeError) as e:
        raise RecordError(
            f"{path} holds a value that is not a number ({e}); the file is "
            "corrupt: re-run it or move the run out of the folders you report on"
        ) from None
    X, F = values[:, : len(genes)], values[:, len(genes) :]
    bad = ~np.isfinite(F)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise RecordError(
            f"{path} row {row + 2} (eval_id {df['eval_id'].iloc[row]}): objective "
            f"{names[col]!r} is {F[row, col]}, a value the problem "
            "returned, which no indicator can rank; fix the problem's evaluation and "
            "re-run, or move the run out of the folders you report on"
        )
    return X, space.to_min(F), _feasibility(df, meta, path)


def _feasibility(df: pd.DataFrame, meta: dict, path: Path) -> np.ndarray | None:
    constraints = [f"g_{c['name']}" for c in meta["problem"].get("constraints") or []]
    if not constraints:
        return None
    if "feasible" in df.columns:  # front.csv
        return df["feasible"].astype(str).str.lower().eq("true").to_numpy()
    absent = [c for c in constraints if c not in df.columns]
    if absent:
        raise RecordError(f"{path} lacks constraint columns {absent}; it does not match run.json")
    return (df[constraints].to_numpy(float) <= 0).all(axis=1)


def _read_compact(run_dir: Path, meta: dict, space: ObjectiveSpace, telemetry) -> Run:
    """A compact record: the front (front.csv) and the anytime series (anytime.csv)."""
    path = run_dir / ANYTIME
    fix = "compact the run again from its full record (docs/records.md, Compact records)"
    if not (run_dir / FRONT).is_file():
        raise RecordError(f"{run_dir / FRONT} is missing from a compact record; {fix}")
    X, F, feasible = read_points(run_dir / FRONT, meta, space)
    try:  # Python's float(): exact for the shortest repr the series was written in
        header, *lines = path.read_text().splitlines()
        series = pd.DataFrame(
            [[float(v) for v in line.split(",")] for line in lines],
            columns=header.split(","),
        ).astype(float)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise RecordError(f"{path} cannot be read ({e}); {fix}") from None
    ev = series.get("evaluations")
    if (
        list(series.columns) != ANYTIME_COLUMNS
        or not np.isfinite(series.to_numpy(float)).all()
        or (ev != ev.round()).any()
        or (len(series) and (ev.iloc[0] != 1 or (ev.diff().iloc[1:] <= 0).any()))
    ):
        raise RecordError(
            f"{path} is not an anytime series (columns {', '.join(ANYTIME_COLUMNS)}, "
            f"evaluations rising from 1, finite values); {fix}"
        )
    series = series.astype({"evaluations": int})
    used = meta.get("budget_used")
    made = int(ev.iloc[-1]) if len(series) else 0
    if meta["status"] == "completed" and used is not None and used != made:
        raise RecordError(
            f"{path} ends at {made} evaluations but run.json says {used} were made; {fix}"
        )
    return Run(
        run_dir, meta, space, X, F, telemetry, compact=True, series=series, feasible=feasible
    )


def read_runs(*roots: Path, roi: float | None = None) -> list[Run]:
    """The runs below `roots`; with `roi`, each re-scored inside error <= its base model's
    validation error + `roi` (see `rescore_in_roi`)."""
    runs = [read_run(d) for d in find_runs(*roots)]
    if roi is not None:
        runs = [rescore_in_roi(r, roi) for r in runs]
    check_mergeable(runs)
    check_one_budget(runs)
    return runs


def rescore_in_roi(run: Run, margin: float) -> Run:
    """The run scored in a region of interest it was not run with: error up to the base
    model's validation error (from run.json) + `margin`, over the record's full range. For
    records made before regions existed, or to look at another margin. Only the indicators
    change: the algorithm ran against the record's own bounds."""
    p = run.meta["problem"]
    if run.compact:
        raise RecordError(
            f"{run.run_dir} is a compact record: its anytime series was scored in the "
            "record's own region, so --roi cannot rescore it; leave out --roi, or report on "
            "the full records (docs/records.md, Compact records, says how to regenerate them)"
        )
    if not np.isfinite(margin) or margin <= 0:
        raise RecordError(f"--roi must be a positive number, got {margin}")
    names = run.space.names
    if "error" not in names:
        raise RecordError(f"{run.run_dir}: no `error` objective, so --roi cannot apply to it")
    base = (p.get("base_model") or {}).get("val_error")
    if base is None:
        raise RecordError(
            f"{run.run_dir / RUN_JSON} records no base model validation error; --roi applies "
            "to pruning problems only"
        )
    if (p.get("fidelity") or {}).get("val_size") is not None:
        raise RecordError(
            f"{run.run_dir / RUN_JSON}: candidates were scored on "
            f"{p['fidelity']['val_size']} validation images, but the base model's error is "
            "recorded on all of them; re-run with problem.roi.max_error_increase instead of --roi"
        )
    col = names.index("error")
    full = run.space.full_nadir.copy()
    nadir = full.copy()
    nadir[col] = min(base + margin, full[col])
    roi = {
        "objective": "error",
        "max_error_increase": margin,
        "base_error": base,
        "error_nadir": float(nadir[col]),
        "applied_by": "report --roi",
    }
    space = ObjectiveSpace(
        run.space.objectives, run.space.ideal, nadir, run.space.ref_point, full_nadir=full, roi=roi
    )
    described = space.describe()
    meta = {
        **run.meta,
        "problem": {**p, **{k: described[k] for k in ("nadir", "full_nadir", "roi")}},
    }
    return Run(run.run_dir, meta, space, run.X, run.F, run.telemetry, feasible=run.feasible)


def check_mergeable(runs: list[Run]) -> None:
    """Runs of one problem must share fingerprint, bounds and reference point."""
    by_problem: dict[str, Run] = {}
    for run in runs:
        first = by_problem.setdefault(run.problem, run)
        a, b = first.meta["problem"], run.meta["problem"]
        if a["fingerprint"] != b["fingerprint"]:
            raise RecordError(
                f"runs of problem {run.problem!r} have different fingerprints (different data, "
                f"network, fidelity or hardware): {first.run_dir} and {run.run_dir}; compare "
                "them separately"
            )
        for key in ("ideal", "nadir", "full_nadir", "ref_point_normalised"):
            if a.get(key) != b.get(key):
                raise RecordError(
                    f"runs of problem {run.problem!r} were normalised differently ({key} "
                    f"{a.get(key)} in {first.run_dir}, {b.get(key)} in {run.run_dir}); their "
                    "hypervolumes "
                    "are not comparable: report them separately"
                )


def check_one_budget(runs: list[Run]) -> None:
    """A report compares runs of one budget per problem: evaluations to target and anytime
    curves of a 500- and a 2,000-evaluation run are not one sample."""
    budgets: dict[str, set] = {}
    for run in runs:
        budgets.setdefault(run.problem, set()).add(run.meta.get("budget"))
    for problem, found in sorted(budgets.items()):
        if len(found) > 1:
            listed = ", ".join(sorted(map(str, found)))
            raise RecordError(
                f"runs of problem {problem!r} have different budgets ({listed}); report each "
                "budget's records separately (one report per budget)"
            )


def runs_table(runs: list[Run]) -> pd.DataFrame:
    """One row per run: problem, algorithm, seed, status, budget, evaluations, final HV; and,
    where some problem has constraints, whether the run found a feasible point (`feasible`)."""
    table = pd.DataFrame(
        [
            {
                "problem": r.problem,
                "algorithm": r.algorithm,
                "seed": r.seed,
                "status": r.status,
                "budget": r.meta.get("budget"),
                "budget_used": r.meta.get("budget_used"),
                "evaluations": r.n_evaluations,
                "fingerprint": r.meta["problem"]["fingerprint"],
                "hv": r.hypervolume(),
                "hv_full": r.hypervolume(full_range=True),
                "surrogate": bool(r.meta["problem"].get("surrogate", False)),
                "hv_true": true_hypervolume(r),
                "run_dir": str(r.run_dir),
            }
            for r in runs
        ]
    )
    if any(r.feasible is not None for r in runs):
        table.insert(table.columns.get_loc("hv"), "feasible", [r.any_feasible for r in runs])
    return table
