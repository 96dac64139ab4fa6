"""`python -m hamp_bench.explore RUN_DIR... [--out front.html]`: the front(s) of one or more runs
as one self-contained HTML page (Bokeh, its JavaScript inlined: it opens offline). Every pair of
objectives is a scatter (one for 2 objectives, three projections for 3); runs are overlaid, one
colour each. Hovering shows a solution's figures; selecting points (click, or box select)
selects their rows in the table below, whose last column is the exact export command. The
selection is shared by the scatters and the table through one Bokeh data source, so the page
has no JavaScript of ours (docs/export.md).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import pandas as pd

from hamp_bench.cli.errors import cli_errors
from hamp_bench.errors import ConfigError

PROG = "hamp_bench.explore"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog=f"python -m {PROG}", description=__doc__.splitlines()[0])
    ap.add_argument("run_dirs", nargs="+", type=Path, help="completed runs' folders")
    ap.add_argument("--out", type=Path, default=Path("front.html"), help="the HTML file")
    args = ap.parse_args(argv)
    with cli_errors(PROG):
        write_page(args.run_dirs, args.out)
    print(f"front explorer: {args.out}")


def front_rows(run_dirs: list[Path]) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Every run's front.csv, one table: a `run` label, the export command of each row; the
    objective names (shared by all runs) and the problem's name."""
    from hamp_bench.cli.export import read_record

    frames, names, problems = [], None, set()
    for run_dir in run_dirs:
        meta, front, _ = read_record(run_dir)
        mine = [o["name"] for o in meta["problem"]["objectives"]]
        if names is not None and mine != names:
            raise ConfigError(
                f"{run_dir} has objectives {mine}, the runs before it {names}; overlay runs of "
                "one problem"
            )
        names = mine
        problems.add(meta["problem"]["name"])
        front = front.copy()
        front.insert(0, "run", f"{meta['algorithm']} seed {meta['seed']} ({run_dir.name})")
        front["export"] = [
            f"python -m hamp_bench.export {shlex.quote(str(run_dir))} --pick eval_id={int(i)} "
            f"--out exported/{meta['algorithm']}_seed{meta['seed']}_eval{int(i)}"
            for i in front.eval_id
        ]
        frames.append(front)
    return pd.concat(frames, ignore_index=True), names, sorted(problems)


def write_page(run_dirs: list[Path], out: Path) -> Path:
    from bokeh.embed import file_html
    from bokeh.layouts import column, gridplot
    from bokeh.models import (
        ColumnDataSource,
        DataTable,
        Div,
        HoverTool,
        NumberFormatter,
        TableColumn,
    )
    from bokeh.plotting import figure
    from bokeh.resources import INLINE

    rows, names, problems = front_rows(run_dirs)
    shown = [c for c in ("test_error", "params", "macs") if c in rows.columns]
    runs = list(dict.fromkeys(rows.run))
    rows["colour"] = [PALETTE[runs.index(r) % len(PALETTE)] for r in rows.run]
    source = ColumnDataSource(rows, name="front")
    hover = [("run", "@run"), ("eval_id", "@eval_id"), *((n, f"@{{{n}}}") for n in names),
             *((c, f"@{{{c}}}") for c in shown)]  # fmt: skip
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    plots = []
    for i, j in pairs:
        p = figure(width=420, height=340, tools="tap,box_select,pan,wheel_zoom,reset,save",
                   x_axis_label=names[j], y_axis_label=names[i])  # fmt: skip
        p.scatter(names[j], names[i], source=source, size=8, color="colour", legend_field="run",
                  name=f"points_{names[i]}_{names[j]}")  # fmt: skip
        p.add_tools(HoverTool(tooltips=hover))
        p.legend.label_text_font_size = "8pt"
        plots.append(p)
    columns = ["run", "eval_id", *names, *shown, "export"]
    widths = {"run": 170, "eval_id": 60, "export": 700}
    number = NumberFormatter(format="0.[0000]")
    table = DataTable(
        source=source,
        columns=[
            TableColumn(
                field=c,
                title=c,
                width=widths.get(c, 90),
                **({"formatter": number} if c in names else {}),
            )
            for c in columns
        ],  # fmt: skip
        width=1300,
        height=300,
        reorderable=False,  # (column reordering needs jquery-ui, which Bokeh does not ship)
        name="table",
    )
    intro = Div(
        text=f"<h3>Front explorer: {', '.join(problems)}</h3><p>{len(rows)} front members of "
        f"{len(runs)} run(s). Hover a point for its figures; click it (or box-select several) "
        "to select its row below, whose last column is the command that exports it.</p>"
    )
    layout = column(intro, gridplot([plots], toolbar_location="right"), table)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(file_html(layout, INLINE, title=f"front: {', '.join(problems)}"))
    return out
