"""`python -m hamp_bench.reports.compare DIR... [--reference hamp]`: final hypervolume per
problem and algorithm (median, IQR) and a two-sided Wilcoxon rank-sum (Mann-Whitney U) test
of each algorithm against the reference, with the Vargha-Delaney A12 effect size."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from scipy.stats import mannwhitneyu

from hamp_bench.errors import UserError
from hamp_bench.reports.gather import gather


def a12(x, y) -> float:
    """Probability that a draw from x beats one from y (ties count half)."""
    wins = sum((xi > yi) + 0.5 * (xi == yi) for xi in x for yi in y)
    return wins / (len(x) * len(y))


def compare(table: pd.DataFrame, reference: str) -> pd.DataFrame:
    rows = []
    done = table[table["status"] == "completed"]
    for (problem, alg), g in done.groupby(["problem", "algorithm"]):
        ref = done[(done["problem"] == problem) & (done["algorithm"] == reference)]["hv"]
        row = {"problem": problem, "algorithm": alg, "runs": len(g),
               "median_hv": g["hv"].median(), "q1": g["hv"].quantile(0.25),
               "q3": g["hv"].quantile(0.75), "p_vs_reference": None, "a12_vs_reference": None}
        if alg != reference and len(ref) >= 2 and len(g) >= 2:
            row["p_vs_reference"] = mannwhitneyu(ref, g["hv"], alternative="two-sided").pvalue
            row["a12_vs_reference"] = a12(list(ref), list(g["hv"]))
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--reference", default="hamp")
    args = ap.parse_args(argv)
    try:
        table = gather(*args.dirs)
    except UserError as e:
        print(f"hamp_bench.reports.compare: error: {e}", file=sys.stderr)
        sys.exit(2)
    bad = table[table["status"] != "completed"]
    if len(bad):
        print(f"not completed ({len(bad)}): " + ", ".join(bad["run_dir"]))
    with pd.option_context("display.width", 120, "display.float_format", "{:.4f}".format):
        print(compare(table, args.reference).to_string(index=False))


if __name__ == "__main__":
    main()
