"""Why adaptive BN: validation error of uniformly pruned VGG-16s on digits (the offline default
problem, `vgg16_digits`) with the unpruned network's BN statistics against statistics
recomputed from the problem's 4 x 64 training images (`problem.fidelity.bn_batches`).

Each figure is the problem's own evaluation of the genome that keeps the same level in every
layer, with `bn_batches` set to 0 (old statistics) and to the preset's 4, and `finetune_steps`
as given (default 0: pruning alone). Trains the base model first when the cache
($HAMP_BENCH_CACHE_DIR) has none (about 75 s on 2 cores).

    python bench/adaptive_bn.py [--levels 14 12 8] [--finetune-steps 0]
"""

from __future__ import annotations

import argparse

import numpy as np
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from hamp_bench.cli.configs import register_configs
from hamp_bench.components import build


def validation_errors(levels: list[int], bn_batches: int, finetune_steps: int) -> list[float]:
    with initialize_config_module(config_module="hamp_bench.conf", version_base="1.3"):
        cfg = compose(
            config_name="config",
            overrides=[
                "problem=vgg16_digits",
                f"problem.fidelity.bn_batches={bn_batches}",
                f"problem.fidelity.finetune_steps={finetune_steps}",
            ],
        )
    OmegaConf.resolve(cfg)
    problem = build(cfg.problem, "problem")
    col = problem.objective_names.index("error")
    X = np.array([np.full(problem.n_var, level) for level in levels])
    return problem.evaluate(X).F[:, col].tolist()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--levels",
        type=int,
        nargs="+",
        default=[14, 12, 8],
        help="keep levels out of 16, the same in every layer",
    )
    ap.add_argument("--finetune-steps", type=int, default=0)
    args = ap.parse_args()
    register_configs()
    old = validation_errors(args.levels, 0, args.finetune_steps)
    new = validation_errors(args.levels, 4, args.finetune_steps)
    print(
        f"vgg16_digits, uniform pruning, {args.finetune_steps} fine-tuning steps: validation error"
    )
    print("| keep | unpruned network's BN statistics | recomputed (4 x 64 training images) |")
    print("|---|---|---|")
    for level, a, b in zip(args.levels, old, new):
        print(f"| {level}/16 | {a:.1%} | {b:.1%} |")


if __name__ == "__main__":
    main()
