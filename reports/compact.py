"""Compact records: what a study commits instead of its full run records (docs/records.md,
Compact records). A compact run keeps run.json and algorithm.json byte for byte, front.csv
without its timing, batch and extras columns, and adds anytime.csv, the exact step series of its
hypervolume (reports/anytime.py); it drops evaluations.csv, which re-running the cell's command
regenerates. Reports read compact records as the same runs and compute the same numbers from
them.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import numpy as np

from hamp_bench.atomic import atomic_write_text
from hamp_bench.errors import RecordError
from hamp_bench.reports.anytime import render
from hamp_bench.reports.gather import ANYTIME, find_runs, read_run
from hamp_bench.run_record import EVALUATIONS, FRONT, RUN_JSON
from hamp_bench.telemetry import ALGORITHM_JSON

#: the columns of evaluations.csv and front.csv that a re-run does not reproduce
TIMING = ("cached", "wall_s")
#: front.csv columns a compact record leaves out besides the problem's extras: what no report
#: reads, and a re-run of the cell gives back
DROPPED = (*TIMING, "batch")


def plan(sources: list[Path], out: Path, force: bool = False) -> list[tuple[Path, Path]]:
    """(run folder, its compact folder) for every run below `sources`; refuses an `out`
    that overlaps a source, an `out` that holds files (unless `force`), and two runs that
    would land in one folder."""
    dst = Path(out).resolve()
    pairs: list[tuple[Path, Path]] = []
    for src in sources:
        root = Path(src).resolve()
        if dst == root or root in dst.parents or dst in root.parents:
            raise RecordError(
                f"--out {out} and {src} overlap; write the compact records to a folder "
                "outside the records you compact (and not around them)"
            )
        pairs += [(run, dst / run.relative_to(root)) for run in find_runs(root)]
    if dst.exists() and not dst.is_dir():
        raise RecordError(f"--out {out} is a file; name a folder for the compact records")
    if dst.is_dir() and any(dst.iterdir()) and not force:
        raise RecordError(
            f"--out {out} is not empty; name a new folder, or pass --force to write into it "
            "(files of the same names are replaced, nothing else is removed)"
        )
    seen: dict[Path, Path] = {}
    for run, target in pairs:
        if target in seen:
            raise RecordError(
                f"{seen[target]} and {run} would both be written to {target}; pass the folder "
                "above them instead, so that their paths below it differ"
            )
        seen[target] = run
    return pairs


def compact_run(run_dir: Path, target: Path) -> int:
    """Write `run_dir`'s compact record into `target`; returns the bytes written."""
    run = read_run(run_dir)
    target.mkdir(parents=True, exist_ok=True)
    names = [RUN_JSON, ALGORITHM_JSON]
    if run.compact:
        names += [ANYTIME, FRONT]
    else:
        atomic_write_text(target / ANYTIME, render(run.anytime))
        if run.status != "running":  # a run that ended (completed, interrupted, failed) wrote it
            front = (run_dir / FRONT).read_text() if (run_dir / FRONT).is_file() else None
        else:  # killed: no front.csv of this session; the one the runner would have written
            front = _front_lines(run_dir, run.front_mask)
        if front is None:
            raise RecordError(f"{run_dir / FRONT} is missing; the run record is incomplete")
        extras = run.meta["problem"].get("extras") or []
        atomic_write_text(target / FRONT, slim_front(front, (*DROPPED, *extras)))
    for name in names:
        if (run_dir / name).is_file():
            shutil.copyfile(run_dir / name, target / name)
        elif name != ALGORITHM_JSON:  # an algorithm that recorded nothing has none
            raise RecordError(f"{run_dir / name} is missing; the run record is incomplete")
    kept = [RUN_JSON, ALGORITHM_JSON, ANYTIME, FRONT]
    return sum((target / n).stat().st_size for n in kept if (target / n).is_file())


def slim_front(csv_text: str, dropped: tuple[str, ...]) -> str:
    """front.csv without the columns `dropped`: its timing columns (the only ones a re-run of
    the cell does not reproduce), the evaluator's batch index and the problem's extras (params,
    MACs, ...: functions of the genome that no report reads); a third of a compressed front."""
    rows = list(csv.reader(io.StringIO(csv_text)))
    keep = [i for i, name in enumerate(rows[0]) if name not in dropped]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([row[i] for i in keep] for row in rows)
    return out.getvalue()


def _front_lines(run_dir: Path, mask: np.ndarray) -> str:
    """front.csv of a killed run: its non-dominated evaluations.csv lines, in evaluation order,
    as the runner writes it at the end of a run (without test scores)."""
    lines = (run_dir / EVALUATIONS).read_bytes().decode().split("\n")
    header, rows = lines[0], lines[1 : 1 + len(mask)]  # a cut last line is no evaluation
    return "\n".join([header, *(r for r, keep in zip(rows, mask) if keep)]) + "\n"
