"""Gathering run records into a table, and the final hypervolume of each run.

Reads only the run record (run.json, evaluations.csv), so old runs can be re-analysed. Runs of
one problem must share fingerprint and normalisation; anything else is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hamp_bench.errors import RecordError
from hamp_bench.pareto import nondominated_mask, normalised_hypervolume
from hamp_bench.records import EVALUATIONS, RECORD_VERSION, RUN_JSON


def find_runs(*roots: Path) -> list[Path]:
    runs = sorted({p.parent for root in roots for p in Path(root).rglob(RUN_JSON)})
    if not runs:
        raise RecordError(f"no run records (run.json) below {', '.join(map(str, roots))}")
    return runs


def load_run(run_dir: Path) -> dict:
    try:
        meta = json.loads((run_dir / RUN_JSON).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise RecordError(f"{run_dir / RUN_JSON} is unreadable ({e})") from e
    if meta.get("record_version") != RECORD_VERSION:
        raise RecordError(f"{run_dir / RUN_JSON} has record_version "
                          f"{meta.get('record_version')!r}; this hamp_bench reads {RECORD_VERSION}")
    return meta


def final_hypervolume(run_dir: Path, meta: dict) -> float:
    """Normalised hypervolume of the non-dominated set of all the run's evaluations."""
    prob = meta["problem"]
    names = [o["name"] for o in prob["objectives"]]
    sign = np.array([1.0 if o["direction"] == "min" else -1.0 for o in prob["objectives"]])
    F = pd.read_csv(run_dir / EVALUATIONS, usecols=names)[names].to_numpy(float) * sign
    lo, hi = np.array(prob["ideal"]) * sign, np.array(prob["nadir"]) * sign
    F = F[nondominated_mask(F)] if len(F) else F
    return normalised_hypervolume((F - lo) / (hi - lo), np.array(prob["ref_point_normalised"]))


def gather(*roots: Path) -> pd.DataFrame:
    """One row per run: problem, algorithm, seed, status, budget used, final hypervolume."""
    rows = []
    for run_dir in find_runs(*roots):
        meta = load_run(run_dir)
        prob = meta["problem"]
        rows.append({"problem": prob["name"], "algorithm": meta["algorithm"],
                     "seed": meta["seed"], "status": meta["status"],
                     "budget_used": meta.get("budget_used"), "fingerprint": prob["fingerprint"],
                     "hv": final_hypervolume(run_dir, meta), "run_dir": str(run_dir)})
    table = pd.DataFrame(rows)
    mixed = table.groupby("problem")["fingerprint"].nunique()
    if (mixed > 1).any():
        raise RecordError(f"runs of problem(s) {sorted(mixed[mixed > 1].index)} have different "
                          "fingerprints (different data, network, fidelity or hardware); "
                          "compare them separately")
    return table
