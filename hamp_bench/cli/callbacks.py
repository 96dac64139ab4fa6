"""Hydra callbacks of the suite's entry points.

`OutputDirCheck` tries the run (or sweep) folder before Hydra writes into it, so that a folder
that cannot be written ends in one `hamp_bench: error: ...` line and exit code 2 instead of
Hydra's traceback.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf


def _check_writable(config: DictConfig, key: str, fix: str) -> None:
    try:
        folder = OmegaConf.select(config, key, throw_on_resolution_failure=True)
    except Exception:  # a user's interpolation that resolves only later: Hydra will say
        return
    if folder is None:
        return
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".hamp_bench_probe"):
            pass
    except OSError as e:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(
            f"hamp_bench: error: cannot write the run record into {folder} "
            f"({e.strerror or e}); {fix}",
            file=sys.stderr,
        )
        sys.exit(2)


class OutputDirCheck(Callback):
    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        _check_writable(
            config, "hydra.run.dir", "point hydra.run.dir=... at a folder you can write to"
        )

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        _check_writable(
            config, "hydra.sweep.dir", "point hydra.sweep.dir=... at a folder you can write to"
        )
