"""Overhead of the suite over pymoo's NSGA-II alone on ZDT1 (10,000 evaluations).

Both sides run in this process, so interpreter start-up and imports are not counted; the suite
side is everything a `python -m hamp_bench` run does after composing its config: evaluator,
budget, record files (evaluations.csv flushed as configured, front.csv, run.json), progress.
Prints the median of several repeats and the ratio (target: at most 1.5x).

    python bench/overhead.py [--repeats 7] [--budget 10000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from hydra import compose, initialize_config_module
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.optimize import minimize
from pymoo.problems import get_problem

from hamp_bench.cli.configs import register_configs
from hamp_bench.runner import run_experiment


def time_pymoo(budget: int, seed: int) -> float:
    t = time.perf_counter()
    minimize(get_problem("zdt1"), NSGA2(pop_size=100), ("n_eval", budget), seed=seed)
    return time.perf_counter() - t


def time_suite(budget: int, seed: int, workdir: Path, progress: str) -> float:
    with initialize_config_module(config_module="hamp_bench.conf", version_base="1.3"):
        cfg = compose(
            config_name="config",
            overrides=[
                "algorithm=nsga2",
                "problem=zdt1",
                f"budget={budget}",
                f"seed={seed}",
                f"progress.mode={progress}",
                "resume=false",  # repeats reuse the folder: time a fresh run each time
            ],
        )
    t = time.perf_counter()
    run_experiment(cfg, workdir / f"run{seed}")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--budget", type=int, default=10_000)
    ap.add_argument("--progress", default="log", choices=["off", "log", "bar"])
    args = ap.parse_args()
    register_configs()
    time_pymoo(1000, 0)  # warm both paths (imports, numba-free caches)
    with tempfile.TemporaryDirectory() as tmp:
        time_suite(1000, 0, Path(tmp), args.progress)
        pymoo_s, suite_s = [], []
        for seed in range(args.repeats):  # interleaved, so drift hits both sides alike
            pymoo_s.append(time_pymoo(args.budget, seed))
            suite_s.append(time_suite(args.budget, seed, Path(tmp), args.progress))
    p, s = statistics.median(pymoo_s), statistics.median(suite_s)
    print(f"NSGA-II on ZDT1, {args.budget} evaluations, median of {args.repeats} runs")
    print(f"  pymoo alone : {p:.3f} s")
    print(f"  hamp_bench  : {s:.3f} s  (records written, progress={args.progress})")
    print(f"  ratio       : {s / p:.2f}x  (target <= 1.5x)")


if __name__ == "__main__":
    main()
