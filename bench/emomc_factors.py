"""EMOMC's headline figure, measured on our runs: by how much does a run's front cut the energy
(or size) of the uncompressed fp32 network while losing at most one point of test accuracy?
For each completed EMOMC run under DIR: among its final front's feasible members whose test
error is at most the base model's + `--max-loss`, the cheapest; the factor is the uncompressed
network's cost (problems/emomc/costs.py `uncompressed_cost`: every weight kept at 32 bits; size
stored dense) over that member's. A run with no such member scores 1.0 (only the uncompressed
network meets the limit). Printed per run and, per algorithm, the median, range and count of
runs with such a member, and the two-sided rank-sum p-value against `--reference`'s factors,
Holm-adjusted over the other algorithms (the report's own statistics, reports/stats.py), with
A12 (the chance that the algorithm's factor is the larger); `--csv` writes the per-run table.

    python bench/emomc_factors.py multirun/emomc_study [--max-loss 0.01] [--reference emomc]
        [--csv factors.csv]

Everything comes from the records (compact ones too): the network's layer shapes from an
untrained copy built from run.json, the base model's test error from run.json. No training."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import pandas as pd
from scipy.stats import mannwhitneyu

from hamp_bench.problems.emomc.compress import layers_of
from hamp_bench.problems.emomc.costs import uncompressed_cost
from hamp_bench.problems.networks import build_network
from hamp_bench.reports.stats import a12, holm


def reference(problem: dict) -> tuple[str, float, float]:
    """(cost column, the uncompressed network's cost, the base model's test error) of a run."""
    base = problem["base_model"]
    net, data = base["network"], base["dataset"]
    model = build_network(
        net["name"], data["channels"], data["num_classes"], data["image_size"], net["width"]
    )
    layers = layers_of(model, (data["channels"], data["image_size"], data["image_size"]))
    cost = "energy" if problem["emomc"]["mode"] == "energy" else "size_kb"
    return cost, uncompressed_cost(layers, cost, problem["emomc"]["dataflow"]), base["test_error"]


def factors(root: Path, max_loss: float = 0.01) -> tuple[pd.DataFrame, str]:
    """The per-run table under `root` and a one-line description of its reference."""
    runs = sorted(p.parent for p in root.rglob("run.json"))
    records = [json.loads((r / "run.json").read_text()) for r in runs]
    done = [(r, m) for r, m in zip(runs, records) if m["status"] == "completed"]
    if not done:
        raise SystemExit(f"no completed run records under {root}")
    problems = {
        json.dumps([m["problem"]["name"], m["problem"]["emomc"], m["problem"]["base_model"]["key"]])
        for _, m in done
    }  # name, mode and costs, base model: not the platform, which the fingerprint includes
    if len(problems) > 1:
        raise SystemExit(
            f"{root} holds runs of {len(problems)} problems (name, EMOMC settings or base model "
            "differ); give one study's folder"
        )
    cost, fp32, base_test = reference(done[0][1]["problem"])
    limit = base_test + max_loss
    rows = []
    for run, meta in done:
        front = pd.read_csv(run / "front.csv")
        if "feasible" in front.columns:
            front = front[front.feasible]
        ok = front[front.test_error <= limit]
        best = ok.loc[ok[cost].idxmin()] if len(ok) else None
        rows.append({
            "algorithm": meta["algorithm"], "seed": meta["seed"],
            "factor": fp32 / best[cost] if best is not None else 1.0,
            "eval_id": None if best is None else int(best.eval_id),
            cost: fp32 if best is None else best[cost],
            "test_error": base_test if best is None else best.test_error,
        })  # fmt: skip
    table = pd.DataFrame(rows).sort_values(["algorithm", "seed"], ignore_index=True)
    name = done[0][1]["problem"]["name"]
    head = (
        f"{name}: uncompressed fp32 {cost} {fp32:.6g}; base test error {base_test:.4f}, "
        f"limit {limit:.4f}"
    )
    return table, head


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="a folder holding one EMOMC study's run records")
    ap.add_argument("--max-loss", type=float, default=0.01, help="test error allowed above base")
    ap.add_argument("--csv", type=Path, help="write the per-run table here")
    ap.add_argument("--reference", default="emomc", help="algorithm the others are tested against")
    args = ap.parse_args()
    logging.disable(logging.INFO)
    table, head = factors(args.root, args.max_loss)
    tested = list(compare(table, args.reference))  # refuses an unknown reference before output
    print(head)
    print(table.to_string(index=False))
    if args.csv:
        table.to_csv(args.csv, index=False)
    print(
        "factor per algorithm: median [min, max] (runs with a member within the limit / runs); "
        f"rank-sum p against {args.reference} (Holm), A12"
    )
    for alg, g, p, a in tested:
        test = "reference" if p is None else f"p {p:.3g}, A12 {a:.2f}"
        print(
            f"  {alg:10s} {g.factor.median():6.2f}x [{g.factor.min():.2f}, {g.factor.max():.2f}]"
            f"  ({g.eval_id.notna().sum()}/{len(g)})  {test}"
        )


def compare(table: pd.DataFrame, reference: str):
    """(algorithm, its rows, Holm-adjusted rank-sum p against the reference, A12) per
    algorithm; p and A12 are None for the reference itself."""
    groups = dict(list(table.groupby("algorithm")))
    if reference not in groups:
        raise SystemExit(
            f"--reference {reference} has no runs here; choose one of {sorted(groups)}"
        )
    ref = groups[reference].factor
    others = [a for a in groups if a != reference]
    raw = [mannwhitneyu(groups[a].factor, ref, alternative="two-sided").pvalue for a in others]
    adjusted = dict(zip(others, holm(raw)))
    for alg, g in groups.items():
        yield (
            alg,
            g,
            adjusted.get(alg),
            None if alg == reference else a12(g.factor.to_numpy(), ref.to_numpy()),
        )


if __name__ == "__main__":
    main()
