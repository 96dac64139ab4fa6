"""`tables.tex`: booktabs tables (rows: problems, columns: algorithms), median (IQR) of an
indicator, the best median per row in bold, significance markers against the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _escape(text: str) -> str:
    return str(text).replace("_", r"\_").replace("%", r"\%").replace("&", r"\&")


def indicator_table(
    summary: pd.DataFrame, column: str, better: str, caption: str, reference: str
) -> str:
    algs = sorted(summary.algorithm.unique())
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        rf"\caption{{{caption}}}",
        r"\begin{tabular}{l" + "r" * len(algs) + "}",
        r"\toprule",
        "Problem & " + " & ".join(_escape(a) for a in algs) + r" \\",
        r"\midrule",
    ]
    for problem, rows in summary.groupby("problem", sort=True):
        rows = rows.set_index("algorithm")
        med = rows[f"{column}_median"]
        best = med.max() if better == "max" else med.min()
        cells = []
        for a in algs:
            if a not in rows.index or np.isnan(rows.loc[a, f"{column}_median"]):
                cells.append("--")
                continue
            r = rows.loc[a]
            text = f"{r[f'{column}_median']:.4f} ({r[f'{column}_q3'] - r[f'{column}_q1']:.4f})"
            if np.isclose(r[f"{column}_median"], best):
                text = rf"\textbf{{{text}}}"
            marker = r.get(f"{column}_marker", "")
            if a != reference and marker:
                text += {"+": r"$^{+}$", "-": r"$^{-}$", "=": r"$^{=}$"}[marker]
            cells.append(text)
        name = _escape(problem) + (
            " (surrogate)" if rows.get("surrogate", pd.Series()).any() else ""
        )
        lines.append(name + " & " + " & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    return "\n".join(lines)
