"""What a run found, shown when it ends: a compact table of its front (sorted by the first
objective, error for pruning), the reference solution first (a pruning problem's unpruned
network), at most `MAX_ROWS` rows evenly spread along the front, and what each column's unit
is (a latency says whether it is modelled, recorded or live); and, where asked, `front.png`
in the run folder (reports/figures.py `run_front`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hamp_bench.problem import Problem
from hamp_bench.run_record import FRONT

MAX_ROWS = 15
#: columns a front may carry besides objectives, shown when present, in this order
SCORES = ("test_error", "true_error", "true_test_error")
EXTRAS = ("params", "macs")


def front_table(problem: Problem, front: pd.DataFrame, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """The rows and columns the summary shows: `eval_id`, objectives, scores, extras and the
    problem's genome descriptions; the reference solution first (its eval_id the problem's
    `reference_label`)."""
    names = problem.objective_names
    genes = [f"x{i}" for i in range(problem.n_var)]
    front = front.sort_values(names[0], kind="stable").reset_index(drop=True)
    if len(front) > max_rows:  # evenly spread along the front, both ends kept
        front = front.iloc[np.unique(np.rint(np.linspace(0, len(front) - 1, max_rows)))]
    described = problem.describe_genomes(front[genes].to_numpy()) if len(front) else {}
    cols = [*names, *(c for c in (*SCORES, *EXTRAS) if c in front.columns)]
    table = front[["eval_id", *cols]].copy()
    for name, values in described.items():
        table[name] = values
    ref = problem.reference_solution()
    if ref is not None:
        values = {c: ref.get(c, np.nan) for c in table.columns[1:]}
        row = {"eval_id": problem.reference_label, **values}
        table = pd.concat([pd.DataFrame([row]), table.astype(object)], ignore_index=True)
    return table


def render(problem: Problem, table: pd.DataFrame, front_size: int) -> str:
    """The table as text, with a line per objective saying its unit."""
    shown = table.copy()
    for col in shown.columns[1:]:
        shown[col] = [_fmt(col, v) for v in shown[col]]
    shown_rows = int((table.eval_id != problem.reference_label).sum())
    head = f"front of {front_size}"
    if front_size > shown_rows:
        head += f" (showing {shown_rows}, evenly spread)"
    units = [f"  {o.name}: {o.unit or 'no unit'}" for o in problem.objectives]
    notes = []
    if "kept" in shown.columns:
        notes.append("  kept: share of the prunable channels the network keeps")
    if "params" in shown.columns:
        notes.append("  params, macs: in millions")
    return "\n".join([head + ":", shown.to_string(index=False), *units, *notes])


def _fmt(col: str, v) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "--"
    if col in ("params", "macs"):
        return f"{float(v) / 1e6:.3f}"
    if "error" in col or col == "kept":
        return f"{100 * float(v):.2f}%"
    return f"{float(v):.4g}"


def summarise_run(problem: Problem, run_dir: Path, table: bool, figure: bool) -> str:
    """The text summary of the completed run in `run_dir` (with `table`: the front's table;
    with `figure`: front.png written and named)."""
    front = pd.read_csv(run_dir / FRONT)
    lines = [render(problem, front_table(problem, front), len(front))] if table else []
    if figure and len(front):
        from hamp_bench.reports.figures import run_front

        lines.append(f"front figure: {run_front(problem, front, run_dir / 'front.png')}")
    return "\n".join(lines)
