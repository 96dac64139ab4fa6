"""`python -m hamp_bench.pretrain problem=...`: train and cache a problem's base model ahead of
time (e.g. on a GPU machine with problem.device=cuda), with the same config tree as a run."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from hamp_bench.config import register_configs
from hamp_bench.cli_errors import user_errors
from hamp_bench.errors import ConfigError
from hamp_bench.runner import build

register_configs()


@hydra.main(version_base="1.3", config_path="pkg://hamp_bench.conf", config_name="config")
def main(cfg: DictConfig) -> None:
    with user_errors("hamp_bench.pretrain"):
        if "pretrain" not in cfg.problem:
            raise ConfigError(f"problem={cfg.problem.name} has no base model to pretrain; "
                              "choose a pruning problem such as problem=vgg16_jetson")
        problem = build(cfg.problem, "problem")
    meta = problem.base_meta
    print(f"base model: {meta['path']}\n"
          f"  {meta['network']['name']} on {meta['dataset']['name']}: validation error "
          f"{meta['val_error']:.4f}, test error {meta['test_error']:.4f}, "
          f"trained in {meta['train_seconds']:.0f} s")


if __name__ == "__main__":
    main()
