"""`python -m hamp_bench.record_latency network=vgg16 dataset=cifar10 out=tables/my_device`:
record a latency table for a network on the machine this runs on
(problems/hardware/recorder.py). Config: conf/record_latency.yaml, schema `RecordLatencyConfig`
(the network and dataset groups of the run config tree; `timing` is the one `TimingConfig`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import hydra
from omegaconf import MISSING, DictConfig, OmegaConf

from hamp_bench.cli.configs import register_tool
from hamp_bench.cli.errors import cli_errors
from hamp_bench.errors import ConfigError
from hamp_bench.problems.hardware.settings import RecordingSettings
from hamp_bench.problems.hardware.timing import TimingConfig

PROG = "hamp_bench.record_latency"


@dataclass
class RecordLatencyConfig(RecordingSettings):
    """The recording settings (declared once, problems/hardware/settings.py) plus what to record
    and where."""

    network: Any = MISSING
    dataset: Any = MISSING  # sets the input (channels, image size, classes); no data is read
    out: str = MISSING  # folder for table.csv, checkpoints.csv, manifest.yaml
    timing: TimingConfig = field(default_factory=TimingConfig)


def _left_behind(out: str) -> str:
    partial = Path(out).expanduser() / "partial.csv"
    if partial.is_file():
        return f"the timings made so far are in {partial}; the same command resumes the recording"
    return "no timings were recorded"


def main() -> None:
    with cli_errors(PROG):
        register_tool("record_latency_schema", RecordLatencyConfig, ("network", "dataset"))
        _app()


@hydra.main(version_base="1.3", config_path="pkg://hamp_bench.conf", config_name="record_latency")
def _app(cfg: DictConfig) -> None:
    with cli_errors(PROG):
        if OmegaConf.is_missing(cfg, "out"):
            raise ConfigError("out=<folder> is required: where table.csv and manifest.yaml go")
    with cli_errors(PROG, lambda: _left_behind(cfg.out)):
        from hamp_bench.problems.datasets import dataset_shape
        from hamp_bench.problems.hardware.recorder import RecordingPlan, record_table
        from hamp_bench.problems.hardware.table import NetworkShape

        channels, size, classes = dataset_shape(OmegaConf.to_container(cfg.dataset))
        shape = NetworkShape(cfg.network.name, float(cfg.network.width), channels, size, classes)
        plan = RecordingPlan(shape, **{f.name: cfg[f.name] for f in fields(RecordingSettings)})
        table = record_table(plan, OmegaConf.to_object(cfg.timing), cfg.out)
    m = table.manifest
    print(
        f"recorded {len(table.entries)} layer configurations of {shape.name} in {table.path}\n"
        f"  fixed cost {m['fixed_ms']:.3f} ms; whole-network check points: MAPE "
        f"{m['checkpoints']['mape']:.1%} over {m['checkpoints']['n']}"
    )
