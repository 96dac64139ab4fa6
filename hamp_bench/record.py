"""`python -m hamp_bench.record network=vgg16 dataset=cifar10 out=tables/my_device`: record a
latency table for a network on the machine this runs on (problems/hardware/recorder.py)."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig, OmegaConf

from hamp_bench.cli_errors import user_errors
from hamp_bench.config import register_configs
from hamp_bench.problems.datasets import dataset_shape
from hamp_bench.problems.hardware.recorder import RecordingPlan, record_table
from hamp_bench.problems.hardware.table import NetworkShape
from hamp_bench.problems.hardware.timing import TimingConfig

register_configs()


@hydra.main(version_base="1.3", config_path="pkg://hamp_bench.conf", config_name="record")
def main(cfg: DictConfig) -> None:
    with user_errors("hamp_bench.record"):
        channels, size, classes = dataset_shape(OmegaConf.to_container(cfg.dataset))
        shape = NetworkShape(cfg.network.name, float(cfg.network.width), channels, size, classes)
        plan = RecordingPlan(shape, cfg.levels, cfg.round_to, cfg.batch, cfg.checkpoints, cfg.seed,
                             cfg.device_name, cfg.power_mode, cfg.context_mb,
                             cfg.passes)
        table = record_table(plan, TimingConfig(**cfg.timing), cfg.out)
    m = table.manifest
    print(f"recorded {len(table.entries)} layer configurations of {shape.name} in {table.path}\n"
          f"  fixed cost {m['fixed_ms']:.3f} ms; whole-network check points: MAPE "
          f"{m['checkpoints']['mape']:.1%} over {m['checkpoints']['n']}")


if __name__ == "__main__":
    main()
