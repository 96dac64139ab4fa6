"""Where a study's time goes: per algorithm, its runs' wall time (run.json `wall_s`) split into the
problem's evaluations (the sum of evaluations.csv `wall_s`: for a surrogate problem, the model
and the cheap objectives) and the algorithm's own work (the rest: variation, selection, its
surrogates, the record); beside the sweep's wall-clock time where given.

    python bench/study_time.py multirun/flagship/b2000 [--sweep-wall-s 2400] [--workers 2]

Reads full records (evaluations.csv); prints a markdown table, sorted by total time."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", type=Path)
    ap.add_argument("--sweep-wall-s", type=float, default=None, help="the sweep's wall time")
    ap.add_argument("--workers", type=int, default=2, help="parallel jobs of the sweep")
    args = ap.parse_args()
    runs: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for meta_path in sorted(args.sweep.rglob("run.json")):
        meta = json.loads(meta_path.read_text())
        ev = pd.read_csv(meta_path.parent / "evaluations.csv", usecols=["wall_s"])
        r = runs[meta["algorithm"]]
        r[0] += 1
        r[1] += meta["wall_s"]
        r[2] += float(ev.wall_s.sum())
    total = sum(r[1] for r in runs.values())
    print(
        "| algorithm | runs | wall_s total | per run | evaluations | algorithm's own "
        "| share of all |"
    )
    print("|---|---|---|---|---|---|---|")
    for alg, (n, wall, evals) in sorted(runs.items(), key=lambda kv: -kv[1][1]):
        print(
            f"| {alg} | {n} | {wall:.0f} s | {wall / n:.2f} s | {100 * evals / wall:.0f}% | "
            f"{100 * (wall - evals) / wall:.0f}% | {100 * wall / total:.1f}% |"
        )
    print(f"| all | {sum(r[0] for r in runs.values())} | {total:.0f} s | | | | 100% |")
    if args.sweep_wall_s:
        inside = total / args.workers
        print(
            f"\nsweep wall time {args.sweep_wall_s:.0f} s with {args.workers} workers; the runs "
            f"account for {inside:.0f} s of it ({100 * inside / args.sweep_wall_s:.0f}%), the "
            f"rest is Hydra's composing and launching of the jobs and their records' start-up"
        )


if __name__ == "__main__":
    main()
