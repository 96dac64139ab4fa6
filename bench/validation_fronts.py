"""Ratio of each MOEA's final normalised hypervolume to the sampled true front's, on ZDT1-3 and
DTLZ2: the runs of tests/test_validation_fronts.py (same algorithms, budgets and seed; HAMP with
`algorithm.ls_every=10` as there), printed as the table in docs/algorithms.md, 4 decimals.

The test only asserts a ratio of at least 0.95 per cell; the figures in the docs come from this
script. Cells run one after another in this process (records in a temporary folder, evaluation
cache off: it never changes a result); each cell's wall time is printed as it finishes. On the
2 shared cores of the development machine the whole table took 21 minutes: HAMP's row 220 s
since issue #17 (26 to 68 s a cell), SPEA2's and IBEA's cells 0.5 to 3 minutes each, the
others 5 to 60 s.

    python bench/validation_fronts.py                                 # every cell
    python bench/validation_fronts.py --algorithms hamp               # HAMP's row only
    python bench/validation_fronts.py --algorithms nsga2 ibea --problems zdt1 dtlz2 --seed 0
    python bench/validation_fronts.py --algorithms moead --problems zdt2 --budget 10000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from hydra import compose, initialize_config_module

from hamp_bench.cli.configs import register_configs
from hamp_bench.runner import run_experiment

# as in tests/test_validation_fronts.py
MOEAS = ["hamp", "nsga2", "nsga3", "smsemoa", "moead", "agemoea", "spea2", "ibea", "emoea"]
PROBLEMS = ["zdt1", "zdt2", "zdt3", "dtlz2"]
CONSTRAINED = ["bnh", "srn", "c2dtlz2"]  # feasible points only count
BUDGET = {"zdt1": 20000, "zdt2": 20000, "zdt3": 20000, "dtlz2": 10000}
BUDGET.update(dict.fromkeys(CONSTRAINED, 20000))
EXTRA = {"hamp": ["algorithm.ls_every=10"]}  # cheap functions: local search less often


def ratio(algorithm: str, problem: str, seed: int, budget: int, workdir: Path) -> float:
    """Final normalised hypervolume of one run over that of the problem's sampled true front."""
    with initialize_config_module(config_module="hamp_bench.conf", version_base="1.3"):
        cfg = compose(
            config_name="config",
            overrides=[
                f"algorithm={algorithm}",
                f"problem={problem}",
                f"budget={budget}",
                f"seed={seed}",
                "progress.mode=off",
                "cache.enabled=false",
                *EXTRA.get(algorithm, []),
            ],
        )
    out = run_experiment(cfg, workdir / f"{algorithm}-{problem}-seed{seed}")
    if out.evaluator.used != budget:
        raise RuntimeError(f"{algorithm} on {problem} used {out.evaluator.used} of {budget}")
    p = out.problem
    hv = p.space.hypervolume(out.evaluator.front.F)
    true = p.space.hypervolume(p.true_front())
    return hv / true


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--algorithms",
        nargs="+",
        default=MOEAS,
        choices=MOEAS,
        metavar="ALG",
        help=f"rows, of {', '.join(MOEAS)} (default: all)",
    )
    ap.add_argument(
        "--problems",
        nargs="+",
        default=PROBLEMS,
        choices=PROBLEMS + CONSTRAINED,
        metavar="PROBLEM",
        help=f"columns, of {', '.join(PROBLEMS + CONSTRAINED)} (default: the unconstrained)",
    )
    ap.add_argument(
        "--seed", type=int, default=1, help="seed of every run (default 1, as the test)"
    )
    ap.add_argument(
        "--budget",
        type=int,
        default=None,
        help="evaluations of every run (default: the test's, 20,000 ZDT / 10,000 DTLZ2)",
    )
    args = ap.parse_args(argv)
    register_configs()
    budget = {p: args.budget or BUDGET[p] for p in args.problems}
    table: dict[tuple[str, str], float] = {}
    total = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for alg in args.algorithms:
            for problem in args.problems:
                t = time.perf_counter()
                table[alg, problem] = ratio(alg, problem, args.seed, budget[problem], Path(tmp))
                print(
                    f"  {alg} on {problem} ({budget[problem]} evaluations): "
                    f"{table[alg, problem]:.4f} in {time.perf_counter() - t:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    print(
        f"Ratio of final normalised hypervolume to the sampled true front's, seed {args.seed}; "
        + ", ".join(f"{p} {budget[p]}" for p in args.problems)
        + " evaluations"
    )
    print("| algorithm | " + " | ".join(args.problems) + " |")
    print("|---|" + "---|" * len(args.problems))
    for alg in args.algorithms:
        name = alg + " (`ls_every=10`)" if alg in EXTRA else alg
        print(f"| {name} | " + " | ".join(f"{table[alg, p]:.4f}" for p in args.problems) + " |")
    print(f"total {time.perf_counter() - total:.0f} s")


if __name__ == "__main__":
    main()
