"""How well live timing agrees with itself on this machine: the same n random pruned networks
(CIFAR-10 shapes, drawn as `python -m hamp_bench.validate_table` draws them) are timed twice,
and the two measurements are compared by Kendall tau; so is each against the networks' MACs.
This is the ceiling a latency table's check against live timing can reach here
(docs/hardware.md, "Checking a table against live measurement").

`--mode sequential` times one network after another (all repeats of one, then the next);
`--mode interleaved` times them in `--rounds` rounds that each visit every network in a fresh
random order, as validate_table does. onnxruntime on the CPU, `--threads 0` for the runtime's
own thread pool, 1 for one intra-op thread (the recorder's and validate_table's default).

    python bench/retiming_agreement.py [--network vgg16] [--n 30] [--mode sequential] [--threads 0]
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats

from hamp_bench.problems.costs import CostModel, trace_layers
from hamp_bench.problems.hardware.timing import TimingConfig, time_interleaved, time_module
from hamp_bench.problems.networks import build_network
from hamp_bench.problems.pruning import group_sizes, keep_counts, kept_channels, prune


def measure(nets, example, cfg: TimingConfig, mode: str, rounds: int, seed: int) -> np.ndarray:
    if mode == "interleaved":
        return np.array([t.median_ms for t in time_interleaved(nets, example, cfg, rounds, seed)])
    return np.array([time_module(net, example, cfg).median_ms for net in nets])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--network", default="vgg16", choices=["vgg16", "resnet20", "resnet56", "mobilenetv2"]
    )
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--levels", type=int, default=16)
    ap.add_argument("--mode", default="sequential", choices=["sequential", "interleaved"])
    ap.add_argument("--rounds", type=int, default=10, help="interleaved mode: rounds")
    ap.add_argument(
        "--threads", type=int, default=0, help="intra-op threads (0: runtime's default)"
    )
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()

    net = build_network(args.network, 3, 10, 32)
    costs = CostModel(trace_layers(net), len(net.channel_groups))
    sizes = group_sizes(net.channel_groups)
    genomes = np.random.default_rng(args.seed).integers(
        1, args.levels + 1, size=(args.n, len(sizes))
    )
    keep = keep_counts(genomes, sizes, args.levels, 1)
    rankings = [np.arange(s) for s in sizes]
    nets = [prune(net, kept_channels(rankings, k)) for k in keep]
    cfg = TimingConfig(
        runtime="onnxruntime",
        provider="cpu",
        threads=args.threads,
        warmup=args.warmup,
        repeats=args.repeats,
    )
    cfg.check("timing")
    example = net.example_input()
    first = measure(nets, example, cfg, args.mode, args.rounds, args.seed)
    second = measure(nets, example, cfg, args.mode, args.rounds, args.seed + 1)
    macs = costs.macs(keep)

    def tau(a, b) -> float:
        return float(stats.kendalltau(a, b).statistic)

    print(
        f"{args.network}, {args.n} random pruned networks (seed {args.seed}), onnxruntime CPU, "
        f"threads {args.threads or 'runtime default'}, {args.mode}"
        + (f" ({args.rounds} rounds)" if args.mode == "interleaved" else "")
    )
    print(f"  Kendall tau, first vs second measurement: {tau(first, second):.3f}")
    print(f"  Kendall tau, MACs vs first measurement  : {tau(macs, first):.3f}")
    print(f"  Kendall tau, MACs vs second measurement : {tau(macs, second):.3f}")


if __name__ == "__main__":
    main()
