"""How fast a surrogate problem is: genomes per second in batches (problem.evaluate, the error
model in onnxruntime on one thread plus the exact latency and memory), split into its parts; and
a 2,000-evaluation NSGA-II run with its record, as run.json `wall_s`, beside the process
start-up of `python -m hamp_bench`, measured apart.

    python bench/surrogate_speed.py --problem vgg16_digits_sur [--batch 100000] [--repeats 5]
    python bench/surrogate_speed.py --problem surrogate problem.artifact=DIR problem.source=NAME

Targets (issue #16): >= 100,000 genomes/s on a VGG-16 genome; a 2,000-evaluation run under 5 s
of wall_s. Wall-clock figures, from one process on a machine that may be shared: repeat them."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _problem import build_problem  # noqa: E402


def best_rate(fn, n: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return n / min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problem", default="vgg16_digits_sur")
    ap.add_argument("--batch", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("overrides", nargs="*", help="config overrides, e.g. problem.artifact=DIR")
    args = ap.parse_args()
    p, _ = build_problem(args.problem, args.overrides)
    X = np.random.default_rng(0).integers(p.xl, p.xu, (args.batch, p.n_var), endpoint=True)
    from hamp_bench.problems.pruning_problem import cheap_columns

    print(f"{args.problem}: {p.n_var} genes, model {p.manifest['model']['kind']}")
    total = best_rate(lambda: p.evaluate(X), len(X), args.repeats)
    cheap = best_rate(
        lambda: cheap_columns(p.space_, p.profile, p.objective_keys, X), len(X), args.repeats
    )
    model = best_rate(lambda: p._predict_error(X), len(X), args.repeats)
    print(f"  evaluate (batch {len(X)}): {total:,.0f} genomes/s")
    print(f"    latency + memory alone: {cheap:,.0f} genomes/s")
    print(f"    error model + its features alone: {model:,.0f} genomes/s")

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "hamp_bench", "--help"], capture_output=True, check=True
        )
        startup_help = time.perf_counter() - t
        t = time.perf_counter()
        run = [sys.executable, "-m", "hamp_bench", f"problem={args.problem}", *args.overrides]
        run.append("algorithm=nsga2")
        subprocess.run(
            [*run, "budget=2000", "progress.mode=off", f"hydra.run.dir={tmp}/run"],
            capture_output=True,
            check=True,
        )
        process = time.perf_counter() - t
        wall = json.loads((Path(tmp) / "run" / "run.json").read_text())["wall_s"]
    print(f"  NSGA-II, 2,000 evaluations: run.json wall_s {wall:.2f} s (record included)")
    print(
        f"  the whole process: {process:.2f} s; start-up and problem build outside wall_s "
        f"{process - wall:.2f} s (`python -m hamp_bench --help` alone: {startup_help:.2f} s)"
    )


if __name__ == "__main__":
    main()
