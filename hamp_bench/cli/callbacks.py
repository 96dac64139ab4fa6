"""Hydra callbacks of the suite's entry points.

`OutputDirCheck` tries the run (or sweep) folder before Hydra writes into it, so that a folder
that cannot be written ends in one `hamp_bench: error: ...` line and exit code 2 instead of
Hydra's traceback. `SweepSummary` ends a multirun with one line saying how many cells were
skipped (their record was complete), resumed, and run anew.
"""

from __future__ import annotations

import json
import logging
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


log = logging.getLogger("hamp_bench")


def _cells(sweep_dir: Path) -> dict[str, tuple]:
    """Each cell folder's record state (status, resumes, finished_at) and when Hydra last
    wrote its `.hydra/hydra.yaml` (every job it launches rewrites that, skipped or not). Cells
    may be nested (`hydra.sweep.subdir=${problem.name}/${algorithm.name}/seed${seed}`)."""
    states = {}
    for marker in sweep_dir.rglob(".hydra/hydra.yaml") if sweep_dir.is_dir() else ():
        cell = marker.parent.parent
        try:
            launched = marker.stat().st_mtime_ns
        except OSError:
            continue
        state = None
        try:
            c = json.loads((cell / "run.json").read_text())
            state = (c.get("status"), len(c.get("resumed") or []), c.get("finished_at"))
        except (OSError, ValueError):
            pass
        states[str(cell.relative_to(sweep_dir))] = (state, launched)
    return states


class SweepSummary(Callback):
    """Compares the sweep folder's cell records before and after a multirun, counting only the
    cells this multirun launched (works with any launcher whose jobs write to a filesystem this
    process sees)."""

    def __init__(self) -> None:
        self._before: dict[str, tuple] = {}

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        self._before = _cells(Path(config.hydra.sweep.dir))

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        kinds = {"skipped (complete)": 0, "resumed": 0, "new": 0, "not completed": 0}
        for cell, (state, launched) in _cells(Path(config.hydra.sweep.dir)).items():
            before, before_launched = self._before.get(cell, (None, None))
            if launched == before_launched:
                continue  # a cell of the folder that this command did not launch
            if state is None or state[0] != "completed":
                kinds["not completed"] += 1
            elif before is None:
                kinds["new"] += 1
            elif before == state:
                kinds["skipped (complete)"] += 1
            else:
                kinds["resumed" if state[1] > before[1] else "new"] += 1
        summary = ", ".join(f"{n} {k}" for k, n in kinds.items())
        log.info("sweep %s: %s", config.hydra.sweep.dir, summary)
