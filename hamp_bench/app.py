"""`python -m hamp_bench`: the Hydra application (single runs and multirun sweeps)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from hamp_bench.cli_errors import user_errors
from hamp_bench.config import register_configs
from hamp_bench.errors import RunInterrupted
from hamp_bench.records import RUN_JSON
from hamp_bench.runner import run_experiment
from hamp_bench.signals import sigterm_raises

log = logging.getLogger("hamp_bench")
register_configs()


def main() -> None:
    """The command line: the Hydra app, plus a clean exit for Ctrl-C while Hydra itself is still
    setting up (before the run's own handler is in place)."""
    try:
        _app()
    except KeyboardInterrupt:
        print("hamp_bench: interrupted before the run began; there is no run record",
              file=sys.stderr)
        sys.exit(130)


@hydra.main(version_base="1.3", config_path="pkg://hamp_bench.conf", config_name="config")
def _app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)
    try:
        with user_errors("hamp_bench"), sigterm_raises():
            outcome = run_experiment(cfg, run_dir, overrides=list(hc.overrides.task))
    except (KeyboardInterrupt, RunInterrupted) as e:
        sigterm = isinstance(e, RunInterrupted)
        where = (f"the partial record is in {run_dir}" if (run_dir / RUN_JSON).exists() else
                 "it stopped before the run began (building the problem, e.g. pretraining), so "
                 "there is no run record")
        print(f"hamp_bench: {'terminated' if sigterm else 'interrupted'}; {where}", file=sys.stderr)
        sys.exit(143 if sigterm else 130)
    log.info("%s: %d evaluations, front of %d, record in %s", outcome.status,
             outcome.evaluator.used, len(outcome.evaluator.front), run_dir)
