"""Choosing solutions from a run's front: by evaluation id, the knee, a preference (limits on
some columns, one column minimised) or all of them. Shared by `python -m hamp_bench.export` and
the front explorer, which shows the export command of a selected point.

The knee (our rule, documented in docs/export.md): among the front members inside the region of
interest (all of them where none is), the one closest to the ideal point in Euclidean distance
after normalising each objective with the run's frozen bounds (ideal -> 0, nadir -> 1): the
best compromise when every objective counts alike over its range.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hamp_bench.errors import ConfigError
from hamp_bench.objective_space import ObjectiveSpace

KINDS = ("eval_id", "knee", "prefer", "all")


@dataclass
class Pick:
    kind: str
    eval_id: int | None = None
    limits: dict[str, float] = field(default_factory=dict)  # column -> largest value allowed
    minimise: str | None = None

    def describe(self) -> str:
        if self.kind == "eval_id":
            return f"eval_id={self.eval_id}"
        if self.kind == "prefer":
            return " ".join([*(f"max_{c}={v:g}" for c, v in self.limits.items()),
                             f"minimise={self.minimise}"])  # fmt: skip
        return self.kind


def _column(token: str, columns: list[str], what: str) -> str:
    """A column named exactly, or the one column whose name starts with `token` (latency ->
    latency_ms)."""
    if token in columns:
        return token
    found = [c for c in columns if c.startswith(token)]
    if len(found) != 1:
        raise ConfigError(
            f"--pick {what}: no single column named {token!r}; choose one of {columns}"
        )
    return found[0]


def parse_pick(tokens: list[str], columns: list[str]) -> Pick:
    """`eval_id=N`, `knee`, `all`, or `max_<column>=<value> ... minimise=<column>`, where a
    column is one of the front's numeric columns (objectives, test scores, params, macs)."""
    if tokens in (["knee"], ["all"]):
        return Pick(tokens[0])
    if len(tokens) == 1 and tokens[0].startswith("eval_id="):
        value = tokens[0].split("=", 1)[1]
        if not value.strip().lstrip("-").isdigit():
            raise ConfigError(f"--pick eval_id={value}: give an evaluation id, e.g. eval_id=42")
        return Pick("eval_id", eval_id=int(value))
    limits, minimise = {}, None
    for t in tokens:
        key, sep, value = t.partition("=")
        if not sep:
            raise ConfigError(
                f"--pick {t!r} is not understood; use eval_id=N, knee, all, or a preference "
                "such as max_error=0.05 minimise=latency"
            )
        if key in ("minimise", "minimize"):
            minimise = _column(value, columns, t)
        elif key.startswith("max_"):
            try:
                limits[_column(key[4:], columns, t)] = float(value)
            except ValueError:
                raise ConfigError(f"--pick {t}: {value!r} is not a number") from None
        else:
            raise ConfigError(
                f"--pick {t!r}: a preference takes max_<column>=<value> and minimise=<column>"
            )
    if minimise is None:
        raise ConfigError(
            f"--pick {' '.join(tokens)}: a preference needs minimise=<column> (one of {columns})"
        )
    return Pick("prefer", limits=limits, minimise=minimise)


def knee(front: pd.DataFrame, space: ObjectiveSpace) -> int:
    """Row position of the knee (module docstring)."""
    F = space.to_min(front[space.names].to_numpy(float))
    inside = space.in_roi(F)
    scale = space if inside.any() else space.full_range()
    N = scale.normalise(F)
    d = np.linalg.norm(N, axis=1)
    if inside.any():
        d[~inside] = np.inf
    return int(np.argmin(d))


def choose(pick: Pick, front: pd.DataFrame, space: ObjectiveSpace,
           evaluations: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """The rows of the front (or, for an eval_id off the front, of the record's evaluations)
    that `pick` selects; a ConfigError saying why where none does."""
    if pick.kind == "all":
        return front
    if pick.kind == "knee":
        return front.iloc[[knee(front, space)]]
    if pick.kind == "eval_id":
        for rows in (front, evaluations):
            if rows is not None and (rows.eval_id == pick.eval_id).any():
                return rows[rows.eval_id == pick.eval_id].iloc[:1]
        known = evaluations if evaluations is not None else front
        ids = sorted(front.eval_id.astype(int).tolist())
        shown = ", ".join(map(str, ids[:20])) + (
            f", ... ({len(ids)} in all)" if len(ids) > 20 else ""
        )
        raise ConfigError(
            f"--pick eval_id={pick.eval_id}: no such evaluation in the record (its eval_ids run "
            f"from {int(known.eval_id.min())} to {int(known.eval_id.max())}; the front's are "
            f"{shown})"
        )
    ok = np.ones(len(front), bool)
    for col, limit in pick.limits.items():
        ok &= front[col].to_numpy(float) <= limit
    if not ok.any():
        excess = sum(
            np.maximum(0, front[c].to_numpy(float) - v) / max(abs(v), 1e-12)
            for c, v in pick.limits.items()
        )
        closest = front.iloc[np.argsort(excess, kind="stable")[:3]]
        shown = [c for c in ["eval_id", *pick.limits, pick.minimise] if c in front.columns]
        raise ConfigError(
            f"--pick {pick.describe()}: no front member meets it; the closest are:\n"
            + closest[list(dict.fromkeys(shown))].to_string(index=False)
        )
    meeting = front[ok]
    return meeting.iloc[[int(np.argmin(meeting[pick.minimise].to_numpy(float)))]]
