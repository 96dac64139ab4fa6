"""Real int8 inference of an EMOMC configuration with every layer at 8 bits: the pruned
checkpoint exported to ONNX and quantised by onnxruntime's static quantisation (QDQ format,
int8 weights symmetric per channel, int8 activations calibrated on training images), then run
by onnxruntime on this CPU.

The suite's evaluation quantises weights only and computes in fp32 (fake quantisation); the
int8 model quantises activations too, with onnxruntime's own scales. `bench/emomc_int8.py`
measures how far the two errors are apart. Bit widths other than 8 have no CPU kernel in
onnxruntime (its integer kernels are 8-bit; 4-bit weights exist only for MatMul), so they are
fake-quantised only."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from hamp_bench.problems.export import onnx_model

INT8_BITS = 8


class _Calibration:
    """onnxruntime's CalibrationDataReader protocol over batches of training images."""

    def __init__(self, x: torch.Tensor, batch: int):
        self.batches = iter([{"x": x[i : i + batch].numpy()} for i in range(0, len(x), batch)])

    def get_next(self):
        return next(self.batches, None)


def quantise_int8(
    net: torch.nn.Module, calibration: torch.Tensor, folder: Path, batch: int = 32
) -> tuple[Path, Path]:
    """Write `net` as fp32 ONNX and as its QDQ int8 quantisation into `folder` (after
    onnxruntime's recommended pre-processing); return both paths. `calibration`: images
    (N, C, H, W) the activation ranges are taken from."""
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    folder.mkdir(parents=True, exist_ok=True)
    fp32, int8 = folder / "model_fp32.onnx", folder / "model_int8.onnx"
    fp32.write_bytes(onnx_model(net, calibration[:1]))
    prepared = folder / "model_prepared.onnx"  # shapes inferred, BN folded into convs
    quant_pre_process(str(fp32), str(prepared))
    quantize_static(
        str(prepared),
        str(int8),
        _Calibration(calibration, batch),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"ActivationSymmetric": False, "WeightSymmetric": True},
    )
    return fp32, int8


def session(path: Path, threads: int = 1):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_error(path: Path, x: torch.Tensor, y: torch.Tensor, batch: int = 256) -> float:
    """Top-1 error of an ONNX model on images x with labels y."""
    s = session(path)
    wrong = 0
    for i in range(0, len(x), batch):
        (logits,) = s.run(None, {"x": x[i : i + batch].numpy()})
        wrong += int((logits.argmax(1) != y[i : i + batch].numpy()).sum())
    return wrong / len(x)


def onnx_latency_ms(path: Path, shape: tuple[int, ...], runs: int = 30) -> float:
    """Median latency of one image through the model, one thread, after 5 warm-up runs."""
    s = session(path)
    x = {"x": np.zeros((1, *shape), dtype=np.float32)}
    for _ in range(5):
        s.run(None, x)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        s.run(None, x)
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def count_ops(path: Path, op: str) -> int:
    import onnx

    return sum(node.op_type == op for node in onnx.load(str(path)).graph.node)
