"""Time to build a full report (tables, statistics, every figure) for 5 algorithms x 31 runs x
2 problems (target: under 60 s on the 2-core development machine). The runs themselves are made
first (ZDT1 and the 3-objective DTLZ2, 3,000 evaluations each) and are not timed.

    python bench/report_speed.py [--runs-dir /tmp/hamp_bench_report_bench] [--budget 3000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from hydra import compose, initialize_config_module

from hamp_bench.cli.configs import register_configs
from hamp_bench.reports.build import build_report
from hamp_bench.runner import run_experiment

ALGORITHMS = ("nsga2", "nsga3", "moead", "random", "lhs")
PROBLEMS = ("zdt1", "dtlz2")
SEEDS = 31


def make_runs(root: Path, budget: int) -> None:
    register_configs()
    with initialize_config_module(config_module="hamp_bench.conf", version_base="1.3"):
        for problem in PROBLEMS:
            for alg in ALGORITHMS:
                for seed in range(SEEDS):
                    run_dir = root / f"{problem}-{alg}-{seed}"
                    if (run_dir / "run.json").is_file():
                        continue
                    cfg = compose(
                        config_name="config",
                        overrides=[
                            f"algorithm={alg}",
                            f"problem={problem}",
                            f"budget={budget}",
                            f"seed={seed}",
                            "progress.mode=off",
                            "cache.enabled=false",
                        ],
                    )
                    run_experiment(cfg, run_dir)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs-dir", type=Path, default=Path("/tmp/hamp_bench_report_bench"))
    ap.add_argument("--budget", type=int, default=3000)
    args = ap.parse_args()
    t = time.perf_counter()
    make_runs(args.runs_dir / "runs", args.budget)
    print(
        f"runs ready ({len(ALGORITHMS)} algorithms x {SEEDS} seeds x {len(PROBLEMS)} problems, "
        f"{args.budget} evaluations each) in {time.perf_counter() - t:.0f} s"
    )
    t = time.perf_counter()
    build_report([args.runs_dir / "runs"], args.runs_dir / "report", reference="nsga2")
    print(f"report with figures: {time.perf_counter() - t:.1f} s (target < 60 s)")


if __name__ == "__main__":
    main()
