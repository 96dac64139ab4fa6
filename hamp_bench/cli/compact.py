"""`python -m hamp_bench.compact SRC... --out DST [--force]`: compact records of every run below
SRC... (run.json, front.csv, algorithm.json and the exact anytime hypervolume series, without
evaluations.csv), from which a report computes the same numbers (hamp_bench/reports/compact.py,
docs/records.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from hamp_bench.cli.errors import cli_errors
from hamp_bench.reports.compact import compact_run, plan


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(
        prog="python -m hamp_bench.compact", description=__doc__.splitlines()[0]
    )
    ap.add_argument(
        "sources", nargs="+", type=Path, help="folders holding run records (searched recursively)"
    )
    ap.add_argument("--out", type=Path, required=True, help="folder for the compact records")
    ap.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty --out (files of the same names are replaced)",
    )
    args = ap.parse_args(argv)
    with cli_errors("hamp_bench.compact", lambda: f"{args.out} may hold part of the records"):
        pairs = plan(args.sources, args.out, args.force)
        size = 0
        for run_dir, target in tqdm(
            pairs, desc="compacting", unit="run", disable=not sys.stderr.isatty()
        ):
            size += compact_run(run_dir, target)
    print(f"compacted {len(pairs)} runs into {args.out} ({_size(size)})")


def _size(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"
