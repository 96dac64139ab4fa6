"""How well does a surrogate predict the genomes that algorithms visit, rather than those of its
own sampling design? A surrogate's held-out scores come from its design's distribution; an
algorithm's trajectory is another one (NAS-Bench-301 trains on optimisers' trajectories for this
reason). This predicts the error of every genome in true runs' records and compares it with the
true error: Kendall tau overall and inside the region of interest, the mean bias inside it, and
the share of genomes inside it, true and predicted.

    python bench/surrogate_shift.py resnet20_digits --source resnet20_digits \\
        reports/examples/faithfulness/records/true/*-seed*

Records of the artifact's source problem only (the same base model and fidelity; the objectives
may be a subset): other records are refused."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from hamp_bench.problems.surrogates.problem import SurrogatePruningProblem


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("artifact", help="a shipped artifact's name or a folder")
    ap.add_argument("--source", required=True, help="the true problem it was built from")
    ap.add_argument("records", nargs="+", type=Path, help="run folders of the true problem")
    args = ap.parse_args()
    p = SurrogatePruningProblem("shift", args.artifact, args.source)
    src = p.manifest["source"]
    want = (src["base_model"]["weights_sha256"], json.dumps(src["fidelity"], sort_keys=True))
    genes = [f"x{i}" for i in range(p.n_var)]
    frames = []
    for run in args.records:
        rec = json.loads((run / "run.json").read_text())["problem"]
        got = (
            rec.get("base_model", {}).get("weights_sha256"),
            json.dumps(rec.get("fidelity"), sort_keys=True),
        )
        if got != want:
            raise SystemExit(
                f"{run} is not a record of {args.source}: its base model or fidelity differ"
            )
        frames.append(pd.read_csv(run / "evaluations.csv"))
    d = pd.concat(frames).drop_duplicates(genes)
    X, true = d[genes].to_numpy(), d["error"].to_numpy()
    pred = p._predict_error(X)[0]
    nadir = p.roi["error_nadir"]
    inside = true <= nadir
    print(f"{args.artifact} on {len(d)} distinct genomes of {len(args.records)} true runs")
    print(f"  Kendall tau overall {kendalltau(true, pred).statistic:.3f}")
    print(f"  inside the region ({inside.sum()} genomes): Kendall tau "
          f"{kendalltau(true[inside], pred[inside]).statistic:.3f}, mean bias "
          f"{np.mean(pred[inside] - true[inside]):+.4f}")  # fmt: skip
    print(
        f"  share inside the region: true {inside.mean():.3f}, "
        f"predicted {(pred <= nadir).mean():.3f}"
    )
    held = p.manifest["held_out"]
    print(f"  (its held-out design rows: tau {held['all']['kendall_tau']:.3f} overall, "
          f"{held['roi']['kendall_tau']:.3f} inside)")  # fmt: skip


if __name__ == "__main__":
    main()
