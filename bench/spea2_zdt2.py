"""SPEA2 on ZDT2 at 20,000 evaluations: the ratio of the run's normalised hypervolume to the
true front's (as tests/test_validation_fronts.py computes it), per seed, for

- `ours`: the suite's `spea2` (Platypus behind our adapter, population 100), whose mating
  tournament prefers the lower SPEA2 fitness (`corrected_mating: true`, the default);
- `ours_stock`: the same with `corrected_mating=false`: Platypus' tournament as released;
- `platypus`: Platypus' SPEA2 on Platypus' own ZDT2, no hamp_bench code, `random.seed(seed)`;
- `pymoo`: pymoo's SPEA2 on pymoo's ZDT2, population 100, `seed=seed`;
- `platypus_fixed` (only with --fixed): as `platypus`, but the mating tournament prefers the
  lower SPEA2 fitness (Platypus' default prefers the higher one; docs/algorithms.md,
  "SPEA2 on ZDT2").

Every column scores the non-dominated set of all evaluations of the run (the test's measure),
normalised with the sampled true front's ideal and nadir, reference point 1.1. In brackets:
the largest f1 on that set (about 1 when the front's f1 = 1 end is reached).

    python bench/spea2_zdt2.py [--seeds 0 1 2 3 4] [--jobs 2] [--fixed] [--columns ours ...]

Each Platypus run takes about 50 s of one core (its SPEA2 is pure Python), a pymoo run about
8 s: the default table (5 seeds, 3 columns) needs about 9 minutes of CPU, so about 4.5 minutes
with --jobs 2 on two idle cores; --fixed adds about 4 minutes of CPU. (Measured: 12.4 minutes
of CPU with --fixed; 20 minutes of wall time on our 2 cores shared with other jobs.)
"""

from __future__ import annotations

import argparse
import random
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import platypus
from pymoo.algorithms.moo.spea2 import SPEA2 as PymooSPEA2
from pymoo.optimize import minimize
from pymoo.problems.multi.zdt import ZDT2 as PymooZDT2

from hamp_bench.algorithms.platypus_moeas import SPEA2
from hamp_bench.evaluator import Evaluator
from hamp_bench.pareto import nondominated_mask
from hamp_bench.problems.benchmarks import PymooBenchmark

BUDGET, POP = 20000, 100


def _score(F: np.ndarray) -> tuple[float, float]:
    p = PymooBenchmark("zdt2", "zdt2")
    F = F[nondominated_mask(F)]
    hv = p.space.hypervolume(F)
    true = p.space.hypervolume(p.true_front())
    return hv / true, float(F[:, 0].max())


def run_ours(seed: int, corrected: bool = True) -> np.ndarray:
    evaluator = Evaluator(PymooBenchmark("zdt2", "zdt2"), BUDGET)
    SPEA2(pop_size=POP, corrected_mating=corrected).run(evaluator, seed)
    assert evaluator.used == BUDGET
    return evaluator.front.F


def run_ours_stock(seed: int) -> np.ndarray:
    return run_ours(seed, corrected=False)


def run_platypus(seed: int, fixed: bool = False) -> np.ndarray:
    log = []

    class LoggedZDT2(platypus.ZDT2):
        def evaluate(self, solution):
            super().evaluate(solution)
            log.append(list(solution.objectives))

    random.seed(seed)
    algorithm = platypus.SPEA2(LoggedZDT2(), population_size=POP)
    if fixed:
        algorithm.selection = platypus.TournamentSelector(
            2, dominance=platypus.AttributeDominance(platypus.fitness_key, larger_preferred=False)
        )
    algorithm.run(BUDGET)
    assert len(log) == BUDGET
    return np.array(log)


def run_pymoo(seed: int) -> np.ndarray:
    log = []

    class LoggedZDT2(PymooZDT2):
        def _evaluate(self, x, out, *args, **kwargs):
            super()._evaluate(x, out, *args, **kwargs)
            log.append(np.atleast_2d(out["F"]))

    minimize(LoggedZDT2(), PymooSPEA2(pop_size=POP), ("n_eval", BUDGET), seed=seed)
    F = np.vstack(log)
    assert len(F) == BUDGET
    return F


RUNNERS = {
    "ours": run_ours,
    "ours_stock": run_ours_stock,
    "platypus": run_platypus,
    "pymoo": run_pymoo,
    "platypus_fixed": lambda seed: run_platypus(seed, fixed=True),
}


def _cell(column: str, seed: int) -> tuple[str, int, float, float]:
    return (column, seed, *_score(RUNNERS[column](seed)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--fixed",
        action="store_true",
        help="add Platypus' SPEA2 with the mating tournament preferring lower fitness",
    )
    ap.add_argument(
        "--columns",
        nargs="+",
        choices=sorted(RUNNERS),
        default=None,
        help="only these columns (default: ours ours_stock platypus pymoo)",
    )
    args = ap.parse_args()
    columns = args.columns or (
        ["ours", "ours_stock", "platypus", "pymoo"] + (["platypus_fixed"] if args.fixed else [])
    )
    start = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        # the slow Platypus cells first, so that the pool ends evenly
        jobs = [
            pool.submit(_cell, c, s)
            for c in sorted(columns, key=lambda c: c == "pymoo")
            for s in args.seeds
        ]
        cells = {}
        for job in jobs:
            column, seed, ratio, f1_max = job.result()
            cells[column, seed] = f"{ratio:.3f} ({f1_max:.2f})"
    print(
        f"SPEA2 on ZDT2, {BUDGET} evaluations, population {POP}: hypervolume ratio "
        "(largest f1 on the front)"
    )
    print("| seed | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for s in args.seeds:
        print(f"| {s} | " + " | ".join(cells[c, s] for c in columns) + " |")
    print(f"wall time {time.perf_counter() - start:.0f} s with --jobs {args.jobs}")


if __name__ == "__main__":
    main()
