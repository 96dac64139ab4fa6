"""Final hypervolume (inside the region of interest) of algorithm variants over seeds, without
run records: how HAMP's changes were chosen on the 2-objective surrogate problems (docs/hamp.md,
"What each change bought"). Each variant is a preset with optional overrides:

    python bench/hamp_tuning.py --problems resnet20_digits_sur2,vgg16_digits_sur2 \\
        --budget 2000 --seeds 20 hamp "hamp algorithm.prescreen=1" nsga2_prescreen

prints per problem and variant the median, mean and IQR of the final hypervolume and the mean
seconds per run, and the mean of the medians over the problems. Runs are those the suite would
make (same composition, same evaluator), only nothing is written."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_module

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _problem import build_problem  # noqa: E402

from hamp_bench.components import resolve  # noqa: E402
from hamp_bench.errors import BudgetExhausted  # noqa: E402
from hamp_bench.evaluator import Evaluator  # noqa: E402


def final_hypervolumes(problem, cfg_for, preset: str, overrides: list[str], seeds, budget):
    hvs, start = [], time.perf_counter()
    for seed in seeds:
        cfg = cfg_for([f"algorithm={preset}", f"budget={budget}", f"seed={seed}", *overrides])
        cls, kwargs = resolve(cfg.algorithm, "algorithm")
        evaluator = Evaluator(problem, budget)
        try:
            cls(**kwargs).run(evaluator, seed)
        except BudgetExhausted:
            pass
        hvs.append(problem.space.hypervolume(evaluator.front.F))
    return np.array(hvs), (time.perf_counter() - start) / len(seeds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", default="resnet20_digits_sur2,vgg16_digits_sur2")
    ap.add_argument("--budget", type=int, default=2000)
    ap.add_argument("--seeds", type=int, default=20, help="seeds 0 .. N-1")
    ap.add_argument("variants", nargs="+", help='a preset, or "preset override override ..."')
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    medians: dict[str, list[float]] = {v: [] for v in args.variants}
    for name in args.problems.split(","):
        problem, _ = build_problem(name)
        with initialize_config_module(config_module="hamp_bench.conf", version_base="1.3"):

            def cfg_for(overrides, name=name):
                return compose(config_name="config", overrides=[f"problem={name}", *overrides])

            for variant in args.variants:
                preset, *overrides = variant.split()
                hv, seconds = final_hypervolumes(
                    problem, cfg_for, preset, overrides, range(args.seeds), args.budget
                )
                q1, med, q3 = np.quantile(hv, [0.25, 0.5, 0.75])
                medians[variant].append(med)
                print(
                    f"{name:26s} {variant:45s} median {med:.4f} mean {hv.mean():.4f} "
                    f"IQR {q3 - q1:.4f}  {seconds:.2f} s/run",
                    flush=True,
                )
    print("mean of the medians over the problems:")
    for variant, m in medians.items():
        print(f"  {variant:45s} {np.mean(m):.4f}")


if __name__ == "__main__":
    main()
