"""Parallel evaluation on this machine's cores: the same pruning run with 1 worker of 2 threads
(the run's own process, `problem.threads=2`) and with 2 worker processes of 1 thread each
(`evaluator.workers=2 problem.threads=1`). Prints each run's time from start to record and the
ratio. The two runs have different fingerprints (threads change floating-point sums), so their
records are not compared here; tests/test_resume.py compares workers with serial evaluation at
equal threads.

    python bench/workers_speedup.py [overrides ...]
    (default: algorithm=nsga2 problem=vgg16_digits budget=40 seed=0)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT = ["algorithm=nsga2", "problem=vgg16_digits", "budget=40", "seed=0"]


def timed(args: list[str], run_dir: Path, env: dict) -> tuple[float, dict]:
    t = time.perf_counter()
    cmd = [sys.executable, "-m", "hamp_bench", *args, f"hydra.run.dir={run_dir}"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stderr[-3000:])
    return time.perf_counter() - t, json.loads((run_dir / "run.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("overrides", nargs="*")
    args = [*(ap.parse_args().overrides or DEFAULT), "cache.enabled=false", "progress.mode=off"]
    work = Path(tempfile.mkdtemp(prefix="workers_"))
    env = dict(os.environ)
    try:
        problem = [a for a in args if a.startswith(("problem=", "dataset="))]
        subprocess.run(
            [sys.executable, "-m", "hamp_bench.pretrain", *problem],
            env=env,
            check=True,
            capture_output=True,
        )
        serial, rs = timed([*args, "problem.threads=2"], work / "serial", env)
        pool, rp = timed([*args, "problem.threads=1", "evaluator.workers=2"], work / "pool", env)
        print(f"{' '.join(args)} on {os.cpu_count()} cores")
        print(f"1 worker x 2 threads: {serial:.1f} s (search {rs['wall_s']:.1f} s)")
        print(f"2 workers x 1 thread: {pool:.1f} s (search {rp['wall_s']:.1f} s)")
        print(
            f"speed-up {serial / pool:.2f}x from start to record, "
            f"{rs['wall_s'] / rp['wall_s']:.2f}x in the search"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
