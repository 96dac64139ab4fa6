"""Overhead of the suite over pymoo's NSGA-II alone on ZDT1 (10,000 evaluations).

Both sides run in this process, so interpreter start-up and imports are not counted; the suite
side is everything a `python -m hamp_bench` run does after composing its config: evaluator,
budget, record files (evaluations.csv flushed as configured, front.csv, run.json), progress.
Prints the median of several repeats and the ratio (target of issue 15: at most 1.2x), then
where the suite's extra time goes (`--breakdown`, from timers wrapped around the record
renderer, the evaluator and the run's start and finish in extra runs, so the ratio above is
measured without them).

    python bench/overhead.py [--repeats 7] [--budget 10000] [--breakdown]
"""

from __future__ import annotations

import argparse
import collections
import functools
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


def breakdown(budget: int, repeats: int, workdir: Path, progress: str) -> dict[str, float]:
    """Mean seconds per run inside the renderer, the evaluator and the runner's ends."""
    from hamp_bench import evaluator, runner

    spent: collections.Counter = collections.Counter()

    def timed(owner, name, label):
        f = getattr(owner, name)

        @functools.wraps(f)
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                spent[label] += time.perf_counter() - t

        setattr(owner, name, wrapper)
        return f

    wrapped = [
        (evaluator, "render_lines", timed(evaluator, "render_lines", "render")),
        (evaluator.Evaluator, "evaluate", timed(evaluator.Evaluator, "evaluate", "evaluator")),
        (runner, "_finish", timed(runner, "_finish", "finish")),
    ]
    total = 0.0
    try:
        for seed in range(repeats):
            total += time_suite(budget, 100 + seed, workdir, progress)
    finally:
        for owner, name, f in wrapped:
            setattr(owner, name, f)
    out = {k: v / repeats for k, v in spent.items()}
    out["evaluator"] -= out.get("render", 0.0)
    out["run"] = total / repeats
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--budget", type=int, default=10_000)
    ap.add_argument("--progress", default="log", choices=["off", "log", "bar"])
    ap.add_argument("--breakdown", action="store_true", help="where the extra time goes")
    args = ap.parse_args()
    register_configs()
    time_pymoo(1000, 0)  # warm both paths (imports, numba-free caches)
    with tempfile.TemporaryDirectory() as tmp:
        time_suite(1000, 0, Path(tmp), args.progress)
        pymoo_s, suite_s = [], []
        for seed in range(args.repeats):  # interleaved, so drift hits both sides alike
            pymoo_s.append(time_pymoo(args.budget, seed))
            suite_s.append(time_suite(args.budget, seed, Path(tmp), args.progress))
        parts = breakdown(args.budget, 3, Path(tmp), args.progress) if args.breakdown else None
    p, s = statistics.median(pymoo_s), statistics.median(suite_s)
    print(f"NSGA-II on ZDT1, {args.budget} evaluations, median of {args.repeats} runs")
    print(f"  pymoo alone : {p:.3f} s")
    print(f"  hamp_bench  : {s:.3f} s  (records written, progress={args.progress})")
    print(f"  ratio       : {s / p:.2f}x  (target <= 1.2x)")
    if parts is not None:
        rest = parts["run"] - parts["render"] - parts["evaluator"] - parts["finish"]
        print(f"  breakdown of a suite run ({parts['run']:.3f} s, mean of 3, timers on):")
        print(f"    rendering evaluations.csv lines (exact float repr): {parts['render']:.3f} s")
        print(f"    the rest of the evaluator (budget, front, commit): {parts['evaluator']:.3f} s")
        print(f"    finishing the record (front.csv, run.json, telemetry): {parts['finish']:.3f} s")
        print(f"    the algorithm, start-up and progress: {rest:.3f} s (pymoo alone: {p:.3f} s)")


if __name__ == "__main__":
    main()
