"""Cost of one candidate evaluation against its bare compute, and real reductions of pruning.

1. For random genomes of the offline default problem (VGG-16 on digits, 5 fine-tuning steps,
   4 batches of BN recalibration, the whole validation split), the time of a full evaluation
   through the Evaluator (pruning surgery, fine-tuning with its data handling, recalibration,
   validation error, cheap objectives, records) against the bare forward/backward passes of
   the same pruned network on the same images (target: at most 15% overhead).
2. MACs, parameters and measured batch-1 CPU latency (torch, eager) of uniformly pruned
   VGG-16s against the unpruned one.

    python bench/evaluation_overhead.py [--genomes 8] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from hamp_bench.cli.configs import register_configs
from hamp_bench.components import build
from hamp_bench.evaluator import Evaluator
from hamp_bench.problems.pruning import kept_channels, prune
from hamp_bench.run_record import EvaluationLog, evaluation_columns


def bare_seconds(problem, genome) -> float:
    """The same pruned network, fine-tuning steps and validation passes, nothing else."""
    net = prune(problem.base, kept_channels(problem.rankings, problem.keep(genome)[0]))
    f, train, val = problem.fidelity, problem.data.train, problem.data.val
    gen = torch.Generator().manual_seed(0)
    batches = [
        torch.randint(0, len(train), (f.finetune_batch,), generator=gen)
        for _ in range(f.finetune_steps)
    ]
    xs = [(train.x[i], train.y[i]) for i in batches]
    opt = torch.optim.SGD(net.parameters(), lr=f.finetune_lr, momentum=0.9)
    t = time.perf_counter()
    net.train()
    for x, y in xs:
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        for b in range(f.bn_batches):  # adaptive BN: forward passes in training mode
            net(train.x[b * 64 : (b + 1) * 64])
        net.eval()
        n = len(val) if f.val_size is None else min(f.val_size, len(val))
        for s in range(0, n, 256):
            net(val.x[s : min(s + 256, n)])
    return time.perf_counter() - t


def suite_seconds(problem, genome, workdir: Path) -> float:
    log = EvaluationLog(
        workdir / "evaluations.csv",
        evaluation_columns(
            [f"x{i}" for i in range(problem.n_var)],
            problem.objective_names,
            list(problem.extra_names),
        ),
    )
    ev = Evaluator(problem, budget=1, log=log)
    t = time.perf_counter()
    ev.evaluate(genome[None, :])
    log.close()
    return time.perf_counter() - t


def latency_ms(net, example, repeats=30) -> float:
    net.eval()
    with torch.no_grad():
        for _ in range(5):
            net(example)
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            net(example)
            times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--genomes", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--problem", default="vgg16_digits")
    args = ap.parse_args()
    register_configs()
    with initialize_config_module(config_module="hamp_bench.conf", version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"problem={args.problem}"])
    OmegaConf.resolve(cfg)
    problem = build(cfg.problem, "problem")
    rng = np.random.default_rng(0)
    genomes = rng.integers(problem.xl, problem.xu + 1, size=(args.genomes, problem.n_var))

    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        suite_seconds(problem, genomes[0], Path(tmp))  # warm-up
        bare_seconds(problem, genomes[0])
        print(f"{args.problem}: full evaluation vs bare compute, median of {args.repeats}")
        for g in genomes:
            s = statistics.median(suite_seconds(problem, g, Path(tmp)) for _ in range(args.repeats))
            b = statistics.median(bare_seconds(problem, g) for _ in range(args.repeats))
            ratios.append(s / b)
            print(
                f"  MACs {problem.costs.macs(problem.keep(g))[0] / 1e6:7.1f} M: "
                f"evaluation {s:.3f} s, bare {b:.3f} s, overhead {100 * (s / b - 1):+.1f}%"
            )
    print(f"  median overhead: {100 * (statistics.median(ratios) - 1):+.1f}% (target <= 15%)")

    print(
        "\nUniformly pruned VGG-16 (32x32 input), batch-1 CPU latency, torch eager, "
        f"{torch.get_num_threads()} threads, median of 30"
    )
    example = problem.base.example_input()
    base_ms = latency_ms(problem.base, example)
    base_macs = problem.costs.macs(problem.keep(problem.xu))[0]
    for level in (16, 12, 8, 4, 2):
        genome = np.full(problem.n_var, level)
        net = prune(problem.base, kept_channels(problem.rankings, problem.keep(genome)[0]))
        keep = problem.keep(genome)
        ms = latency_ms(net, example)
        print(
            f"  keep {level:2d}/16: MACs {problem.costs.macs(keep)[0] / 1e6:7.1f} M "
            f"({problem.costs.macs(keep)[0] / base_macs:5.1%}), params "
            f"{problem.costs.params(keep)[0] / 1e6:6.2f} M, latency {ms:6.2f} ms "
            f"({ms / base_ms:5.1%})"
        )


if __name__ == "__main__":
    main()
