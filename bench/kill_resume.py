"""Kill and resume: runs of a pruning problem killed with SIGKILL at random moments, then
continued by the same command; each must end identical to the uninterrupted run (timing columns
aside) with no true evaluation repeated.

Every true evaluation is counted by a wrapper process (bench/_counting_run.py) that appends the
genome of each evaluation the problem computes to a file, so a genome computed in both the killed
session and its resume shows up twice. Each trial has its own evaluation cache (the resume may
use what its killed session put there, nothing else).

    python bench/kill_resume.py [--trials 10] [--seed 0] [overrides ...]
    (default overrides: algorithm=hamp problem=tiny_synthetic budget=60)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT = ["algorithm=hamp", "problem=tiny_synthetic", "budget=60", "seed=1"]


def rows(run_dir: Path) -> int:
    try:
        return max(0, (run_dir / "evaluations.csv").read_bytes().count(b"\n") - 1)
    except FileNotFoundError:
        return 0


def computed(counts: Path) -> int:
    try:
        return counts.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def run(args: list[str], run_dir: Path, cache: Path, counts: Path, kill_at: tuple | None):
    """Run to the end, or (kill_at = (k, delay)) SIGKILL it `delay` seconds after it computed
    its k-th new evaluation (so the kill lands anywhere in the search, often mid-evaluation)."""
    env = {**os.environ, "HAMP_BENCH_COUNT_FILE": str(counts)}
    cmd = [sys.executable, str(HERE / "_counting_run.py"), *args, "progress.mode=off"]
    cmd += [f"hydra.run.dir={run_dir}", f"cache.dir={cache}"]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_at is None:
        _, err = proc.communicate()
        if proc.returncode != 0:
            sys.exit(f"run failed: {err.decode()[-2000:]}")
        return time.perf_counter() - t
    start = computed(counts)
    while proc.poll() is None and computed(counts) - start < kill_at[0]:
        time.sleep(0.01)
    time.sleep(kill_at[1])
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return time.perf_counter() - t


def same(a: Path, b: Path) -> bool:
    for name in ("evaluations.csv", "front.csv"):
        x, y = (pd.read_csv(d / name).drop(columns=["cached", "wall_s"]) for d in (a, b))
        if not x.equals(y):
            return False
    ra, rb = (json.loads((d / "run.json").read_text()) for d in (a, b))
    for r in (ra, rb):
        r["problem"].get("base_model", {}).pop("source", None)
    keys = ("status", "budget_used", "front_size", "problem")
    telemetry = [
        (d / "algorithm.json").read_text() if (d / "algorithm.json").exists() else ""
        for d in (a, b)
    ]
    return all(ra[k] == rb[k] for k in keys) and telemetry[0] == telemetry[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("overrides", nargs="*")
    a = ap.parse_args()
    args = a.overrides or DEFAULT
    rng = random.Random(a.seed)
    work = Path(tempfile.mkdtemp(prefix="kill_resume_"))
    try:
        ref_time = run(args, work / "ref", work / "ref_cache", work / "ref_counts", None)
        ref_evals = len(pd.read_csv(work / "ref/evaluations.csv"))
        print(f"{' '.join(args)}: uninterrupted {ref_time:.1f} s, {ref_evals} evaluations")
        print(
            "trial  killed_at_s  recorded_at_kill  resume_s  resume/original  computed  "
            "repeated  identical"
        )
        per_eval = ref_time / ref_evals
        ok = 0
        for trial in range(a.trials):
            d, cache, counts = work / f"t{trial}", work / f"c{trial}", work / f"n{trial}"
            kill = (rng.randrange(1, ref_evals), rng.uniform(0, per_eval))
            at = run(args, d, cache, counts, kill)
            recorded = rows(d)
            resume_time = run(args, d, cache, counts, None)
            genomes = counts.read_text().splitlines() if counts.exists() else []
            repeated = sum(n - 1 for n in Counter(genomes).values() if n > 1)
            identical = same(work / "ref", d)
            ok += identical and repeated == 0
            print(
                f"{trial:5d}  {at:11.1f}  {recorded:16d}  {resume_time:8.1f}  "
                f"{resume_time / ref_time:15.2f}  {len(genomes):8d}  {repeated:8d}  {identical}"
            )
        print(f"{ok}/{a.trials} identical to the uninterrupted run with 0 evaluations repeated")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
