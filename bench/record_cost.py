"""Where the suite's overhead over pymoo's NSGA-II on ZDT1 goes (bench/overhead.py measures the
whole of it): the suite's evaluator and budget accounting without any record, and the cost of
rendering the record's evaluations.csv (shortest round-trip repr of every genome and objective
value) and writing it once.

Same setting as bench/overhead.py (10,000 evaluations, in-process, interleaved repeats, median).

    python bench/record_cost.py [--repeats 7] [--budget 10000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_module
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.optimize import minimize
from pymoo.problems import get_problem

from hamp_bench.cli.configs import register_configs
from hamp_bench.components import build
from hamp_bench.evaluator import BudgetExhausted, Evaluator
from hamp_bench.run_record import EvaluationLog, evaluation_columns, render_lines


def time_pymoo(budget: int, seed: int) -> float:
    t = time.perf_counter()
    minimize(get_problem("zdt1"), NSGA2(pop_size=100), ("n_eval", budget), seed=seed)
    return time.perf_counter() - t


def time_suite_without_record(cfg, seed: int) -> tuple[float, Evaluator]:
    """The suite's NSGA-II through its Evaluator (budget, front), no log, no progress, no cache."""
    algorithm, problem = build(cfg.algorithm, "algorithm"), build(cfg.problem, "problem")
    evaluator = Evaluator(problem, cfg.budget)
    t = time.perf_counter()
    try:
        algorithm.run(evaluator, seed)
    except BudgetExhausted:
        pass
    return time.perf_counter() - t, evaluator


def time_record(problem, X: np.ndarray, F: np.ndarray, path: Path) -> float:
    """Render every row as the run record does (one generation of 100 rows at a time, through
    the record's own EvaluationLog) and append it to evaluations.csv once."""
    log = EvaluationLog(
        path,
        evaluation_columns(
            [f"x{i}" for i in range(problem.n_var)],
            problem.objective_names,
            list(problem.extra_names),
        ),
        flush_every_s=float("inf"),
    )
    t = time.perf_counter()
    for start in range(0, len(X), 100):
        ids = np.arange(start, min(start + 100, len(X)))
        log.commit(
            render_lines(
                ids,
                start // 100,
                X[ids],
                F[ids],
                np.zeros(len(ids), bool),
                np.full(len(ids), 1e-5),
                [],
            )
        )
    log.close()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--budget", type=int, default=10_000)
    args = ap.parse_args()
    register_configs()
    with initialize_config_module(config_module="hamp_bench.conf", version_base="1.3"):
        cfgs = [
            compose(
                config_name="config",
                overrides=[
                    "algorithm=nsga2",
                    "problem=zdt1",
                    f"budget={args.budget}",
                    f"seed={seed}",
                    "progress.mode=off",
                    "cache.enabled=false",
                ],
            )
            for seed in range(args.repeats)
        ]
    time_pymoo(1000, 0)  # warm both paths
    time_suite_without_record(cfgs[0], 0)
    pymoo_s, suite_s, record_s = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed, cfg in enumerate(cfgs):  # interleaved, so drift hits every side alike
            pymoo_s.append(time_pymoo(args.budget, seed))
            s, ev = time_suite_without_record(cfg, seed)
            suite_s.append(s)
            X, F = _evaluations(ev.problem, args.budget, seed)
            record_s.append(time_record(ev.problem, X, F, Path(tmp) / "evaluations.csv"))
    p, s, r = (statistics.median(v) for v in (pymoo_s, suite_s, record_s))
    n_values = args.budget * (X.shape[1] + F.shape[1])
    print(f"NSGA-II on ZDT1, {args.budget} evaluations, median of {args.repeats} runs")
    print(f"  pymoo alone             : {p:.3f} s")
    print(f"  suite without a record  : {s:.3f} s  ({s / p:.2f}x pymoo)")
    print(
        f"  rendering + writing evaluations.csv ({n_values:,} genome and objective values): "
        f"{r:.3f} s"
    )


def _evaluations(problem, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n random genomes of the problem and their objectives (not timed): full-precision floats
    like a run's, so rendering them costs what rendering the run's record costs."""
    X = np.random.default_rng(seed).uniform(problem.xl, problem.xu, (n, problem.n_var))
    return X, problem.evaluate(X).F


if __name__ == "__main__":
    main()
