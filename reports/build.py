"""Building a comparison report from run records, full or compact: report.md (GitHub-readable,
with the command that regenerates it), tables.tex (booktabs), summary.csv (every statistic),
runs.csv, anytime.csv, targets.csv and figures/ (PDF and PNG by default). Everything is
computed from the records, nothing is measured again: final and anytime hypervolume, IGD+,
tests against a reference, evaluations to target (ERT, success rates, ECDFs), Friedman and
Nemenyi across problems (and, for illustration, across (problem, seed) blocks). Where
algorithms recorded telemetry (algorithm.json), report.md adds how often each operator was
chosen, when, and local-search hit rates."""

from __future__ import annotations

import datetime as _dt
import shlex
from pathlib import Path

import numpy as np
import pandas as pd

from hamp_bench import __version__
from hamp_bench.errors import ConfigError
from hamp_bench.reports import figures
from hamp_bench.reports.ert import ert_table, hits, read_targets, targets_from_runs
from hamp_bench.reports.gather import Run, read_runs, runs_table
from hamp_bench.reports.indicators import anytime_hypervolume, igd_plus, reference_front
from hamp_bench.reports.latex import indicator_table
from hamp_bench.reports.stats import (
    ALPHA,
    friedman_blocks,
    friedman_nemenyi,
    seed_blocks,
    summarise,
)
from hamp_bench.reports.telemetry import (
    NO_OPERATOR,
    local_search_hits,
    operator_shares,
    operator_usage,
)

#: hv: inside the region of interest where the problem has one; hv_full: over the full range
INDICATORS = {"hv": "max", "hv_full": "max", "igd_plus": "min"}


def build_report(
    paths: list[Path],
    out: Path,
    reference: str = "hamp",
    figures_on: bool = True,
    anytime_points: int = 40,
    command: str | None = None,
    roi: float | None = None,
    target: str | None = None,
    targets: Path | None = None,
    formats: tuple[str, ...] = figures.FORMATS,
    dpi: int = figures.DPI,
) -> dict:
    """`target`: the algorithm whose median final hv is each problem's target (default: the
    reference); `targets`: a targets.csv of another report to take the targets from instead."""
    if target is not None and targets is not None:
        raise ConfigError("--target and --targets both given; name one (an algorithm or a file)")
    runs = read_runs(*paths, roi=roi)
    table = runs_table(runs)
    sources, igd = {}, np.full(len(runs), np.nan)
    for problem in sorted(table.problem.unique()):
        mine = [i for i, r in enumerate(runs) if r.problem == problem]
        ref_front, sources[problem] = reference_front([runs[i] for i in mine])
        for i in mine:
            igd[i] = igd_plus(runs[i], ref_front)
    table["igd_plus"] = igd
    goal = _targets(table, reference, target, targets)
    table["hit"] = hits(runs, goal)
    indicators = dict(INDICATORS)
    if table["hv_true"].notna().any():  # surrogate runs re-scored truly (rescore=true)
        indicators["hv_true"] = "max"
    summary = summarise(table, reference, indicators)
    if len(summary):  # every table says which problems are surrogates
        surrogate = table.groupby("problem")["surrogate"].any()
        summary.insert(1, "surrogate", summary["problem"].map(surrogate).astype(bool))
        summary = summary.merge(ert_table(table, goal), on=["problem", "algorithm"], how="left")
        if "feasible" in table.columns:  # constrained problems: runs that found a feasible point
            done = table[table.status == "completed"]
            found = done.groupby(["problem", "algorithm"])["feasible"].sum().rename("feasible_runs")
            summary = summary.merge(found.reset_index(), on=["problem", "algorithm"], how="left")
    curves = anytime_hypervolume([r for r in runs if r.status == "completed"], anytime_points)
    friedman = friedman_nemenyi(summary, "hv_median", "max") if len(summary) else None
    everywhere = _on_every_problem(table)
    by_seed = friedman_blocks(seed_blocks(table, everywhere), "max")
    usage = operator_usage([r for r in runs if r.status == "completed"])

    out.mkdir(parents=True, exist_ok=True)
    fig_dir = out / "figures"
    figs: dict[str, list[str]] = {}
    if figures_on:
        with figures.saved_as(formats, dpi):
            with_target = table[table.problem.isin(goal.problem)]
            for problem in sorted(table.problem.unique()):
                done = table[(table.problem == problem) & (table.status == "completed")]
                if done.empty:
                    continue
                f = [
                    figures.hv_boxplot(table, problem, fig_dir),
                    figures.anytime_plot(curves, problem, fig_dir),
                    *figures.median_fronts(runs, table, problem, fig_dir),
                    figures.attainment_50(runs, problem, fig_dir),
                    figures.keep_ratios(runs, problem, fig_dir),
                ]
                figs[problem] = [s for s in f if s]
                if problem in set(goal.problem):
                    t = goal.set_index("problem").target[problem]
                    title = f"{problem}: HV >= {t:.4f}"
                    figs[f"_ecdf_{problem}"] = [
                        figures.ecdf_plot(with_target, problem, fig_dir, title)
                    ]
            if with_target.problem.nunique() > 1:
                figs["_ecdf"] = [
                    figures.ecdf_plot(with_target, None, fig_dir, "all problems: HV >= target")
                ]
            if friedman:
                figs["_cd"] = [figures.cd_diagram(friedman, fig_dir, "final hypervolume")]
            if by_seed:
                figs["_cd_seeds"] = [
                    figures.cd_diagram(
                        by_seed, fig_dir, "final hypervolume", "cd_diagram_seeds", "(problem, seed)"
                    )
                ]
            if not usage.empty:
                figs["_operators"] = [
                    figures.operator_usage_plot(usage, p, a, fig_dir)
                    for (p, a), _ in usage.groupby(["problem", "algorithm"], sort=True)
                ]

    table.to_csv(out / "runs.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    curves.to_csv(out / "anytime.csv", index=False)
    goal.to_csv(out / "targets.csv", index=False, float_format=lambda v: repr(float(v)))
    tex = [
        indicator_table(
            summary,
            "hv",
            "max",
            "Final normalised hypervolume, median (IQR); "
            f"markers vs {reference}: + better, - worse, = no significant "
            f"difference (two-sided rank-sum, Holm, alpha {ALPHA}).",
            reference,
        ),
        indicator_table(
            summary,
            "hv_full",
            "max",
            "Final normalised hypervolume over the full objective range (the region of "
            f"interest ignored), median (IQR); markers vs {reference} as above.",
            reference,
        ),
        indicator_table(
            summary,
            "igd_plus",
            "min",
            f"IGD+ (normalised), median (IQR); lower is better; markers vs {reference} as above.",
            reference,
        ),
    ]
    (out / "tables.tex").write_text(
        "% generated by hamp_bench.report; \\usepackage{booktabs}\n" + "\n".join(tex)
    )
    command = command or "python -m hamp_bench.report " + " ".join(
        shlex.quote(str(p)) for p in paths
    ) + f" --out {shlex.quote(str(out))} --reference {reference}" + (
        f" --roi {roi}" if roi is not None else ""
    ) + (f" --target {target}" if target is not None else "") + (
        f" --targets {shlex.quote(str(targets))}" if targets is not None else ""
    )
    context = {
        "goal": goal,
        "goal_source": f"`{targets}`" if targets is not None else None,
        "target": target or reference,
        "by_seed": by_seed,
        "everywhere": everywhere,
        "figure_files": (
            " and ".join(f.upper() for f in formats) if figures_on else "none: --no-figures"
        ),
    }
    (out / "report.md").write_text(
        _markdown(runs, table, summary, sources, friedman, figs, reference, command, context)
    )
    return {
        "runs": len(runs),
        "summary": summary,
        "friedman": friedman,
        "friedman_seeds": by_seed,
        "targets": goal,
        "out": out,
    }


def _targets(table: pd.DataFrame, reference: str, target: str | None, targets: Path | None):
    """Each problem's target hypervolume (reports/ert.py): read from `targets`, else the median
    final hv of `target`'s (default: the reference's) completed runs."""
    if targets is not None:
        return read_targets(targets, sorted(table.problem.unique()))
    return targets_from_runs(table, target or reference, named=target is not None)


def _on_every_problem(table: pd.DataFrame) -> list[str]:
    """Algorithms with completed runs on every problem of the report (sorted)."""
    done = table[table.status == "completed"]
    n = done.problem.nunique()
    per = done.groupby("algorithm").problem.nunique()
    return sorted(per[per == n].index) if n else []


def _surrogate_lines(run: Run, s: pd.DataFrame) -> list[str]:
    """A surrogate problem says so, what it was built from, and where true scores exist."""
    p = run.meta["problem"]
    if not p.get("surrogate"):
        return []
    src = p.get("source", {})
    held = (src.get("held_out") or {}).get("all", {})
    lines = [
        f"**Surrogate problem** (`surrogate: true`): error from the `{src.get('model')}` model "
        f"fitted to {src.get('n')} true evaluations of `{src.get('problem')}` (held-out "
        f"Kendall tau {held.get('kendall_tau', float('nan')):.3f}); latency and memory exact. "
        "Its hypervolumes are of predicted errors."
    ]
    if "hv_true_median" in s.columns and s.hv_true_median.notna().any():
        lines[0] += (
            " `HV true`: the final fronts re-scored on the true problem (`rescore=true`), for "
            "the runs that were; `HV true vs ref` tests it as `HV vs ref` tests the surrogate's."
        )
    return [*lines, ""]


def _roi_lines(run: Run) -> list[str]:
    """What the region of interest is, or that there is none (report.md, per problem)."""
    roi, full = run.space.roi, run.meta["problem"].get("full_nadir")
    if not roi:
        return ["No region of interest: `HV` and `HV full` are the same indicator.", ""]
    return [
        f"Region of interest: `{roi['objective']}` up to {roi['error_nadir']:.4f} (the base "
        f"model's validation error {roi['base_error']:.4f} + {roi['max_error_increase']}). "
        f"`HV` counts only points inside it; `HV full` is the hypervolume over the full range "
        f"(nadir {full}), shown beside it."
        + (
            " The region was applied by the report (`--roi`), not during the runs: the "
            "algorithms ran against the full range."
            if roi.get("applied_by")
            else ""
        ),
        "",
    ]


def _fmt(v: float) -> str:
    return "--" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.4f}"


def _markdown(
    runs: list[Run], table, summary, sources, friedman, figs, reference, command, context
) -> str:
    md = [
        "# Comparison report",
        "",
        f"Generated by hamp_bench {__version__} on {_dt.date.today().isoformat()} from "
        f"{len(runs)} run records. Every number below is recomputed from the records by:",
        "",
        "```bash",
        command,
        "```",
        "",
        "Files: `summary.csv` (every statistic), `runs.csv` (one row per run), `anytime.csv`, "
        f"`targets.csv`, `tables.tex` (booktabs), `figures/` ({context['figure_files']}).",
        "",
    ]
    bad = table[table.status != "completed"]
    md += ["## Runs", ""]
    done = table[table.status == "completed"]
    if len(done):
        counts = done.pivot_table(
            index="problem", columns="algorithm", values="seed", aggfunc="count", fill_value=0
        )
        md += ["Completed runs per problem and algorithm:", "", _md_table(counts), ""]
    if len(bad):
        md += [f"**{len(bad)} runs did not complete** and are left out of every statistic:", ""]
        md += [
            f"- `{r.run_dir}`: {r.status} ({r.algorithm}, seed {r.seed}, "
            f"{r.evaluations} of {r.budget} evaluations)"
            for r in bad.itertuples()
        ] + [""]
    else:
        md += ["All runs completed.", ""]
    if "feasible" in table.columns:
        none = done[~done.feasible.astype(bool)]
        md += [
            f"Constrained problems: indicators count feasible points only (every constraint "
            f"g <= 0). **{len(none)} completed runs found no feasible point** (their HV is 0 and "
            "their IGD+ undefined)"
            + (
                ": "
                + ", ".join(
                    f"`{r.algorithm}` seed {r.seed} on `{r.problem}`" for r in none.itertuples()
                )
                + "."  # fmt: skip
                if len(none)
                else "."
            ),
            "",
        ]
    n_compact = sum(r.compact for r in runs)
    if n_compact:
        md += [
            f"{n_compact} of the {len(runs)} records are compact (run.json, front.csv and the "
            "exact anytime series, without evaluations.csv; docs/records.md, Compact records): "
            "every number below is the one their full records give.",
            "",
        ]

    md += [
        "## Per problem",
        "",
        f"Markers compare each algorithm with the reference `{reference}`: `+` significantly "
        f"better, `-` significantly worse, `=` no significant difference (two-sided Wilcoxon "
        f"rank-sum test, Holm-corrected over the algorithms of the problem, alpha {ALPHA}). "
        "A12 is the Vargha-Delaney probability that the algorithm's run beats a reference run "
        "(0.5: no difference).",
        "",
    ]
    for problem, s in summary.groupby("problem", sort=True) if len(summary) else []:
        r0 = next(r for r in runs if r.problem == problem)
        p = r0.meta["problem"]
        md += [
            f"### {problem}" + (" (surrogate)" if p.get("surrogate") else ""),
            "",
            f"Objectives {', '.join(f'`{n}`' for n in r0.objective_names)}; hypervolume on "
            f"objectives normalised with ideal {p['ideal']} and nadir {p['nadir']}, reference "
            f"point {p['ref_point_normalised']} (normalised). IGD+ reference: "
            f"{sources[problem]}.",
            "",
            *_roi_lines(r0),
            *_surrogate_lines(r0, s),
        ]
        if reference not in set(s.algorithm):
            md += [f"No `{reference}` runs for this problem: no tests against a reference.", ""]
        elif (s.runs < 2).any():
            few = ", ".join(s[s.runs < 2].algorithm)
            md += [
                f"Fewer than 2 completed runs for {few}: statistics are impossible there and "
                "no p-value is reported.",
                "",
            ]
        rows = []
        for r in s.itertuples():
            rows.append(
                {
                    "algorithm": r.algorithm,
                    "runs": r.runs,
                    "HV median": _fmt(r.hv_median),
                    "HV IQR": _fmt(r.hv_q3 - r.hv_q1),
                    "HV vs ref": r.hv_marker or "",
                    "p (Holm)": _fmt(r.hv_p_holm),
                    "A12": _fmt(r.hv_a12),
                    "HV full median": _fmt(r.hv_full_median),
                    "HV full vs ref": r.hv_full_marker or "",
                    "IGD+ median": _fmt(r.igd_plus_median),
                    "IGD+ IQR": _fmt(r.igd_plus_q3 - r.igd_plus_q1),
                    "IGD+ vs ref": r.igd_plus_marker or "",
                }
            )
        table_md = pd.DataFrame(rows)
        if "hv_true_median" in s.columns and s.hv_true_median.notna().any():
            at = table_md.columns.get_loc("A12") + 1  # after the surrogate HV's own columns
            table_md.insert(at, "HV true median", [_fmt(v) for v in s.hv_true_median])
            table_md.insert(at + 1, "HV true vs ref", [m or "" for m in s.hv_true_marker])
        md += [_md_table(table_md, index=False), ""]
        for stem in figs.get(problem, []):
            md += [f"![{stem}](figures/{stem}.png)", ""]

    md += _ert_section(summary, figs, context)
    md += ["## Across problems", ""]
    if friedman is None:
        md += [
            "A Friedman test needs at least 2 problems and 3 algorithms with completed runs on "
            "every problem; this report does not have them, so no ranks are reported.",
            "",
        ]
    else:
        md += [
            f"Friedman test on the per-problem median hypervolumes: chi2 = "
            f"{friedman['statistic']:.3f}, p = {friedman['p']:.4g} ({friedman['problems']} "
            f"problems, {friedman['algorithms']} algorithms). Mean ranks (1 = best): "
            + ", ".join(f"{a} {v:.2f}" for a, v in friedman["ranks"].items())
            + f". Nemenyi critical difference {friedman['cd']:.2f}.",
            "",
            _cd_width(friedman, "problems"),
            "",
        ]
        md += [_md_table(friedman["nemenyi"].round(4)), ""]
        md += [f"![{stem}](figures/{stem}.png)" for stem in figs.get("_cd", [])] + [""]
    n_problems = table[table.status == "completed"].problem.nunique()
    md += _seed_view(context["by_seed"], n_problems, context["everywhere"], figs)
    md += _telemetry_section(runs, figs)
    return "\n".join(md)


def _cd_width(result: dict, blocks: str) -> str:
    """How wide a gap in mean ranks the Nemenyi test needs, in words."""
    k, n, cd = result["algorithms"], result["problems"], result["cd"]
    text = (
        f"With {k} algorithms and {n} {blocks}, two algorithms' mean ranks (from 1 to {k}) must "
        f"differ by at least the critical difference CD = {cd:.2f} for the Nemenyi test to call "
        f"them different (alpha {ALPHA}): "
    )
    if cd >= k - 1:
        text += f"wider than the widest possible gap ({k - 1}), so no pair can differ"
    else:
        text += f"{cd / (k - 1):.0%} of the widest possible gap ({k - 1}, first against last)"
    return text + (
        f". CD shrinks as 1/sqrt(N) with the number of {blocks} N: with few {blocks}, only very "
        "large rank gaps are significant."
    )


def _seed_view(
    by_seed: dict | None, n_problems: int, algorithms: list[str], figs: dict
) -> list[str]:
    """The second, illustrative view: Friedman and Nemenyi over (problem, seed) blocks."""
    md = ["### Second view: (problem, seed) blocks, for illustration", ""]
    if by_seed is None:
        return md + [
            "It needs at least 2 blocks (a problem and a seed number) in which each of 3 or more "
            "algorithms has one completed run with that seed; these records do not have them.",
            "",
        ]
    problems = f"{n_problems} problem" + ("s" if n_problems != 1 else "")
    md += [
        "The same Friedman and Nemenyi tests with each block one problem and one seed number, its "
        "values the final hypervolume of each algorithm's run with that seed: "
        f"{by_seed['problems']} blocks in which each of {', '.join(f'`{a}`' for a in algorithms)} "
        "has one completed run with that seed. **Seeds are not paired between algorithms**: the "
        "same seed number does not make two algorithms' runs related, so this view treats "
        "problem x seed as blocks for illustration only; it inflates N "
        f"({by_seed['problems']} blocks instead of {problems}) and so shrinks the CD.",
        "",
        f"chi2 = {by_seed['statistic']:.3f}, p = {by_seed['p']:.4g}. Mean ranks (1 = best): "
        + ", ".join(f"{a} {v:.2f}" for a, v in by_seed["ranks"].items())
        + f". Nemenyi critical difference {by_seed['cd']:.2f}.",
        "",
        _md_table(by_seed["nemenyi"].round(4)),
        "",
        *[f"![{stem}](figures/{stem}.png)" for stem in figs.get("_cd_seeds", [])],
        "",
    ]
    return md


def _ert(v: float) -> str:
    return "∞" if np.isinf(v) else "--" if np.isnan(v) else f"{v:.1f}"


def _ratio(v: float) -> str:
    return "∞" if np.isinf(v) else "--" if np.isnan(v) else f"{v:.2f}"


def _ert_section(summary: pd.DataFrame, figs: dict, context: dict) -> list[str]:
    """Evaluations to target: per problem success and ERT, one table across problems, ECDFs."""
    goal = context["goal"]
    md = ["## Evaluations to target", ""]
    problems = sorted(summary.problem.unique()) if len(summary) else []
    if context["goal_source"]:
        whose = (
            f"the targets in {context['goal_source']} (another report's targets.csv: the median "
            "final `HV` of its target algorithm's completed runs)"
        )
    else:
        whose = f"the median final `HV` of `{context['target']}`'s completed runs"
    md += [
        f"Each problem's target is {whose}, inside the region of interest where the problem "
        "has one. A run hits the target at the first evaluation count k at which the "
        "hypervolume of its first k evaluations reaches it (exact, from its anytime series; "
        "`hit` in runs.csv). ERT, the expected running time (COCO): the evaluations of the "
        "successful runs up to their hit plus every evaluation of the others, over the number "
        "of successful runs; ∞ where none succeeded. The ratio compares it with the ERT of the "
        "target's algorithm on that problem (`--`: undefined). The ECDFs show the fraction of "
        "runs at the target within k evaluations.",
        "",
    ]
    cells: dict[str, dict[str, str]] = {}
    for problem in problems:
        md += [f"### {problem}: evaluations to target", ""]
        row = goal[goal.problem == problem]
        if row.empty:
            md += [f"No target: no completed runs of `{context['target']}` on {problem}.", ""]
            continue
        g = row.iloc[0]
        s = summary[summary.problem == problem]
        md += [
            f"Target `HV` >= {g.target:.4f}: the median of {g.runs} `{g.algorithm}` runs at "
            f"budget {g.budget}.",
            "",
        ]
        rows = []
        for r in s.itertuples():
            rows.append(
                {
                    "algorithm": r.algorithm,
                    "success": f"{r.hits}/{r.runs}",
                    "ERT": _ert(r.ert),
                    f"ERT / ERT of {g.algorithm}": _ratio(r.ert_ratio),
                }
            )
            cells.setdefault(r.algorithm, {})[problem] = f"{_ert(r.ert)} ({r.success_rate:.0%})"
        md += [_md_table(pd.DataFrame(rows), index=False), ""]
        for stem in figs.get(f"_ecdf_{problem}", []):
            md += [f"![{stem}](figures/{stem}.png)", ""]
    if cells:
        cross = pd.DataFrame.from_dict(cells, orient="index").reindex(
            columns=[p for p in problems if p in set(goal.problem)]
        )
        cross = cross.fillna("--").sort_index()
        cross.index.name = "algorithm"
        md += [
            "### All problems: ERT (success rate)",
            "",
            _md_table(cross),
            "",
        ]
        for stem in figs.get("_ecdf", []):
            md += [
                "Over all problems, the fraction of (problem, run) pairs at the target within k "
                "evaluations:",
                "",
                f"![{stem}](figures/{stem}.png)",
                "",
            ]
    return md


def _telemetry_section(runs: list[Run], figs: dict) -> list[str]:
    """Operator choices of the algorithms that recorded them, overall and generation by
    generation, and local-search hit rates where recorded (nothing without telemetry)."""
    done = [r for r in runs if r.status == "completed"]
    recorded = sorted({r.algorithm for r in done if r.telemetry is not None})
    if not recorded:
        return []
    md = ["## Algorithm telemetry", ""]
    intro = (
        f"Completed runs of {', '.join(f'`{a}`' for a in recorded)} recorded telemetry "
        "(`algorithm.json`, docs/records.md)."
    )
    shares = operator_shares(done)
    if shares.empty:
        md += [
            intro + " None of it records operator choices (a "
            "`generation` series with an `operator` field).",
            "",
        ]
    else:
        ops = [
            c for c in shares.columns if c not in ("problem", "algorithm", "runs", "generations")
        ]
        table = shares.assign(**{op: shares[op].map(_fmt) for op in ops})
        none = (
            f" (`{NO_OPERATOR}`: a generation that names no operator)" if NO_OPERATOR in ops else ""
        )
        md += [
            intro + " Share of generations in which each operator was chosen, summed over the "
            f"runs{none}:",
            "",
            _md_table(table, index=False),
            "",
        ]
        if figs.get("_operators"):
            md += [
                "Operator usage over time: per generation, the share of the runs that reached it "
                "choosing each operator.",
                "",
            ]
            md += [f"![{stem}](figures/{stem}.png)" for stem in figs["_operators"]] + [""]
    ls = local_search_hits(done)
    if not ls.empty:
        ls = ls.assign(hit_rate=ls.hit_rate.map(_fmt))
        md += [
            "Local search: genomes it proposed for true evaluation and how many of them hit "
            "(`hits` of the `local_search` series), summed over the runs; hit rate = hits / "
            "proposed.",
            "",
            _md_table(ls, index=False),
            "",
        ]
    return md


def _md_table(df: pd.DataFrame, index: bool = True) -> str:
    """A GitHub markdown table (pandas' to_markdown needs tabulate; this needs nothing)."""
    if index:
        df = df.reset_index()
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)
