"""Report figures (seaborn on matplotlib's Agg backend), each saved as PDF and PNG (or the
formats asked for).

Every function takes tidy data, draws one figure and returns the file stem it wrote, so the
report can embed it and name the command that made it.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import moocore  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from hamp_bench.errors import ConfigError  # noqa: E402
from hamp_bench.reports.ert import ecdf  # noqa: E402
from hamp_bench.reports.gather import Run  # noqa: E402

sns.set_theme(style="whitegrid", context="paper")


#: the file formats every figure is saved in (PDF for papers, PNG for report.md), and the PNGs'
#: resolution
FORMATS = ("pdf", "png")
DPI = 150
_saving: tuple[tuple[str, ...], int] = (FORMATS, DPI)


@contextmanager
def saved_as(formats: tuple[str, ...], dpi: int = DPI):
    """Save the figures drawn inside in `formats` only, PNGs at `dpi` (a study with many problems
    commits PNGs alone, smaller; `python -m hamp_bench.report --formats png --dpi 100`)."""
    global _saving
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ConfigError(
            f"--formats {','.join(formats)}: choose one or more of {', '.join(FORMATS)}"
        )
    if not 20 <= dpi <= 600:
        raise ConfigError(f"--dpi {dpi}: choose a resolution between 20 and 600")
    previous, _saving = _saving, (tuple(formats), int(dpi))
    try:
        yield
    finally:
        _saving = previous


def _save(fig, out: Path, stem: str) -> str:
    out.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    formats, dpi = _saving
    for ext in formats:  # no creation date in a PDF: a rebuilt figure is the same file
        meta = {"CreationDate": None} if ext == "pdf" else {}
        fig.savefig(out / f"{stem}.{ext}", dpi=dpi, metadata=meta)
    plt.close(fig)
    return stem


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def hv_boxplot(table: pd.DataFrame, problem: str, out: Path) -> str:
    d = table[(table.problem == problem) & (table.status == "completed")]
    fig, ax = plt.subplots(figsize=(1.2 + 0.7 * d.algorithm.nunique(), 3.2))
    order = sorted(d.algorithm.unique())
    sns.boxplot(data=d, x="algorithm", y="hv", order=order, ax=ax, color="white", fliersize=0)
    sns.stripplot(data=d, x="algorithm", y="hv", order=order, ax=ax, size=3, color="0.3")
    ax.set(xlabel="", ylabel="final hypervolume (normalised)", title=problem)
    ax.tick_params(axis="x", rotation=30)
    return _save(fig, out, f"hv_box_{_slug(problem)}")


def anytime_plot(curves: pd.DataFrame, problem: str, out: Path) -> str:
    d = curves[curves.problem == problem]
    stats = d.groupby(["algorithm", "evaluations"]).hv.quantile([0.25, 0.5, 0.75]).unstack()
    fig, ax = plt.subplots(figsize=(4.8, 3.2))
    for alg, s in stats.groupby(level="algorithm"):
        s = s.droplevel("algorithm")
        ax.plot(s.index, s[0.5], label=alg)
        ax.fill_between(s.index, s[0.25], s[0.75], alpha=0.2)
    ax.set(xlabel="true evaluations", ylabel="hypervolume (median, IQR band)", title=problem)
    ax.legend(fontsize=7)
    return _save(fig, out, f"anytime_{_slug(problem)}")


def median_fronts(runs: list[Run], table: pd.DataFrame, problem: str, out: Path) -> list[str]:
    """The front of each algorithm's median-hypervolume run, in every 2-D projection."""
    d = table[(table.problem == problem) & (table.status == "completed")]
    chosen = {}
    for alg, g in d.groupby("algorithm"):
        row = g.iloc[(g.hv - g.hv.median()).abs().argsort().iloc[0]]
        chosen[alg] = next(r for r in runs if str(r.run_dir) == row.run_dir)
    if not chosen:
        return []
    any_run = next(iter(chosen.values()))
    names = any_run.objective_names
    pairs = [(0, j) for j in range(1, len(names))] if len(names) > 2 else [(0, 1)]
    stems = []
    for i, j in pairs:
        fig, ax = plt.subplots(figsize=(4.5, 3.4))
        for alg, run in sorted(chosen.items()):
            F = run.F[run.front_mask] * run.space.sign  # back to natural units
            order = np.argsort(F[:, i])
            ax.plot(
                F[order, i],
                F[order, j],
                marker="o",
                ms=3,
                lw=0.8,
                label=alg,
                drawstyle="steps-post" if len(names) == 2 else "default",
                ls="-" if len(names) == 2 else "none",
            )
        ax.set(xlabel=names[i], ylabel=names[j], title=f"{problem}: median-HV run's front")
        ax.legend(fontsize=7)
        stems.append(_save(fig, out, f"front_{_slug(problem)}_{names[i]}_{names[j]}"))
    return stems


def attainment_50(runs: list[Run], problem: str, out: Path) -> str | None:
    """50% empirical attainment surface per algorithm (2-objective problems only)."""
    mine = [r for r in runs if r.problem == problem and r.status == "completed"]
    if not mine or len(mine[0].objective_names) != 2:
        return None
    names = mine[0].objective_names
    fig, ax = plt.subplots(figsize=(4.5, 3.4))
    for alg in sorted({r.algorithm for r in mine}):
        sets = [r for r in mine if r.algorithm == alg]
        pts = np.vstack([r.F[r.front_mask] for r in sets])
        ids = np.concatenate([np.full(r.front_mask.sum(), i) for i, r in enumerate(sets)])
        surf = moocore.eaf(pts, sets=ids, percentiles=[50])
        surf = surf[np.argsort(surf[:, 0])] * np.r_[mine[0].space.sign, 1]  # natural units
        ax.plot(surf[:, 0], surf[:, 1], drawstyle="steps-post", label=f"{alg} ({len(sets)} runs)")
    ax.set(xlabel=names[0], ylabel=names[1], title=f"{problem}: 50% attainment surfaces")
    ax.legend(fontsize=7)
    return _save(fig, out, f"eaf50_{_slug(problem)}")


def keep_ratios(runs: list[Run], problem: str, out: Path) -> str | None:
    """Per-gene keep level (gene / top level) of every front solution, per algorithm: which
    layers get pruned. Pruning problems only (integer genomes whose top level keeps all)."""
    mine = [r for r in runs if r.problem == problem and r.status == "completed"]
    described = mine[0].meta["problem"].get("genes") if mine else None
    if (
        not described
        or mine[0].meta["problem"].get("var_type") != "int"
        or not all(isinstance(g, dict) for g in described)  # EMOMC's genes are names: no keep
    ):
        return None
    top = np.array(mine[0].meta["problem"]["xu"], float)
    genes = [g["name"] for g in described]
    rows = []
    for r in mine:
        for x in r.X[r.front_mask]:
            rows += [
                {"algorithm": r.algorithm, "gene": genes[i], "keep": x[i] / top[i]}
                for i in range(len(genes))
            ]
    d = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(max(5, 0.45 * len(genes) + 1.5), 3.4))
    sns.boxplot(data=d, x="gene", y="keep", hue="algorithm", ax=ax, fliersize=1, linewidth=0.6)
    ax.set(
        xlabel="channel group (genome order)",
        ylabel="kept fraction (level / top level)",
        title=f"{problem}: what the fronts keep",
    )
    ax.tick_params(axis="x", rotation=60, labelsize=6)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, out, f"keep_{_slug(problem)}")


def cd_diagram(
    result: dict, out: Path, label: str, stem: str = "cd_diagram", blocks: str = "problems"
) -> str:
    import scikit_posthocs as sp

    fig, ax = plt.subplots(figsize=(5.5, 0.5 + 0.3 * len(result["ranks"])))
    sp.critical_difference_diagram(result["ranks"], result["nemenyi"], ax=ax)
    ax.set_title(
        f"mean ranks of {label} over {result['problems']} {blocks} "
        f"(Nemenyi CD = {result['cd']:.2f})",
        fontsize=8,
    )
    return _save(fig, out, stem)


def ecdf_plot(table: pd.DataFrame, problem: str | None, out: Path, title: str) -> str:
    """Fraction of each algorithm's completed runs (of `problem`, or of (problem, run) pairs
    over every problem in `table`, which holds the problems with a target) that reached the
    target within k evaluations (`hit`, exact from the anytime series)."""
    d = table[table.status == "completed"]
    if problem is not None:
        d = d[d.problem == problem]
    budget = int(np.nanmax([d.budget.max(), d.evaluations.max()]))  # records without one
    fig, ax = plt.subplots(figsize=(4.8, 3.2))
    for alg, g in d.groupby("algorithm", sort=True):
        x, y = ecdf(g.hit.to_numpy(float), budget)
        ax.plot(x, y, drawstyle="steps-post", label=f"{alg} ({len(g)})")
    ax.set_xscale("log")
    ax.set(
        xlim=(1, max(budget, 2)),
        ylim=(-0.02, 1.02),
        xlabel="true evaluations",
        ylabel="fraction of runs at the target",
        title=title,
    )
    ax.legend(fontsize=7)
    return _save(fig, out, f"ecdf_{_slug(problem) if problem else 'all_problems'}")


def operator_usage_plot(usage: pd.DataFrame, problem: str, algorithm: str, out: Path) -> str:
    """Stacked shares of the runs choosing each operator, generation by generation."""
    d = usage[(usage.problem == problem) & (usage.algorithm == algorithm)]
    ops = [c for c in usage.columns if c not in ("problem", "algorithm", "generation", "runs")]
    ops = [op for op in ops if d[op].fillna(0).gt(0).any()]
    fig, ax = plt.subplots(figsize=(4.8, 3.2))
    ax.stackplot(d.generation, *[d[op].fillna(0) for op in ops], labels=ops, alpha=0.85)
    ax.set(
        xlabel="generation",
        ylabel="share of runs choosing the operator",
        ylim=(0, 1),
        title=f"{problem}: {algorithm} ({int(d.runs.max())} runs)",
    )
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, out, f"operators_{_slug(problem)}_{_slug(algorithm)}")


__all__ = [
    "hv_boxplot",
    "anytime_plot",
    "median_fronts",
    "attainment_50",
    "keep_ratios",
    "cd_diagram",
    "ecdf_plot",
    "operator_usage_plot",
]


def run_front(problem, front: pd.DataFrame, path: Path) -> Path:
    """One run's front as found (front.csv), every pair of objectives, with the problem's
    reference solution (a pruning problem's unpruned network) starred and the region of
    interest's error limit dashed: the figure the end-of-run summary names."""
    names = problem.objective_names
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.2 * len(pairs), 3.4), squeeze=False)
    ref = problem.reference_solution()
    roi = problem.roi
    for ax, (i, j) in zip(axes[0], pairs):
        ax.scatter(front[names[j]], front[names[i]], s=14, color="C0", label="front")
        if ref is not None:
            ax.scatter([ref[names[j]]], [ref[names[i]]], marker="*", s=140, color="C3",
                       label=problem.reference_label)  # fmt: skip
        if roi and names[i] == roi["objective"]:
            ax.axhline(roi["error_nadir"], ls="--", lw=1, color="0.4", label="region of interest")
        ax.set(xlabel=names[j], ylabel=names[i])
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"{problem.name}: front of {len(front)}", fontsize=9)
    path = Path(path)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
