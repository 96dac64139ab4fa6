"""Statistics of final indicator values (scipy, statsmodels, scikit-posthocs underneath).

Per problem: median and IQR per algorithm; a two-sided Wilcoxon rank-sum (Mann-Whitney U)
test of each algorithm against the reference, Holm-corrected over the algorithms of that
problem; the Vargha-Delaney A12 effect size. Markers compare an algorithm with the reference:
`+` significantly better, `-` significantly worse, `=` no significant difference (alpha after
Holm). Across problems: a Friedman test on the per-problem medians with a Nemenyi post-hoc;
as a second view for illustration, the same with (problem, seed) blocks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import friedmanchisquare, mannwhitneyu
from statsmodels.stats.multitest import multipletests

ALPHA = 0.05


def a12(x, y) -> float:
    """Vargha-Delaney A12: probability that a draw from x is larger than one from y (ties half)."""
    x, y = np.asarray(x, float)[:, None], np.asarray(y, float)[None, :]
    return float(((x > y) + 0.5 * (x == y)).mean())


def holm(pvalues) -> np.ndarray:
    """Holm-adjusted p-values (statsmodels' multipletests)."""
    p = np.asarray(pvalues, float)
    if len(p) == 0:
        return p
    return multipletests(p, alpha=ALPHA, method="holm")[1]


def summarise(table: pd.DataFrame, reference: str, indicators: dict[str, str]) -> pd.DataFrame:
    """One row per problem x algorithm (completed runs only).

    `indicators` maps a column of `table` to "max" or "min" (which way is better).
    """
    done = table[table["status"] == "completed"]
    rows = []
    for problem, runs in done.groupby("problem", sort=True):
        ref = runs[runs["algorithm"] == reference]
        block = []
        for alg, g in runs.groupby("algorithm", sort=True):
            row = {"problem": problem, "algorithm": alg, "runs": len(g)}
            for col, better in indicators.items():
                v = g[col].dropna()
                row[f"{col}_median"] = v.median() if len(v) else np.nan
                row[f"{col}_q1"], row[f"{col}_q3"] = (
                    (v.quantile(0.25), v.quantile(0.75)) if len(v) else (np.nan, np.nan)
                )
                testable = alg != reference and len(v) >= 2 and ref[col].notna().sum() >= 2
                row[f"{col}_p"] = (
                    mannwhitneyu(v, ref[col].dropna(), alternative="two-sided").pvalue
                    if testable
                    else np.nan
                )
                a = a12(v, ref[col].dropna()) if testable else np.nan
                row[f"{col}_a12"] = a if better == "max" or np.isnan(a) else 1 - a
            block.append(row)
        block = pd.DataFrame(block)
        for col in indicators:
            p = block[f"{col}_p"].to_numpy()
            adj = np.full(len(p), np.nan)
            ok = ~np.isnan(p)
            adj[ok] = holm(p[ok])
            block[f"{col}_p_holm"] = adj
            block[f"{col}_marker"] = [_marker(pa, a) for pa, a in zip(adj, block[f"{col}_a12"])]
        rows.append(block)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _marker(p_holm: float, a12_better: float) -> str:
    """+ / - / = for an algorithm against the reference; '' where no test was possible.
    `a12_better` is the probability that the algorithm's value is the better one."""
    if np.isnan(p_holm):
        return ""
    if p_holm >= ALPHA:
        return "="
    return "+" if a12_better > 0.5 else "-"


def friedman_nemenyi(summary: pd.DataFrame, column: str, better: str = "max") -> dict | None:
    """Friedman test over problems (blocks) of per-problem medians, Nemenyi post-hoc, mean ranks.
    None when it cannot be done (fewer than 2 problems or 3 algorithms, or missing cells)."""
    wide = summary.pivot(index="problem", columns="algorithm", values=column)
    return friedman_blocks(wide.dropna(axis=1, how="any"), better)


def seed_blocks(table: pd.DataFrame, algorithms: list[str], column: str = "hv") -> pd.DataFrame:
    """Final `column` of completed runs with (problem, seed) rows and `algorithms` as columns:
    only the blocks in which each of them has exactly one completed run with that seed."""
    done = table[(table.status == "completed") & table.algorithm.isin(algorithms)]
    keys = ["problem", "seed", "algorithm"]
    once = done[~done.duplicated(keys, keep=False)]
    if once.empty:
        return pd.DataFrame(columns=algorithms)
    wide = once.pivot(index=["problem", "seed"], columns="algorithm", values=column)
    return wide.reindex(columns=algorithms).dropna(axis=0, how="any")


def friedman_blocks(wide: pd.DataFrame, better: str = "max") -> dict | None:
    """Friedman test of the columns (algorithms) over the rows (blocks), Nemenyi post-hoc, mean
    ranks and the Nemenyi critical difference; None with fewer than 2 blocks or 3 algorithms."""
    import scikit_posthocs as sp

    if wide.shape[0] < 2 or wide.shape[1] < 3:
        return None
    stat, p = friedmanchisquare(*[wide[c].to_numpy() for c in wide.columns])
    data = wide if better == "min" else -wide  # rank 1 = best
    ranks = data.rank(axis=1).mean(axis=0).sort_values()
    nemenyi = sp.posthoc_nemenyi_friedman(data.to_numpy())
    nemenyi.index = nemenyi.columns = list(wide.columns)
    k, n = wide.shape[1], wide.shape[0]
    return {
        "statistic": float(stat),
        "p": float(p),
        "ranks": ranks,
        "nemenyi": nemenyi,
        "cd": critical_difference(k, n),
        "problems": n,  # blocks
        "algorithms": k,
    }


def critical_difference(k: int, n: int, alpha: float = ALPHA) -> float:
    """How far apart two of k algorithms' mean ranks over n blocks must be for the Nemenyi test
    to call them different (Demsar 2006): q_alpha * sqrt(k (k + 1) / (6 n))."""
    return float(_studentized_range_q(k, alpha) * np.sqrt(k * (k + 1) / (6 * n)))


def _studentized_range_q(k: int, alpha: float = ALPHA) -> float:
    """Critical value q_alpha / sqrt(2) of the Nemenyi test (Demsar 2006) for k algorithms."""
    from scipy.stats import studentized_range

    return float(studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2))
