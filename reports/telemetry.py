"""Reading an algorithm's telemetry (algorithm.json, record version 2; docs/records.md), and the
summaries the report draws from it: how often each operator was chosen, overall and generation
by generation, and a local search's hit rate where it records one.

algorithm.json exists only where the algorithm recorded something; a run without it (every
record of version 1) has no telemetry, which is not an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from hamp_bench.errors import RecordError
from hamp_bench.telemetry import ALGORITHM_JSON

if TYPE_CHECKING:
    from hamp_bench.reports.gather import Run

#: a generation whose row names no operator
NO_OPERATOR = "(none)"


@dataclass
class Telemetry:
    """`values`: named single values (e.g. totals); `series`: one table per named series, one
    row per logged entry (e.g. one per generation), columns the logged fields."""

    values: dict[str, Any] = field(default_factory=dict)
    series: dict[str, pd.DataFrame] = field(default_factory=dict)


def read_telemetry(run_dir: Path) -> Telemetry | None:
    """The telemetry in `run_dir`/algorithm.json, or None where the algorithm recorded none."""
    path = Path(run_dir) / ALGORITHM_JSON
    try:
        content = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RecordError(
            f"{path} is unreadable ({e}); re-run it or move the run out of the "
            "folders you report on"
        ) from None
    values = content.get("values", {}) if isinstance(content, dict) else None
    series = content.get("series", {}) if isinstance(content, dict) else None
    if (
        not isinstance(values, dict)
        or not isinstance(series, dict)
        or not all(
            isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
            for rows in series.values()
        )
    ):
        raise RecordError(
            f'{path} is not an algorithm record: it should hold "values" (an '
            'object) and "series" (an object of lists of rows), see '
            "docs/records.md; re-run it or move the run out of the folders you "
            "report on"
        )
    return Telemetry(dict(values), {name: pd.DataFrame(rows) for name, rows in series.items()})


def operator_shares(runs: list[Run]) -> pd.DataFrame:
    """Share of generations in which each operator was chosen, per problem and algorithm,
    summed over `runs` (those whose telemetry has a "generation" series with an "operator"
    field; a row without an operator counts as "(none)"). Columns: problem, algorithm, runs,
    generations, then one per operator (sorted); empty where no run has such a series."""
    d = _choices(runs)
    if d.empty:
        return d
    counts = pd.crosstab([d.problem, d.algorithm], d.operator)
    head = d.groupby(["problem", "algorithm"]).run.nunique().rename("runs").to_frame()
    head["generations"] = counts.sum(axis=1)
    shares = counts.div(head["generations"], axis=0)
    shares.columns = [str(c) for c in shares.columns]
    return head.join(shares).reset_index()


def _choices(runs: list[Run]) -> pd.DataFrame:
    """One row per (run, generation row) of the runs whose telemetry has a "generation" series
    with an "operator" field: problem, algorithm, run, generation (the row's `generation` field,
    else its position), operator."""
    frames = []
    for r in runs:
        gen = r.telemetry.series.get("generation") if r.telemetry is not None else None
        if gen is None or "operator" not in gen.columns:
            continue
        g = gen["generation"] if "generation" in gen.columns else pd.Series(range(len(gen)))
        frames.append(
            pd.DataFrame(
                {
                    "problem": r.problem,
                    "algorithm": r.algorithm,
                    "run": str(r.run_dir),
                    "generation": g.to_numpy(),
                    "operator": [
                        NO_OPERATOR if op is None or op != op else str(op)  # None or NaN
                        for op in gen["operator"]
                    ],
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def operator_usage(runs: list[Run]) -> pd.DataFrame:
    """Per problem, algorithm and generation: how many runs reached it (`runs`) and, per
    operator, the share of them that chose it (columns after `runs`, sorted); empty where no
    run records operator choices."""
    d = _choices(runs)
    if d.empty:
        return d
    keys = ["problem", "algorithm", "generation"]
    counts = pd.crosstab([d.problem, d.algorithm, d.generation], d.operator)
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares.columns = [str(c) for c in shares.columns]
    head = d.groupby(keys).run.nunique().rename("runs").to_frame()
    return head.join(shares).reset_index()


def local_search_hits(runs: list[Run]) -> pd.DataFrame:
    """Per problem and algorithm, over the runs whose "local_search" series has `proposed` and
    `hits` fields: runs, proposed, hits (summed) and hit_rate = hits / proposed. Empty where
    none has them."""
    rows = []
    for r in runs:
        ls = r.telemetry.series.get("local_search") if r.telemetry is not None else None
        if ls is None or not {"proposed", "hits"} <= set(ls.columns):
            continue
        rows.append(
            {
                "problem": r.problem,
                "algorithm": r.algorithm,
                "proposed": pd.to_numeric(ls["proposed"]).sum(),
                "hits": pd.to_numeric(ls["hits"]).sum(),
            }
        )
    if not rows:
        return pd.DataFrame()
    d = pd.DataFrame(rows).groupby(["problem", "algorithm"], sort=True)
    out = d[["proposed", "hits"]].sum()
    out.insert(0, "runs", d.size())
    out["hit_rate"] = out.hits / out.proposed.where(out.proposed > 0)
    return out.reset_index()
