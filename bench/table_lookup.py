"""Latency-table lookups per second: genomes -> keep counts -> summed table entries, vectorised
(the shipped Jetson Nano tables; target: at least 100,000 genomes/s for VGG-16).

    python bench/table_lookup.py [--genomes 200000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from hamp_bench.problems.costs import CostModel, trace_layers
from hamp_bench.problems.hardware import build_profile
from hamp_bench.problems.hardware.table import NetworkShape, group_choices
from hamp_bench.problems.networks import build_network
from hamp_bench.problems.pruning import group_sizes, keep_counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--genomes", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    for name in ("vgg16", "resnet56", "mobilenetv2"):
        net = build_network(name, 3, 10, 32)
        costs = CostModel(trace_layers(net), len(net.channel_groups))
        sizes = group_sizes(net.channel_groups)
        profile = build_profile({"name": "jetson_nano"})
        t = time.perf_counter()
        profile.bind(costs, group_choices(sizes, 16, 1), NetworkShape(name, 1.0, 3, 32, 10))
        bind_s = time.perf_counter() - t
        genomes = np.random.default_rng(0).integers(1, 17, size=(args.genomes, len(sizes)))
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            profile.latency(costs, keep_counts(genomes, sizes, 16))
            times.append(time.perf_counter() - t)
        rate = args.genomes / statistics.median(times)
        print(f"{name:12s} {len(sizes):3d} genes, {len(costs.specs):3d} layers: "
              f"{rate:12,.0f} genomes/s (median of {args.repeats}; bind once {bind_s:.2f} s)")


if __name__ == "__main__":
    main()
