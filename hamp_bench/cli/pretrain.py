"""`python -m hamp_bench.pretrain problem=...`: train and cache a problem's base model (and an
EMOMC problem's pre-pruned checkpoints) ahead of time (e.g. on a GPU machine with
problem.device=cuda), with the same config tree as a run."""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from hamp_bench.cli.configs import register_configs, searchpath_dirs
from hamp_bench.cli.errors import cli_errors
from hamp_bench.components import build
from hamp_bench.errors import ConfigError

PROG = "hamp_bench.pretrain"


def main() -> None:
    with cli_errors(PROG, lambda: "no base model was saved"):
        register_configs(searchpath_dirs(sys.argv[1:]))
        _app()


@hydra.main(version_base="1.3", config_path="pkg://hamp_bench.conf", config_name="config")
def _app(cfg: DictConfig) -> None:
    with cli_errors(PROG, lambda: "no base model was saved"):
        if "pretrain" not in cfg.problem:
            raise ConfigError(
                f"problem={cfg.problem.name} has no base model to pretrain; "
                "choose a pruning problem such as problem=vgg16_jetson"
            )
        problem = build(cfg.problem, "problem")
    meta = problem.base_meta
    print(
        f"base model: {meta['path']}\n"
        f"  {meta['network']['name']} on {meta['dataset']['name']}: validation error "
        f"{meta['val_error']:.4f}, test error {meta['test_error']:.4f}, "
        f"trained in {meta['train_seconds']:.0f} s"
    )
    for ck in getattr(problem, "checkpoint_meta", []):  # EMOMC's pre-pruned checkpoints
        if "path" in ck:
            print(
                f"pre-pruned checkpoint: {ck['path']}\n  density {ck['density']:g}: validation "
                f"error {ck['val_error']:.4f}, built in {ck['train_seconds']:.0f} s "
                f"({ck['source']})"
            )
