"""Evaluations to a target, COCO-style: per problem a target hypervolume (the median final `hv`
of a target algorithm's completed runs, or read from another report's targets.csv), per run the
first evaluation count at which its hypervolume reaches it (`hit`, from the exact anytime
series), and per problem and algorithm the success rate and the expected running time
ERT = (evaluations of the successful runs up to their hit + all evaluations of the others)
/ successes (infinite without a success; Hansen et al., COCO's performance assessment).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hamp_bench.errors import ConfigError, RecordError
from hamp_bench.reports.anytime import first_reaching
from hamp_bench.reports.gather import Run

TARGET_COLUMNS = ["problem", "algorithm", "budget", "runs", "target"]


def targets_from_runs(table: pd.DataFrame, algorithm: str, named: bool) -> pd.DataFrame:
    """Per problem, the median final `hv` of `algorithm`'s completed runs (columns
    `TARGET_COLUMNS`; problems without such runs have none). `named`: the user chose the
    algorithm (--target), so one that has no runs at all is a mistake."""
    if named and algorithm not in set(table.algorithm):
        raise ConfigError(
            f"--target {algorithm}: no runs of {algorithm!r} among the records (algorithms: "
            f"{', '.join(sorted(set(table.algorithm)))}); name one of them"
        )
    done = table[(table.status == "completed") & (table.algorithm == algorithm)]
    rows = [
        {
            "problem": problem,
            "algorithm": algorithm,
            "budget": g.budget.iloc[0],
            "runs": len(g),
            "target": float(np.median(g.hv.to_numpy(float))),
        }
        for problem, g in done.groupby("problem", sort=True)
    ]
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def read_targets(path: Path, problems: list[str]) -> pd.DataFrame:
    """The targets of `problems` from a report's targets.csv (exact: shortest repr floats)."""
    try:  # Python's float(): exact for the shortest repr the targets were written in
        t = pd.read_csv(path, dtype=str, keep_default_na=False)
        t["target"] = t["target"].map(float)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise ConfigError(
            f"--targets {path} cannot be read ({e}); pass a report's targets.csv"
        ) from None
    except (KeyError, ValueError):
        t = pd.DataFrame()  # refused below
    if list(t.columns) != TARGET_COLUMNS:
        raise ConfigError(
            f"--targets {path} is not a report's targets.csv (columns "
            f"{', '.join(TARGET_COLUMNS)}); pass the targets.csv another report wrote"
        )
    twice = sorted(set(t.problem[t.problem.duplicated()]))
    missing = [p for p in problems if p not in set(t.problem)]
    if twice:
        raise ConfigError(f"--targets {path} names problem(s) {', '.join(twice)} twice")
    if missing:
        raise RecordError(
            f"--targets {path} has no target for problem(s) {', '.join(missing)}; pass the "
            "targets.csv of a report on these problems, or leave out --targets"
        )
    return t[t.problem.isin(problems)].sort_values("problem").reset_index(drop=True)


def hits(runs: list[Run], targets: pd.DataFrame) -> np.ndarray:
    """Per run (in order), the first evaluation count reaching its problem's target; NaN if it
    never does or its problem has no target."""
    target = dict(zip(targets.problem, targets.target))
    return np.array([first_reaching(r.anytime, target.get(r.problem, np.nan)) for r in runs])


def ert_table(table: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Per problem with a target and algorithm (completed runs, `table` with `hit` and
    `evaluations`): target, hits, success_rate, ert and ert_ratio (to the ERT of the problem's
    target algorithm; NaN where that is infinite or absent)."""
    done = table[(table.status == "completed") & table.problem.isin(targets.problem)]
    target = dict(zip(targets.problem, targets.target))
    rows = []
    for (problem, alg), g in done.groupby(["problem", "algorithm"], sort=True):
        hit = g.hit.to_numpy(float)
        ok = ~np.isnan(hit)
        spent = np.where(ok, hit, g.evaluations.to_numpy(float)).sum()
        rows.append(
            {
                "problem": problem,
                "algorithm": alg,
                "target": target[problem],
                "hits": int(ok.sum()),
                "success_rate": ok.mean(),
                "ert": spent / ok.sum() if ok.any() else np.inf,
            }
        )
    cols = ["problem", "algorithm", "target", "hits", "success_rate", "ert", "ert_ratio"]
    e = pd.DataFrame(rows, columns=cols[:-1])
    by = dict(zip(targets.problem, targets.algorithm))
    base = {(p, a): v for p, a, v in zip(e.problem, e.algorithm, e.ert)}
    denom = np.array([base.get((p, by[p]), np.nan) for p in e.problem], float)
    e["ert_ratio"] = e.ert.to_numpy(float) / np.where(np.isinf(denom), np.nan, denom)
    return e[cols]


def ecdf(hit: np.ndarray, budget: int) -> tuple[np.ndarray, np.ndarray]:
    """Steps of the fraction of runs that reached the target within k evaluations, k from 1 to
    `budget`: x (evaluation counts) and y (fractions), for a steps-post plot."""
    hit = np.asarray(hit, float)
    reached = np.sort(hit[~np.isnan(hit)])
    x = np.r_[1.0, reached, float(budget)]
    y = np.r_[0.0, np.arange(1, len(reached) + 1), len(reached)] / max(len(hit), 1)
    return x, y
