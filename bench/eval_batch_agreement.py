"""Does the validation batch size change any error the search sees? (revision 1 vs 2)

Revision 2 of the pruning problem measures error rates in batches of 64 on a CPU, where
revision 1 used 256: the same images and weights, but sums in another order, so a prediction
could flip where two classes tie to the last bits. For random genomes of the offline default
problem, each fine-tuned network is scored at both batch sizes on the validation and the test
split; prints how many errors differ.

    python bench/eval_batch_agreement.py [--genomes 60] [override ...]
"""

from __future__ import annotations

import argparse

import numpy as np
from _problem import build_problem

from hamp_bench.problems.training import error_rate, torch_threads


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--genomes", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--problem", default="vgg16_digits")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. problem.model_dir=...")
    args = ap.parse_args()
    problem, cfg = build_problem(args.problem, args.overrides)
    rng = np.random.default_rng(args.seed)
    genomes = rng.integers(problem.xl, problem.xu + 1, size=(args.genomes, problem.n_var))
    differ = {"val": 0, "test": 0}
    largest = 0.0
    with torch_threads(problem.threads):
        for g in genomes:
            net = problem.pruned_network(g)
            for name, split in (("val", problem.data.val), ("test", problem.data.test)):
                e256, e64 = (error_rate(net, split, batch_size=b) for b in (256, 64))
                differ[name] += e256 != e64
                largest = max(largest, abs(e256 - e64))
    print(
        f"{args.problem}: {len(genomes)} random genomes (seed {args.seed}), error at batch 256 "
        f"vs 64: validation differs for {differ['val']}, test for {differ['test']}; "
        f"largest difference {largest:.4f}"
    )


if __name__ == "__main__":
    main()
