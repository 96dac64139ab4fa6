"""Parallel evaluation inside one run: `evaluator.workers=N` worker processes, each with its own
copy of the problem, each evaluating one genome at a time (optionally each on its own device,
`evaluator.devices=[cuda:0,cuda:1]`).

A worker builds its problem from the run's problem config (a base model is loaded from the model
cache that the run's own build filled), so nothing large is pickled. Every result carries the
fingerprint of the worker's problem, and a result whose fingerprint differs from the run's is
refused: a worker computes exactly what the serial evaluator would, so records and trajectories
equal serial evaluation's. On a CPU machine the cores are the devices: give each worker its
share with `problem.threads` (part of the fingerprint, so set it the same for a serial run that
should match).
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Iterator

import numpy as np

from hamp_bench.errors import ConfigError

_problem = None  # the worker's own problem (set by _start)


def _start(problem_cfg: dict, devices: list[str], counter) -> None:
    """Worker initializer: ignore Ctrl-C (the run's process handles it) and build the problem,
    on the worker's device if devices are given."""
    global _problem
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from hamp_bench.components import build

    with counter.get_lock():
        index = counter.value
        counter.value += 1
    if devices:
        problem_cfg = {**problem_cfg, "device": devices[index % len(devices)]}
    _problem = build(problem_cfg, "problem")


def _evaluate(genome: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, Any], float, str]:
    t = time.perf_counter()
    ev = _problem.evaluate(genome[None, :])
    extras = {k: np.asarray(v)[0].item() for k, v in ev.extras.items()}
    return ev.F[0], ev.G[0], extras, time.perf_counter() - t, _problem.fingerprint()


def check_devices(devices: list[str], problem_device: str | None) -> None:
    """Refuse devices that this machine lacks, or of another kind than the problem's device."""
    if not devices:
        return
    import torch

    for name in devices:
        try:
            device = torch.device(name)
        except (RuntimeError, ValueError) as e:
            raise ConfigError(f"evaluator.devices: {name!r} is not a torch device ({e})") from e
        if device.type == "cuda":
            count = torch.cuda.device_count() if torch.cuda.is_available() else 0
            if (device.index or 0) >= count:
                raise ConfigError(
                    f"evaluator.devices names {name}, but this machine has {count} CUDA "
                    f"device(s){f' (cuda:0 to cuda:{count - 1})' if count else ''}; list only "
                    "devices that exist, or drop evaluator.devices"
                )
        if problem_device is not None and torch.device(problem_device).type != device.type:
            raise ConfigError(
                f"evaluator.devices names {name}, but problem.device={problem_device}: the "
                "run's fingerprint says where evaluations run, so the workers' devices must be "
                f"of that kind (set problem.device={device.type})"
            )


class WorkerPool:
    """N processes evaluating genomes of one problem; `evaluate` yields results as they finish."""

    def __init__(self, problem_cfg: dict, fingerprint: str, workers: int, devices: list[str] = ()):
        if workers < 1:
            raise ConfigError(
                f"evaluator.workers must be at least 1 (1: evaluate in the run's own process), "
                f"got {workers}"
            )
        self.fingerprint = fingerprint
        ctx = mp.get_context("spawn")  # never fork a process that holds torch's thread pools
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_start,
            initargs=(problem_cfg, list(devices), ctx.Value("i", 0)),
        )

    def evaluate(self, X: np.ndarray, rows: list[int]) -> Iterator[tuple]:
        """(row, objectives, constraint values, extras, seconds, False) of each row, in the
        order they finish."""
        futures = {self._executor.submit(_evaluate, X[i]): i for i in rows}
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=futures.get):
                    F, G, extras, seconds, fingerprint = future.result()
                    if fingerprint != self.fingerprint:
                        raise ConfigError(
                            "a worker's problem has another fingerprint than the run's (its "
                            "device, threads or base model differ); give evaluator.devices of "
                            "one GPU model, and keep problem.threads the same for every worker"
                        )
                    yield futures[future], F, G, extras, seconds, False
        except BrokenProcessPool as e:
            raise RuntimeError(
                "an evaluation worker died (out of memory, or killed); the record is kept and "
                "the same command continues it"
            ) from e
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
