"""Timing a torch module on this machine: exported to ONNX and run by onnxruntime (the default,
what deployment looks like), or run by torch itself (CUDA events on a GPU). Shared by the live
profile, the table recorder and table validation, so all three time the same way.

A requested execution provider that this machine cannot run is an error, never a silent
switch to the CPU.
"""

from __future__ import annotations

import io
import time
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from hamp_bench.errors import ConfigError

#: short names for onnxruntime execution providers
PROVIDERS = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider",
             "tensorrt": "TensorrtExecutionProvider"}
RUNTIMES = ("onnxruntime", "torch")


@dataclass(frozen=True)
class TimingConfig:
    runtime: str = "onnxruntime"
    provider: str = "cpu"  # onnxruntime: cpu, cuda, tensorrt; torch: cpu or cuda
    threads: int = 0  # intra-op threads (0: the runtime's default)
    warmup: int = 5
    repeats: int = 20

    def check(self, where: str = "hardware") -> None:
        if self.runtime not in RUNTIMES:
            raise ConfigError(f"{where}.runtime={self.runtime!r} is unknown; choose one of {RUNTIMES}")
        if self.warmup < 0 or self.repeats < 1 or self.threads < 0:
            raise ConfigError(f"{where}: warmup >= 0, repeats >= 1 and threads >= 0 are required, "
                              f"got warmup={self.warmup}, repeats={self.repeats}, threads={self.threads}")
        if self.runtime == "onnxruntime":
            import onnxruntime as ort

            if self.provider not in PROVIDERS:
                raise ConfigError(f"{where}.provider={self.provider!r} is unknown; choose one of "
                                  f"{sorted(PROVIDERS)}")
            if PROVIDERS[self.provider] not in ort.get_available_providers():
                raise ConfigError(
                    f"{where}.provider={self.provider}: onnxruntime {ort.__version__} on this machine "
                    f"offers only {ort.get_available_providers()}; install the matching onnxruntime "
                    f"build (e.g. onnxruntime-gpu) or choose {where}.provider=cpu")
        else:
            if self.provider not in ("cpu", "cuda"):
                raise ConfigError(f"{where}.provider={self.provider!r} is unknown for runtime=torch; "
                                  "choose cpu or cuda")
            if self.provider == "cuda" and not torch.cuda.is_available():
                raise ConfigError(f"{where}.provider=cuda but torch sees no CUDA device here; "
                                  f"choose {where}.provider=cpu")

    def describe(self) -> dict:
        """What a manifest or run.json records about how times were taken."""
        import onnxruntime as ort

        version = ort.__version__ if self.runtime == "onnxruntime" else torch.__version__
        return {"runtime": self.runtime, "runtime_version": version,
                "execution_provider": PROVIDERS.get(self.provider, self.provider)
                if self.runtime == "onnxruntime" else self.provider,
                "threads": self.threads or "runtime default", "warmup": self.warmup,
                "repeats": self.repeats}


@dataclass(frozen=True)
class Timing:
    median_ms: float
    iqr_ms: float
    onnx_mb: float = float("nan")  # size of the exported model (weights and graph)


def onnx_bytes(module: nn.Module, example: torch.Tensor) -> bytes:
    """The module exported to ONNX by the TorchScript exporter (no onnxscript needed)."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), example, buf, dynamo=False, input_names=["x"],
                          output_names=["y"], opset_version=17)
    return buf.getvalue()


def _summary(times_ms: list[float]) -> tuple[float, float]:
    q1, med, q3 = np.percentile(times_ms, [25, 50, 75])
    return float(med), float(q3 - q1)


def time_module(module: nn.Module, example: torch.Tensor, cfg: TimingConfig) -> Timing:
    """Median and IQR of `cfg.repeats` timed forward passes after `cfg.warmup` untimed ones."""
    module = module.eval()
    if cfg.runtime == "onnxruntime":
        import onnxruntime as ort

        model = onnx_bytes(module, example)
        so = ort.SessionOptions()
        so.intra_op_num_threads = cfg.threads
        so.log_severity_level = 3
        session = ort.InferenceSession(model, so, providers=[PROVIDERS[cfg.provider]])
        feed = {"x": example.numpy()}
        for _ in range(cfg.warmup):
            session.run(None, feed)
        times = []
        for _ in range(cfg.repeats):
            t = time.perf_counter_ns()
            session.run(None, feed)
            times.append((time.perf_counter_ns() - t) / 1e6)
        return Timing(*_summary(times), onnx_mb=len(model) / 1e6)

    device = torch.device(cfg.provider)
    module, example = module.to(device), example.to(device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    times = []
    with torch.inference_mode():
        for _ in range(cfg.warmup):
            module(example)
        for _ in range(cfg.repeats):
            if device.type == "cuda":
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                module(example)
                end.record()
                torch.cuda.synchronize()
                times.append(start.elapsed_time(end))
            else:
                t = time.perf_counter_ns()
                module(example)
                times.append((time.perf_counter_ns() - t) / 1e6)
    return Timing(*_summary(times))
