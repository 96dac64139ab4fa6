"""The problem a bench measures, composed from the suite's configs as `python -m hamp_bench`
would (preset plus Hydra overrides), then built."""

from __future__ import annotations

from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

from hamp_bench.cli.configs import register_configs
from hamp_bench.components import build


def build_problem(name: str, overrides: list[str] = ()) -> tuple[object, DictConfig]:
    """The built problem `name` and its resolved config."""
    register_configs()
    with initialize_config_module(config_module="hamp_bench.conf", version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"problem={name}", *overrides])
    OmegaConf.resolve(cfg)
    return build(cfg.problem, "problem"), cfg
