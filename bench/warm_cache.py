"""A finished sweep re-run with a warm evaluation cache, against the same sweep cold.

Runs one sweep command twice into two new sweep folders, as a user would (`python -m hamp_bench
-m ...`, a fresh process each): first with an empty evaluation cache, then with the cache the
first left. The base model is trained beforehand (both sides load it from the model cache), so
the ratio is what the evaluation cache saves: evaluations and the front's test-set re-scoring.
Prints both wall times, their ratio, and checks that the records are equal. A third timing
re-runs the command into the first, finished sweep folder: every cell's record is complete, so
each is checked (config, fingerprint) and left alone.

    python bench/warm_cache.py [overrides ...]
    (default: algorithm=hamp,nsga2 problem=vgg16_digits budget=60 seed=0)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

DEFAULT = ["algorithm=hamp,nsga2", "problem=vgg16_digits", "budget=60", "seed=0"]


def hamp_bench(*args: str, env: dict) -> float:
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "hamp_bench", *args], env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        sys.exit(out.stderr[-3000:])
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args().overrides or DEFAULT
    work = Path(tempfile.mkdtemp(prefix="warm_cache_"))
    env = {**os.environ, "HAMP_BENCH_CACHE_DIR": str(work / "cache")}
    try:
        problem = [a for a in args if a.startswith(("problem=", "dataset="))]
        subprocess.run(
            [sys.executable, "-m", "hamp_bench.pretrain", *problem],
            env=env,
            check=True,
            capture_output=True,
        )
        common = ["-m", *args, "progress.mode=off"]
        cold = hamp_bench(*common, f"hydra.sweep.dir={work / 'cold'}", env=env)
        warm = hamp_bench(*common, f"hydra.sweep.dir={work / 'warm'}", env=env)
        same_folder = hamp_bench(*common, f"hydra.sweep.dir={work / 'cold'}", env=env)
        cells = sorted(p.parent.name for p in (work / "cold").glob("*/run.json"))

        def table(sweep: str, cell: str, name: str) -> pd.DataFrame:
            return pd.read_csv(work / sweep / cell / name).drop(columns=["cached", "wall_s"])

        equal = all(
            table("cold", c, f).equals(table("warm", c, f))
            for c in cells
            for f in ("evaluations.csv", "front.csv")
        )
        print(f"{' '.join(args)}: {len(cells)} cells")
        print(
            f"cold cache {cold:.1f} s, warm cache {warm:.1f} s: {cold / warm:.1f}x faster; "
            f"records equal: {equal}"
        )
        print(
            f"re-run into the finished sweep folder (every cell skipped): {same_folder:.1f} s, "
            f"{cold / same_folder:.1f}x faster than cold"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
