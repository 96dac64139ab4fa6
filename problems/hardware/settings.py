"""What the two hardware tools are asked to do, each declared once and free of torch: the
recorder's `RecordingSettings` and the table check's `ValidationSettings`. The command-line
schemas (hamp_bench/cli/record_latency.py, validate_table.py) extend them, and the Python API
(problems/hardware/recorder.py, validation.py) takes them, so both share one set of defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(kw_only=True)
class RecordingSettings:
    levels: int = 16
    round_to: int = 1
    batch: int = 1
    checkpoints: int = 5  # whole networks timed: the unpruned one plus random pruned ones
    seed: int = 0
    device_name: str = ""  # free text for the manifest (default: this machine's processor)
    power_mode: str = "unknown"  # e.g. "nvpmodel 0 (MAXN)" on a Jetson
    # time each layer among copies of itself whose weights total at least this many MB (at most
    # MAX_COPIES), so that its weights come from memory as inside a network; 0: one copy, warm
    context_mb: float = 32.0
    passes: int = 3  # each configuration timed in this many shuffled passes (recorder.py)


@dataclass(kw_only=True)
class ValidationSettings:
    n: int = 30  # random pruned networks timed live
    seed: int = 0
    levels: int = 16
    round_to: int = 1
    rounds: int = 10  # the n networks are timed interleaved, in this many rounds
