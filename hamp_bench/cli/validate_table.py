"""`python -m hamp_bench.validate_table network=vgg16 hardware=table hardware.path=... n=30`:
how well a latency table predicts live measurement here (problems/hardware/validation.py).
Config: conf/validate_table.yaml, schema `ValidateTableConfig` (the network, dataset and
hardware groups of the run config tree; `timing` is the one `TimingConfig`, for the live side)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Optional

import hydra
from omegaconf import MISSING, DictConfig, OmegaConf

from hamp_bench import components
from hamp_bench.cli.configs import register_tool
from hamp_bench.cli.errors import cli_errors
from hamp_bench.errors import ConfigError
from hamp_bench.problems.hardware.settings import ValidationSettings
from hamp_bench.problems.hardware.timing import TimingConfig

PROG = "hamp_bench.validate_table"


@dataclass
class ValidateTableConfig(ValidationSettings):
    """The validation settings (declared once, problems/hardware/settings.py) plus the table,
    the network it describes and where to write."""

    network: Any = MISSING
    dataset: Any = MISSING  # sets the input (channels, image size, classes); no data is read
    hardware: Any = MISSING  # a table profile: hardware=table hardware.path=... or jetson_nano
    out: Optional[str] = None  # default: validation/<network> in the working directory
    timing: TimingConfig = field(default_factory=TimingConfig)


def main() -> None:
    with cli_errors(PROG):
        register_tool(
            "validate_table_schema", ValidateTableConfig, ("network", "dataset", "hardware")
        )
        _app()


@hydra.main(version_base="1.3", config_path="pkg://hamp_bench.conf", config_name="validate_table")
def _app(cfg: DictConfig) -> None:
    with cli_errors(PROG):
        from hamp_bench.problems.datasets import dataset_shape
        from hamp_bench.problems.hardware.table import NetworkShape
        from hamp_bench.problems.hardware.table_profile import TableProfile
        from hamp_bench.problems.hardware.validation import validate

        profile = components.build(cfg.hardware, "hardware")
        if not isinstance(profile, TableProfile):
            raise ConfigError(
                f"hardware={cfg.hardware.name} is not a table; choose hardware=table "
                "hardware.path=<folder> or hardware=jetson_nano"
            )
        channels, size, classes = dataset_shape(OmegaConf.to_container(cfg.dataset))
        shape = NetworkShape(cfg.network.name, float(cfg.network.width), channels, size, classes)
        out = cfg.out or f"validation/{shape.name}"
        settings = ValidationSettings(**{f.name: cfg[f.name] for f in fields(ValidationSettings)})
        s = validate(profile, shape, OmegaConf.to_object(cfg.timing), out, settings)
    print(
        f"{shape.name}: {s['n']} random pruned networks, table vs live here: Kendall tau "
        f"{s['kendall_tau']:.3f}, Spearman {s['spearman_rho']:.3f}, MAPE {s['mape']:.1%}\n"
        f"  written to {out}/ (validation.csv, validation.json, scatter.png/pdf)"
    )
    if s["mismatch"]:
        print(
            f"  note: the table was timed differently from this check ({'; '.join(s['mismatch'])});"
            " set timing.* to the table's manifest for a like-for-like check"
        )
