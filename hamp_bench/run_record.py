"""The run record: evaluations.csv, front.csv, run.json and algorithm.json (contract in
docs/records.md).

Every file is replaced atomically (write a temporary file, then rename), so a run killed at any
moment leaves complete files. evaluations.csv is rewritten from memory at most every
`flush_every_s` seconds and at the end: on disk it is always a complete CSV of a prefix of the
run's evaluations, at most that many seconds behind.
"""

from __future__ import annotations

import json
import os
import platform
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from hamp_bench.atomic import atomic_write_text

#: 2: config key `record` became `run_record`, GA settings moved under `algorithm.variation`,
#: every algorithm parameter is in run.json, algorithm.json (telemetry) may be written
RECORD_VERSION = 2
EVALUATIONS = "evaluations.csv"
FRONT = "front.csv"
RUN_JSON = "run.json"
#: columns that may differ between two runs of the same config and seed
TIMING_COLUMNS = ("cached", "wall_s")
_VERSIONED = (
    "hamp-bench",
    "numpy",
    "pymoo",
    "Platypus-Opt",
    "hydra-core",
    "omegaconf",
    "pandas",
    "scipy",
    "moocore",
    "scikit-learn",
    "torch",
    "onnxruntime",
)


def evaluation_columns(
    var_names: list[str], objective_names: list[str], extra_names: list[str]
) -> list[str]:
    return ["eval_id", "batch", *var_names, *objective_names, *TIMING_COLUMNS, *extra_names]


def _cell(v: Any) -> str:
    # repr of a Python float is the shortest string that round-trips exactly
    return repr(v) if isinstance(v, float) else str(v)


def _render_rows(block: np.ndarray) -> list[str]:
    """CSV cells of a 2-D block, one string per row, in one C-level repr of the nested list
    (the same shortest round-trip float formatting as repr(), without a Python call per cell)."""
    if block.shape[1] == 0:
        return [""] * len(block)
    return repr(block.tolist())[2:-2].replace(", ", ",").split("],[")


class EvaluationLog:
    """evaluations.csv, kept in memory as rendered lines and flushed atomically."""

    def __init__(self, path: Path, columns: list[str], flush_every_s: float = 1.0):
        self.path = path
        self.header = ",".join(columns)
        self.lines: list[str] = []
        self.flush_every_s = flush_every_s
        self._last_flush = -float("inf")
        self.flush()

    def append(
        self,
        eval_ids: np.ndarray,
        batch: int,
        X: np.ndarray,
        F: np.ndarray,
        cached: np.ndarray,
        wall_s: np.ndarray,
        extras: list[np.ndarray],
    ) -> None:
        n = len(eval_ids)
        blocks = [
            np.c_[eval_ids, np.full(n, batch)],
            X,
            F,
            np.asarray(cached, dtype=bool)[:, None],
            np.asarray(wall_s, dtype=float)[:, None],
        ]
        if extras:
            blocks.append(np.column_stack([np.asarray(e) for e in extras]))
        self.lines.extend(map(",".join, zip(*(_render_rows(b) for b in blocks))))
        if time.monotonic() - self._last_flush >= self.flush_every_s:
            self.flush()

    def flush(self) -> None:
        atomic_write_text(self.path, "\n".join([self.header, *self.lines]) + "\n")
        self._last_flush = time.monotonic()

    def write_subset(self, path: Path, ids: np.ndarray, extra: dict[str, np.ndarray]) -> None:
        """Write the rows `ids` (with extra columns appended) to another CSV, e.g. front.csv."""
        header = ",".join([self.header, *extra]) if extra else self.header
        cols = [np.asarray(v).tolist() for v in extra.values()]
        rows = []
        for j, i in enumerate(np.asarray(ids).tolist()):
            rows.append(",".join([self.lines[i], *(_cell(c[j]) for c in cols)]))
        atomic_write_text(path, "\n".join([header, *rows]) + "\n")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in _VERSIONED:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class RunJson:
    """run.json: written when the run starts (status running) and again when it ends."""

    def __init__(self, path: Path, content: dict[str, Any]):
        self.path = path
        self.content = {
            "record_version": RECORD_VERSION,
            "status": "running",
            **content,
            "started_at": now_iso(),
            "versions": package_versions(),
            "host": {
                "node": platform.node(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
        }
        self.write()

    def update(self, **fields: Any) -> None:
        self.content.update(fields)
        self.write()

    def write(self) -> None:
        atomic_write_text(
            self.path, json.dumps(self.content, indent=2, default=_json_default) + "\n"
        )


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.tolist()
    return str(obj)
