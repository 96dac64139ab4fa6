"""`python -m hamp_bench.validate_table network=vgg16 hardware=table hardware.path=... n=30`:
how well a latency table predicts live measurement here (problems/hardware/validation.py)."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig, OmegaConf

from hamp_bench.cli_errors import user_errors
from hamp_bench.config import register_configs
from hamp_bench.errors import ConfigError
from hamp_bench.problems.datasets import dataset_shape
from hamp_bench.problems.hardware import build_profile
from hamp_bench.problems.hardware.table import NetworkShape
from hamp_bench.problems.hardware.timing import TimingConfig
from hamp_bench.problems.hardware.validation import validate

register_configs()


@hydra.main(version_base="1.3", config_path="pkg://hamp_bench.conf", config_name="validate_table")
def main(cfg: DictConfig) -> None:
    with user_errors("hamp_bench.validate_table"):
        profile = build_profile(OmegaConf.to_container(cfg.hardware))
        if profile.live or cfg.hardware.name == "macs":
            raise ConfigError(f"hardware={cfg.hardware.name} is not a table; choose hardware=table "
                              "hardware.path=<folder> or hardware=jetson_nano")
        channels, size, classes = dataset_shape(OmegaConf.to_container(cfg.dataset))
        shape = NetworkShape(cfg.network.name, float(cfg.network.width), channels, size, classes)
        out = cfg.out or f"validation/{shape.name}"
        s = validate(profile, shape, TimingConfig(**cfg.timing), cfg.n, out, cfg.levels,
                     cfg.round_to, cfg.seed, cfg.rounds)
    print(f"{shape.name}: {s['n']} random pruned networks, table vs live here: Kendall tau "
          f"{s['kendall_tau']:.3f}, Spearman {s['spearman_rho']:.3f}, MAPE {s['mape']:.1%}\n"
          f"  written to {out}/ (validation.csv, validation.json, scatter.png/pdf)")
    if s["mismatch"]:
        print(f"  note: the table was timed differently from this check ({'; '.join(s['mismatch'])});"
              " set timing.* to the table's manifest for a like-for-like check")


if __name__ == "__main__":
    main()
