"""`python -m hamp_bench`: the Hydra application (single runs and multirun sweeps)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from hamp_bench.config import register_configs
from hamp_bench.errors import UserError
from hamp_bench.runner import run_experiment

log = logging.getLogger("hamp_bench")
register_configs()


@hydra.main(version_base="1.3", config_path="pkg://hamp_bench.conf", config_name="config")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)
    try:
        outcome = run_experiment(cfg, run_dir, overrides=list(hc.overrides.task))
    except UserError as e:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(f"hamp_bench: error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"hamp_bench: interrupted; the partial record is in {run_dir}", file=sys.stderr)
        sys.exit(130)
    log.info("%s: %d evaluations, front of %d, record in %s", outcome.status,
             outcome.evaluator.used, len(outcome.evaluator.front), run_dir)
