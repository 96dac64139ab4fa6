"""`python -m hamp_bench.report DIR... --out OUT [--reference hamp]`: a comparison report
(report.md, tables.tex, summary.csv, targets.csv, figures/) from the run records, full or
compact, below DIR... (hamp_bench/reports/build.py)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from hamp_bench.cli.errors import cli_errors
from hamp_bench.reports.build import build_report


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(
        prog="python -m hamp_bench.report", description=__doc__.splitlines()[0]
    )
    ap.add_argument(
        "dirs", nargs="+", type=Path, help="folders holding run records (searched recursively)"
    )
    ap.add_argument("--out", type=Path, required=True, help="folder for the report")
    ap.add_argument("--reference", default="hamp", help="algorithm the others are tested against")
    ap.add_argument(
        "--anytime-points", type=int, default=40, help="evaluation counts sampled per anytime curve"
    )
    ap.add_argument("--no-figures", action="store_true", help="tables only (faster)")
    ap.add_argument(
        "--formats",
        default="pdf,png",
        help="figure file formats, comma-separated (default pdf,png; png alone for a large "
        "study committed to a repository)",
    )
    ap.add_argument("--dpi", type=int, default=150, help="the PNG figures' resolution (150)")
    ap.add_argument(
        "--roi",
        type=float,
        default=None,
        metavar="MARGIN",
        help="score pruning runs inside error <= base model's validation error + MARGIN "
        "(records made without a region of interest, or another margin)",
    )
    goal = ap.add_mutually_exclusive_group()
    goal.add_argument(
        "--target",
        default=None,
        metavar="ALG",
        help="each problem's target for evaluations to target (ERT): the median final HV of "
        "ALG's completed runs (default: the --reference algorithm)",
    )
    goal.add_argument(
        "--targets",
        type=Path,
        default=None,
        metavar="FILE",
        help="take the targets from FILE, the targets.csv of another report (for example a "
        "study's larger budget)",
    )
    args = ap.parse_args(argv)
    command = "python -m hamp_bench.report " + " ".join(shlex.quote(a) for a in argv)
    with cli_errors("hamp_bench.report", lambda: "the report may be incomplete"):
        result = build_report(
            args.dirs,
            args.out,
            args.reference,
            not args.no_figures,
            args.anytime_points,
            command,
            roi=args.roi,
            target=args.target,
            targets=args.targets,
            formats=tuple(f.strip() for f in args.formats.split(",") if f.strip()),
            dpi=args.dpi,
        )
    print(f"report of {result['runs']} runs in {args.out}/report.md")
