"""Does a surrogate problem rank algorithms as its true problem does? From one report built
over both problems' records (`python -m hamp_bench.report TRUE_DIR SUR_DIR --out OUT`): the
per-algorithm median hypervolume on each, the Kendall tau between the two rankings, whether the
same algorithm is first, and the two anytime curves side by side (OUT/faithfulness_<surrogate>.png).

    python bench/faithfulness.py OUT --true resnet20_digits --surrogate resnet20_digits_sur2

With k algorithms, Kendall tau moves in steps of 2 / (k (k - 1) / 2): with 5, in steps of 0.2,
so tau >= 0.6 allows at most one discordant pair of the 10 (0.8) or two (0.6).

It also prints each problem's own seed agreement: the Kendall tau between the rankings of two
disjoint halves of its seeds (2,000 random splits). A surrogate cannot be expected to agree with
its true problem better than the true problem agrees with itself across seeds."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import kendalltau


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path, help="the report folder (summary.csv, anytime.csv)")
    ap.add_argument("--true", required=True, help="the true problem's name")
    ap.add_argument("--surrogate", required=True, help="the surrogate problem's name")
    ap.add_argument("--indicator", default="hv", help="hv (region of interest) or hv_full")
    args = ap.parse_args()
    s = pd.read_csv(args.report / "summary.csv")
    col = f"{args.indicator}_median"
    both = (
        s[s.problem.isin([args.true, args.surrogate])]
        .pivot(index="algorithm", columns="problem", values=col)
        .dropna()[[args.true, args.surrogate]]
    )
    runs = s[s.problem.isin([args.true, args.surrogate])].pivot(
        index="algorithm", columns="problem", values="runs"
    )
    tau = kendalltau(both[args.true], both[args.surrogate]).statistic
    first = both.idxmax()
    print(f"median {args.indicator} per algorithm (runs per problem in brackets):")
    for alg, r in both.sort_values(args.true, ascending=False).iterrows():
        n = runs.loc[alg]
        print(
            f"  {alg:12s} true {r[args.true]:.4f} [{n[args.true]:.0f}]   "
            f"surrogate {r[args.surrogate]:.4f} [{n[args.surrogate]:.0f}]"
        )
    print(f"Kendall tau between the rankings: {tau:.3f} ({len(both)} algorithms)")
    print(
        f"first on the true problem: {first[args.true]}; on the surrogate: {first[args.surrogate]}"
    )

    per_run = pd.read_csv(args.report / "runs.csv")
    for problem in (args.true, args.surrogate):
        taus = seed_agreement(per_run[per_run.problem == problem], args.indicator)
        print(
            f"{problem}: tau between two disjoint halves of its seeds, median "
            f"{np.median(taus):.2f}, share >= 0.6: {np.mean(taus >= 0.6):.2f}"
        )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = pd.read_csv(args.report / "anytime.csv")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, problem in zip(axes, (args.true, args.surrogate)):
        mine = curves[curves.problem == problem]
        for alg, g in mine.groupby("algorithm"):
            med = g.groupby("evaluations")["hv"].median()
            ax.plot(med.index, med.values, label=alg)
        ax.set_title(problem)
        ax.set_xlabel("true evaluations" if problem == args.true else "surrogate evaluations")
        ax.set_xscale("log")
    axes[0].set_ylabel("median hypervolume (region of interest)")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.report / f"faithfulness_{args.surrogate}.png", dpi=120)
    print(f"anytime curves side by side: {args.report / f'faithfulness_{args.surrogate}.png'}")


def seed_agreement(runs: pd.DataFrame, indicator: str, splits: int = 2000) -> np.ndarray:
    """Kendall tau between the algorithms' median-indicator rankings on two disjoint halves of
    the seeds, for random splits (a tau that is undefined, all medians tied, counts as 0)."""
    rng = np.random.default_rng(0)
    seeds = np.array(sorted(runs.seed.unique()))
    half = len(seeds) // 2
    taus = []
    for _ in range(splits):
        perm = rng.permutation(seeds)
        a = runs[runs.seed.isin(perm[:half])].groupby("algorithm")[indicator].median()
        b = runs[runs.seed.isin(perm[half : 2 * half])].groupby("algorithm")[indicator].median()
        taus.append(kendalltau(a, b.loc[a.index]).statistic)
    return np.nan_to_num(np.asarray(taus, float))


if __name__ == "__main__":
    main()
