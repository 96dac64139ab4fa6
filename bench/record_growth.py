"""How the run record's cost grows with the run: NSGA-II on ZDT1 at growing budgets, each in its
own process (`python -m hamp_bench`, the record as users get it), with its wall time, the time
per 1,000 evaluations, peak memory (max RSS) and the sizes of evaluations.csv and front.csv.
Linear writing shows as a flat time per 1,000 evaluations.

    python bench/record_growth.py [--budgets 10000 30000 90000] [--algorithm random]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import resource, sys
from hamp_bench.cli.run import main
sys.argv = ["hamp_bench", *sys.argv[1:]]
try:
    main()
finally:
    print("MAXRSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budgets", type=int, nargs="+", default=[10_000, 30_000, 90_000])
    ap.add_argument("--algorithm", default="nsga2")
    ap.add_argument("--problem", default="zdt1")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="growth_"))
    print("budget  wall_s  s_per_1000  max_rss_MB  evaluations_MB  front_rows  front_MB")
    try:
        for budget in a.budgets:
            run_dir = work / str(budget)
            args = [
                f"algorithm={a.algorithm}",
                f"problem={a.problem}",
                f"budget={budget}",
                "progress.mode=off",
                f"hydra.run.dir={run_dir}",
            ]
            t = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", CHILD, *args], capture_output=True, text=True
            )
            wall = time.perf_counter() - t
            if out.returncode != 0:
                sys.exit(out.stderr[-3000:])
            rss = int(out.stderr.rsplit("MAXRSS_KB", 1)[1].split()[0]) / 1024
            run = json.loads((run_dir / "run.json").read_text())
            ev_mb = (run_dir / "evaluations.csv").stat().st_size / 2**20
            fr_mb = (run_dir / "front.csv").stat().st_size / 2**20
            print(
                f"{budget:6d}  {wall:6.1f}  {1000 * run['wall_s'] / budget:10.3f}  "
                f"{rss:10.0f}  {ev_mb:14.1f}  {run['front_size']:10d}  {fr_mb:8.2f}"
            )
            shutil.rmtree(run_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
