"""FLOP rate of each phase of a pruning evaluation against a large matrix multiply, in one process.

For genomes of the offline default problem (VGG-16 on digits, default fidelity), each phase of
an evaluation is timed as the problem runs it (problems/training.py): fine-tuning (SGD steps),
adaptive-BN recalibration (forward passes in training mode) and validation (forward passes, no
gradients). Its FLOPs come from the cost model: a forward pass is 2 x MACs per image, a training
step 6 x MACs per image (forward + backward for inputs and weights; the usual 3x rule). The
reference is a float32 matrix multiply timed right before and after each genome, in this process
with the same threads, so machine load moves both. Printed per phase: GFLOP/s, and the ratio to
the matmul rate (median over genomes, with min and max).

    python bench/evaluation_flops.py [--genomes 8] [--record runs/.../evaluations.csv]
        [--matmul 2048] [override ...]

`--record` takes the genomes of a run (e.g. the default run's evaluations.csv); without it,
genomes are drawn uniformly from the search space. Trailing arguments are Hydra overrides of
the problem (e.g. problem.model_dir=/tmp/models).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
import torch
from _problem import build_problem
from omegaconf import OmegaConf

from hamp_bench.problems.training import error_rate, recalibrate_bn, sgd_train, torch_threads

PHASES = ("finetune", "bn_recalibration", "validation")


def matmul_gflops(n: int, repeats: int = 3) -> float:
    """Best of `repeats` n x n float32 matrix multiplies (GFLOP/s)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def phase_seconds(problem, genome: np.ndarray) -> dict[str, float]:
    """Each phase of `problem`'s evaluation of `genome`, timed apart (same code, same order)."""
    f = problem.fidelity
    net = problem.search_space.pruned(problem.keep(genome)[0], problem.rankings)
    out = {}
    t = time.perf_counter()
    sgd_train(net, problem.data.train, problem.finetune_recipe(genome), device=problem.device)
    out["finetune"] = time.perf_counter() - t
    t = time.perf_counter()
    recalibrate_bn(net, problem.data.train, f.bn_batches, device=problem.device)
    out["bn_recalibration"] = time.perf_counter() - t
    t = time.perf_counter()
    error_rate(net, problem.data.val, limit=f.val_size, device=problem.device)
    out["validation"] = time.perf_counter() - t
    return out


def phase_flops(problem, genome: np.ndarray) -> dict[str, float]:
    """FLOPs of each phase from the cost model's MACs per image."""
    f = problem.fidelity
    macs = float(problem.costs.macs(problem.keep(genome))[0])
    n_val = len(problem.data.val) if f.val_size is None else min(f.val_size, len(problem.data.val))
    n_bn = min(f.bn_batches * 64, len(problem.data.train))  # recalibrate_bn's batches of 64
    return {
        "finetune": 6 * macs * f.finetune_steps * f.finetune_batch,
        "bn_recalibration": 2 * macs * n_bn,
        "validation": 2 * macs * n_val,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--genomes", type=int, default=8)
    ap.add_argument("--record", help="evaluations.csv whose genomes to time (first --genomes)")
    ap.add_argument("--matmul", type=int, default=2048, help="matrix size of the reference")
    ap.add_argument("--problem", default="vgg16_digits")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. problem.model_dir=...")
    args = ap.parse_args()
    problem, cfg = build_problem(args.problem, args.overrides)
    if args.record:
        frame = pd.read_csv(args.record)
        genomes = frame[[f"x{i}" for i in range(problem.n_var)]].to_numpy(np.int64)
        idx = np.linspace(0, len(genomes) - 1, min(args.genomes, len(genomes))).round()
        genomes = genomes[idx.astype(int)]
        source = f"{len(genomes)} genomes spread over {args.record}"
    else:
        rng = np.random.default_rng(0)
        genomes = rng.integers(problem.xl, problem.xu + 1, size=(args.genomes, problem.n_var))
        source = f"{len(genomes)} uniform random genomes"

    with torch_threads(problem.threads):
        phase_seconds(problem, genomes[0])  # warm-up: allocator, kernels
        ratios: dict[str, list[float]] = {p: [] for p in PHASES}
        rates: dict[str, list[float]] = {p: [] for p in PHASES}
        shares: dict[str, list[float]] = {p: [] for p in PHASES}
        refs = []
        print(
            f"{args.problem}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
            f"{source}; fidelity {OmegaConf.to_container(cfg.problem.fidelity)}"
        )
        for g in genomes:
            before = matmul_gflops(args.matmul)
            secs = phase_seconds(problem, g)
            after = matmul_gflops(args.matmul)
            ref = (before + after) / 2
            refs.append(ref)
            flops = phase_flops(problem, g)
            total = sum(secs.values())
            line = []
            for p in PHASES:
                rate = flops[p] / secs[p] / 1e9
                rates[p].append(rate)
                ratios[p].append(rate / ref)
                shares[p].append(secs[p] / total)
                line.append(f"{p} {rate:5.1f} ({rate / ref:4.0%})")
            macs = problem.costs.macs(problem.keep(g))[0] / 1e6
            head = f"  MACs {macs:6.1f} M, {total:.2f} s, matmul {ref:5.1f} GFLOP/s: "
            print(head + ", ".join(line))
    ref = statistics.median(refs)
    print(f"matrix multiply ({args.matmul}^2 float32): median {ref:.1f} GFLOP/s")
    for p in PHASES:
        r = ratios[p]
        print(
            f"  {p:17s}: median {statistics.median(rates[p]):5.1f} GFLOP/s, "
            f"{statistics.median(r):4.0%} of the matmul (min {min(r):4.0%}, max {max(r):4.0%}), "
            f"{statistics.median(shares[p]):4.0%} of the evaluation's time"
        )


if __name__ == "__main__":
    main()
