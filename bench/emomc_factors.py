"""EMOMC's headline figure, measured on our runs: by how much does a run's front cut the energy
(or size) of the uncompressed fp32 network while losing at most one point of test accuracy?
For each completed EMOMC run under DIR: among its final front's feasible members whose test
error is at most the base model's + `--max-loss`, the cheapest; the factor is the fp32
network's cost (energy: every weight kept at 32 bits; size: 32 bits a weight, stored dense) over
that member's. A run with no such member scores 1.0 (only the uncompressed network meets the
limit). Printed per run and, per algorithm, the median, range and count of such members.

    python bench/emomc_factors.py multirun/emomc_pilot [--max-loss 0.01]

The problem is rebuilt once from the first record's config (its base model and checkpoints
from the model cache) for the fp32 reference cost and the base model's test error."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from hamp_bench.cli.configs import register_configs
from hamp_bench.components import build


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="a folder holding EMOMC run records")
    ap.add_argument("--max-loss", type=float, default=0.01, help="test error allowed above base")
    args = ap.parse_args()
    logging.disable(logging.INFO)
    runs = sorted(p.parent for p in args.root.rglob("run.json"))
    records = [json.loads((r / "run.json").read_text()) for r in runs]
    done = [(r, m) for r, m in zip(runs, records) if m["status"] == "completed"]
    if not done:
        raise SystemExit(f"no completed run records under {args.root}")
    register_configs()
    problem = build(OmegaConf.create(done[0][1]["config"]["problem"]), "problem", progress=False)
    cost = problem.objective_names[1]
    fp32 = problem.reference_solution()[cost]
    limit = problem.base_meta["test_error"] + args.max_loss
    print(
        f"{problem.name}: fp32 {cost} {fp32:.4g} ({problem.objectives[1].unit}); base test "
        f"error {problem.base_meta['test_error']:.4f}, limit {limit:.4f}"
    )
    rows = []
    for run, meta in done:
        front = pd.read_csv(run / "front.csv")
        if "feasible" in front.columns:
            front = front[front.feasible]
        ok = front[front.test_error <= limit]
        best = ok.loc[ok[cost].idxmin()] if len(ok) else None
        factor = fp32 / best[cost] if best is not None else 1.0
        rows.append({"algorithm": meta["algorithm"], "seed": meta["seed"],
                     "factor": factor, "eval_id": None if best is None else int(best.eval_id),
                     "test_error": np.nan if best is None else best.test_error})  # fmt: skip
    table = pd.DataFrame(rows).sort_values(["algorithm", "seed"])
    print(table.to_string(index=False))
    print("factor per algorithm: median [min, max] (runs with a member within the limit / runs)")
    for alg, g in table.groupby("algorithm"):
        print(
            f"  {alg:10s} {g.factor.median():6.2f}x [{g.factor.min():.2f}, {g.factor.max():.2f}]"
            f"  ({g.eval_id.notna().sum()}/{len(g)})"
        )


if __name__ == "__main__":
    main()
