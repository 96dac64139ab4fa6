"""Timing a torch module on this machine: exported to ONNX and run by onnxruntime (the default,
what deployment looks like), or run by torch itself (CUDA events on a GPU). Shared by the live
profile, the table recorder and table validation, so all three time the same way, with one
declaration of the settings (`TimingConfig`) and one set of defaults.

A requested execution provider that this machine cannot run is an error, never a silent
switch to the CPU. The module imports torch only when something is timed: the live profile's
config schema (which extends `TimingConfig`) is read at every command-line start.
"""

from __future__ import annotations

import copy
import io
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hamp_bench.errors import ConfigError

if TYPE_CHECKING:
    import torch
    from torch import nn

#: short names for onnxruntime execution providers
PROVIDERS = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
}
RUNTIMES = ("onnxruntime", "torch")


@dataclass
class TimingConfig:
    """How a network is timed: `warmup` untimed runs, then the median (and IQR) of `repeats`
    timed ones. One thread by default: on a shared machine the runtime's thread pool makes
    small layers' times noisy (docs/hardware.md), and tables recorded and checked here use it."""

    runtime: str = "onnxruntime"  # or torch
    provider: str = "cpu"  # onnxruntime: cpu, cuda, tensorrt; torch: cpu or cuda
    threads: int = 1  # intra-op threads (0: the runtime's default)
    warmup: int = 10
    repeats: int = 30

    def check(self, where: str = "hardware") -> None:
        if self.runtime not in RUNTIMES:
            raise ConfigError(
                f"{where}.runtime={self.runtime!r} is unknown; choose one of {RUNTIMES}"
            )
        if self.warmup < 0 or self.repeats < 1 or self.threads < 0:
            raise ConfigError(
                f"{where}: warmup >= 0, repeats >= 1 and threads >= 0 are required, "
                f"got warmup={self.warmup}, repeats={self.repeats}, threads={self.threads}"
            )
        if self.runtime == "onnxruntime":
            import onnxruntime as ort

            if self.provider not in PROVIDERS:
                raise ConfigError(
                    f"{where}.provider={self.provider!r} is unknown; choose one of "
                    f"{sorted(PROVIDERS)}"
                )
            if PROVIDERS[self.provider] not in ort.get_available_providers():
                raise ConfigError(
                    f"{where}.provider={self.provider}: onnxruntime {ort.__version__} on this "
                    f"machine offers only {ort.get_available_providers()}; install the matching "
                    "onnxruntime "
                    f"build (e.g. onnxruntime-gpu) or choose {where}.provider=cpu"
                )
        else:
            import torch

            if self.provider not in ("cpu", "cuda"):
                raise ConfigError(
                    f"{where}.provider={self.provider!r} is unknown for runtime=torch; "
                    "choose cpu or cuda"
                )
            if self.provider == "cuda" and not torch.cuda.is_available():
                raise ConfigError(
                    f"{where}.provider=cuda but torch sees no CUDA device here; "
                    f"choose {where}.provider=cpu"
                )

    def describe(self) -> dict:
        """What a manifest or run.json records about how times were taken."""
        if self.runtime == "onnxruntime":
            import onnxruntime as ort

            version = ort.__version__
        else:
            import torch

            version = torch.__version__
        return {
            "runtime": self.runtime,
            "runtime_version": version,
            "execution_provider": PROVIDERS.get(self.provider, self.provider)
            if self.runtime == "onnxruntime"
            else self.provider,
            "threads": self.threads or "runtime default",
            "warmup": self.warmup,
            "repeats": self.repeats,
        }


@dataclass(frozen=True)
class Timing:
    median_ms: float
    iqr_ms: float
    onnx_mb: float = float("nan")  # size of the exported model (weights and graph)


def onnx_bytes(module: nn.Module, example: torch.Tensor) -> bytes:
    """The module exported to ONNX by the TorchScript exporter (no onnxscript needed)."""
    import torch

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            example,
            buf,
            dynamo=False,
            input_names=["x"],
            output_names=["y"],
            opset_version=17,
        )
    return buf.getvalue()


def _summary(times_ms: list[float]) -> tuple[float, float]:
    q1, med, q3 = np.percentile(times_ms, [25, 50, 75])
    return float(med), float(q3 - q1)


def time_module(
    module: nn.Module, example: torch.Tensor, cfg: TimingConfig, copies: int = 1
) -> Timing:
    """Median and IQR of `cfg.repeats` timed forward passes after `cfg.warmup` untimed ones.

    `copies` > 1 loads that many instances of the model, each with its own weights in memory,
    and runs them in turn (`cfg.repeats` passes each): a layer timed so finds its weights
    evicted by the others, as inside a network whose weights exceed the cache.
    """
    if copies < 1:
        raise ConfigError(f"copies={copies}: at least one instance of the model is timed")
    runs, onnx_mb = _runners(module, example, cfg, copies)
    _warm(runs, cfg)
    times = [_timer(cfg)(run) for _ in range(cfg.repeats) for run in runs]
    return Timing(*_summary(times), onnx_mb=onnx_mb)


def time_interleaved(
    modules: list[nn.Module],
    example: torch.Tensor,
    cfg: TimingConfig,
    rounds: int = 10,
    seed: int = 0,
) -> list[Timing]:
    """Times of several models measured in `rounds` rounds, each visiting every model once in a
    fresh random order for ceil(`cfg.repeats` / rounds) passes: a slow spell of the machine
    (other tenants, clocks) then spreads over all models instead of biasing the few timed
    during it, which is what a comparison between models needs. All models stay loaded."""
    if rounds < 1:
        raise ConfigError(f"rounds={rounds}: at least one round of timing is needed")
    loaded = [_runners(m, example, cfg) for m in modules]
    runs = [r[0] for r, _ in loaded]
    _warm(runs, cfg)
    per_round = -(-cfg.repeats // rounds)
    timer, rng = _timer(cfg), np.random.default_rng(seed)
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for i in rng.permutation(len(runs)):
            times[i] += [timer(runs[i]) for _ in range(per_round)]
    return [Timing(*_summary(t), onnx_mb=mb) for t, (_, mb) in zip(times, loaded)]


def _runners(
    module: nn.Module, example: torch.Tensor, cfg: TimingConfig, copies: int = 1
) -> tuple[list[Callable[[], object]], float]:
    """`copies` callables, each running one forward pass of its own instance of the module (own
    weights in memory) as `cfg` says, and the size of the ONNX export in MB (NaN for torch)."""
    module = module.eval()
    if cfg.runtime == "onnxruntime":
        import onnxruntime as ort

        model = onnx_bytes(module, example)
        so = ort.SessionOptions()
        so.intra_op_num_threads = cfg.threads
        so.log_severity_level = 3
        feed = {"x": example.numpy()}
        sessions = [
            ort.InferenceSession(model, so, providers=[PROVIDERS[cfg.provider]])
            for _ in range(copies)
        ]
        return [lambda s=s: s.run(None, feed) for s in sessions], len(model) / 1e6

    import torch

    device = torch.device(cfg.provider)
    example = example.to(device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)

    def runner(instance: nn.Module):
        def run():
            with torch.inference_mode():
                instance(example)

        return run

    instances = [module.to(device)] + [copy.deepcopy(module).to(device) for _ in range(copies - 1)]
    return [runner(m) for m in instances], float("nan")


def _warm(runs: list, cfg: TimingConfig) -> None:
    for _ in range(cfg.warmup):
        for run in runs:
            run()


def _timer(cfg: TimingConfig):
    return _cuda_ms if cfg.runtime == "torch" and cfg.provider == "cuda" else _wall_ms


def _wall_ms(run) -> float:
    t = time.perf_counter_ns()
    run()
    return (time.perf_counter_ns() - t) / 1e6


def _cuda_ms(run) -> float:
    """GPU time between CUDA events around the run."""
    import torch

    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    run()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end)
