"""`python -m hamp_bench`: the Hydra application (single runs and multirun sweeps)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from hamp_bench.cli.configs import register_configs, searchpath_dirs
from hamp_bench.cli.errors import cli_errors
from hamp_bench.cli.summary import summarise_run
from hamp_bench.run_record import RUN_JSON
from hamp_bench.runner import run_experiment
from hamp_bench.signals import sigterm_raises

log = logging.getLogger("hamp_bench")
PROG = "hamp_bench"


def main() -> None:
    """The command line; Ctrl-C while Hydra is still setting up also ends cleanly."""
    with cli_errors(PROG):
        register_configs(searchpath_dirs(sys.argv[1:]))
        _app()


@hydra.main(version_base="1.3", config_path="pkg://hamp_bench.conf", config_name="config")
def _app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)

    def left_behind() -> str:
        try:
            status = json.loads((run_dir / RUN_JSON).read_text()).get("status")
        except (OSError, ValueError):
            status = None
        if status == "completed":  # the signal came while the finished record was written
            return f"the run had completed: its record in {run_dir} is complete"
        if status is not None:
            return f"the partial record is in {run_dir}"
        return (
            "it stopped before the run began (building the problem, e.g. pretraining), so "
            "there is no run record"
        )

    with cli_errors(PROG, left_behind), sigterm_raises():
        outcome = run_experiment(cfg, run_dir, overrides=list(hc.overrides.task))
    if outcome.evaluator is None:  # skipped: the folder held this run's complete record
        return
    log.info(
        "%s%s: %d evaluations (%d replayed from the record), front of %d, record in %s",
        outcome.status,
        " (resumed)" if outcome.action == "resumed" else "",
        outcome.evaluator.used,
        outcome.evaluator.replayed,
        len(outcome.evaluator.front),
        run_dir,
    )
    if outcome.status == "completed":
        s = cfg.summary
        table = hc.mode == RunMode.RUN if s.table is None else s.table
        figure = outcome.problem.expensive if s.figure is None else s.figure
        if table or figure:
            with cli_errors(PROG, lambda: f"the run's record in {run_dir} is complete"):
                print(summarise_run(outcome.problem, run_dir, table, figure), flush=True)
