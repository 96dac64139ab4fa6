"""Latency-table lookups per second: genomes -> keep counts -> summed table entries, vectorised
(the shipped Jetson Nano tables; target: at least 100,000 genomes/s for VGG-16).

    python bench/table_lookup.py [--genomes 200000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from hamp_bench.problems.hardware.table_profile import JetsonNanoProfile
from hamp_bench.problems.search_space import PruningSpace


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--genomes", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    for name in ("vgg16", "resnet56", "mobilenetv2"):
        space = PruningSpace.of(name, 1.0, 3, 32, 10, levels=16)
        profile = JetsonNanoProfile()
        t = time.perf_counter()
        profile.bind(space)
        bind_s = time.perf_counter() - t
        genomes = np.random.default_rng(0).integers(1, 17, size=(args.genomes, space.n_var))
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            profile.latency(space.keep(genomes))
            times.append(time.perf_counter() - t)
        rate = args.genomes / statistics.median(times)
        print(
            f"{name:12s} {space.n_var:3d} genes, {len(space.costs.specs):3d} layers: "
            f"{rate:12,.0f} genomes/s (median of {args.repeats}; bind once {bind_s:.2f} s)"
        )


if __name__ == "__main__":
    main()
