"""How far is the suite's fake-quantised error (weights at 8 bits, fp32 arithmetic) from real
int8 inference (onnxruntime's static QDQ quantisation of weights and activations)? For every
pre-pruned checkpoint of an EMOMC problem, the configuration with all layers at 8 bits: its
validation error both ways, the one-thread latency on this CPU of the fp32 and int8 ONNX models
(median of 30 runs; a ratio, since the machine is shared), and the mean time of the suite's own
evaluation of those configurations.

    python bench/emomc_int8.py emomc_vgg16_digits
    python bench/emomc_int8.py emomc_vgg16_digits 'problem.densities=[0.8,0.5,0.2]'

An EMOMC problem preset, then overrides as a run takes them (Hydra syntax). Figures in
docs/emomc.md ("Real int8")."""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _problem import build_problem  # noqa: E402

from hamp_bench.problems.emomc.int8 import (  # noqa: E402
    INT8_BITS,
    onnx_error,
    onnx_latency_ms,
    quantise_int8,
)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if len(sys.argv) < 2:
        raise SystemExit("usage: python bench/emomc_int8.py EMOMC_PRESET [override ...]")
    problem, _ = build_problem(sys.argv[1], sys.argv[2:])
    val, shape = problem.data.val, (problem.data.channels, *[problem.data.image_size] * 2)
    calibration = problem.data.train.x[:256]
    print(f"{problem.name}: {len(val)} validation images, {problem.n_var - 1} layers at 8 bits")
    print("density  fake-quantised error  int8 error  difference  fp32 ms  int8 ms  speed-up")
    seconds = []
    for i, density in enumerate(problem.densities):
        genome = [i] + [INT8_BITS] * (problem.n_var - 1)
        start = time.perf_counter()
        fake = float(problem.evaluate(genome).F[0, 0])
        seconds.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as tmp:
            fp32, int8 = quantise_int8(problem.checkpoints[i], calibration, Path(tmp))
            real = onnx_error(int8, val.x, val.y)
            t32, t8 = onnx_latency_ms(fp32, shape), onnx_latency_ms(int8, shape)
        print(
            f"{density:7.2f}  {fake:20.4f}  {real:10.4f}  {real - fake:+10.4f}  "
            f"{t32:7.3f}  {t8:7.3f}  {t32 / t8:8.2f}"
        )
    print(
        f"one evaluation (the suite's, fake-quantised; {problem.threads} torch thread(s)): "
        f"{sum(seconds) / len(seconds):.2f} s on average"
    )


if __name__ == "__main__":
    main()
